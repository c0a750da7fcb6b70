#!/usr/bin/env bash
# Benchmark of durable acknowledgements: WAITAOF latency and confirmed writes per second with
# redback as the replica, beside a Redis replica with appendfsync always.
#
#   bench/waitaof.sh [--seconds S] [--clients "1 8 64"] [--label TEXT] [--no-record]
#
# For each replica below, a fresh source (Redis 7.4.1 by default: REDIS_SERVER, else built by
# ../shared/servers/build.sh; `save ""`, `appendonly no`, `repl-diskless-sync-delay 0`) on a free
# 127.0.0.1 port, the replica attached, then for each client count (default 1, 8 and 64) S
# seconds (default 5) of bench/waitaof-load.py: every client in a loop `SET <own key> <64 B>` +
# `WAITAOF 0 1 1000`. Replicas:
#   - redback stream --durable-at spool (local file repository, --flush-interval 1s);
#   - redback stream --durable-at repository (the same, FACK once the repository has committed);
#   - redback stream --durable-at repository on S3: S3Proxy (in memory, bench/S3ProxyServer.java on
#     the test classpath) on 127.0.0.1, so the row shows the cost of object-store round trips;
#   - redis-server --replicaof the source with appendonly yes, appendfsync always;
# and, as the reference for throughput, `WAIT 1 1000` instead of WAITAOF with redback (spool), and
# `WAIT 1 1000` with redback --ack-when spooled (its ACK says fsync'd, so WAIT means durable).
# Reports per row: confirmed writes/s, unconfirmed (WAITAOF said 0 within 1 s), and the latency
# of the WAITAOF (or WAIT) call alone, p50 / p99 / max. Prints a markdown report and (not with
# --no-record) inserts it at the top of the "## WAITAOF" section of bench/RESULTS.md.
#
# Before the runs it waits (up to BENCH_LOAD_WAIT s, default 240) for the 1-minute load average to
# drop below BENCH_MAX_LOAD (default 1.5), and records the load either way.
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -z "${REDIS_SERVER:-}" ]; then
  REDIS_SERVER="$(bash "$here/../../shared/servers/build.sh" redis-7.4.1)" \
    || { echo "waitaof.sh: no Redis 7.2+ server: set REDIS_SERVER" >&2; exit 2; }
fi
: "${REDIS_CLI:=$(dirname "$REDIS_SERVER")/redis-cli}"
export REDIS_SERVER REDIS_CLI
. "$here/lib.sh"

seconds=5
clients="1 8 64"
parse_options --seconds:seconds --clients:clients -- "$@"
need_positive "--seconds must be a positive integer" "$seconds"
need_tools java python3 mvn
"$redis_server" --version | grep -Eq 'v=(7\.[2-9]|[89]\.)' \
  || die 2 "$redis_server is older than 7.2: WAITAOF needs Redis 7.2+ (set REDIS_SERVER)"

work="$out/waitaof"
rm -rf "$work"
mkdir -p "$work"
rows="$work/rows.jsonl"
: >"$rows"

jar="$root/target/redback.jar"
if jar_stale "$jar"; then
  log "building target/redback.jar"
  mvn_package "$root" >"$work/build.log" 2>&1 || fail "mvn package" "$work/build.log"
fi
java_cmd=(java -Xms16m -XX:+UseSerialGC ${REDBACK_JAVA_OPTS:-} -jar "$jar")

# start_source DIR -> $source_port, $source_pid
start_source() {
  mkdir -p "$1"
  source_port="$(free_port)"
  start_server "$1" "$source_port" --save '' --appendonly no --repl-diskless-sync-delay 0
  source_pid=$server_pid
  wait_pong "$source_port" "$source_pid" 10 || die 2 "the source did not start; see $1/redis.log"
}

# start_s3 DIR -> $s3_port, $s3_pid: S3Proxy with an empty bucket "bench"
start_s3() {
  local i
  if [ ! -s "$work/test-classpath" ]; then
    (cd "$root" && mvn -B -q dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile="$work/test-classpath") >"$work/classpath.log" 2>&1 || fail "mvn dependency:build-classpath" "$work/classpath.log"
  fi
  s3_port="$(free_port)"
  java -cp "$(cat "$work/test-classpath")" "$here/S3ProxyServer.java" "$s3_port" bench >"$1/s3proxy.out" 2>"$1/s3proxy.err" &
  s3_pid=$!
  started+=("$s3_pid")
  for i in $(seq 600); do
    grep -q '^ready' "$1/s3proxy.out" 2>/dev/null && return 0
    alive "$s3_pid" || { cat "$1/s3proxy.err" >&2; die 1 "S3Proxy exited"; }
    sleep 0.1
  done
  die 1 "S3Proxy did not start within 60 s"
}

# attach KIND DIR: the replica of kind redback-spool | redback-spool-acked | redback-repository |
# redback-repository-s3 | redis-always -> $replica_pid
attach() {
  local kind="$1" dir="$2" i repo durable ack=received
  case "$kind" in
    redback-*)
      repo="$dir/repo"
      durable="${kind#redback-}"
      if [ "$kind" = redback-spool-acked ]; then
        durable=spool
        ack=spooled
      fi
      if [ "$kind" = redback-repository-s3 ]; then
        start_s3 "$dir"
        repo="s3://bench/waitaof?endpoint=http://127.0.0.1:$s3_port"
        durable=repository
      fi
      AWS_ACCESS_KEY_ID=redback-bench AWS_SECRET_ACCESS_KEY=redback-bench-secret \
      "${java_cmd[@]}" stream --redis "redis://127.0.0.1:$source_port" --repo "$repo" --spool "$dir/spool" \
        --name bench --flush-interval 1s --durable-at "$durable" --ack-when "$ack" >"$dir/redback.out" 2>"$dir/redback.err" &
      replica_pid=$!
      started+=("$replica_pid")
      for i in $(seq 600); do
        grep -q ' timeline .* started' "$dir/redback.out" 2>/dev/null && break
        alive "$replica_pid" || { cat "$dir/redback.err" >&2; die 1 "redback stream exited"; }
        sleep 0.1
      done
      ;;
    redis-always)
      local port; port="$(free_port)"
      mkdir -p "$dir/replica"
      start_server "$dir/replica" "$port" --save '' --appendonly yes --appendfsync always \
        --replicaof 127.0.0.1 "$source_port"
      replica_pid=$server_pid
      replica_port=$port
      wait_pong "$port" "$replica_pid" 10 || die 2 "the replica did not start"
      ;;
  esac
  for i in $(seq 600); do
    [ "$(info_field "$source_port" replication connected_slaves)" = 1 ] \
      && "$redis_cli" -p "$source_port" INFO replication | grep -q 'state=online' && return 0
    sleep 0.1
  done
  die 1 "$kind never came online"
}

detach() {
  case "$1" in
    redback-*)
      kill -TERM "$replica_pid"; wait "$replica_pid" 2>/dev/null || true; forget "$replica_pid"
      if [ "$1" = redback-repository-s3 ]; then
        kill -TERM "$s3_pid"; wait "$s3_pid" 2>/dev/null || true; forget "$s3_pid"
      fi
      ;;
    redis-always) stop_server "$replica_port" "$replica_pid" ;;
  esac
}

# run KIND MODE -> appends one JSON row per client count to $rows
run() {
  local kind="$1" mode="$2" dir="$work/$1-$2" n
  mkdir -p "$dir"
  start_source "$dir/source"
  attach "$kind" "$dir"
  for n in $clients; do
    log "$kind, $mode, $n client(s), $seconds s"
    python3 "$here/waitaof-load.py" --port "$source_port" --clients "$n" --seconds "$seconds" --mode "$mode" \
      | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d["replica"]=sys.argv[1]; print(json.dumps(d))' \
        "$kind" >>"$rows"
    tail -n 1 "$rows" >&2
  done
  detach "$kind"
  stop_server "$source_port" "$source_pid"
}

export_machine
wait_quiet "the WAITAOF runs"
load_before="$(loadavg)"
run redback-spool waitaof
run redback-spool wait
run redback-spool-acked wait
run redback-repository waitaof
run redback-repository-s3 waitaof
run redis-always waitaof
BENCH_LOAD="$load_before before, $(loadavg) after"
BENCH_SERVER="$("$redis_server" --version | awk '{print $3}')"
export BENCH_LOAD BENCH_LABEL="$label" BENCH_SECONDS="$seconds" BENCH_COMMIT="$(commit_note)" BENCH_SERVER

report_py "$rows" >"$work/report.md" <<'PY'
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
names = {"redback-spool": "redback --durable-at spool", "redback-spool-acked": "redback --ack-when spooled", "redback-repository": "redback --durable-at repository (file)",
         "redback-repository-s3": "redback --durable-at repository (S3, S3Proxy on loopback)",
         "redis-always": "redis-server replica, appendfsync always"}
out = heading() + [f"- commit {e['BENCH_COMMIT']}; {e['BENCH_SECONDS']} s per row; source and replica: redis-server {e['BENCH_SERVER']}",
                   load_line(), "",
                   "| replica | wait | clients | confirmed writes/s | unconfirmed | latency p50 | p99 | max |",
                   "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
for r in rows:
    ms = lambda v: "-" if v is None else f"{v:.1f} ms"
    out.append(f"| {names[r['replica']]} | {'WAITAOF 0 1' if r['mode'] == 'waitaof' else 'WAIT 1'} | {r['clients']} | "
               f"{r['confirmedPerSecond']:,.0f} | {r['unconfirmed']} | {ms(r['p50Ms'])} | {ms(r['p99Ms'])} | {ms(r['maxMs'])} |")
print("\n".join(out))
PY
cat "$work/report.md"
if [ "$record" = 1 ]; then
  record_report "## WAITAOF (durable acknowledgements)" "$work/report.md"
fi
