# Shared by the benchmark scripts (rdb-check.sh, aof-check.sh, backup.sh, stream.sh), which source
# it right after `set -euo pipefail`, with `here` set to this directory:
#
#   here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
#   . "$here/lib.sh"
#
# Sourcing it sets the variables below, the defaults of parse_options and wait_quiet, `started`
# with an EXIT trap that stops what is in it, and report_py's Python helpers; the rest is functions.

root="$(cd "$here/.." && pwd)"                   # the checkout
me="${0##*/}"                                     # the script's name, which starts its error messages
out="${BENCH_OUT:-$here/out}"                     # the work directory
results="${BENCH_RESULTS:-$here/RESULTS.md}"      # where record_report inserts a run
redis_server="${REDIS_SERVER:-redis-server}"
redis_cli="${REDIS_CLI:-redis-cli}"

# ---------------------------------------------------------------------------------------------
# Messages, options, prerequisites
# ---------------------------------------------------------------------------------------------

# log MESSAGE...: a line on stderr, after the UTC time.
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# die CODE MESSAGE...: "<script>: MESSAGE" on stderr, then exit CODE.
die() { local rc="$1"; shift; echo "$me: $*" >&2; exit "$rc"; }

# fail WHAT LOG [RC]: "<script>: WHAT failed (exit RC):" and the last 20 lines of LOG on stderr, exit 1.
fail() { echo "$me: $1 failed${3:+ (exit $3)}:" >&2; tail -n 20 "$2" >&2; exit 1; }

# usage: the script's header comment (from line 2 to `set -euo pipefail`), for --help.
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# parse_options SPEC... -- ARG...: reads the command line into variables. Every script takes
# --label TEXT (into $label), --no-record (record=0) and -h/--help; each SPEC adds an option:
# "--opt:var=value" sets var to value, "--opt:var" sets var to the next argument, "--opt:var[]"
# appends the next argument to the array var. Anything else exits 2.
label=""
record=1
parse_options() {
  local specs=() spec name
  while [ "$1" != -- ]; do specs+=("$1"); shift; done
  shift
  specs+=(--label:label --no-record:record=0)
  while [ $# -gt 0 ]; do
    case "$1" in -h|--help) usage; exit 0 ;; esac
    name=""
    for spec in "${specs[@]}"; do
      [ "${spec%%:*}" = "$1" ] || continue
      name="${spec#*:}"
      case "$name" in
        *=*) printf -v "${name%%=*}" '%s' "${name#*=}" ;;
        *'[]') eval "${name%'[]'}+=(\"\$2\")"; shift ;;
        *) printf -v "$name" '%s' "$2"; shift ;;
      esac
      break
    done
    [ -n "$name" ] || die 2 "unknown argument: $1 (see --help)"
    shift
  done
}

# need_positive MESSAGE VALUE...: exit 2 with MESSAGE unless every VALUE is a positive integer.
need_positive() {
  local message="$1" v; shift
  for v in "$@"; do [[ "$v" =~ ^[1-9][0-9]*$ ]] || die 2 "$message"; done
}

# need_tools [--hint TEXT] TOOL...: exit 2 when a TOOL is not on PATH (TEXT follows the message)
# or GNU time is not at /usr/bin/time.
need_tools() {
  local hint="" tool
  [ "$1" != --hint ] || { hint=" $2"; shift 2; }
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die 2 "$tool not found on PATH$hint"
  done
  [ -x /usr/bin/time ] || die 2 "/usr/bin/time (GNU time) is needed: apt-get install time"
}

# ---------------------------------------------------------------------------------------------
# Clock, load, ports
# ---------------------------------------------------------------------------------------------

# now: seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }

# sub A B [DIGITS]: A - B, printed with DIGITS decimals (default 3).
sub() { python3 -c "print(f'{$1 - $2:.${3:-3}f}')"; }

# load1, loadavg: the 1-minute load average; the 1, 5 and 15-minute ones.
load1() { cut -d' ' -f1 /proc/loadavg; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# wait_quiet WHAT: waits up to BENCH_LOAD_WAIT s (default 240, in steps of 15 s) for the 1-minute
# load average to drop below BENCH_MAX_LOAD (default 1.5), then goes on either way; what it found
# is appended to the array quiet_notes, for the record.
max_load="${BENCH_MAX_LOAD:-1.5}"
load_wait="${BENCH_LOAD_WAIT:-240}"
quiet_notes=()
wait_quiet() {
  local waited=0 l
  while :; do
    l="$(load1)"
    if python3 -c "import sys; sys.exit(0 if $l < $max_load else 1)"; then
      quiet_notes+=("$1: $(loadavg) at the start")
      return 0
    fi
    if [ "$waited" -ge "$load_wait" ]; then
      log "load average $l still >= $max_load after ${waited} s: running $1 anyway"
      quiet_notes+=("$1: $(loadavg) at the start, after waiting ${waited} s for it to drop below $max_load (it did not: the machine was busy)")
      return 0
    fi
    log "load average $l >= $max_load: waiting before $1 (${waited}/${load_wait} s)"
    sleep 15
    waited=$((waited + 15))
  done
}

# free_port: a TCP port free on 127.0.0.1 right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---------------------------------------------------------------------------------------------
# Processes and throwaway redis-servers
# ---------------------------------------------------------------------------------------------

# Every background process a script starts goes into `started`; on exit, those still running get
# SIGTERM, then up to 10 s to go, then SIGKILL. forget PID takes one out once it has been waited for.
started=()
forget() {
  local keep=() pid
  for pid in "${started[@]+"${started[@]}"}"; do [ "$pid" = "$1" ] || keep+=("$pid"); done
  started=("${keep[@]+"${keep[@]}"}")
}
cleanup() {
  local pid
  for pid in "${started[@]+"${started[@]}"}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${started[@]+"${started[@]}"}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  started=()
}
trap cleanup EXIT

# alive PID: the process is running (kill -0 also succeeds on a zombie not waited for yet).
alive() {
  local st; st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)"
  [ -n "$st" ] && [ "$st" != Z ]
}

# start_server DIR PORT ARGS...: redis-server on 127.0.0.1:PORT in the background, its files and
# redis.log in DIR, plus ARGS; its pid in $server_pid (and in `started`).
start_server() {
  local dir="$1" port="$2"; shift 2
  "$redis_server" --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize no --logfile "$dir/redis.log" "$@" &
  server_pid=$!
  started+=("$server_pid")
}

# wait_pong PORT PID TIMEOUT_S: returns 0 once PING answers PONG (not LOADING), 1 if the server
# exits or TIMEOUT_S pass first.
wait_pong() {
  local port="$1" pid="$2" i
  for i in $(seq $(( $3 * 50 ))); do
    alive "$pid" || return 1
    [ "$("$redis_cli" -p "$port" PING 2>/dev/null)" = PONG ] && return 0
    sleep 0.02
  done
  return 1
}

# wait_loaded PORT PID DIR TRIES: polls INFO persistence every 0.2 s, at most TRIES times, until
# it says loading:0; exit 2 if the server exits first (its log is DIR/redis.log).
wait_loaded() {
  local i
  for i in $(seq "$4"); do
    kill -0 "$2" 2>/dev/null || die 2 "redis-server exited; see $3/redis.log"
    [ "$(info_field "$1" persistence loading 2>/dev/null)" = 0 ] && return 0
    sleep 0.2
  done
}

# stop_server PORT PID: SHUTDOWN NOSAVE (SIGTERM if that fails), then waits for it.
stop_server() {
  "$redis_cli" -p "$1" SHUTDOWN NOSAVE >/dev/null 2>&1 || kill "$2" 2>/dev/null || true
  wait "$2" 2>/dev/null || true
  forget "$2"
}

# info_field PORT SECTION FIELD: one field of INFO SECTION (empty when there is none).
info_field() { "$redis_cli" -p "$1" INFO "$2" | tr -d '\r' | awk -F: -v k="$3" '$1 == k {print $2}'; }

# keyspace_info PORT: INFO keyspace's db lines on one line, each followed by a space.
keyspace_info() { { "$redis_cli" -p "$1" INFO keyspace | grep '^db' || true; } | tr -d '\r' | tr '\n' ' '; }

# generate_rdb SCALE RDBCOMPRESSION FILE [DATASET]: writes the benchmark dataset (DEBUG POPULATE,
# then gen-dataset.py --dataset DATASET --scale SCALE | redis-cli --pipe) to FILE with a throwaway
# redis-server working in $out/gen.tmp; DATASET is mixed (default) or small-keys; exit 2 if the
# server does not start or the pipe reports errors.
generate_rdb() {
  local scale="$1" compression="$2" rdb="$3" dataset="${4:-mixed}" work="$out/gen.tmp" port t0 t1 reply n
  rm -rf "$work"
  mkdir -p "$work"
  port="$(free_port)"
  log "generating the dataset (scale $scale, rdbcompression $compression) with $("$redis_server" --version | awk '{print $3}') on 127.0.0.1:$port in $work"
  start_server "$work" "$port" --dbfilename dump.rdb --save '' --appendonly no \
    --enable-debug-command local --rdbcompression "$compression" --rdbchecksum yes
  wait_pong "$port" "$server_pid" 10 || die 2 "redis-server exited; see $work/redis.log"
  t0=$(date +%s)
  count() { python3 "$here/gen-dataset.py" --dataset "$dataset" --scale "$scale" --print-count "$1"; }
  n="$(count populate_short)"
  if [ "$dataset" = small-keys ]; then
    "$redis_cli" -p "$port" -n 0 DEBUG POPULATE "$n" str "$(count populate_short_size)" >/dev/null
  else
    "$redis_cli" -p "$port" -n 0 DEBUG POPULATE "$n" str >/dev/null
  fi
  n="$(count populate_padded)"
  [ "$n" = 0 ] || "$redis_cli" -p "$port" -n 0 DEBUG POPULATE "$n" pad 1024 >/dev/null
  n="$(count populate_db1)"
  [ "$n" = 0 ] || "$redis_cli" -p "$port" -n 1 DEBUG POPULATE "$n" db1 >/dev/null
  log "DEBUG POPULATE done in $(( $(date +%s) - t0 )) s; piping the rest"
  reply="$(python3 "$here/gen-dataset.py" --dataset "$dataset" --scale "$scale" | "$redis_cli" -p "$port" --pipe 2>&1)"
  echo "$reply" | tail -n 2 >&2
  echo "$reply" | grep -q 'errors: 0,' || die 2 "redis-cli --pipe reported errors (see above and $work/redis.log)"
  log "loaded in $(( $(date +%s) - t0 )) s: $(keyspace_info "$port")" \
    "used_memory $(info_field "$port" memory used_memory_human)"
  t1=$(date +%s)
  "$redis_cli" -p "$port" SAVE >/dev/null
  log "SAVE took $(( $(date +%s) - t1 )) s"
  stop_server "$port" "$server_pid"
  mv "$work/dump.rdb" "$rdb"
  rm -rf "$work"
  log "wrote $rdb ($(stat -c %s "$rdb") bytes) in $(( $(date +%s) - t0 )) s"
}

# ---------------------------------------------------------------------------------------------
# The jar
# ---------------------------------------------------------------------------------------------

# jar_stale JAR: JAR is missing, or older than pom.xml or anything under src/main.
jar_stale() {
  [ ! -f "$1" ] || [ "$root/pom.xml" -nt "$1" ] || [ -n "$(find "$root/src/main" -newer "$1" -print -quit)" ]
}

# mvn_package DIR: builds DIR/target/redback.jar offline, without even compiling the tests.
mvn_package() { (cd "$1" && mvn -q -B -o -Dmaven.test.skip=true package); }

# build_clone DIR: a fresh clone of the committed HEAD in DIR, built with mvn_package.
build_clone() {
  rm -rf "$1"
  git clone -q "$root" "$1"
  mvn_package "$1"
}

# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------

# alternate RUNS FUNC ITEM...: RUNS rounds of `FUNC ITEM RUN` for every ITEM, in the given order
# in odd rounds and in reverse order in even ones.
alternate() {
  local alt_runs="$1" alt_func="$2" alt_run alt_i; shift 2
  for alt_run in $(seq "$alt_runs"); do
    if [ $((alt_run % 2)) = 1 ]; then
      for ((alt_i = 1; alt_i <= $#; alt_i++)); do "$alt_func" "${!alt_i}" "$alt_run"; done
    else
      for ((alt_i = $#; alt_i >= 1; alt_i--)); do "$alt_func" "${!alt_i}" "$alt_run"; done
    fi
  done
}

# tool_list BASELINE: sets the array tools to what a check benchmark times, as "label<TAB>JVM options":
# BASELINE (options "-"), redback with $REDBACK_JAVA_OPTS, then redback with each of also_opts.
tool_list() {
  local o
  tools=("$1	-" "redback${REDBACK_JAVA_OPTS:+ [$REDBACK_JAVA_OPTS]}	${REDBACK_JAVA_OPTS:-}")
  for o in "${also_opts[@]+"${also_opts[@]}"}"; do
    tools+=("redback [$o]	$o")
  done
}

# wall_of, rss_of, usr_of, sys_of, cpu_of FILE: from /usr/bin/time -v's output in FILE, the
# elapsed time in seconds, the peak RSS in KiB, the user and the system CPU seconds, and their
# sum (2 decimals).
wall_of() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$1"; }
rss_of() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
usr_of() { awk -F': ' '/User time \(seconds\)/ {print $2}' "$1"; }
sys_of() { awk -F': ' '/System time \(seconds\)/ {print $2}' "$1"; }
cpu_of() { awk -F': ' '/User time \(seconds\)/ {u=$2} /System time \(seconds\)/ {s=$2} END {printf "%.2f", u+s}' "$1"; }

# take_sample LABEL RUN RC TIMEFILE LOG: fail (showing LOG) unless RC is 0; else appends
# "LABEL RUN wall rss usr sys" (tab-separated) from TIMEFILE to $samples and logs the run.
take_sample() {
  local label="$1" run="$2" rc="$3" tv="$4" wall rss usr sys
  [ "$rc" = 0 ] || fail "$label" "$5" "$rc"
  wall=$(wall_of "$tv"); rss=$(rss_of "$tv"); usr=$(usr_of "$tv"); sys=$(sys_of "$tv")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$run" "$wall" "$rss" "$usr" "$sys" >>"$samples"
  log "run $run: $label: ${wall} s wall, $((rss / 1024)) MiB peak RSS, ${usr}+${sys} s CPU"
}

# ---------------------------------------------------------------------------------------------
# The record
# ---------------------------------------------------------------------------------------------

# export_machine: exports what every record says about the machine: BENCH_DATE (`date -u`),
# BENCH_NPROC, BENCH_CPU (model name), BENCH_RAM (GiB), BENCH_KERNEL, BENCH_JAVA (`java -version`).
export_machine() {
  BENCH_DATE="$(date -u)"
  BENCH_NPROC="$(nproc)"
  BENCH_CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  BENCH_RAM="$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  BENCH_KERNEL="$(uname -sr)"
  BENCH_JAVA="$(java -version 2>&1 | head -n 2 | tr '\n' ' ' | sed 's/ *$//')"
  export BENCH_DATE BENCH_NPROC BENCH_CPU BENCH_RAM BENCH_KERNEL BENCH_JAVA
}

# report_py ARG... <<'PY' (a Python program) PY: runs the program with python3 and ARGs, after
# the helpers below (and json, os, statistics, sys, OrderedDict) are defined.
report_py() { python3 -c "$report_helpers"$'\n'"$(cat)" "$@"; }
report_helpers="$(cat <<'PY'
import json, os, statistics, sys
from collections import OrderedDict
e = os.environ

def read_samples(path):
    """take_sample's file: {label: [(wall s, peak RSS KiB, CPU s), ...]}, labels in first-seen order."""
    rows = OrderedDict()
    for line in open(path):
        label, run, wall, rss, usr, sys_ = line.rstrip("\n").split("\t")
        rows.setdefault(label, []).append((float(wall), int(rss), float(usr) + float(sys_)))
    return rows

def mib(kb):
    return f"{kb / 1024:,.0f} MiB"

def heading():
    """The run's first lines: "### date — label" (BENCH_DATE, BENCH_LABEL), a blank, the machine (export_machine)."""
    return ["### " + e["BENCH_DATE"] + (f" — {e['BENCH_LABEL']}" if e.get("BENCH_LABEL") else ""), "",
            f"- machine: {e['BENCH_NPROC']} cores ({e['BENCH_CPU']}), {e['BENCH_RAM']} RAM, {e['BENCH_KERNEL']}"]

def load_line():
    """The load average around the timed runs (BENCH_LOAD), with how to read it."""
    return (f"- load average (1/5/15 min) around the timed runs: {e['BENCH_LOAD']} (other work on the machine "
            f"skews the figures: on {e['BENCH_NPROC']} cores a load above ~1 before the runs means they shared the CPU)")

def speed_table(rows, size, base, size_header):
    """A check's table: per tool, wall min / median, MB/s of size bytes, peak RSS, CPU and the speed-up
    over base (the baseline's median wall); also [(label, speed-up, peak RSS KiB)] of the redback rows."""
    out = [f"| tool | {size_header} | wall min | wall median | MB/s | peak RSS (max) | CPU (median) | speed-up |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
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
    return out, verdicts

def samples_details(rows):
    """Every sample of read_samples' rows, in a folded <details> block."""
    out = ["<details><summary>all samples (wall s, peak RSS KiB, CPU s)</summary>", ""]
    for label, s in rows.items():
        out.append(f"- {label}: " + "; ".join(f"{w:.2f} s, {r:,} KiB, {c_:.2f} s" for w, r, c_ in s))
    return out + ["", "</details>"]
PY
)"

# head_commit: the checkout's short HEAD commit ("unknown" outside git).
head_commit() { git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown; }

# commit_note: head_commit, plus " + uncommitted changes under src/" when src/ or pom.xml differ from it.
commit_note() {
  local c; c="$(head_commit)"
  if [ -n "$(git -C "$root" status --porcelain -- src pom.xml 2>/dev/null)" ]; then c="$c + uncommitted changes under src/"; fi
  echo "$c"
}

# record_report SECTION REPORT: inserts the file REPORT into $results at the top of the section
# headed SECTION, below its line "<!-- bench/<script> inserts each run below this line, newest
# first -->". A missing marker is added under SECTION, a missing section before the JMH one, a
# missing file is created with just a title and the JMH section.
record_report() {
  python3 - "$results" "$2" "$1" "<!-- bench/$me inserts each run below this line, newest first -->" <<'PY'
import os, sys
path, report, section, marker = sys.argv[1], open(sys.argv[2]).read().rstrip("\n") + "\n", sys.argv[3], sys.argv[4]
jmh = "## Micro-benchmarks (JMH)"
if os.path.exists(path):
    text = open(path).read()
else:
    text = "# Benchmark results\n\nHow these are made and read: `bench/README.md`.\n\n" + jmh + "\n"
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
}

# bench_rdb: the RDB to time -> $rdb, $size, $source_note: $BENCH_RDB, else out/bench.rdb, else one
# generated as rdb-check.sh makes it at a smaller scale ($BENCH_SCALE, default 0.2).
bench_rdb() {
  source_note="existing file"
  if [ -n "${BENCH_RDB:-}" ]; then
    rdb="$BENCH_RDB"
    [ -f "$rdb" ] || die 2 "BENCH_RDB=$rdb: no such file"
  elif [ -f "$out/bench.rdb" ] && [ -z "${BENCH_SCALE:-}" ]; then
    rdb="$out/bench.rdb"
  else
    local scale="${BENCH_SCALE:-0.2}"
    rdb="$out/bench-scale$scale.rdb"
    if [ ! -f "$rdb" ]; then
      log "out/bench.rdb missing: generating a smaller dataset (scale $scale)"
      generate_rdb "$scale" yes "$rdb"
    fi
    source_note="generated at scale $scale because out/bench.rdb was missing"
  fi
  size=$(stat -c %s "$rdb")
  log "dataset: $rdb ($size bytes, $source_note)"
}

# bench_jar NAME: the jar to time, copied to out/NAME so that a rebuild of target/ cannot change
# what is timed -> $jar, $jar_from, $java_cmd: $BENCH_JAR, else target/redback.jar (built when
# stale; a clean clone of HEAD when the working tree does not build).
bench_jar() {
  local t clone
  jar="$out/$1"
  jar_from="${BENCH_JAR:-}"
  if [ -n "$jar_from" ]; then
    cp "$jar_from" "$jar"
  else
    t="$root/target/redback.jar"
    if jar_stale "$t"; then
      if mvn_package "$root" >"$out/build.log" 2>&1; then
        jar_from="working tree"
      else
        clone="${BENCH_CLONE:-/tmp/bk-src}"
        log "working tree does not build (see $out/build.log): building a clone of HEAD in $clone"
        build_clone "$clone" >>"$out/build.log" 2>&1
        t="$clone/target/redback.jar"; jar_from="clean clone of HEAD"
      fi
    else
      jar_from="working tree (target/redback.jar up to date)"
    fi
    cp "$t" "$jar"
  fi
  java_cmd=(java -Xms16m -XX:+UseSerialGC -jar "$jar")
}
