#!/usr/bin/env bash
# Benchmark: `redback restore --snapshot latest --to-dir` (download, zstd decompression, SHA-256 of
# the stored and of the raw bytes, the full check of the RDB with its CRC64, one fsync) vs
# `zstd -d` of the very object that snapshot stores, in one run: the time to get a dump.rdb back.
#
#   bench/restore.sh [--runs N] [--small-keys] [--repo DIR --name NAME] [--label TEXT] [--no-record]
#
# 1. The snapshot: with --repo and --name, the latest snapshot of NAME in the folder repository
#    DIR. Otherwise out/restore-repo (kept for the next run; delete it to take a new one), made
#    by `redback backup --name bench` (zstd:3) from a redis-server on a free 127.0.0.1 port
#    loaded from out/bench.rdb (--small-keys: out/small-keys.rdb, made by rdb-check.sh).
# 2. --runs times (default 3), order alternating, each after `sync` with the previous output
#    removed: `java -Xms16m -XX:+UseSerialGC -jar out/redback-restore-bench.jar restore --snapshot
#    latest --name NAME --repo DIR --to-dir out/restore-dir --force --quiet`, and `zstd -d -f OBJECT
#    -o out/restore-zstd.rdb` where OBJECT is the file the snapshot's manifest names; both under
#    /usr/bin/time -v. Both outputs must be the same bytes.
# 3. Prints a markdown table (wall, CPU, peak RSS, redback's wall over zstd's) and, without
#    --no-record, inserts it at the top of "## redback restore --snapshot vs zstd -d" in
#    bench/RESULTS.md.
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh" # also sets out, results, redis_server, redis_cli

runs="${BENCH_RUNS:-3}"
zstd_bin="${ZSTD:-zstd}"
repo=""
source_name=""
small=0
parse_options --runs:runs --repo:repo --name:source_name --small-keys:small=1 -- "$@"
need_positive "--runs wants a positive integer" "$runs"
need_tools "$zstd_bin" python3 java
[ -z "$repo" ] || [ -n "$source_name" ] || die 2 "--repo wants --name (the source whose latest snapshot is restored)"
mkdir -p "$out"
bench_jar redback-restore-bench.jar

# ---------------------------------------------------------------------------------------------
# The snapshot
# ---------------------------------------------------------------------------------------------
dataset="mixed"
if [ -z "$repo" ]; then
  source_name="bench"
  if [ "$small" = 1 ]; then
    rdb="$out/small-keys.rdb"; repo="$out/restore-repo-small-keys"; dataset="small-keys"
    [ -f "$rdb" ] || die 2 "$rdb is missing: run bench/rdb-check.sh --small-keys once to make it"
  else
    bench_rdb
    repo="$out/restore-repo"
  fi
  if [ ! -d "$repo" ]; then
    need_tools "$redis_server" "$redis_cli"
    srv="$out/restore-srv"
    rm -rf "$srv"; mkdir -p "$srv"
    cp "$rdb" "$srv/dump.rdb"
    port="$(free_port)"
    log "starting redis-server on 127.0.0.1:$port, loading a copy of $rdb"
    start_server "$srv" "$port" --dbfilename dump.rdb --save '' --appendonly no \
      --repl-diskless-sync yes --repl-diskless-sync-delay 0
    wait_loaded "$port" "$server_pid" "$srv" 1200
    rm -f "$srv/dump.rdb"
    log "backing up into $repo"
    "${java_cmd[@]}" backup --redis "redis://127.0.0.1:$port" --repo "$repo" --name "$source_name" --quiet \
      >"$out/restore-backup.log" 2>&1 || fail "redback backup" "$out/restore-backup.log"
    stop_server "$port" "$server_pid"
    rm -rf "$srv"
  fi
else
  dataset="given repository"
fi
manifest="$(ls -d "$repo/sources/$source_name/snapshots/"*/manifest.json | sort | tail -n 1)"
[ -f "$manifest" ] || die 2 "no snapshot of $source_name in $repo"
read -r object raw_size stored_size < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
print(m["object"], m["rawSize"], m["storedSize"])' "$manifest")
object="$repo/$object"
[ -f "$object" ] || die 2 "$object (named by $manifest) is missing"
log "snapshot $(dirname "$manifest"): $stored_size stored bytes, $raw_size raw"

# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------
samples="$out/restore-samples.tsv"; : >"$samples"
tv="$out/restore-time.txt"; tl="$out/restore-tool.log"
to_dir="$out/restore-dir"; unzstd="$out/restore-zstd.rdb"
cat "$object" >/dev/null # the stored object in the page cache for both

run_redback() {
  rm -rf "$to_dir"; sync
  /usr/bin/time -v -o "$tv" "${java_cmd[@]}" restore --snapshot latest --name "$source_name" --repo "$repo" \
    --to-dir "$to_dir" --force --quiet >"$tl" 2>&1
  take_sample "redback restore --snapshot" "$1" "$?" "$tv" "$tl"
}
run_zstd() {
  rm -f "$unzstd"; sync
  /usr/bin/time -v -o "$tv" "$zstd_bin" -d -q -f "$object" -o "$unzstd" >"$tl" 2>&1
  take_sample "zstd -d" "$1" "$?" "$tv" "$tl"
}
step() { set +e; "$1" "$2"; set -e; } # take_sample judges the exit code
load_before="$(loadavg)"
alternate "$runs" step run_zstd run_redback
load_after="$(loadavg)"
cmp -s "$to_dir/dump.rdb" "$unzstd" || die 1 "redback's dump.rdb differs from zstd -d's output"
rm -rf "$to_dir" "$unzstd"

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
report="$out/restore-report.md"
export_machine
BENCH_COMMIT="$(commit_note)" BENCH_JAR_FROM="$jar_from" BENCH_LABEL="$label" BENCH_RUNS_USED="$runs" \
BENCH_LOAD="before $load_before, after $load_after" BENCH_RAW="$raw_size" BENCH_STORED="$stored_size" \
BENCH_DATASET="$dataset" BENCH_ZSTD="$("$zstd_bin" --version | tr -d "*" | xargs)" \
report_py "$samples" >"$report" <<'PY'
rows = read_samples(sys.argv[1])
raw, stored = int(e["BENCH_RAW"]), int(e["BENCH_STORED"])
base = statistics.median(w for w, _, _ in rows["zstd -d"])
o = heading()
o.append(f"- java: {e['BENCH_JAVA']}; redback run as `java -Xms16m -XX:+UseSerialGC -jar out/redback-restore-bench.jar`")
o.append(f"- redback: commit {e['BENCH_COMMIT']}; jar from the {e['BENCH_JAR_FROM']}; {e['BENCH_ZSTD']}")
o.append(f"- snapshot: dataset {e['BENCH_DATASET']}, {raw:,} raw bytes ({raw / 1e9:.2f} GB) stored as {stored:,} (zstd)")
o.append(f"- method: {e['BENCH_RUNS_USED']} runs each, order alternating, stored object in the page cache, `sync` "
         f"before each; `restore --snapshot latest --to-dir DIR --force --quiet` (both SHA-256s, full check with "
         f"CRC64, fsync, rename) vs `zstd -d -f` of the same object (no check); wall, CPU (user + sys) and peak RSS "
         f"from `/usr/bin/time -v`; ratio = median wall / zstd -d's median wall")
o.append(load_line())
o.append("")
o.append("| tool | wall min | wall median | MB/s (raw) | peak RSS (max) | CPU (median) | ratio |")
o.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for label, s in rows.items():
    walls = [w for w, _, _ in s]; med = statistics.median(walls)
    o.append(f"| {label} | {min(walls):.2f} s | {med:.2f} s | {raw / 1e6 / med:,.0f} | {mib(max(r for _, r, _ in s))} | "
             f"{statistics.median(c for _, _, c in s):.2f} s | {med / base:.2f}x |")
o.append("")
o.append("Target (issue 19): redback at most 1.5x zstd -d's wall time.")
o.append("")
o += samples_details(rows)
print("\n".join(o))
PY
cat "$report"
if [ "$record" = 1 ]; then
  record_report "## redback restore --snapshot vs zstd -d" "$report"
fi
