#!/usr/bin/env bash
# Benchmark: `redback check` vs `redis-check-rdb` on the same >= 1 GB RDB of mixed types.
#
#   bench/rdb-check.sh [--regen] [--runs N] [--also-opts "JVM OPTIONS"]... [--label TEXT] [--no-record]
#
# 1. Builds the dataset (unless a file from an earlier run is there): a throwaway redis-server on a
#    free 127.0.0.1 port in $BENCH_OUT, DEBUG POPULATE for the bulk of the small strings, then
#    bench/gen-dataset.py | redis-cli --pipe for the rest (ints, ~1 KB values, small listpack/intset
#    aggregates, big quicklist/hashtable/skiplist/set/stream keys, a 100 MB string); SAVE; shutdown.
# 2. Reads the file once untimed (page cache), builds target/redback.jar when stale (untimed),
#    runs `bin/redback check --json` once untimed (it says what the file holds), then times each
#    tool --runs times under /usr/bin/time -v, alternating the order, and prints a markdown table (min/median wall time,
#    MB/s, peak RSS, speed-up over redis-check-rdb).
# 3. Inserts the run (date, machine, dataset, table) at the top of the
#    "## redback check vs redis-check-rdb" section of bench/RESULTS.md (not with --no-record).
#
# See bench/README.md for every option and environment variable.
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

out="${BENCH_OUT:-$here/out}"
scale="${BENCH_SCALE:-1}"
runs="${BENCH_RUNS:-3}"
compression="${BENCH_RDBCOMPRESSION:-yes}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
redis_server="${REDIS_SERVER:-redis-server}"
redis_cli="${REDIS_CLI:-redis-cli}"
redis_check_rdb="${REDIS_CHECK_RDB:-redis-check-rdb}"
regen=0
record=1
label=""
also_opts=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --regen) regen=1 ;;
    --runs) runs="$2"; shift ;;
    --also-opts) also_opts+=("$2"); shift ;;
    --label) label="$2"; shift ;;
    --no-record) record=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "rdb-check.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "rdb-check.sh: --runs wants a positive integer" >&2; exit 2; }

for tool in "$redis_server" "$redis_cli" "$redis_check_rdb" python3 java; do
  command -v "$tool" >/dev/null 2>&1 || { echo "rdb-check.sh: $tool not found on PATH" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "rdb-check.sh: /usr/bin/time (GNU time) is needed: apt-get install time" >&2; exit 2; }

mkdir -p "$out"
if [ -n "${BENCH_RDB:-}" ]; then
  rdb="$BENCH_RDB"
  [ -f "$rdb" ] || { echo "rdb-check.sh: BENCH_RDB=$rdb: no such file" >&2; exit 2; }
elif [ "$scale" = "1" ]; then
  rdb="$out/bench.rdb"
else
  rdb="$out/bench-scale$scale.rdb"
fi

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# 1. The dataset
# ---------------------------------------------------------------------------------------------
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

generate() {
  local work="$out/gen.tmp" port t0 t1 reply
  rm -rf "$work"
  mkdir -p "$work"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  log "generating the dataset (scale $scale, rdbcompression $compression) with $("$redis_server" --version | awk '{print $3}') on 127.0.0.1:$port in $work"
  "$redis_server" --port "$port" --bind 127.0.0.1 --dir "$work" --dbfilename dump.rdb --save '' \
    --appendonly no --daemonize no --enable-debug-command local --rdbcompression "$compression" \
    --rdbchecksum yes --logfile "$work/redis.log" &
  server_pid=$!
  for _ in $(seq 100); do
    "$redis_cli" -p "$port" PING >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { echo "rdb-check.sh: redis-server exited; see $work/redis.log" >&2; exit 2; }
    sleep 0.1
  done
  t0=$(date +%s)
  count() { python3 "$here/gen-dataset.py" --scale "$scale" --print-count "$1"; }
  "$redis_cli" -p "$port" -n 0 DEBUG POPULATE "$(count populate_short)" str >/dev/null
  "$redis_cli" -p "$port" -n 0 DEBUG POPULATE "$(count populate_padded)" pad 1024 >/dev/null
  "$redis_cli" -p "$port" -n 1 DEBUG POPULATE "$(count populate_db1)" db1 >/dev/null
  log "DEBUG POPULATE done in $(( $(date +%s) - t0 )) s; piping the rest"
  reply="$(python3 "$here/gen-dataset.py" --scale "$scale" | "$redis_cli" -p "$port" --pipe 2>&1)"
  echo "$reply" | tail -n 2 >&2
  if ! echo "$reply" | grep -q 'errors: 0,'; then
    echo "rdb-check.sh: redis-cli --pipe reported errors (see above and $work/redis.log)" >&2
    exit 2
  fi
  log "loaded in $(( $(date +%s) - t0 )) s: $("$redis_cli" -p "$port" INFO keyspace | grep '^db' | tr -d '\r' | tr '\n' ' ')" \
    "used_memory $("$redis_cli" -p "$port" INFO memory | grep '^used_memory_human:' | cut -d: -f2 | tr -d '\r')"
  t1=$(date +%s)
  "$redis_cli" -p "$port" SAVE >/dev/null
  log "SAVE took $(( $(date +%s) - t1 )) s"
  "$redis_cli" -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  mv "$work/dump.rdb" "$rdb"
  rm -rf "$work"
  log "wrote $rdb ($(stat -c %s "$rdb") bytes) in $(( $(date +%s) - t0 )) s"
}

if [ "$regen" = 1 ] && [ -n "${BENCH_RDB:-}" ]; then
  echo "rdb-check.sh: --regen and BENCH_RDB do not go together" >&2; exit 2
fi
if [ "$regen" = 1 ] || [ ! -f "$rdb" ]; then
  generate
else
  log "reusing $rdb (--regen to rebuild it)"
fi
size=$(stat -c %s "$rdb")
if [ "$size" -lt 1000000000 ] && [ "$scale" = "1" ] && [ -z "${BENCH_RDB:-}" ]; then
  log "warning: $rdb is only $size bytes (the benchmark wants >= 1 GB)"
fi

# ---------------------------------------------------------------------------------------------
# 2. Timing
# ---------------------------------------------------------------------------------------------
log "warm-up: reading $rdb into the page cache"
cat "$rdb" >/dev/null

# bin/redback rebuilds the jar when src/main or pom.xml is newer, with `mvn package -DskipTests`,
# which still compiles the tests: in a tree where others are mid-edit that can fail, or happen
# inside a timed run. So the jar is brought up to date here, untimed, skipping the tests entirely,
# before every timed redback run; bin/redback then finds it fresh and just runs java.
jar="$root/target/redback.jar"
jar_stale() {
  [ ! -f "$jar" ] || [ "$root/pom.xml" -nt "$jar" ] || [ -n "$(find "$root/src/main" -newer "$jar" -print -quit)" ]
}
ensure_jar() {
  local try
  for try in 1 2 3 4 5 6; do
    jar_stale || return 0
    log "building target/redback.jar (untimed; mvn -o package -Dmaven.test.skip=true)"
    if (cd "$root" && mvn -q -B -o package -Dmaven.test.skip=true) >"$out/build.log" 2>&1; then
      touch "$jar"
      return 0
    fi
    log "build failed (try $try/6; sources may be mid-edit): see $out/build.log; retrying in 30 s"
    sleep 30
  done
  echo "rdb-check.sh: could not build target/redback.jar; see $out/build.log" >&2
  exit 2
}
ensure_jar

log "untimed: bin/redback check --json (describes the dataset)"
check_json="$out/check.json"
if ! "$root/bin/redback" check --json --quiet "$rdb" >"$check_json"; then
  echo "rdb-check.sh: redback did not find $rdb valid:" >&2
  cat "$check_json" >&2
  exit 1
fi

# Tools to time: "label<TAB>REDBACK_JAVA_OPTS or -" ; the first one is the baseline.
tools=("redis-check-rdb	-" "redback${REDBACK_JAVA_OPTS:+ [$REDBACK_JAVA_OPTS]}	${REDBACK_JAVA_OPTS:-}")
for o in "${also_opts[@]+"${also_opts[@]}"}"; do
  tools+=("redback [$o]	$o")
done

samples="$out/samples.tsv"
: >"$samples"
time_one() { # label opts run
  local label="$1" opts="$2" run="$3" tv="$out/time.txt" tl="$out/tool.log" rc=0 wall rss usr sys
  if [ "$label" = redis-check-rdb ]; then
    /usr/bin/time -v -o "$tv" "$redis_check_rdb" "$rdb" >"$tl" 2>&1 || rc=$?
    grep -q 'RDB looks OK' "$tl" || rc=${rc/#0/1}
  else
    # Other people edit src/main while this runs; bin/redback then rebuilds the jar inside the timed
    # run (Maven's time and RSS would be counted). Rebuild untimed first, and redo a run whose jar
    # changed under it.
    local before try
    for try in 1 2 3; do
      ensure_jar
      before="$(stat -c %Y "$jar" 2>/dev/null || echo none)"
      rc=0
      REDBACK_JAVA_OPTS="$opts" /usr/bin/time -v -o "$tv" "$root/bin/redback" check --quiet "$rdb" >"$tl" 2>&1 || rc=$?
      [ "$(stat -c %Y "$jar" 2>/dev/null || echo none)" = "$before" ] && break
      log "run $run: $label: the jar was rebuilt during the run (sources changed); running it again"
    done
  fi
  if [ "$rc" != 0 ]; then
    echo "rdb-check.sh: $label failed (exit $rc):" >&2
    tail -n 20 "$tl" >&2
    exit 1
  fi
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$tv")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
  usr=$(awk -F': ' '/User time \(seconds\)/ {print $2}' "$tv")
  sys=$(awk -F': ' '/System time \(seconds\)/ {print $2}' "$tv")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$run" "$wall" "$rss" "$usr" "$sys" >>"$samples"
  log "run $run: $label: ${wall} s wall, $((rss / 1024)) MiB peak RSS, ${usr}+${sys} s CPU"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$runs"); do
  if [ $((run % 2)) = 1 ]; then
    order=("${tools[@]}")
  else
    order=()
    for ((i=${#tools[@]}-1; i>=0; i--)); do order+=("${tools[$i]}"); done
  fi
  for t in "${order[@]}"; do
    time_one "${t%%	*}" "${t#*	}" "$run"
  done
done

# ---------------------------------------------------------------------------------------------
# 3. Report
# ---------------------------------------------------------------------------------------------
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
machine_cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
machine_ram="$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
java_version="$(java -version 2>&1 | head -n 2 | tr '\n' ' ' | sed 's/ *$//')"
redis_version="$("$redis_check_rdb" --version 2>&1 | head -n 1); $("$redis_server" --version)"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$root" status --porcelain -- src pom.xml 2>/dev/null)" ]; then commit="$commit + uncommitted changes under src/"; fi

report="$out/report.md"
BENCH_DATE="$(date -u)" BENCH_NPROC="$(nproc)" BENCH_CPU="$machine_cpu" BENCH_RAM="$machine_ram" \
BENCH_JAVA="$java_version" BENCH_REDIS="$redis_version" BENCH_KERNEL="$(uname -sr)" BENCH_COMMIT="$commit" \
BENCH_LABEL="$label" BENCH_FILE="$rdb" BENCH_SIZE="$size" BENCH_SCALE_USED="$scale" BENCH_RUNS_USED="$runs" \
BENCH_COMPRESSION="$compression" BENCH_LOAD="before $load_before, after $load_after" \
python3 - "$samples" "$check_json" >"$report" <<'PY'
import json, os, statistics, sys
from collections import OrderedDict

samples, check_json = sys.argv[1], sys.argv[2]
e = os.environ
rows = OrderedDict()
for line in open(samples):
    label, run, wall, rss, usr, sys_ = line.rstrip("\n").split("\t")
    rows.setdefault(label, []).append((float(wall), int(rss), float(usr) + float(sys_)))
size = int(e["BENCH_SIZE"])
base = statistics.median(w for w, _, _ in rows["redis-check-rdb"])
c = json.load(open(check_json))

def mib(kb):
    return f"{kb / 1024:,.0f} MiB"

out = []
title = e["BENCH_DATE"] + (f" — {e['BENCH_LABEL']}" if e.get("BENCH_LABEL") else "")
out.append(f"### {title}")
out.append("")
out.append(f"- machine: {e['BENCH_NPROC']} cores ({e['BENCH_CPU']}), {e['BENCH_RAM']} RAM, {e['BENCH_KERNEL']}")
out.append(f"- java: {e['BENCH_JAVA']}")
out.append(f"- redis: {e['BENCH_REDIS']}")
out.append(f"- redback: commit {e['BENCH_COMMIT']}; `REDBACK_JAVA_OPTS` as in the row label (none when absent)")
out.append(f"- file: `{os.path.basename(e['BENCH_FILE'])}`, {size:,} bytes ({size / 1e9:.2f} GB), RDB version "
           f"{c.get('version')} written by {c.get('writtenBy')}, rdbcompression {e['BENCH_COMPRESSION']}, "
           f"generator scale {e['BENCH_SCALE_USED']}")
types = {}
for db, d in c["databases"].items():
    for t, n in d["types"].items():
        types[t] = types.get(t, 0) + n
out.append(f"- dataset (from `redback check --json`): {c['keys']:,} keys, {c['elements']:,} elements, "
           f"{c['keysWithExpiry']:,} with an expiry; "
           + ", ".join(f"db {db}: {d['keys']:,}" for db, d in c["databases"].items()))
out.append("  - per type: " + ", ".join(f"{t} {n:,}" for t, n in sorted(types.items())))
out.append("  - per encoding: " + ", ".join(f"{k} {n:,}" for k, n in c["encodings"].items()))
out.append(f"- redback's own read time in the untimed `--json` run (no JVM start-up): {c['elapsedMs'] / 1000:.2f} s "
           f"({c['mbPerSecond']:,.0f} MB/s)")
out.append(f"- method: file read once untimed (page cache warm), then {e['BENCH_RUNS_USED']} runs per tool, order "
           f"alternating; wall time and peak RSS from `/usr/bin/time -v`; MB/s = file size / median wall time "
           f"(MB = 10^6 bytes); speed-up = redis-check-rdb median / tool median")
out.append(f"- load average (1/5/15 min) around the timed runs: {e['BENCH_LOAD']} (other work on the machine "
           f"skews the figures: on {e['BENCH_NPROC']} cores a load above ~1 before the runs means they shared the CPU)")
out.append("")
out.append("| tool | file size | wall min | wall median | MB/s | peak RSS (max) | CPU (median) | speed-up |")
out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
verdicts = []
for label, s in rows.items():
    walls = [w for w, _, _ in s]
    med = statistics.median(walls)
    rss = max(r for _, r, _ in s)
    cpu = statistics.median(c_ for _, _, c_ in s)
    out.append(f"| {label} | {size / 1e6:,.0f} MB | {min(walls):.2f} s | {med:.2f} s | {size / 1e6 / med:,.0f} | "
               f"{mib(rss)} | {cpu:.2f} s | {base / med:.2f}x |")
    if label.startswith("redback"):
        verdicts.append((label, base / med, rss))
out.append("")
out.append("Targets: redback check at least 3x faster than redis-check-rdb (wall, median), peak RSS under 300 MB.")
out.append("")
for label, speed, rss in verdicts:
    ok_speed = speed >= 3
    ok_rss = rss * 1024 < 300e6
    out.append(f"- {label}: speed {speed:.2f}x — {'met' if ok_speed else 'MISSED'}; peak RSS "
               f"{rss * 1024 / 1e6:,.0f} MB — {'met' if ok_rss else 'MISSED'}")
out.append("")
out.append("<details><summary>all samples (wall s, peak RSS KiB, CPU s)</summary>")
out.append("")
for label, s in rows.items():
    out.append(f"- {label}: " + "; ".join(f"{w:.2f} s, {r:,} KiB, {c_:.2f} s" for w, r, c_ in s))
out.append("")
out.append("</details>")
print("\n".join(out))
PY

echo
cat "$report"

if [ "$record" = 1 ]; then
  python3 - "$results" "$report" <<'PY'
import os, sys
path, report = sys.argv[1], open(sys.argv[2]).read().rstrip("\n") + "\n"
section = "## redback check vs redis-check-rdb"
marker = "<!-- bench/rdb-check.sh inserts each run below this line, newest first -->"
jmh = "## Micro-benchmarks (JMH)"
if os.path.exists(path):
    text = open(path).read()
else:
    text = ("# Benchmark results\n\nHow these are made and read: `bench/README.md`.\n\n" + section + "\n\n"
            + marker + "\n\n" + jmh + "\n")
if marker not in text:
    block = section + "\n\n" + marker + "\n\n"
    if section in text:
        text = text.replace(section + "\n", block, 1)
    elif jmh in text:
        text = text.replace(jmh, block + jmh, 1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
i = text.index(marker) + len(marker)
text = text[:i] + "\n\n" + report + "\n" + text[i:].lstrip("\n")
open(path, "w").write(text)
PY
  log "recorded in $results"
fi
