#!/usr/bin/env bash
# Benchmark of `redback stream`: what it costs the source, how far behind it runs, and how fast its
# log restores.
#
#   bench/stream.sh [--pairs N] [--requests N] [--seconds S] [--no-reference] [--restore-runs N]
#                   [--skip-restore] [--pin] [--label TEXT] [--no-record]
#
# 1. Throughput. --pairs times (default 3), alternating A B C A B C ...: a fresh redis-server on a
#    free 127.0.0.1 port (`save ""`, `appendonly no`, `repl-diskless-sync-delay 0`,
#    `repl-backlog-size 256mb`), then `redis-benchmark -t set,incr,lpush,hset -n N -r 100000 -d 64
#    -P 16 -c 50 --csv`; A alone, B with `redback stream --flush-interval 1s` attached (fresh local
#    file repository and spool, base snapshot taken before redis-benchmark starts), C (for
#    reference; not with --no-reference) with a plain redis-server replica attached instead.
#    N is calibrated so that a run takes about --seconds (default 25) unless --requests gives it.
#    Medians and the difference per test, and the source's own CPU time per million requests (what
#    a replica costs the source whether or not the machine has a core to spare for it). With --pin
#    the source runs alone on CPU 0 and everything else (redis-benchmark, redback or the replica,
#    the sampler) on CPU 1, so that the source is never preempted by what is measured against it.
# 2. Lag. In every run a sampler (bench/stream-stats.py) reads the source's `INFO replication memory`
#    every 100 ms, plus the repository's stream.json and segment manifests; for the B runs the lag in
#    seconds of redback's acknowledged offset and of the repository's committed offset, over the
#    whole of redis-benchmark's run: p50 / p99 / max.
# 3. Restore. A source loaded from out/bench.rdb (>= 1 GB, see rdb-check.sh; BENCH_RDB for another),
#    `redback stream` attached (its base snapshot is that dataset), then 1 M SETs
#    (`redis-benchmark -t set -n 1000000 -r 1000000 -d 32 -P 32`); SIGTERM once redback acked
#    everything. Then --restore-runs times (default 3), alternating: `redback restore --at <the end
#    of the log> --to-dir DIR` (a Redis 7 appendonlydir: base RDB + incr AOF) under /usr/bin/time -v,
#    and `redis-server --appendonly yes --appenddirname appendonlydir --dir DIR` timed until it
#    answers PONG; the loaded keyspace must match the source's. If the built redback has no
#    `restore --at`, the restore times are left out and the record says so.
# 4. Prints a markdown report and (not with --no-record) inserts it at the top of the
#    "## redback stream" section of bench/RESULTS.md. Unexpected lines from redback or the source
#    (warnings, lost links, resyncs) are quoted in it.
#
# Before sections 1 and 3 it waits (up to BENCH_LOAD_WAIT s, default 240) for the 1-minute load
# average to drop below BENCH_MAX_LOAD (default 1.5), and records the load either way.
# See bench/README.md for the environment variables.
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh" # also sets out, results, redis_server, redis_cli

work="$out/stream"
redis_benchmark="${REDIS_BENCHMARK:-redis-benchmark}"
pairs=3
requests=""
seconds=25
restore_runs=3
skip_restore=0
reference=1
pin=0
stats="$here/stream-stats.py"

parse_options --pairs:pairs --requests:requests --seconds:seconds --restore-runs:restore_runs \
  --skip-restore:skip_restore=1 --no-reference:reference=0 --pin:pin=1 -- "$@"
need_positive "--pairs, --requests, --seconds and --restore-runs want positive integers" \
  "$pairs" "$seconds" "$restore_runs" ${requests:+"$requests"}
need_tools --hint "(apt-get install redis-server redis-tools)" "$redis_server" "$redis_cli" "$redis_benchmark" python3 java
hz="$(getconf CLK_TCK)"
# --pin: the source on CPU 0, the rest on CPU 1 (the throughput section only)
others=()
if [ "$pin" = 1 ]; then
  need_tools taskset
  [ "$(nproc)" -ge 2 ] || die 2 "--pin needs at least 2 CPUs"
  others=(taskset -c 1)
fi
pin_to() { [ "$pin" = 1 ] && taskset -apc "$1" "$2" >/dev/null; return 0; } # CPU PID: every thread of PID

rm -rf "$work"
mkdir -p "$work"

# ---------------------------------------------------------------------------------------------
# Processes: every one this script starts goes into lib.sh's `started`, stopped on exit; /proc readers
# ---------------------------------------------------------------------------------------------
trap 'exit 130' INT TERM

keyspace() { { "$redis_cli" -p "$1" INFO keyspace | tr -d '\r' | grep '^db' || true; } | sed 's/,avg_ttl=.*//' | tr '\n' ' ' | sed 's/ $//'; }
ticks() { # utime+stime+cutime+cstime of a process, in clock ticks (0 once it is gone)
  { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null || echo; } | awk '{print ($12 + $13 + $14 + $15) + 0}'
}
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
# The jar: brought up to date (retrying while sources are mid-edit), copied to out/
# ---------------------------------------------------------------------------------------------
jar="$out/redback-stream-bench.jar"
if [ -n "${BENCH_JAR:-}" ]; then
  cp "$BENCH_JAR" "$jar"; jar_from="jar $BENCH_JAR"
else
  t="$root/target/redback.jar"
  jar_from="working tree (target/redback.jar up to date)"
  try=0
  while jar_stale "$t"; do
    try=$((try + 1))
    log "building target/redback.jar (mvn -o package -Dmaven.test.skip=true)"
    if mvn_package "$root" >"$work/build.log" 2>&1; then
      jar_from="working tree"; break
    fi
    if [ "$try" -ge 5 ]; then
      clone="${BENCH_CLONE:-/tmp/streambench-src}"
      log "working tree does not build (see $work/build.log): building a clone of HEAD in $clone"
      build_clone "$clone" >>"$work/build.log" 2>&1
      t="$clone/target/redback.jar"; jar_from="clean clone of HEAD (the working tree did not compile)"
      break
    fi
    log "build failed (try $try/5; sources may be mid-edit): retrying in 60 s"
    sleep 60
  done
  cp "$t" "$jar"
fi
jvm_opts="-Xms16m -XX:+UseSerialGC${REDBACK_JAVA_OPTS:+ $REDBACK_JAVA_OPTS}"
# shellcheck disable=SC2206
java_cmd=(java $jvm_opts -jar "$jar")

# start_stream PORT DIR -> $stream_pid; redback's repository DIR/repo, spool DIR/spool, output DIR/redback.{out,err}
start_stream() {
  local port="$1" dir="$2" timeout="$3" i
  "${others[@]}" "${java_cmd[@]}" stream --redis "redis://127.0.0.1:$port" --repo "$dir/repo" --spool "$dir/spool" --name bench \
    --flush-interval 1s >"$dir/redback.out" 2>"$dir/redback.err" &
  stream_pid=$!
  started+=("$stream_pid")
  for i in $(seq $(( timeout * 10 ))); do
    grep -q ' timeline .* started' "$dir/redback.out" 2>/dev/null && return 0
    if ! alive "$stream_pid"; then
      echo "$me: redback stream exited before its first timeline:" >&2
      cat "$dir/redback.out" "$dir/redback.err" >&2
      exit 1
    fi
    sleep 0.1
  done
  die 1 "redback stream did not start a timeline within $timeout s"
}
# stop_stream DIR -> stop_s, stop_rc, stream_hwm (KiB), stream_cpu (s), stopped_line; SIGTERM, then wait
stop_stream() {
  local dir="$1" t0 h tk=0 x
  stream_hwm="$(hwm "$stream_pid")"
  t0=$(now)
  term_at="$t0"
  kill -TERM "$stream_pid"
  while alive "$stream_pid"; do
    h="$(hwm "$stream_pid")"; [ -n "$h" ] && stream_hwm="$h"
    x="$(ticks "$stream_pid")"; [ "${x:-0}" -gt 0 ] && tk="$x"
    sleep 0.05
  done
  stop_rc=0; wait "$stream_pid" || stop_rc=$?
  forget "$stream_pid"
  stop_s=$(sub "$(now)" "$t0")
  stream_cpu=$(python3 -c "print(f'{$tk / $hz:.2f}')")
  stopped_line="$(grep ' stopped: ' "$dir/redback.out" | tail -n 1 | cut -d' ' -f2-)"
  [ -n "$stopped_line" ] || stopped_line="(no stopped line; exit code $stop_rc)"
}
start_sampler() { # port file [source_dir pid]
  if [ $# -gt 2 ]; then
    "${others[@]}" python3 "$stats" sample --port "$1" --out "$2" --source-dir "$3" --pid "$4" &
  else
    "${others[@]}" python3 "$stats" sample --port "$1" --out "$2" &
  fi
  sampler_pid=$!
  started+=("$sampler_pid")
  for _ in $(seq 50); do [ -s "$2" ] && return 0; sleep 0.1; done
}
stop_sampler() { kill -TERM "$sampler_pid" 2>/dev/null || true; wait "$sampler_pid" 2>/dev/null || true; forget "$sampler_pid"; }
wait_caught_up() { # samples_file offset timeout_s [acked]: until the acked (and repository) offsets reach offset
  local i a r
  for i in $(seq $(( $3 * 10 ))); do
    read -r a r < <(tail -n 1 "$1" | awk -F'\t' '{print $3, $5}')
    [ "${4:-}" = acked ] && r="$2"
    [ "${a:--1}" -ge "$2" ] && [ "${r:--1}" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
messages="$work/messages.txt"; : >"$messages"

server_opts=(--save '' --appendonly no --repl-diskless-sync yes --repl-diskless-sync-delay 0 --repl-backlog-size 256mb)
bench_args=(-t set,incr,lpush,hset -r 100000 -d 64 -P 16 -c 50 --csv)
load_start="$(loadavg)"

# ---------------------------------------------------------------------------------------------
# 1 + 2. Throughput without / with redback, lag of the "with" runs
# ---------------------------------------------------------------------------------------------
wait_quiet "the throughput runs"
if [ -z "$requests" ]; then
  d="$work/calibrate"; mkdir -p "$d"; port="$(free_port)"
  start_server "$d" "$port" "${server_opts[@]}"
  wait_pong "$port" "$server_pid" 30 || die 2 "redis-server did not start; see $d/redis.log"
  pin_to 0 "$server_pid"
  t0=$(now)
  "${others[@]}" "$redis_benchmark" -h 127.0.0.1 -p "$port" -n 200000 "${bench_args[@]}" >"$d/bench.csv"
  cal=$(sub "$(now)" "$t0")
  stop_server "$port" "$server_pid"
  requests=$(python3 -c "print(max(100000, min(20000000, round(200000 * $seconds / $cal / 10000) * 10000)))")
  requests_note="calibrated: 200,000 per test took $cal s here, scaled to ~$seconds s a run"
  log "calibration: 200,000 requests per test in $cal s -> -n $requests"
else
  requests_note="given with --requests"
fi

run_tp() { # run kind: without | with (redback stream) | replica (a redis-server replica, for reference)
  local run="$1" kind="$2" d port t0 t1 b0 b1 s0 s1 j0=0 j1=0 p0 p1 m_end mo rport="" rpid="" what
  case "$kind" in without) what="without redback" ;; with) what="with redback" ;; *) what="with a redis replica" ;; esac
  d="$work/tp-$run-$kind"; rm -rf "$d"; mkdir -p "$d"
  port="$(free_port)"
  start_server "$d" "$port" "${server_opts[@]}"
  local srv="$server_pid"
  wait_pong "$port" "$srv" 30 || die 2 "redis-server did not start; see $d/redis.log"
  pin_to 0 "$srv"
  if [ "$kind" = with ]; then
    start_stream "$port" "$d" 60
    start_sampler "$port" "$d/samples.tsv" "$d/repo/sources/bench" "$stream_pid"
  elif [ "$kind" = replica ]; then
    mkdir -p "$d/replica"; rport="$(free_port)"
    start_server "$d/replica" "$rport" --replicaof 127.0.0.1 "$port" "${server_opts[@]}"
    rpid="$server_pid"
    for _ in $(seq 300); do
      "$redis_cli" -p "$port" INFO replication 2>/dev/null | grep -q '^slave0:.*state=online' && break
      sleep 0.1
    done
    pin_to 1 "$rpid" # once online: every thread it starts is there by then
    start_sampler "$port" "$d/samples.tsv" "$d/none" "$rpid"
  else
    start_sampler "$port" "$d/samples.tsv"
  fi
  sleep 0.5
  local l1; l1="$(load1)"
  b0=$(busy_ticks); s0=$(ticks "$srv"); p0=$(ticks "$sampler_pid")
  if [ "$kind" = with ]; then j0=$(ticks "$stream_pid"); elif [ "$kind" = replica ]; then j0=$(ticks "$rpid"); fi
  t0=$(now)
  "${others[@]}" /usr/bin/time -f '%e %U %S' -o "$d/bench.time" \
    "$redis_benchmark" -h 127.0.0.1 -p "$port" -n "$requests" "${bench_args[@]}" >"$d/bench.csv" 2>"$d/bench.err"
  t1=$(now)
  b1=$(busy_ticks); s1=$(ticks "$srv"); p1=$(ticks "$sampler_pid")
  if [ "$kind" = with ]; then j1=$(ticks "$stream_pid"); elif [ "$kind" = replica ]; then j1=$(ticks "$rpid"); fi
  m_end="$(info_field "$port" replication master_repl_offset)"
  local bcpu; bcpu=$(awk '{print $2 + $3}' "$d/bench.time")
  local wall; wall=$(sub "$t1" "$t0")
  local other; other=$(python3 -c "
ours = ($s1 - $s0 + $p1 - $p0 + $j1 - $j0) / $hz + $bcpu
print(f'{max(0.0, ($b1 - $b0) / $hz - ours) / $wall:.3f}')")
  {
    echo "run=$run"; echo "kind=$kind"; echo "requests=$requests"; echo "csv=tp-$run-$kind/bench.csv"
    echo "samples=tp-$run-$kind/samples.tsv"; echo "bench_start=$t0"; echo "bench_end=$t1"; echo "wall=$wall"
    echo "load1=$l1"; echo "other_cores=$other"; echo "master_end=$m_end"
    echo "redback_cpu=$(python3 -c "print(f'{($j1 - $j0) / $hz:.2f}')")"
    echo "source_cpu=$(python3 -c "print(f'{($s1 - $s0) / $hz:.2f}')")"
  } >"$work/tp-$run-$kind.meta"
  if [ "$kind" != without ]; then
    if [ "$kind" = with ]; then
      wait_caught_up "$d/samples.tsv" "$m_end" 60 || log "run $run: redback did not catch up within 60 s of the end"
    else
      wait_caught_up "$d/samples.tsv" "$m_end" 60 acked || log "run $run: the replica did not catch up within 60 s of the end"
    fi
    sleep 0.3
    stop_sampler
    read -r ca cr < <(python3 "$stats" caught "$d/samples.tsv" "$t1" "$m_end")
    mo=$(awk -F'\t' 'BEGIN {m = 0} $6 > m {m = $6} END {print m}' "$d/samples.tsv")
    { echo "caught_acked=$ca"; echo "caught_repo=$cr"; echo "max_outbuf=$mo"; } >>"$work/tp-$run-$kind.meta"
    if [ "$kind" = with ]; then
      stop_stream "$d"
      { echo "redback_hwm=$stream_hwm"; echo "stopped_line=$stopped_line"; echo "stop_rc=$stop_rc"; } >>"$work/tp-$run-$kind.meta"
      python3 "$stats" messages "run $run" "$term_at" "$d/redback.out" "$d/redback.err" "$d/redis.log" >>"$messages"
      log "run $run ($what): $(python3 "$stats" lag "$d/samples.tsv" "$t0" "$t1"); caught up after ${ca}/${cr} s; peak RSS $((stream_hwm / 1024)) MiB; stop ${stop_s} s"
      rm -rf "$d/repo" "$d/spool"
    else
      echo "redback_hwm=$(hwm "$rpid")" >>"$work/tp-$run-$kind.meta"
      log "run $run ($what): $(python3 "$stats" lag "$d/samples.tsv" "$t0" "$t1" | cut -d';' -f1); caught up after ${ca} s"
      stop_server "$rport" "$rpid"
    fi
  else
    stop_sampler
  fi
  stop_server "$port" "$srv"
  log "run $run ($what): $(awk -F, 'NR > 1 {gsub(/"/, ""); printf "%s %s  ", $1, $2}' "$d/bench.csv")(${wall} s; other CPU ${other} cores; load ${l1})"
}

kinds=(without with)
[ "$reference" = 1 ] && kinds+=(replica)
run=0
for pair in $(seq "$pairs"); do
  for kind in "${kinds[@]}"; do
    run=$((run + 1))
    run_tp "$run" "$kind"
  done
done
load_tp_end="$(loadavg)"

# ---------------------------------------------------------------------------------------------
# 3. 1 GB source, 1 M logged writes, point-in-time restore vs redis-server's own load
# ---------------------------------------------------------------------------------------------
big="$work/big.meta"
others=() # --pin is for the throughput runs only
if [ "$skip_restore" = 0 ]; then
  rdb="${BENCH_RDB:-$out/bench.rdb}"
  if [ ! -f "$rdb" ]; then
    log "$rdb is missing: building it with bench/rdb-check.sh's generator (about 70 s)"
    BENCH_RESULTS=/dev/null "$here/rdb-check.sh" --runs 1 --no-record >"$work/gen.log" 2>&1 \
      || die 2 "could not build $rdb; see $work/gen.log"
  fi
  wait_quiet "the 1 GB restore section"
  d="$work/big"; rm -rf "$d"; mkdir -p "$d/srv"
  ln -s "$(cd "$(dirname "$rdb")" && pwd)/$(basename "$rdb")" "$d/srv/dump.rdb"  # save "" + diskless sync: never written
  port="$(free_port)"
  t0=$(now)
  start_server "$d/srv" "$port" --dbfilename dump.rdb "${server_opts[@]}"
  src_pid="$server_pid"
  wait_loaded "$port" "$src_pid" "$d/srv" 1500
  load_s=$(sub "$(now)" "$t0")
  ks_before="$(keyspace "$port")"
  log "source loaded from $rdb in $load_s s: $ks_before"
  t0=$(now)
  start_stream "$port" "$d" 900
  sync_s=$(sub "$(now)" "$t0")
  stream_t0="$t0"
  log "redback stream: base snapshot stored in $sync_s s"
  start_sampler "$port" "$d/samples.tsv" "$d/repo/sources/bench" "$stream_pid"
  sleep 0.5
  write_args="-t set -n 1000000 -r 1000000 -d 32 -P 32 -c 50 --csv"
  t0=$(now)
  # shellcheck disable=SC2086
  "$redis_benchmark" -h 127.0.0.1 -p "$port" $write_args >"$d/bench.csv" 2>"$d/bench.err"
  t1=$(now)
  m_end="$(info_field "$port" replication master_repl_offset)"
  # SIGTERM once redback has received (acked) everything: the stop must then spool and ship the open segment
  wait_caught_up "$d/samples.tsv" "$m_end" 120 acked || log "redback did not ack everything within 120 s of the writes' end"
  sleep 0.3
  stop_sampler
  read -r ca cr < <(python3 "$stats" caught "$d/samples.tsv" "$t1" "$m_end")
  ks_after="$(keyspace "$port")"
  final_offset="$(info_field "$port" replication master_repl_offset)"
  j_life=$(sub "$(now)" "$stream_t0")
  stop_stream "$d"
  stop_at="$term_at"
  log "1 M SET in $(sub "$t1" "$t0") s; redback caught up after ${ca}/${cr} s; stopped in $stop_s s (exit $stop_rc): $stopped_line"
  used_memory="$(info_field "$port" memory used_memory_human)"
  stop_server "$port" "$src_pid"
  python3 "$stats" messages "section 3" "$stop_at" "$d/redback.out" "$d/redback.err" "$d/srv/redis.log" >>"$messages"
  "${java_cmd[@]}" status --repo "$d/repo" --name bench --json >"$d/status.json" 2>"$d/status.err" || true
  at=""; to_offset=0; repo_note="(redback status --json gave no recovery window: see out/stream/big/status.err)"
  read -r at to_offset repo_note < <(python3 - "$d/status.json" 2>>"$d/status.err" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sources"][0]
t = [x for x in s["timelines"] if x.get("current")][0]
w = t["window"]
at = w["to"][:19] + "Z"   # the end of the second of the last logged write: --at keeps that whole second
print(at, w["toOffset"], f"{t['segments']} segments, {t['rawBytes']:,} bytes of log stored as {t['storedBytes']:,}; "
      f"recovery window {w['from']} .. {w['to']} (offsets {w['fromOffset']:,} .. {w['toOffset']:,})")
PY
  ) || true
  [ -n "$repo_note" ] || repo_note="(redback status --json gave no recovery window: see out/stream/big/status.err)"
  {
    echo "rdb_name=$(basename "$rdb")"; echo "rdb_size=$(stat -L -c %s "$rdb")"; echo "load_s=$load_s"
    echo "keyspace_before=$ks_before"; echo "used_memory=$used_memory"; echo "sync_s=$sync_s"
    echo "write_args=$write_args"; echo "write_s=$(sub "$t1" "$t0")"
    echo "write_rps=$(awk -F, 'NR > 1 {gsub(/"/, ""); print $2}' "$d/bench.csv")"
    echo "samples=big/samples.tsv"; echo "bench_start=$t0"; echo "bench_end=$t1"; echo "run=3"
    echo "caught_acked=$ca"; echo "caught_repo=$cr"; echo "stop_rc=$stop_rc"; echo "stop_s=$stop_s"
    echo "stopped_line=$stopped_line"; echo "stream_hwm=$stream_hwm"; echo "stream_cpu=$stream_cpu"
    echo "stream_life=$j_life"; echo "keyspace_after=$ks_after"; echo "final_offset=$final_offset"
    echo "repo_note=$repo_note"; echo "name=bench"; echo "at=$at"
  } >"$big"
  [ "${to_offset:-0}" -ge "$m_end" ] || log "warning: the repository's window ends at offset $to_offset, before the source's $m_end"

  if [ -n "$at" ] && "${java_cmd[@]}" restore --help 2>/dev/null | grep -q -- '--at='; then
    restore_dir="$d/restore"; rs="$work/restore.tsv"; : >"$rs"; tv="$work/time.txt"
    wait_quiet "the restore timings"
    load_restore="$(loadavg)"
    verify="keyspace of every load equal to the source's ($ks_after)"
    plan=""
    for i in $(seq "$restore_runs"); do
      rm -rf "$restore_dir"; sync
      rc=0
      /usr/bin/time -v -o "$tv" "${java_cmd[@]}" restore --repo "$d/repo" --name bench --at "$at" \
        --to-dir "$restore_dir" --quiet >"$d/restore.out" 2>&1 || rc=$?
      if [ "$rc" != 0 ]; then echo "$me: redback restore failed (exit $rc):" >&2; cat "$d/restore.out" >&2; exit 1; fi
      w=$(wall_of "$tv"); r=$(rss_of "$tv"); c=$(cpu_of "$tv")
      base_b=$(stat -c %s "$restore_dir"/appendonlydir/*.base.rdb); incr_b=$(stat -c %s "$restore_dir"/appendonlydir/*.incr.aof)
      if [ -z "$plan" ]; then
        plan="$(grep -E '^ +(log +[0-9]|replay|cut) ' "$d/restore.out" | sed 's/^ *//; s/  */ /g' | tr '\n' '\t' | sed 's/\t$//; s/\t/; /g')"
        [ -n "$plan" ] || plan="$(head -n 3 "$d/restore.out" | tr '\n' ' ')"
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "redback restore --at" "$i" "$w" "$r" "$c" \
        "writes a $(python3 -c "print(f'{$base_b / 1e9:.2f} GB')") base RDB + $(python3 -c "print(f'{$incr_b / 1e6:.0f} MB')") incr AOF" >>"$rs"
      log "restore $i: redback restore --at $at: $w s, $((r / 1024)) MiB peak RSS, $c s CPU"

      sync; lp="$(free_port)"; t0=$(now)
      /usr/bin/time -v -o "$tv.srv" "$redis_server" --port "$lp" --bind 127.0.0.1 --dir "$restore_dir" \
        --appendonly yes --appenddirname appendonlydir --save '' --auto-aof-rewrite-percentage 0 \
        --daemonize no --logfile "$restore_dir/redis.log" &
      lpid=$!; started+=("$lpid")
      wait_pong "$lp" "$lpid" 600 || die 1 "redis-server did not load the restore; see $restore_dir/redis.log"
      lw=$(sub "$(now)" "$t0")
      ks="$(keyspace "$lp")"
      "$redis_cli" -p "$lp" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
      wait "$lpid" 2>/dev/null || true
      forget "$lpid"
      [ "$ks" = "$ks_after" ] || verify="MISMATCH: load $i has '$ks', the source had '$ks_after'"
      r=$(rss_of "$tv.srv"); c=$(cpu_of "$tv.srv")
      lnote="$(grep -oE 'DB loaded from (base|incr) file [^:]*: [0-9.]+ seconds' "$restore_dir/redis.log" | sed 's/ file appendonly.aof.1.\(base.rdb\|incr.aof\)//' | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "redis-server loads the restored appendonlydir (start to PONG)" "$i" "$lw" "$r" "$c" \
        "its log: ${lnote:-?}" >>"$rs"
      log "restore $i: redis-server load: $lw s to PONG, $((r / 1024)) MiB peak RSS; $ks"
    done
    { echo "restore=yes"; echo "restore_plan=$plan"; echo "verify=$verify"; echo "load_restore=$load_restore"; } >>"$big"
    rm -rf "$restore_dir"
  else
    if [ -z "$at" ]; then
      log "no recovery window from redback status --json: restore comparison pending"
      { echo "restore=no"; echo "restore_note=\`redback status --json\` gave no recovery window to restore (see out/stream/big/status.err)"; } >>"$big"
    else
      log "this redback has no 'restore --at': restore comparison pending"
      { echo "restore=no"; echo "restore_note=the built redback has no \`restore --at\` yet; rerun bench/stream.sh once it does (the script runs it when \`redback restore --help\` lists --at)"; } >>"$big"
    fi
  fi
  rm -rf "$d/repo" "$d/spool"
fi

# ---------------------------------------------------------------------------------------------
# 4. Report
# ---------------------------------------------------------------------------------------------
load_end="$(loadavg)"
load_note="at the start $load_start; $(IFS=';'; echo "${quiet_notes[*]}" | sed 's/;/; /g'); after the throughput runs $load_tp_end; at the end $load_end (2 cores: above ~1 at the start of a section, other work shared the CPU; the \"other CPU\" column says how much)"
export_machine
{
  echo "date=$BENCH_DATE"; echo "label=$label"; echo "nproc=$BENCH_NPROC"; echo "cpu=$BENCH_CPU"
  echo "ram=$BENCH_RAM"; echo "kernel=$BENCH_KERNEL"; echo "java=$BENCH_JAVA"; echo "jvm_opts=$jvm_opts"
  echo "redis=$("$redis_server" --version); $("$redis_benchmark" --version)"
  echo "commit=$(commit_note)"; echo "jar_from=$jar_from"; echo "load_note=$load_note"
  echo "server_opts=${server_opts[*]}" | sed "s/--save  /--save \"\" /"
  echo "bench_args=${bench_args[*]}"; echo "requests=$requests"; echo "requests_note=$requests_note"
  echo "pin=$pin"
} >"$work/run.meta"
report="$work/report.md"
python3 "$stats" report "$work" >"$report"
echo; cat "$report"

if [ "$record" = 1 ]; then
  record_report "## redback stream: source throughput, replication lag, point-in-time restore" "$report"
fi
