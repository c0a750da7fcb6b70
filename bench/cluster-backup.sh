#!/usr/bin/env bash
# Benchmark: `redback backup --cluster` of a 3-primary Redis Cluster (one snapshot per shard, taken
# in parallel) vs `redback backup` of one standalone server holding the same data. Taken in
# parallel, the cluster's wall time should follow its biggest shard, not the sum of the shards.
#
#   bench/cluster-backup.sh [--runs N] [--keys N] [--value-size BYTES] [--method sync|scan]
#                           [--label TEXT] [--no-record]
#
# 1. Starts 3 redis-servers with `cluster-enabled yes` on free 127.0.0.1 ports (files in
#    out/cluster-backup/node-I), joins them with `redis-cli --cluster create` (3 primaries, no
#    replicas), and one standalone redis-server (out/cluster-backup/standalone). All `save ""`,
#    `appendonly no`, `repl-diskless-sync yes`, `repl-diskless-sync-delay 0`.
# 2. Fills each primary with --keys / 3 strings of --value-size bytes (default 3,000,000 keys of
#    100 bytes in all) by DEBUG POPULATE under a hash tag whose slot that primary owns, and the
#    standalone server with the same keys (the three prefixes, --keys / 3 each).
# 3. --runs times (default 3), alternating the order: `redback backup --cluster --redis NODE0` and
#    `redback backup --redis STANDALONE`, each into a fresh file repository (zstd:3, --method as
#    given, default sync), under /usr/bin/time -v.
# 4. Stops the servers, prints a markdown table (median wall, MB/s, peak RSS, CPU, and the
#    cluster's wall as a fraction of the standalone's) and (not with --no-record) inserts it at the
#    top of the "## redback backup --cluster vs standalone" section of bench/RESULTS.md.
#
# On fewer than 4 cores the three shards' transfers share the CPU with the servers, so the
# fraction says more about the machine than about redback there. A small smoke run of the script:
#   bench/cluster-backup.sh --runs 1 --keys 30000 --no-record
#
# Environment: BENCH_OUT, BENCH_RESULTS, BENCH_JAR, REDIS_SERVER, REDIS_CLI (bench/README.md).
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh" # also sets out, results, redis_server, redis_cli

runs="${BENCH_RUNS:-3}"
keys=3000000
value_size=100
method=sync

parse_options --runs:runs --keys:keys --value-size:value_size --method:method -- "$@"
need_positive "--runs, --keys and --value-size want positive integers" "$runs" "$keys" "$value_size"
case "$method" in sync|scan) ;; *) die 2 "--method is sync or scan, not $method" ;; esac
need_tools "$redis_server" "$redis_cli" python3 java
mkdir -p "$out"

bench_jar redback-cluster-bench.jar

# ---------------------------------------------------------------------------------------------
# The servers
# ---------------------------------------------------------------------------------------------
work="$out/cluster-backup"
rm -rf "$work"; mkdir -p "$work"
common=(--save '' --appendonly no --repl-diskless-sync yes --repl-diskless-sync-delay 0
        --enable-debug-command local)
# cluster_port: a port free on 127.0.0.1 whose cluster bus port (+10000) is free too (at most 55535).
cluster_port() {
  python3 -c '
import random, socket
for _ in range(1000):
    p = random.randint(20000, 55535)
    try:
        for q in (p, p + 10000):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
        print(p); break
    except OSError:
        pass'
}
ports=(); pids=()
for i in 0 1 2; do
  mkdir -p "$work/node-$i"
  p="$(cluster_port)"
  start_server "$work/node-$i" "$p" "${common[@]}" --cluster-enabled yes \
    --cluster-config-file "$work/node-$i/nodes.conf" --cluster-node-timeout 5000
  wait_pong "$p" "$server_pid" 10 || die 2 "redis-server exited; see $work/node-$i/redis.log"
  ports+=("$p"); pids+=("$server_pid")
done
mkdir -p "$work/standalone"
sport="$(free_port)"
start_server "$work/standalone" "$sport" "${common[@]}"
wait_pong "$sport" "$server_pid" 10 || die 2 "redis-server exited; see $work/standalone/redis.log"
spid="$server_pid"

log "creating the cluster on ports ${ports[*]}"
"$redis_cli" --cluster create "127.0.0.1:${ports[0]}" "127.0.0.1:${ports[1]}" "127.0.0.1:${ports[2]}" \
  --cluster-replicas 0 --cluster-yes >"$work/create.log" 2>&1 || fail "redis-cli --cluster create" "$work/create.log"
for _ in $(seq 200); do
  ok=1
  for p in "${ports[@]}"; do
    [ "$(info_field "$p" cluster cluster_enabled)" = 1 ] || ok=0
    "$redis_cli" -p "$p" CLUSTER INFO | tr -d '\r' | grep -q '^cluster_state:ok' || ok=0
  done
  [ "$ok" = 1 ] && break
  sleep 0.1
done
[ "$ok" = 1 ] || die 2 "the cluster did not reach cluster_state:ok (see $work/node-*/redis.log)"

# tag_for PORT: a hash tag whose slot the primary on PORT owns (its "myself" line of CLUSTER NODES),
# so that DEBUG POPULATE's "{tag}:N" keys are keys it serves.
tag_for() {
  local port="$1" n=0 slot
  while :; do
    slot="$("$redis_cli" -p "$port" CLUSTER KEYSLOT "{t$n}")"
    if "$redis_cli" -p "$port" CLUSTER NODES | tr -d '\r' | awk -v s="$slot" '
         /myself/ { for (i = 9; i <= NF; i++) { n = split($i, r, "-"); if (n == 1) r[2] = r[1];
                    if (s + 0 >= r[1] + 0 && s + 0 <= r[2] + 0) found = 1 } }
         END { exit found ? 0 : 1 }'; then
      echo "t$n"; return
    fi
    n=$((n + 1))
  done
}
per_shard=$((keys / 3))
t0=$(now)
for i in 0 1 2; do
  tag="$(tag_for "${ports[$i]}")"
  "$redis_cli" -p "${ports[$i]}" DEBUG POPULATE "$per_shard" "{$tag}" "$value_size" >/dev/null
  "$redis_cli" -p "$sport" DEBUG POPULATE "$per_shard" "{$tag}" "$value_size" >/dev/null
done
log "filled in $(sub "$(now)" "$t0" 1) s: shards $(for p in "${ports[@]}"; do printf '%s ' "$(keyspace_info "$p")"; done)" \
  "standalone $(keyspace_info "$sport")"

# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------
samples="$out/cluster-backup-samples.tsv"; : >"$samples"
tv="$out/cluster-backup-time.txt"; tl="$out/cluster-backup-tool.log"
# label run wall rss cpu raw
sample() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$samples"; }
run_cluster() {
  local run="$1" repo="$work/repo-cluster" w r c raw
  rm -rf "$repo"; sync
  /usr/bin/time -v -o "$tv" "${java_cmd[@]}" backup --cluster --method "$method" --redis "redis://127.0.0.1:${ports[0]}" \
    --repo "$repo" --name shop --json --quiet >"$out/cluster-backup-last.json" 2>"$tl" || fail "redback backup --cluster" "$tl"
  raw=$(find "$repo/sources" -name manifest.json -exec python3 -c '
import json, sys
print(sum(json.load(open(f))["rawSize"] for f in sys.argv[1:]))' {} +)
  w=$(wall_of "$tv"); r=$(rss_of "$tv"); c=$(cpu_of "$tv")
  sample "backup --cluster (3 shards)" "$run" "$w" "$r" "$c" "$raw"
  log "run $run: backup --cluster ${w} s, $((r / 1024)) MiB peak RSS, ${c} s CPU, $raw raw bytes"
}

run_standalone() {
  local run="$1" repo="$work/repo-standalone" w r c raw
  rm -rf "$repo"; sync
  /usr/bin/time -v -o "$tv" "${java_cmd[@]}" backup --method "$method" --redis "redis://127.0.0.1:$sport" \
    --repo "$repo" --name single --json --quiet >"$out/cluster-backup-last.json" 2>"$tl" || fail "redback backup" "$tl"
  raw=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["rawSize"])' "$out/cluster-backup-last.json")
  w=$(wall_of "$tv"); r=$(rss_of "$tv"); c=$(cpu_of "$tv")
  sample "backup (standalone, same data)" "$run" "$w" "$r" "$c" "$raw"
  log "run $run: backup standalone ${w} s, $((r / 1024)) MiB peak RSS, ${c} s CPU, $raw raw bytes"
}

step() { "$1" "$2"; } # for alternate: the item is the function to run
wait_quiet "the timed runs"
load_before="$(loadavg)"
alternate "$runs" step run_cluster run_standalone
load_after="$(loadavg)"

for i in 0 1 2; do stop_server "${ports[$i]}" "${pids[$i]}"; done
stop_server "$sport" "$spid"
log "servers stopped"

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
report="$out/cluster-backup-report.md"
export_machine
BENCH_REDIS="$("$redis_server" --version)" BENCH_COMMIT="$(commit_note)" BENCH_JAR_FROM="$jar_from" \
BENCH_LABEL="$label" BENCH_KEYS="$keys" BENCH_VALUE="$value_size" BENCH_METHOD="$method" BENCH_RUNS_USED="$runs" \
BENCH_LOAD="before $load_before, after $load_after" BENCH_QUIET="${quiet_notes[*]:-}" \
report_py "$samples" >"$report" <<'PY'
rows = OrderedDict()
for line in open(sys.argv[1]):
    label, run, wall, rss, cpu, raw = line.rstrip("\n").split("\t")
    rows.setdefault(label, []).append((float(wall), int(rss), float(cpu), int(raw)))
o = heading()
o.append(f"- java: {e['BENCH_JAVA']}; redback run as `java -Xms16m -XX:+UseSerialGC -jar out/redback-cluster-bench.jar`")
o.append(f"- redis: {e['BENCH_REDIS']}")
o.append(f"- redback: commit {e['BENCH_COMMIT']}; jar from the {e['BENCH_JAR_FROM']}")
o.append(f"- data: {int(e['BENCH_KEYS']):,} strings of {e['BENCH_VALUE']} bytes (DEBUG POPULATE), a third on each of 3 "
         f"primaries (`redis-cli --cluster create`, no replicas) and all of them on one standalone server")
o.append(f"- method: {e['BENCH_RUNS_USED']} runs each, order alternating, each into a fresh file repository (zstd:3, "
         f"--method {e['BENCH_METHOD']}); wall time, peak RSS and CPU from `/usr/bin/time -v`; MB/s = raw RDB bytes "
         f"(all shards together) / median wall")
o.append(load_line())
if e.get("BENCH_QUIET"):
    o.append(f"- waiting for a quiet machine: {e['BENCH_QUIET']}")
o.append("")
o.append("| backup | raw RDB | wall min | wall median | MB/s | peak RSS (max) | CPU (median) |")
o.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
med = {}
for label, s in rows.items():
    walls = [x[0] for x in s]; m = statistics.median(walls); raw = statistics.median(x[3] for x in s)
    med[label] = m
    o.append(f"| {label} | {raw / 1e6:,.0f} MB | {min(walls):.2f} s | {m:.2f} s | {raw / 1e6 / m:,.0f} | "
             f"{mib(max(x[1] for x in s))} | {statistics.median(x[2] for x in s):.2f} s |")
o.append("")
c, s1 = med["backup --cluster (3 shards)"], med["backup (standalone, same data)"]
o.append(f"The cluster's median wall is {c / s1:.2f} of the standalone's ({c:.2f} s vs {s1:.2f} s). Shards taken in "
         f"parallel should come near 1/3 (the biggest shard) plus discovery and the cluster manifest, given a core "
         f"per shard; taken one after the other it would be near 1.")
o.append("")
o += samples_details(OrderedDict((k, [(w, r, cp) for w, r, cp, _ in v]) for k, v in rows.items()))
print("\n".join(o))
PY
echo; cat "$report"

if [ "$record" = 1 ]; then
  record_report "## redback backup --cluster vs standalone" "$report"
fi
