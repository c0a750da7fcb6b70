#!/usr/bin/env bash
# restore --into an empty local server against `redis-cli --pipe` fed the same RESTORE commands.
#
# Builds an RDB of --keys small strings (DEBUG POPULATE, 16-byte values) plus a few collections,
# writes its RESTORE commands as RESP beforehand (not timed, from the same payloads redback
# sends), then times, each into a fresh empty redis-server:
#   1. redis-cli --pipe < commands
#   2. redback restore --from-rdb dump.rdb --into redis://... --on-conflict skip -q
#      (reads and verifies the whole RDB first, then writes: both passes are in the time)
# One run each; the machine is shared, so read the ratio, not the seconds.
#
#   bench/restore-into.sh [--keys N] [--label TEXT] [--no-record]
set -euo pipefail
here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

keys=2000000
parse_options --keys:keys -- "$@"
mkdir -p "$out"
work="$(mktemp -d "$out/restore-into.XXXXXX")"
trap 'for p in $(cat "$work"/*.pid 2>/dev/null); do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

start_server() { # NAME PORT
  mkdir -p "$work/$1"
  "$redis_server" --port "$2" --dir "$work/$1" --save '' --appendonly no --enable-debug-command yes \
    --daemonize yes --pidfile "$work/$1.pid" --logfile "$work/$1.log"
  for _ in $(seq 100); do "$redis_cli" -p "$2" ping >/dev/null 2>&1 && return; sleep 0.1; done
  die 2 "redis-server $1 did not start"
}
stop_server() { "$redis_cli" -p "$2" shutdown nosave >/dev/null 2>&1 || true; sleep 0.5; }

port_src=$((20000 + RANDOM % 10000)); port_dst=$((port_src + 1))
log "building the source: $keys keys"
start_server src "$port_src"
"$redis_cli" -p "$port_src" debug populate "$keys" key 16 >/dev/null
for i in $(seq 100); do "$redis_cli" -p "$port_src" rpush "list:$i" $(seq 1 200) >/dev/null; done
for i in $(seq 100); do "$redis_cli" -p "$port_src" hset "hash:$i" $(seq 1 100 | sed 's/.*/f& v&/') >/dev/null; done
"$redis_cli" -p "$port_src" save >/dev/null
cp "$work/src/dump.rdb" "$work/dump.rdb"
stop_server src "$port_src"

(cd "$root" && mvn -q -o test-compile >/dev/null && bin/redback --version >/dev/null)
cp="$root/target/redback.jar:$root/target/test-classes"
log "writing the RESTORE commands (not timed)"
java -cp "$cp" io.redback.restore.RestoreCommandsFile "$work/dump.rdb" "$work/commands.resp"

start_server dst "$port_dst"
log "redis-cli --pipe"
t0=$(date +%s.%N); "$redis_cli" -p "$port_dst" --pipe < "$work/commands.resp" > "$work/pipe.out"; t1=$(date +%s.%N)
pipe_s=$(echo "$t1 - $t0" | bc)
pipe_keys=$("$redis_cli" -p "$port_dst" dbsize)
stop_server dst "$port_dst"

start_server dst2 "$port_dst"
log "redback restore --into"
t0=$(date +%s.%N)
"$root/bin/redback" restore --from-rdb "$work/dump.rdb" --into "redis://127.0.0.1:$port_dst" --on-conflict skip -q \
  > "$work/redback.out"
t1=$(date +%s.%N)
redback_s=$(echo "$t1 - $t0" | bc)
redback_keys=$("$redis_cli" -p "$port_dst" dbsize)
stop_server dst2 "$port_dst"

ratio=$(echo "scale=2; $redback_s / $pipe_s" | bc)
rdb_mb=$(( $(stat -c %s "$work/dump.rdb") / 1000000 ))
echo "keys $((keys + 200)), RDB ${rdb_mb} MB"
echo "redis-cli --pipe         ${pipe_s} s  ($pipe_keys keys)"
echo "redback restore --into   ${redback_s} s  ($redback_keys keys)  ratio ${ratio}x"
