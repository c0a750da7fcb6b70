#!/usr/bin/env bash
# Benchmark: `redback check` vs `redis-check-aof` on the same >= 1 GB append-only file.
#
#   bench/aof-check.sh [--regen] [--generator] [--from-head] [--runs N] [--also-opts "JVM OPTIONS"]... [--label TEXT] [--no-record]
#
# 1. Builds the AOF (unless one from an earlier run is there): a throwaway redis-server on a free
#    127.0.0.1 port in $BENCH_OUT with `appendonly yes`, `aof-timestamp-enabled yes` and automatic
#    rewrites off, fed by bench/gen-aof.py | redis-cli --pipe (SET/PXAT, INCR, HSET, LPUSH/RPUSH,
#    SADD, ZADD, XADD, EXPIRE, DEL, MULTI/EXEC, SELECTs over 16 dbs, some 256 KiB-4 MiB values), so
#    Redis itself writes a multi-part appendonlydir (empty RDB base + one incr file >= 1 GB, with
#    #TS annotations). If that fails, or with --generator, gen-aof.py writes a single appendonly.aof
#    directly instead (the record says which).
# 2. Builds redback.jar untimed (`mvn -q -B -o -Dmaven.test.skip=true package` in the working tree;
#    if the tree does not compile, or with --from-head, in a clean clone of the committed HEAD) and copies it to
#    $BENCH_OUT, so that a rebuild by someone else cannot change it between runs. Reads the files
#    once untimed (page cache), runs `redback check --json` and `redis-check-aof` once untimed (both
#    must say valid), then times each tool --runs times under /usr/bin/time -v, alternating the
#    order: `redis-check-aof MANIFEST|FILE` and `java -Xms16m -XX:+UseSerialGC -jar redback.jar
#    check --quiet DIR|FILE` (bin/redback's defaults), and prints a markdown table (min/median wall
#    time, MB/s, peak RSS, speed-up over redis-check-aof).
# 3. Inserts the run (date, machine, dataset, table) at the top of the
#    "## redback check (AOF) vs redis-check-aof" section of bench/RESULTS.md (not with --no-record).
#
# See bench/README.md for every option and environment variable.
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

out="${BENCH_OUT:-$here/out}"
scale="${BENCH_SCALE:-1}"
runs="${BENCH_RUNS:-5}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
redis_server="${REDIS_SERVER:-redis-server}"
redis_cli="${REDIS_CLI:-redis-cli}"
redis_check_aof="${REDIS_CHECK_AOF:-redis-check-aof}"
clone="${BENCH_CLONE:-/tmp/aofbench-src}"
regen=0
force_generator=0
from_head=0
record=1
label=""
also_opts=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --regen) regen=1 ;;
    --generator) force_generator=1 ;;
    --from-head) from_head=1 ;;
    --runs) runs="$2"; shift ;;
    --also-opts) also_opts+=("$2"); shift ;;
    --label) label="$2"; shift ;;
    --no-record) record=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "aof-check.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "aof-check.sh: --runs wants a positive integer" >&2; exit 2; }

for tool in "$redis_check_aof" python3 java; do
  command -v "$tool" >/dev/null 2>&1 || { echo "aof-check.sh: $tool not found on PATH" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "aof-check.sh: /usr/bin/time (GNU time) is needed: apt-get install time" >&2; exit 2; }

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

mkdir -p "$out"
# --generator keeps its file apart, so that both kinds can be timed without rebuilding either.
data="$out/aof"
[ "$force_generator" = 0 ] || data="$out/aof-gen"
[ "$scale" = "1" ] || data="$data-scale$scale"

# ---------------------------------------------------------------------------------------------
# 1. The AOF
# ---------------------------------------------------------------------------------------------
# After this: $target is what redback checks (a directory or a file), $check_aof_arg what
# redis-check-aof gets (the manifest or the file), $parts the files Redis would load, in order.
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

info_field() { "$redis_cli" -p "$1" INFO "$2" | tr -d '\r' | awk -F: -v k="$3" '$1 == k {print $2}'; }

# Writes $data/appendonlydir with a real redis-server; returns non-zero (leaving no files) on failure.
generate_server() {
  local work="$out/aofgen.tmp" port t0 reply i
  for tool in "$redis_server" "$redis_cli"; do
    command -v "$tool" >/dev/null 2>&1 || { log "$tool not found on PATH"; return 1; }
  done
  rm -rf "$work"
  mkdir -p "$work"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  log "generating the AOF (scale $scale) with $("$redis_server" --version | awk '{print $3}') on 127.0.0.1:$port in $work"
  "$redis_server" --port "$port" --bind 127.0.0.1 --dir "$work" --save '' --daemonize no \
    --appendonly yes --appenddirname appendonlydir --appendfilename appendonly.aof --appendfsync no \
    --aof-use-rdb-preamble yes --aof-timestamp-enabled yes --auto-aof-rewrite-percentage 0 \
    --logfile "$work/redis.log" &
  server_pid=$!
  for i in $(seq 100); do
    "$redis_cli" -p "$port" PING >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { log "redis-server exited; see $work/redis.log"; return 1; }
    sleep 0.1
  done
  # Redis 7 writes the base file of a fresh appendonlydir with a rewrite at start-up: wait for it,
  # so that every command lands in the one incr file.
  for i in $(seq 300); do
    [ "$(info_field "$port" persistence aof_rewrite_in_progress)" = 0 ] \
      && [ "$(info_field "$port" persistence aof_rewrite_scheduled)" = 0 ] \
      && [ -f "$work/appendonlydir/appendonly.aof.manifest" ] && break
    sleep 0.1
  done
  t0=$(date +%s)
  reply="$(python3 "$here/gen-aof.py" --scale "$scale" 2>"$work/gen.log" | "$redis_cli" -p "$port" --pipe 2>&1)" || true
  cat "$work/gen.log" >&2
  echo "$reply" | tail -n 2 >&2
  if ! echo "$reply" | grep -q 'errors: 0,'; then
    log "redis-cli --pipe reported errors (see above and $work/redis.log)"
    return 1
  fi
  log "piped in $(( $(date +%s) - t0 )) s; aof_rewrites $(info_field "$port" persistence aof_rewrites)," \
    "used_memory $(info_field "$port" memory used_memory_human)," \
    "$(info_field "$port" keyspace db0 | cut -d, -f1) in db 0"
  [ "$(info_field "$port" persistence aof_rewrites)" = 0 ] || { log "the server rewrote its AOF; the incr file is not whole"; return 1; }
  "$redis_cli" -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true # flushes and fsyncs the AOF
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  rm -rf "$data"
  mkdir -p "$data"
  mv "$work/appendonlydir" "$data/appendonlydir"
  {
    echo "route: redis-server"
    echo "made-by: redis-server $("$redis_server" --version | awk '{print $3}' | sed 's/^v=//') (appendonly yes, aof-timestamp-enabled yes, aof-use-rdb-preamble yes, appendfsync no, auto-aof-rewrite-percentage 0), fed by gen-aof.py --scale $scale | redis-cli --pipe"
    echo "seconds: $(( $(date +%s) - t0 ))"
    grep 'gen-aof.py:' "$work/gen.log" | sed 's/^gen-aof.py: /client-input: /'
  } >"$data/source.txt"
  rm -rf "$work"
}

# Writes $data/appendonly.aof with gen-aof.py alone.
generate_file() {
  local t0
  rm -rf "$data"
  mkdir -p "$data"
  t0=$(date +%s)
  log "generating the AOF (scale $scale) directly with gen-aof.py --format aof"
  python3 "$here/gen-aof.py" --scale "$scale" --format aof --out "$data/appendonly.aof.tmp" 2>"$data/gen.log"
  cat "$data/gen.log" >&2
  mv "$data/appendonly.aof.tmp" "$data/appendonly.aof"
  {
    echo "route: generator"
    echo "made-by: gen-aof.py --scale $scale --format aof, which rewrites the commands as Redis 7.0 propagates them"
    echo "seconds: $(( $(date +%s) - t0 ))"
  } >"$data/source.txt"
  rm -f "$data/gen.log"
}

# Sets $target, $check_aof_arg and $parts from BENCH_AOF or $data; returns 1 when there is nothing.
locate() {
  local p manifest=""
  if [ -n "${BENCH_AOF:-}" ]; then
    p="$BENCH_AOF"
    [ -e "$p" ] || { echo "aof-check.sh: BENCH_AOF=$p: no such file or directory" >&2; exit 2; }
  elif [ -d "$data/appendonlydir" ]; then
    p="$data/appendonlydir"
  elif [ -f "$data/appendonly.aof" ]; then
    p="$data/appendonly.aof"
  else
    return 1
  fi
  target="$p"
  if [ -d "$p" ]; then
    manifest="$(find "$p" -maxdepth 1 -name '*.manifest' | head -n 1)"
    [ -n "$manifest" ] || { echo "aof-check.sh: no *.manifest in $p" >&2; exit 2; }
  elif head -c 4096 "$p" | grep -aq '^file '; then
    manifest="$p"
  fi
  if [ -z "$manifest" ]; then
    check_aof_arg="$p"
    parts=("$p")
    return 0
  fi
  check_aof_arg="$manifest"
  # The files Redis loads: the manifest's base, then its incr files in order (history is not read).
  local dir line name type base=""
  dir="$(dirname "$manifest")"
  parts=()
  while read -r line; do
    name="$(echo "$line" | awk '{for (i=1;i<NF;i++) if ($i=="file") print $(i+1)}')"
    type="$(echo "$line" | awk '{for (i=1;i<NF;i++) if ($i=="type") print $(i+1)}')"
    case "$type" in
      b) base="$dir/$name" ;;
      i) parts+=("$dir/$name") ;;
    esac
  done <"$manifest"
  [ -n "$base" ] && parts=("$base" "${parts[@]+"${parts[@]}"}")
  [ ${#parts[@]} -gt 0 ] || { echo "aof-check.sh: $manifest lists no base or incr file" >&2; exit 2; }
}

if [ "$regen" = 1 ] && [ -n "${BENCH_AOF:-}" ]; then
  echo "aof-check.sh: --regen and BENCH_AOF do not go together" >&2; exit 2
fi
if [ -n "${BENCH_AOF:-}" ]; then
  :
elif [ "$regen" = 1 ] || ! locate; then
  if [ "$force_generator" = 1 ]; then
    generate_file
  elif ! generate_server; then
    cleanup; server_pid=""
    rm -rf "$out/aofgen.tmp"
    log "the redis-server route failed (see above); falling back to gen-aof.py --format aof"
    generate_file
  fi
else
  log "reusing $target (--regen to rebuild it)"
fi
locate
size=0
for p in "${parts[@]}"; do size=$((size + $(stat -c %s "$p"))); done
biggest=0
for p in "${parts[@]}"; do s=$(stat -c %s "$p"); [ "$s" -gt "$biggest" ] && biggest=$s; done
if [ "$biggest" -lt 1000000000 ] && [ "$scale" = "1" ] && [ -z "${BENCH_AOF:-}" ]; then
  log "warning: the largest AOF file is only $biggest bytes (the benchmark wants >= 1 GB)"
fi
route="$(sed -n 's/^route: //p' "$data/source.txt" 2>/dev/null || true)"
made_by="$(sed -n 's/^made-by: //p' "$data/source.txt" 2>/dev/null || true)"
[ -n "${BENCH_AOF:-}" ] && { route="given"; made_by="BENCH_AOF=$BENCH_AOF"; }

# ---------------------------------------------------------------------------------------------
# 2. The jar, untimed, copied out of target/ so that nobody's rebuild changes it between runs
# ---------------------------------------------------------------------------------------------
jar="$out/redback-aof-bench.jar"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
jar_origin=""
build_in_tree() {
  local built="$root/target/redback.jar"
  if [ -f "$built" ] && [ ! "$root/pom.xml" -nt "$built" ] && [ -z "$(find "$root/src/main" -newer "$built" -print -quit)" ]; then
    log "target/redback.jar is up to date"
  else
    log "building target/redback.jar (untimed; mvn -q -B -o -Dmaven.test.skip=true package)"
    (cd "$root" && mvn -q -B -o -Dmaven.test.skip=true package) >"$out/build.log" 2>&1 || return 1
    touch "$built"
  fi
  cp "$built" "$jar.tmp" && mv "$jar.tmp" "$jar"
  jar_origin="working tree at commit $commit"
  if [ -n "$(git -C "$root" status --porcelain -- src/main pom.xml 2>/dev/null)" ]; then
    jar_origin="$jar_origin + uncommitted changes under src/main"
  fi
}
build_in_clone() {
  local head
  log "building from a clean clone of the committed HEAD in $clone (untimed)"
  rm -rf "$clone"
  git clone -q "$root" "$clone"
  head="$(git -C "$clone" rev-parse --short HEAD)"
  (cd "$clone" && mvn -q -B -o -Dmaven.test.skip=true package) >"$out/build.log" 2>&1 || return 1
  cp "$clone/target/redback.jar" "$jar.tmp" && mv "$jar.tmp" "$jar"
  jar_origin="clean clone of the committed HEAD $head"
  [ "$from_head" = 1 ] && jar_origin="$jar_origin (--from-head)" || jar_origin="$jar_origin (the working tree did not compile at the time)"
}
if [ -n "${BENCH_JAR:-}" ]; then
  [ -f "$BENCH_JAR" ] || { echo "aof-check.sh: BENCH_JAR=$BENCH_JAR: no such file" >&2; exit 2; }
  cp "$BENCH_JAR" "$jar"
  jar_origin="BENCH_JAR=$BENCH_JAR"
elif [ "$from_head" = 1 ]; then
  build_in_clone || { echo "aof-check.sh: the clean clone did not build; see $out/build.log" >&2; exit 2; }
elif ! build_in_tree; then
  log "the working tree does not compile (see $out/build.log: $(grep -m1 'ERROR.*\.java' "$out/build.log" | sed 's/^.*src\/main\/java\///' || true))"
  build_in_clone || { echo "aof-check.sh: the clean clone did not build either; see $out/build.log" >&2; exit 2; }
fi
log "redback jar: $jar_origin"

# bin/redback's JVM defaults: -Xms16m, and -XX:+UseSerialGC unless the options name a collector;
# the options are split on spaces, as bin/redback does with REDBACK_JAVA_OPTS.
java_cmd() { # opts -> the command in the array jcmd
  local extra
  jcmd=(java -Xms16m)
  case "$1" in *GC*) ;; *) jcmd+=(-XX:+UseSerialGC) ;; esac
  read -ra extra <<<"$1"
  jcmd+=("${extra[@]+"${extra[@]}"}" -jar "$jar")
}

log "warm-up: reading $(printf '%s ' "${parts[@]##*/}")into the page cache"
cat "${parts[@]}" >/dev/null

log "untimed: redback check --json (describes the AOF)"
check_json="$out/aof-check.json"
java_cmd "${REDBACK_JAVA_OPTS:-}"
if ! "${jcmd[@]}" check --json --quiet "$target" >"$check_json"; then
  echo "aof-check.sh: redback did not find $target valid:" >&2
  cat "$check_json" >&2
  exit 1
fi
log "untimed: redis-check-aof"
check_aof_out="$out/redis-check-aof.txt"
rc=0
"$redis_check_aof" "$check_aof_arg" >"$check_aof_out" 2>&1 || rc=$?
aof_ok() { grep -Eq 'All AOF files and manifest are valid|^AOF .* is valid' "$1"; }
if [ "$rc" != 0 ] || ! aof_ok "$check_aof_out"; then
  echo "aof-check.sh: redis-check-aof did not find $check_aof_arg valid (exit $rc):" >&2
  tail -n 20 "$check_aof_out" >&2
  exit 1
fi
check_aof_verdict="$(grep -E 'All AOF files and manifest are valid|^AOF .* is valid' "$check_aof_out" | tail -n 1)"
check_aof_analyzed="$(grep '^AOF analyzed' "$check_aof_out" | sed 's/^AOF analyzed: //' | paste -sd ';' - | sed 's/;/; /g')"

# Tools to time: "label<TAB>JVM options or -" ; the first one is the baseline.
tools=("redis-check-aof	-" "redback${REDBACK_JAVA_OPTS:+ [$REDBACK_JAVA_OPTS]}	${REDBACK_JAVA_OPTS:-}")
for o in "${also_opts[@]+"${also_opts[@]}"}"; do
  tools+=("redback [$o]	$o")
done

samples="$out/aof-samples.tsv"
: >"$samples"
time_one() { # label opts run
  local label="$1" opts="$2" run="$3" tv="$out/aof-time.txt" tl="$out/aof-tool.log" rc=0 wall rss usr sys
  if [ "$label" = redis-check-aof ]; then
    /usr/bin/time -v -o "$tv" "$redis_check_aof" "$check_aof_arg" >"$tl" 2>&1 || rc=$?
    aof_ok "$tl" || rc=${rc/#0/1}
  else
    java_cmd "$opts"
    /usr/bin/time -v -o "$tv" "${jcmd[@]}" check --quiet "$target" >"$tl" 2>&1 || rc=$?
  fi
  if [ "$rc" != 0 ]; then
    echo "aof-check.sh: $label failed (exit $rc):" >&2
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
# redis-check-aof 7.0 has no --version: name its Debian package when it comes from one.
redis_version="redis-check-aof ($(dpkg -S "$(readlink -f "$(command -v "$redis_check_aof")")" 2>/dev/null | cut -d: -f1 | head -n 1 \
  | xargs -r dpkg-query -W -f '${Package} ${Version}' 2>/dev/null || echo "$(command -v "$redis_check_aof")"))"
redis_version="$redis_version; $("$redis_server" --version 2>/dev/null || echo 'redis-server: not found')"
parts_desc=""
for p in "${parts[@]}"; do parts_desc="$parts_desc${parts_desc:+, }\`${p##*/}\` $(stat -c %s "$p" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') bytes"; done

report="$out/aof-report.md"
BENCH_DATE="$(date -u)" BENCH_NPROC="$(nproc)" BENCH_CPU="$machine_cpu" BENCH_RAM="$machine_ram" \
BENCH_JAVA="$java_version" BENCH_REDIS="$redis_version" BENCH_KERNEL="$(uname -sr)" BENCH_JAR_ORIGIN="$jar_origin" \
BENCH_LABEL="$label" BENCH_TARGET="$target" BENCH_CHECK_AOF_ARG="$check_aof_arg" BENCH_SIZE="$size" \
BENCH_PARTS="$parts_desc" BENCH_ROUTE="$route" BENCH_MADE_BY="$made_by" BENCH_SCALE_USED="$scale" \
BENCH_RUNS_USED="$runs" BENCH_LOAD="before $load_before, after $load_after" \
BENCH_AOF_VERDICT="$check_aof_verdict" BENCH_AOF_ANALYZED="$check_aof_analyzed" \
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
base = statistics.median(w for w, _, _ in rows["redis-check-aof"])
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
out.append(f"- redback: jar built from the {e['BENCH_JAR_ORIGIN']}, run as `java -Xms16m -XX:+UseSerialGC "
           f"-jar redback.jar check --quiet` (bin/redback's defaults); extra JVM options as in the row label")
fmt = {"aof-multipart": "multi-part AOF", "aof": "single AOF"}.get(c.get("format"), c.get("format"))
route = {"redis-server": "written by a real redis-server", "generator": "written directly, no server", "given": "given"}
out.append(f"- file: {fmt} `{os.path.basename(e['BENCH_TARGET'])}` ({route.get(e['BENCH_ROUTE'], e['BENCH_ROUTE'])}: "
           f"{e['BENCH_MADE_BY']}); files read: {e['BENCH_PARTS']}; {size:,} bytes in all ({size / 1e9:.2f} GB); "
           f"redis-check-aof gets `{os.path.basename(e['BENCH_CHECK_AOF_ARG'])}`, redback the "
           f"{'directory' if os.path.isdir(e['BENCH_TARGET']) else 'file'}")
dbs = c.get("databases", {})
tr = c.get("timeRange") or {}
out.append(f"- contents (from `redback check --json`): {c['commands']:,} commands in {len(dbs)} databases "
           f"(db 0: {dbs.get('0', 0):,}), {c['transactions']:,} MULTI/EXEC blocks, {c['annotations']:,} `#TS` annotations"
           + (f" ({tr.get('firstUtc')} .. {tr.get('lastUtc')})" if tr.get("firstUtc") else ""))
out.append("  - top commands: " + ", ".join(f"{k} {n:,}" for k, n in c.get("topCommands", {}).items()))
out.append(f"- verdicts (untimed runs, and every timed run exits 0): redback `{c['verdict']}`; redis-check-aof "
           f"\"{e['BENCH_AOF_VERDICT']}\" ({e['BENCH_AOF_ANALYZED']})")
out.append(f"- redback's own read time in the untimed `--json` run (no JVM start-up): {c['elapsedMs'] / 1000:.2f} s "
           f"({c['mbPerSecond']:,.0f} MB/s)")
out.append(f"- method: files read once untimed (page cache warm), then {e['BENCH_RUNS_USED']} runs per tool, order "
           f"alternating; wall time and peak RSS from `/usr/bin/time -v`; MB/s = bytes read / median wall time "
           f"(MB = 10^6 bytes); speed-up = redis-check-aof median / tool median")
out.append(f"- load average (1/5/15 min) around the timed runs: {e['BENCH_LOAD']} (other work on the machine "
           f"skews the figures: on {e['BENCH_NPROC']} cores a load above ~1 before the runs means they shared the CPU)")
out.append("")
out.append("| tool | bytes read | wall min | wall median | MB/s | peak RSS (max) | CPU (median) | speed-up |")
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
        verdicts.append((label, base / med))
out.append("")
out.append("Target: redback check at least as fast as redis-check-aof (wall, median; speed-up >= 1.00x).")
out.append("")
for label, speed in verdicts:
    out.append(f"- {label}: speed {speed:.2f}x — {'met' if speed >= 1 else 'MISSED'}")
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
section = "## redback check (AOF) vs redis-check-aof"
marker = "<!-- bench/aof-check.sh inserts each run below this line, newest first -->"
jmh = "## Micro-benchmarks (JMH)"
if os.path.exists(path):
    text = open(path).read()
else:
    text = "# Benchmark results\n\nHow these are made and read: `bench/README.md`.\n\n"
if marker not in text:
    block = section + "\n\n" + marker + "\n\n"
    if section in text:
        text = text.replace(section + "\n", block, 1)
    elif jmh in text:
        text = text.replace(jmh, block + jmh, 1)   # a new section just before the JMH one
    else:
        text = text.rstrip("\n") + "\n\n" + block
i = text.index(marker) + len(marker)
text = text[:i] + "\n\n" + report + "\n" + text[i:].lstrip("\n")
open(path, "w").write(text)
PY
  log "recorded in $results"
fi
