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
. "$here/lib.sh" # also sets out, results, redis_server, redis_cli

scale="${BENCH_SCALE:-1}"
runs="${BENCH_RUNS:-5}"
redis_check_aof="${REDIS_CHECK_AOF:-redis-check-aof}"
clone="${BENCH_CLONE:-/tmp/aofbench-src}"
regen=0
force_generator=0
from_head=0
also_opts=()

parse_options --regen:regen=1 --generator:force_generator=1 --from-head:from_head=1 --runs:runs \
  '--also-opts:also_opts[]' -- "$@"
need_positive "--runs wants a positive integer" "$runs"
need_tools "$redis_check_aof" python3 java

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
# Writes $data/appendonlydir with a real redis-server; returns non-zero (leaving no files) on failure.
generate_server() {
  local work="$out/aofgen.tmp" port t0 reply i
  for tool in "$redis_server" "$redis_cli"; do
    command -v "$tool" >/dev/null 2>&1 || { log "$tool not found on PATH"; return 1; }
  done
  rm -rf "$work"
  mkdir -p "$work"
  port="$(free_port)"
  log "generating the AOF (scale $scale) with $("$redis_server" --version | awk '{print $3}') on 127.0.0.1:$port in $work"
  start_server "$work" "$port" --save '' \
    --appendonly yes --appenddirname appendonlydir --appendfilename appendonly.aof --appendfsync no \
    --aof-use-rdb-preamble yes --aof-timestamp-enabled yes --auto-aof-rewrite-percentage 0
  wait_pong "$port" "$server_pid" 10 || { log "redis-server exited; see $work/redis.log"; return 1; }
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
  stop_server "$port" "$server_pid" # flushes and fsyncs the AOF
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
    [ -e "$p" ] || die 2 "BENCH_AOF=$p: no such file or directory"
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
    [ -n "$manifest" ] || die 2 "no *.manifest in $p"
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
  [ ${#parts[@]} -gt 0 ] || die 2 "$manifest lists no base or incr file"
}

if [ "$regen" = 1 ] && [ -n "${BENCH_AOF:-}" ]; then
  die 2 "--regen and BENCH_AOF do not go together"
fi
if [ -n "${BENCH_AOF:-}" ]; then
  :
elif [ "$regen" = 1 ] || ! locate; then
  if [ "$force_generator" = 1 ]; then
    generate_file
  elif ! generate_server; then
    cleanup
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
commit="$(head_commit)"
jar_origin=""
build_in_tree() {
  local built="$root/target/redback.jar"
  if ! jar_stale "$built"; then
    log "target/redback.jar is up to date"
  else
    log "building target/redback.jar (untimed; mvn -q -B -o -Dmaven.test.skip=true package)"
    mvn_package "$root" >"$out/build.log" 2>&1 || return 1
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
  build_clone "$clone" >"$out/build.log" 2>&1 || return 1
  head="$(git -C "$clone" rev-parse --short HEAD)"
  cp "$clone/target/redback.jar" "$jar.tmp" && mv "$jar.tmp" "$jar"
  jar_origin="clean clone of the committed HEAD $head"
  [ "$from_head" = 1 ] && jar_origin="$jar_origin (--from-head)" || jar_origin="$jar_origin (the working tree did not compile at the time)"
}
if [ -n "${BENCH_JAR:-}" ]; then
  [ -f "$BENCH_JAR" ] || die 2 "BENCH_JAR=$BENCH_JAR: no such file"
  cp "$BENCH_JAR" "$jar"
  jar_origin="BENCH_JAR=$BENCH_JAR"
elif [ "$from_head" = 1 ]; then
  build_in_clone || die 2 "the clean clone did not build; see $out/build.log"
elif ! build_in_tree; then
  log "the working tree does not compile (see $out/build.log: $(grep -m1 'ERROR.*\.java' "$out/build.log" | sed 's/^.*src\/main\/java\///' || true))"
  build_in_clone || die 2 "the clean clone did not build either; see $out/build.log"
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
  echo "$me: redback did not find $target valid:" >&2
  cat "$check_json" >&2
  exit 1
fi
log "untimed: redis-check-aof"
check_aof_out="$out/redis-check-aof.txt"
rc=0
"$redis_check_aof" "$check_aof_arg" >"$check_aof_out" 2>&1 || rc=$?
aof_ok() { grep -Eq 'All AOF files and manifest are valid|^AOF .* is valid' "$1"; }
if [ "$rc" != 0 ] || ! aof_ok "$check_aof_out"; then
  echo "$me: redis-check-aof did not find $check_aof_arg valid (exit $rc):" >&2
  tail -n 20 "$check_aof_out" >&2
  exit 1
fi
check_aof_verdict="$(grep -E 'All AOF files and manifest are valid|^AOF .* is valid' "$check_aof_out" | tail -n 1)"
check_aof_analyzed="$(grep '^AOF analyzed' "$check_aof_out" | sed 's/^AOF analyzed: //' | paste -sd ';' - | sed 's/;/; /g')"

tool_list redis-check-aof

samples="$out/aof-samples.tsv"
: >"$samples"
time_one() { # "label<TAB>opts" run
  local label="${1%%	*}" opts="${1#*	}" run="$2" tv="$out/aof-time.txt" tl="$out/aof-tool.log" rc=0
  if [ "$label" = redis-check-aof ]; then
    /usr/bin/time -v -o "$tv" "$redis_check_aof" "$check_aof_arg" >"$tl" 2>&1 || rc=$?
    aof_ok "$tl" || rc=${rc/#0/1}
  else
    java_cmd "$opts"
    /usr/bin/time -v -o "$tv" "${jcmd[@]}" check --quiet "$target" >"$tl" 2>&1 || rc=$?
  fi
  take_sample "$label" "$run" "$rc" "$tv" "$tl"
}

load_before="$(loadavg)"
alternate "$runs" time_one "${tools[@]}"

# ---------------------------------------------------------------------------------------------
# 3. Report
# ---------------------------------------------------------------------------------------------
load_after="$(loadavg)"
# redis-check-aof 7.0 has no --version: name its Debian package when it comes from one.
redis_version="redis-check-aof ($(dpkg -S "$(readlink -f "$(command -v "$redis_check_aof")")" 2>/dev/null | cut -d: -f1 | head -n 1 \
  | xargs -r dpkg-query -W -f '${Package} ${Version}' 2>/dev/null || echo "$(command -v "$redis_check_aof")"))"
redis_version="$redis_version; $("$redis_server" --version 2>/dev/null || echo 'redis-server: not found')"
parts_desc=""
for p in "${parts[@]}"; do parts_desc="$parts_desc${parts_desc:+, }\`${p##*/}\` $(stat -c %s "$p" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') bytes"; done

report="$out/aof-report.md"
export_machine
BENCH_REDIS="$redis_version" BENCH_JAR_ORIGIN="$jar_origin" \
BENCH_LABEL="$label" BENCH_TARGET="$target" BENCH_CHECK_AOF_ARG="$check_aof_arg" BENCH_SIZE="$size" \
BENCH_PARTS="$parts_desc" BENCH_ROUTE="$route" BENCH_MADE_BY="$made_by" BENCH_SCALE_USED="$scale" \
BENCH_RUNS_USED="$runs" BENCH_LOAD="before $load_before, after $load_after" \
BENCH_AOF_VERDICT="$check_aof_verdict" BENCH_AOF_ANALYZED="$check_aof_analyzed" \
report_py "$samples" "$check_json" >"$report" <<'PY'
rows = read_samples(sys.argv[1])
size = int(e["BENCH_SIZE"])
base = statistics.median(w for w, _, _ in rows["redis-check-aof"])
c = json.load(open(sys.argv[2]))

out = heading()
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
out.append(load_line())
out.append("")
table, verdicts = speed_table(rows, size, base, "bytes read")
out += table
out.append("")
out.append("Target: redback check at least as fast as redis-check-aof (wall, median; speed-up >= 1.00x).")
out.append("")
for label, speed, _ in verdicts:
    out.append(f"- {label}: speed {speed:.2f}x — {'met' if speed >= 1 else 'MISSED'}")
out.append("")
out += samples_details(rows)
print("\n".join(out))
PY

echo
cat "$report"

if [ "$record" = 1 ]; then
  record_report "## redback check (AOF) vs redis-check-aof" "$report"
fi
