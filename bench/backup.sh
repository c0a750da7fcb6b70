#!/usr/bin/env bash
# Benchmark: `redback backup` vs `redis-cli --rdb` + `zstd -3 -T1`, from the same redis-server
# loaded with the >= 1 GB RDB of bench/rdb-check.sh; then `redback restore` vs `zstd -d`.
#
#   bench/backup.sh [--runs N] [--label TEXT] [--no-record]
#
# 1. Starts redis-server on a free 127.0.0.1 port with its files in out/backup-srv
#    (`save ""`, `appendonly no`, `repl-diskless-sync yes`, `repl-diskless-sync-delay 0`), loaded
#    from a copy of out/bench.rdb (or BENCH_RDB) as dump.rdb; waits for `loading:0`. Without that
#    file it builds a smaller one (BENCH_SCALE, default 0.2) the way rdb-check.sh does.
# 2. --runs times (default 3), alternating the order: (a) `redis-cli --rdb FILE` then
#    `zstd -3 -T1 FILE` (timed together and apart), (b) `java -Xms16m -XX:+UseSerialGC -jar
#    out/redback-backup-bench.jar backup --redis ... --repo FRESH_DIR --name bench` (zstd:3),
#    each under /usr/bin/time -v.
# 3. --runs times, alternating: `redback restore --snapshot latest` of the last snapshot and
#    `zstd -d` of the last redis-cli file.
# 4. Stops the server, prints a markdown table and (not with --no-record) inserts it at the top of
#    the "## redback backup vs redis-cli --rdb + zstd" section of bench/RESULTS.md.
#
# See bench/README.md for the environment variables.
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="${BENCH_OUT:-$here/out}"
runs="${BENCH_RUNS:-3}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
redis_server="${REDIS_SERVER:-redis-server}"
redis_cli="${REDIS_CLI:-redis-cli}"
zstd_bin="${ZSTD:-zstd}"
record=1
label=""

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift ;;
    --label) label="$2"; shift ;;
    --no-record) record=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "backup.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "backup.sh: --runs wants a positive integer" >&2; exit 2; }
for tool in "$redis_server" "$redis_cli" "$zstd_bin" python3 java; do
  command -v "$tool" >/dev/null 2>&1 || { echo "backup.sh: $tool not found on PATH" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "backup.sh: /usr/bin/time (GNU time) is needed: apt-get install time" >&2; exit 2; }

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
mkdir -p "$out"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# The RDB (made as rdb-check.sh makes it, at a smaller scale, when missing)
# ---------------------------------------------------------------------------------------------
source_note="existing file"
if [ -n "${BENCH_RDB:-}" ]; then
  rdb="$BENCH_RDB"
  [ -f "$rdb" ] || { echo "backup.sh: BENCH_RDB=$rdb: no such file" >&2; exit 2; }
elif [ -f "$out/bench.rdb" ] && [ -z "${BENCH_SCALE:-}" ]; then
  rdb="$out/bench.rdb"
else
  scale="${BENCH_SCALE:-0.2}"
  rdb="$out/bench-scale$scale.rdb"
  if [ ! -f "$rdb" ]; then
    work="$out/gen.tmp"; rm -rf "$work"; mkdir -p "$work"; port="$(free_port)"
    log "out/bench.rdb missing: generating a smaller dataset (scale $scale) on 127.0.0.1:$port"
    "$redis_server" --port "$port" --bind 127.0.0.1 --dir "$work" --dbfilename dump.rdb --save '' \
      --appendonly no --daemonize no --enable-debug-command local --rdbcompression yes \
      --logfile "$work/redis.log" &
    server_pid=$!
    for _ in $(seq 100); do "$redis_cli" -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
    count() { python3 "$here/gen-dataset.py" --scale "$scale" --print-count "$1"; }
    "$redis_cli" -p "$port" -n 0 DEBUG POPULATE "$(count populate_short)" str >/dev/null
    "$redis_cli" -p "$port" -n 0 DEBUG POPULATE "$(count populate_padded)" pad 1024 >/dev/null
    "$redis_cli" -p "$port" -n 1 DEBUG POPULATE "$(count populate_db1)" db1 >/dev/null
    python3 "$here/gen-dataset.py" --scale "$scale" | "$redis_cli" -p "$port" --pipe | tail -n 1 >&2
    "$redis_cli" -p "$port" SAVE >/dev/null
    "$redis_cli" -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
    wait "$server_pid" 2>/dev/null || true; server_pid=""
    mv "$work/dump.rdb" "$rdb"; rm -rf "$work"
  fi
  source_note="generated at scale $scale because out/bench.rdb was missing"
fi
size=$(stat -c %s "$rdb")
log "dataset: $rdb ($size bytes, $source_note)"

# ---------------------------------------------------------------------------------------------
# The jar: copied to out/ so that a rebuild of target/ cannot change what is timed
# ---------------------------------------------------------------------------------------------
jar="$out/redback-backup-bench.jar"
jar_from="${BENCH_JAR:-}"
if [ -n "$jar_from" ]; then
  cp "$jar_from" "$jar"
else
  t="$root/target/redback.jar"
  if [ ! -f "$t" ] || [ "$root/pom.xml" -nt "$t" ] || [ -n "$(find "$root/src/main" -newer "$t" -print -quit)" ]; then
    if (cd "$root" && mvn -q -B -o -Dmaven.test.skip=true package) >"$out/build.log" 2>&1; then
      jar_from="working tree"
    else
      clone="${BENCH_CLONE:-/tmp/bk-src}"
      log "working tree does not build (see $out/build.log): building a clone of HEAD in $clone"
      rm -rf "$clone"; git clone -q "$root" "$clone"
      (cd "$clone" && mvn -q -B -o -Dmaven.test.skip=true package) >>"$out/build.log" 2>&1
      t="$clone/target/redback.jar"; jar_from="clean clone of HEAD"
    fi
  else
    jar_from="working tree (target/redback.jar up to date)"
  fi
  cp "$t" "$jar"
fi
java_cmd=(java -Xms16m -XX:+UseSerialGC -jar "$jar")

# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------
srv="$out/backup-srv"
rm -rf "$srv"; mkdir -p "$srv"
cp "$rdb" "$srv/dump.rdb"
port="$(free_port)"
log "starting $("$redis_server" --version | awk '{print $3}') on 127.0.0.1:$port, loading $srv/dump.rdb"
t0=$(date +%s.%N)
"$redis_server" --port "$port" --bind 127.0.0.1 --dir "$srv" --dbfilename dump.rdb --save '' \
  --appendonly no --daemonize no --repl-diskless-sync yes --repl-diskless-sync-delay 0 \
  --logfile "$srv/redis.log" &
server_pid=$!
for _ in $(seq 1200); do
  kill -0 "$server_pid" 2>/dev/null || { echo "backup.sh: redis-server exited; see $srv/redis.log" >&2; exit 2; }
  if "$redis_cli" -p "$port" INFO persistence 2>/dev/null | tr -d '\r' | grep -qx 'loading:0'; then break; fi
  sleep 0.2
done
load_s=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')")
keyspace="$("$redis_cli" -p "$port" INFO keyspace | grep '^db' | tr -d '\r' | tr '\n' ' ')"
used_mem="$("$redis_cli" -p "$port" INFO memory | grep '^used_memory_human:' | cut -d: -f2 | tr -d '\r')"
log "loaded in $load_s s: $keyspace used_memory $used_mem"
rm -f "$srv/dump.rdb"   # not needed any more (save "" and diskless sync: nothing is written here)

# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------
samples="$out/backup-samples.tsv"; : >"$samples"
cli_dir="$out/backup-cli"; repo="$out/backup-repo"; tv="$out/backup-time.txt"; tl="$out/backup-tool.log"
wall_of() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$1"; }
rss_of() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
cpu_of() { awk -F': ' '/User time \(seconds\)/ {u=$2} /System time \(seconds\)/ {s=$2} END {printf "%.2f", u+s}' "$1"; }
now() { date +%s.%N; }
sub() { python3 -c "print(f'{$1 - $2:.2f}')"; }
fail() { echo "backup.sh: $1 failed:" >&2; tail -n 20 "$tl" >&2; exit 1; }
wait_idle() { # the previous sync's replica must be gone and no fork running
  for _ in $(seq 100); do
    local r; r="$("$redis_cli" -p "$port" INFO replication | tr -d '\r' | grep '^connected_slaves:' | cut -d: -f2)"
    local f; f="$("$redis_cli" -p "$port" INFO persistence | tr -d '\r' | grep '^rdb_bgsave_in_progress:' | cut -d: -f2)"
    [ "$r" = 0 ] && [ "$f" = 0 ] && return 0
    sleep 0.1
  done
}
# label run wall rss cpu stored extra
sample() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$samples"; }

run_cli() {
  local run="$1" t0 t1 w1 w2 r1 r2 c1 c2 stored raw
  rm -rf "$cli_dir"; mkdir -p "$cli_dir"; wait_idle; sync
  t0=$(now)
  /usr/bin/time -v -o "$tv.cli" "$redis_cli" -p "$port" --rdb "$cli_dir/dump.rdb" >"$tl" 2>&1 || fail "redis-cli --rdb"
  /usr/bin/time -v -o "$tv.zstd" "$zstd_bin" -3 -T1 -q -f "$cli_dir/dump.rdb" -o "$cli_dir/dump.rdb.zst" >>"$tl" 2>&1 || fail "zstd -3"
  t1=$(now)
  w1=$(wall_of "$tv.cli"); w2=$(wall_of "$tv.zstd"); r1=$(rss_of "$tv.cli"); r2=$(rss_of "$tv.zstd")
  c1=$(cpu_of "$tv.cli"); c2=$(cpu_of "$tv.zstd")
  raw=$(stat -c %s "$cli_dir/dump.rdb"); stored=$(stat -c %s "$cli_dir/dump.rdb.zst")
  sample "redis-cli --rdb + zstd -3 -T1" "$run" "$(sub "$t1" "$t0")" "$(( r1 > r2 ? r1 : r2 ))" \
    "$(python3 -c "print(f'{$c1 + $c2:.2f}')")" "$stored" "raw=$raw"
  sample "redis-cli --rdb (alone)" "$run" "$w1" "$r1" "$c1" "" "raw=$raw"
  sample "zstd -3 -T1 (alone)" "$run" "$w2" "$r2" "$c2" "" ""
  log "run $run: redis-cli --rdb ${w1} s + zstd ${w2} s = $(sub "$t1" "$t0") s; $raw -> $stored bytes"
}

run_redback() {
  local run="$1" w r c stored raw
  rm -rf "$repo"; wait_idle; sync
  /usr/bin/time -v -o "$tv" "${java_cmd[@]}" backup --redis "redis://127.0.0.1:$port" --repo "$repo" --name bench \
    --json --quiet >"$out/backup-last.json" 2>"$tl" || fail "redback backup"
  w=$(wall_of "$tv"); r=$(rss_of "$tv"); c=$(cpu_of "$tv")
  read -r raw stored < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["rawSize"], m["storedSize"])' "$out/backup-last.json")
  sample "redback backup (zstd:3)" "$run" "$w" "$r" "$c" "$stored" "raw=$raw"
  log "run $run: redback backup ${w} s, $((r / 1024)) MiB peak RSS, ${c} s CPU; $raw -> $stored bytes"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$runs"); do
  if [ $((run % 2)) = 1 ]; then run_cli "$run"; run_redback "$run"; else run_redback "$run"; run_cli "$run"; fi
done

restore_dir="$out/backup-restore"
run_restore() {
  local run="$1" w r c
  sync
  /usr/bin/time -v -o "$tv" "${java_cmd[@]}" restore --snapshot latest --name bench --to-dir "$restore_dir" \
    --repo "$repo" --force --quiet >"$tl" 2>&1 || fail "redback restore"
  w=$(wall_of "$tv"); r=$(rss_of "$tv"); c=$(cpu_of "$tv")
  sample "redback restore" "$run" "$w" "$r" "$c" "" "raw=$(stat -c %s "$restore_dir/dump.rdb")"
  log "run $run: redback restore ${w} s, $((r / 1024)) MiB peak RSS"
}
run_unzstd() {
  local run="$1" w r c
  rm -f "$cli_dir/restored.rdb"; sync
  /usr/bin/time -v -o "$tv" "$zstd_bin" -d -q -f "$cli_dir/dump.rdb.zst" -o "$cli_dir/restored.rdb" >"$tl" 2>&1 || fail "zstd -d"
  w=$(wall_of "$tv"); r=$(rss_of "$tv"); c=$(cpu_of "$tv")
  sample "zstd -d" "$run" "$w" "$r" "$c" "" "raw=$(stat -c %s "$cli_dir/restored.rdb")"
  log "run $run: zstd -d ${w} s"
}
for run in $(seq "$runs"); do
  if [ $((run % 2)) = 1 ]; then run_unzstd "$run"; run_restore "$run"; else run_restore "$run"; run_unzstd "$run"; fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
cmp -s "$cli_dir/dump.rdb" "$cli_dir/restored.rdb" || { echo "backup.sh: zstd round trip differs" >&2; exit 1; }
restored_size=$(stat -c %s "$restore_dir/dump.rdb")
rm -rf "$restore_dir" "$cli_dir/restored.rdb"

"$redis_cli" -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
wait "$server_pid" 2>/dev/null || true
server_pid=""
log "server stopped"

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$root" status --porcelain -- src pom.xml 2>/dev/null)" ]; then commit="$commit + uncommitted changes under src/"; fi
report="$out/backup-report.md"
BENCH_DATE="$(date -u)" BENCH_NPROC="$(nproc)" BENCH_CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
BENCH_RAM="$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)" BENCH_KERNEL="$(uname -sr)" \
BENCH_JAVA="$(java -version 2>&1 | head -n 2 | tr '\n' ' ' | sed 's/ *$//')" \
BENCH_REDIS="$("$redis_server" --version); $("$redis_cli" --version); $("$zstd_bin" --version)" \
BENCH_COMMIT="$commit" BENCH_JAR_FROM="$jar_from" BENCH_LABEL="$label" BENCH_FILE="$rdb" BENCH_SIZE="$size" \
BENCH_SOURCE="$source_note" BENCH_LOADTIME="$load_s" BENCH_KEYSPACE="$keyspace" BENCH_USEDMEM="$used_mem" \
BENCH_RUNS_USED="$runs" BENCH_LOAD="before $load_before, after $load_after" BENCH_RESTORED="$restored_size" \
python3 - "$samples" >"$report" <<'PY'
import os, statistics, sys
from collections import OrderedDict
e = os.environ
rows = OrderedDict()
for line in open(sys.argv[1]):
    label, run, wall, rss, cpu, stored, extra = line.rstrip("\n").split("\t")
    raw = int(extra[4:]) if extra.startswith("raw=") else None
    rows.setdefault(label, []).append((float(wall), int(rss), float(cpu), int(stored) if stored else None, raw))
size = int(e["BENCH_SIZE"])
def raw_of(s):
    r = [x[4] for x in s if x[4]]
    return statistics.median(r) if r else size
base = statistics.median(w for w, *_ in rows["redis-cli --rdb + zstd -3 -T1"])
base_r = statistics.median(w for w, *_ in rows["zstd -d"])
o = []
o.append("### " + e["BENCH_DATE"] + (f" — {e['BENCH_LABEL']}" if e.get("BENCH_LABEL") else ""))
o.append("")
o.append(f"- machine: {e['BENCH_NPROC']} cores ({e['BENCH_CPU']}), {e['BENCH_RAM']} RAM, {e['BENCH_KERNEL']}")
o.append(f"- java: {e['BENCH_JAVA']}; redback run as `java -Xms16m -XX:+UseSerialGC -jar out/redback-backup-bench.jar`")
o.append(f"- tools: {e['BENCH_REDIS']}")
o.append(f"- redback: commit {e['BENCH_COMMIT']}; jar from the {e['BENCH_JAR_FROM']}")
o.append(f"- source: redis-server on 127.0.0.1 loaded from `{os.path.basename(e['BENCH_FILE'])}` ({size:,} bytes, "
         f"{size / 1e9:.2f} GB; {e['BENCH_SOURCE']}) in {e['BENCH_LOADTIME']} s; {e['BENCH_KEYSPACE'].strip()}; "
         f"used_memory {e['BENCH_USEDMEM']}; `save \"\"`, `repl-diskless-sync yes`, `repl-diskless-sync-delay 0`")
o.append(f"- method: {e['BENCH_RUNS_USED']} runs per tool, order alternating; before each run the previous replica "
         f"must be gone and no fork running, then `sync`. (a) `redis-cli --rdb FILE` then `zstd -3 -T1 FILE` "
         f"(wall = both, measured around them; each also alone); (b) `redback backup --name bench --json --quiet` "
         f"into a fresh file repository (zstd:3; full sync as a replica, every key and the CRC64 verified). Then "
         f"restores of the last snapshot / file: `redback restore --snapshot latest --force --quiet` (SHA-256 and "
         f"full RDB check, write + rename) vs `zstd -d -f` (no check). Wall time and peak RSS from "
         f"`/usr/bin/time -v` (a+b: wall from `date` around both, RSS the larger); MB/s = raw RDB bytes / median "
         f"wall (MB = 10^6 bytes); stored = median output size; ratio = raw / stored")
o.append(f"- load average (1/5/15 min) around the timed runs: {e['BENCH_LOAD']}")
o.append("")
o.append("| tool | raw RDB | wall min | wall median | MB/s | peak RSS (max) | CPU (median) | stored | ratio | vs baseline |")
o.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for label, s in rows.items():
    walls = [x[0] for x in s]; med = statistics.median(walls); raw = raw_of(s)
    st = [x[3] for x in s if x[3]]
    stored = f"{statistics.median(st) / 1e6:,.0f} MB" if st else ""
    ratio = f"{raw / statistics.median(st):.2f}" if st else ""
    b = base_r if label in ("redback restore", "zstd -d") else base
    vs = f"{b / med:.2f}x" if label in ("redback backup (zstd:3)", "redback restore", "redis-cli --rdb + zstd -3 -T1", "zstd -d") else ""
    o.append(f"| {label} | {raw / 1e6:,.0f} MB | {min(walls):.2f} s | {med:.2f} s | {raw / 1e6 / med:,.0f} | "
             f"{max(x[1] for x in s) / 1024:,.0f} MiB | {statistics.median(x[2] for x in s):.2f} s | {stored} | {ratio} | {vs} |")
o.append("")
o.append("\"vs baseline\": the baseline's median wall / this row's (backups against redis-cli --rdb + zstd, restores "
         "against zstd -d); above 1 means faster.")
o.append("")
rb = statistics.median(x[0] for x in rows["redback backup (zstd:3)"])
o.append(f"Target: redback backup no slower than redis-cli --rdb + zstd -3 (median wall): {rb:.2f} s vs {base:.2f} s — "
         f"{'met' if rb <= base else 'MISSED'}.")
o.append(f"Restored dump.rdb: {int(e['BENCH_RESTORED']):,} bytes; the zstd round trip was compared byte for byte with `cmp`.")
o.append("")
o.append("<details><summary>all samples (wall s, peak RSS KiB, CPU s, stored bytes)</summary>")
o.append("")
for label, s in rows.items():
    o.append(f"- {label}: " + "; ".join(f"{w:.2f} s, {r:,} KiB, {c:.2f} s" + (f", {st:,} B" if st else "") for w, r, c, st, _ in s))
o.append("")
o.append("</details>")
print("\n".join(o))
PY
echo; cat "$report"

if [ "$record" = 1 ]; then
  python3 - "$results" "$report" <<'PY'
import sys
path, report = sys.argv[1], open(sys.argv[2]).read().rstrip("\n") + "\n"
section = "## redback backup vs redis-cli --rdb + zstd"
marker = "<!-- bench/backup.sh inserts each run below this line, newest first -->"
jmh = "## Micro-benchmarks (JMH)"
text = open(path).read()
if marker not in text:
    block = section + "\n\n" + marker + "\n\n"
    text = text.replace(jmh, block + jmh, 1) if jmh in text else text.rstrip("\n") + "\n\n" + block
i = text.index(marker) + len(marker)
text = text[:i] + "\n\n" + report + "\n" + text[i:].lstrip("\n")
open(path, "w").write(text)
PY
  log "recorded in $results"
fi
