#!/usr/bin/env bash
# restore --into an empty local server against `redis-cli --pipe` fed the same RESTORE commands.
#
# Builds an RDB of --keys small strings (DEBUG POPULATE, 16-byte values) plus a few collections,
# writes its RESTORE commands as RESP beforehand (not timed, from the same payloads redback
# sends), then times, each into a fresh empty redis-server:
#   1. redis-cli --pipe < commands
#   2. redback restore --from-rdb dump.rdb --into redis://... --on-conflict skip -q
#      (reads and verifies the whole RDB first, then writes: both passes are in the time)
# One run each; the machine is shared, so read the ratio, not the seconds. Each row also has the
# client's CPU (user+sys, /usr/bin/time) and the target's (INFO cpu), steadier than wall times
# on a loaded machine.
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

# server_cpu PORT: the target's user+sys CPU seconds so far (INFO cpu)
server_cpu() { "$redis_cli" -p "$1" info cpu | awk -F: '/used_cpu_(user|sys):/ { s += $2 } END { printf "%.2f", s }'; }
# timed NAME CMD...: runs CMD into a fresh empty target; sets NAME_s (wall), NAME_cpu (client user+sys),
# NAME_server (the target's CPU) and NAME_keys
timed() {
  local name="$1" s0 w u sy; shift
  start_server "$name" "$port_dst"
  s0=$(server_cpu "$port_dst")
  log "$name: $*"
  /usr/bin/time -f "%e %U %S" -o "$work/$name.time" "$@" > "$work/$name.out"
  read -r w u sy < "$work/$name.time"
  printf -v "${name}_s" '%s' "$w"
  printf -v "${name}_cpu" '%s' "$(echo "$u + $sy" | bc)"
  printf -v "${name}_server" '%s' "$(echo "$(server_cpu "$port_dst") - $s0" | bc)"
  printf -v "${name}_keys" '%s' "$("$redis_cli" -p "$port_dst" dbsize)"
  stop_server "$name" "$port_dst"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
timed pipe sh -c '"$0" -p "$1" --pipe < "$2"' "$redis_cli" "$port_dst" "$work/commands.resp"
timed redback "$root/bin/redback" restore --from-rdb "$work/dump.rdb" --into "redis://127.0.0.1:$port_dst" \
  --on-conflict skip -q
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

ratio=$(echo "scale=2; $redback_s / $pipe_s" | bc)
cpu_ratio=$(echo "scale=2; $redback_cpu / $pipe_cpu" | bc)
rdb_mb=$(( $(stat -c %s "$work/dump.rdb") / 1000000 ))
echo "keys $((keys + 200)), RDB ${rdb_mb} MB; load average before ${load_before}, after ${load_after}"
echo "tool                     wall      client CPU  target CPU  keys"
echo "redis-cli --pipe         ${pipe_s} s  ${pipe_cpu} s      ${pipe_server} s      $pipe_keys"
echo "redback restore --into   ${redback_s} s  ${redback_cpu} s      ${redback_server} s      $redback_keys"
echo "ratio (wall) ${ratio}x; client CPU ratio ${cpu_ratio}x (a JVM's start and JIT included)"
