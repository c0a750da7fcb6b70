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
. "$here/lib.sh" # also sets out, results, redis_server, redis_cli

runs="${BENCH_RUNS:-3}"
zstd_bin="${ZSTD:-zstd}"

parse_options --runs:runs -- "$@"
need_positive "--runs wants a positive integer" "$runs"
need_tools "$redis_server" "$redis_cli" "$zstd_bin" python3 java
mkdir -p "$out"

# The RDB and the jar (bench/lib.sh)
bench_rdb
bench_jar redback-backup-bench.jar

# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------
srv="$out/backup-srv"
rm -rf "$srv"; mkdir -p "$srv"
cp "$rdb" "$srv/dump.rdb"
port="$(free_port)"
log "starting $("$redis_server" --version | awk '{print $3}') on 127.0.0.1:$port, loading $srv/dump.rdb"
t0=$(now)
start_server "$srv" "$port" --dbfilename dump.rdb --save '' \
  --appendonly no --repl-diskless-sync yes --repl-diskless-sync-delay 0
wait_loaded "$port" "$server_pid" "$srv" 1200
load_s=$(sub "$(now)" "$t0" 1)
keyspace="$(keyspace_info "$port")"
used_mem="$(info_field "$port" memory used_memory_human)"
log "loaded in $load_s s: $keyspace used_memory $used_mem"
rm -f "$srv/dump.rdb"   # not needed any more (save "" and diskless sync: nothing is written here)

# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------
samples="$out/backup-samples.tsv"; : >"$samples"
cli_dir="$out/backup-cli"; repo="$out/backup-repo"; tv="$out/backup-time.txt"; tl="$out/backup-tool.log"
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
  /usr/bin/time -v -o "$tv.cli" "$redis_cli" -p "$port" --rdb "$cli_dir/dump.rdb" >"$tl" 2>&1 || fail "redis-cli --rdb" "$tl"
  /usr/bin/time -v -o "$tv.zstd" "$zstd_bin" -3 -T1 -q -f "$cli_dir/dump.rdb" -o "$cli_dir/dump.rdb.zst" >>"$tl" 2>&1 || fail "zstd -3" "$tl"
  t1=$(now)
  w1=$(wall_of "$tv.cli"); w2=$(wall_of "$tv.zstd"); r1=$(rss_of "$tv.cli"); r2=$(rss_of "$tv.zstd")
  c1=$(cpu_of "$tv.cli"); c2=$(cpu_of "$tv.zstd")
  raw=$(stat -c %s "$cli_dir/dump.rdb"); stored=$(stat -c %s "$cli_dir/dump.rdb.zst")
  sample "redis-cli --rdb + zstd -3 -T1" "$run" "$(sub "$t1" "$t0" 2)" "$(( r1 > r2 ? r1 : r2 ))" \
    "$(python3 -c "print(f'{$c1 + $c2:.2f}')")" "$stored" "raw=$raw"
  sample "redis-cli --rdb (alone)" "$run" "$w1" "$r1" "$c1" "" "raw=$raw"
  sample "zstd -3 -T1 (alone)" "$run" "$w2" "$r2" "$c2" "" ""
  log "run $run: redis-cli --rdb ${w1} s + zstd ${w2} s = $(sub "$t1" "$t0" 2) s; $raw -> $stored bytes"
}

run_redback() {
  local run="$1" w r c stored raw
  rm -rf "$repo"; wait_idle; sync
  /usr/bin/time -v -o "$tv" "${java_cmd[@]}" backup --redis "redis://127.0.0.1:$port" --repo "$repo" --name bench \
    --json --quiet >"$out/backup-last.json" 2>"$tl" || fail "redback backup" "$tl"
  w=$(wall_of "$tv"); r=$(rss_of "$tv"); c=$(cpu_of "$tv")
  read -r raw stored < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["rawSize"], m["storedSize"])' "$out/backup-last.json")
  sample "redback backup (zstd:3)" "$run" "$w" "$r" "$c" "$stored" "raw=$raw"
  log "run $run: redback backup ${w} s, $((r / 1024)) MiB peak RSS, ${c} s CPU; $raw -> $stored bytes"
}

step() { "$1" "$2"; } # for alternate: the item is the function to run
load_before="$(loadavg)"
alternate "$runs" step run_cli run_redback

restore_dir="$out/backup-restore"
run_restore() {
  local run="$1" w r c
  sync
  /usr/bin/time -v -o "$tv" "${java_cmd[@]}" restore --snapshot latest --name bench --to-dir "$restore_dir" \
    --repo "$repo" --force --quiet >"$tl" 2>&1 || fail "redback restore" "$tl"
  w=$(wall_of "$tv"); r=$(rss_of "$tv"); c=$(cpu_of "$tv")
  sample "redback restore" "$run" "$w" "$r" "$c" "" "raw=$(stat -c %s "$restore_dir/dump.rdb")"
  log "run $run: redback restore ${w} s, $((r / 1024)) MiB peak RSS"
}
run_unzstd() {
  local run="$1" w r c
  rm -f "$cli_dir/restored.rdb"; sync
  /usr/bin/time -v -o "$tv" "$zstd_bin" -d -q -f "$cli_dir/dump.rdb.zst" -o "$cli_dir/restored.rdb" >"$tl" 2>&1 || fail "zstd -d" "$tl"
  w=$(wall_of "$tv"); r=$(rss_of "$tv"); c=$(cpu_of "$tv")
  sample "zstd -d" "$run" "$w" "$r" "$c" "" "raw=$(stat -c %s "$cli_dir/restored.rdb")"
  log "run $run: zstd -d ${w} s"
}
alternate "$runs" step run_unzstd run_restore
load_after="$(loadavg)"
cmp -s "$cli_dir/dump.rdb" "$cli_dir/restored.rdb" || die 1 "zstd round trip differs"
restored_size=$(stat -c %s "$restore_dir/dump.rdb")
rm -rf "$restore_dir" "$cli_dir/restored.rdb"

stop_server "$port" "$server_pid"
log "server stopped"

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
report="$out/backup-report.md"
export_machine
BENCH_REDIS="$("$redis_server" --version); $("$redis_cli" --version); $("$zstd_bin" --version)" \
BENCH_COMMIT="$(commit_note)" BENCH_JAR_FROM="$jar_from" BENCH_LABEL="$label" BENCH_FILE="$rdb" BENCH_SIZE="$size" \
BENCH_SOURCE="$source_note" BENCH_LOADTIME="$load_s" BENCH_KEYSPACE="$keyspace" BENCH_USEDMEM="$used_mem" \
BENCH_RUNS_USED="$runs" BENCH_LOAD="before $load_before, after $load_after" BENCH_RESTORED="$restored_size" \
report_py "$samples" >"$report" <<'PY'
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
o = heading()
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
  record_report "## redback backup vs redis-cli --rdb + zstd" "$report"
fi
