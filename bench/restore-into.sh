#!/usr/bin/env bash
# restore --into an empty local server against `redis-cli --pipe` fed the same RESTORE commands.
#
# Builds an RDB of --keys small strings (DEBUG POPULATE, 16-byte values) plus a few collections,
# writes its RESTORE commands as RESP beforehand (not timed, from the same payloads redback
# sends), then --runs times (default 3), order alternating, each into a fresh empty redis-server:
#   1. redis-cli --pipe < commands
#   2. redback restore --from-rdb dump.rdb --into redis://... -q   (the default --on-conflict fail:
#      reads and verifies the whole RDB first, then writes: both passes are in the time; it sends
#      plain strings as SET ... NX, which the target runs for less CPU than RESTORE, while the
#      --pipe side keeps the RESTOREs of the usual runbook, the comparison issue 13 names)
# Each row also has the client's CPU (user+sys, /usr/bin/time) and the target's (INFO cpu),
# steadier than wall times on a loaded machine. Prints a markdown report and (not with
# --no-record) inserts it at the top of "## redback restore --into vs redis-cli --pipe" in
# bench/RESULTS.md.
#
#   bench/restore-into.sh [--keys N] [--runs N] [--label TEXT] [--no-record]
set -euo pipefail
here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

keys=2000000
runs=3
parse_options --keys:keys --runs:runs -- "$@"
need_positive "--keys and --runs want positive integers" "$keys" "$runs"
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
# timed NAME RUN CMD...: runs CMD into a fresh empty target; appends "NAME RUN wall client-CPU
# target-CPU keys" to $samples
samples="$work/samples.tsv"; : >"$samples"
timed() {
  local name="$1" run="$2" s0 w u sy; shift 2
  start_server "$name" "$port_dst"
  s0=$(server_cpu "$port_dst")
  log "run $run: $name: $*"
  /usr/bin/time -f "%e %U %S" -o "$work/$name.time" "$@" > "$work/$name.out"
  read -r w u sy < "$work/$name.time"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$run" "$w" "$(echo "$u + $sy" | bc)" \
    "$(echo "$(server_cpu "$port_dst") - $s0" | bc)" "$("$redis_cli" -p "$port_dst" dbsize)" >> "$samples"
  stop_server "$name" "$port_dst"
}
run_pipe() { timed "redis-cli --pipe" "$1" sh -c '"$0" -p "$1" --pipe < "$2"' "$redis_cli" "$port_dst" "$work/commands.resp"; }
run_redback() {
  timed "redback restore --into" "$1" "$root/bin/redback" restore --from-rdb "$work/dump.rdb" \
    --into "redis://127.0.0.1:$port_dst" -q
}
step() { "$1" "$2"; }

load_before="$(loadavg)"
alternate "$runs" step run_pipe run_redback
load_after="$(loadavg)"

report="$out/restore-into-report.md"
export_machine
BENCH_COMMIT="$(commit_note)" BENCH_LABEL="$label" BENCH_RUNS_USED="$runs" BENCH_LOAD="before $load_before, after $load_after" \
BENCH_RDB_MB="$(( $(stat -c %s "$work/dump.rdb") / 1000000 ))" BENCH_TARGET="$("$redis_server" --version | cut -d' ' -f1-3)" \
report_py "$samples" >"$report" <<'PY'
rows = OrderedDict()
for line in open(sys.argv[1]):
    name, run, wall, cpu, server, keys = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append((int(run), float(wall), float(cpu), float(server), int(keys)))
o = heading()
o.append(f"- redback: commit {e['BENCH_COMMIT']}, run as bin/redback; target: {e['BENCH_TARGET']}, a fresh empty "
         f"server for every run")
keys = rows["redis-cli --pipe"][0][4]
o.append(f"- data: {keys:,} keys (DEBUG POPULATE strings plus 100 lists and 100 hashes), RDB {e['BENCH_RDB_MB']} MB; "
         f"{e['BENCH_RUNS_USED']} runs each, order alternating")
o.append(load_line())
o.append("")
o.append("| tool | wall median (min..max) | client CPU (median) | target CPU (median) | keys |")
o.append("| --- | ---: | ---: | ---: | ---: |")
med = {}
for name, s in rows.items():
    walls = [w for _, w, _, _, _ in s]
    med[name] = statistics.median(walls)
    o.append(f"| `{name}` | {med[name]:.2f} s ({min(walls):.2f}..{max(walls):.2f}) | "
             f"{statistics.median(c for _, _, c, _, _ in s):.2f} s | {statistics.median(t for _, _, _, t, _ in s):.2f} s | "
             f"{', '.join(sorted({f'{k:,}' for *_, k in s}))} |")
ratio = med["redback restore --into"] / med["redis-cli --pipe"]
o.append("")
o.append(f"Ratio of the medians: **{ratio:.2f}x** (target, issue 13: at most 1.1x: {'met' if ratio <= 1.1 else 'missed'}).")
o.append("")
o.append("Per run (wall / client CPU / target CPU, s): " + "; ".join(
    f"{run} {name.split()[0]} {w:.2f}/{c:.2f}/{t:.2f}" for name, s in rows.items() for run, w, c, t, _ in s))
print("\n".join(o))
PY
cat "$report"
for name in "redis-cli --pipe" "redback restore --into"; do
  awk -F'\t' -v n="$name" -v k="$((keys + 200))" '$1 == n && $6 != k { bad = 1 } END { exit bad }' "$samples" \
    || die 1 "$name did not leave $((keys + 200)) keys in the target"
done
[ "$record" = 0 ] || record_report "## redback restore --into vs redis-cli --pipe" "$report"
