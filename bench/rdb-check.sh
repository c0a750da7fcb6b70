#!/usr/bin/env bash
# Benchmark: `redback check` vs `redis-check-rdb` on the same >= 1 GB RDB of mixed types.
#
#   bench/rdb-check.sh [--regen] [--small-keys] [--runs N] [--also-opts "JVM OPTIONS"]... [--label TEXT] [--no-record]
#
# --small-keys times the other dataset (out/small-keys.rdb, ~800 MB at BENCH_SCALE=1): 9 M short
# strings and ~400 k each of small lists, hashes, sets and sorted sets with full-precision double
# scores, where per-key and per-element costs dominate (gen-dataset.py --dataset small-keys).
#
# 1. Builds the dataset (unless a file from an earlier run is there): a throwaway redis-server on a
#    free 127.0.0.1 port in $BENCH_OUT, DEBUG POPULATE for the bulk of the small strings, then
#    bench/gen-dataset.py | redis-cli --pipe for the rest (ints, ~1 KB values, small listpack/intset
#    aggregates, big quicklist/hashtable/skiplist/set/stream keys, a 100 MB string); SAVE; shutdown.
# 2. Reads the file once untimed (page cache), builds target/redback.jar when stale (untimed),
#    runs `bin/redback check --json` once untimed (it says what the file holds), then times each
#    tool --runs times under /usr/bin/time -v, alternating the order, and prints a markdown table (min/median wall time,
#    MB/s, peak RSS, speed-up over redis-check-rdb).
# 3. Inserts the run (date, machine, dataset, table) at the top of the
#    "## redback check vs redis-check-rdb" section of bench/RESULTS.md (not with --no-record).
#
# See bench/README.md for every option and environment variable.
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh" # also sets out, results, redis_server, redis_cli

scale="${BENCH_SCALE:-1}"
runs="${BENCH_RUNS:-3}"
compression="${BENCH_RDBCOMPRESSION:-yes}"
redis_check_rdb="${REDIS_CHECK_RDB:-redis-check-rdb}"
regen=0
also_opts=()

dataset=mixed
parse_options --regen:regen=1 --small-keys:dataset=small-keys --runs:runs '--also-opts:also_opts[]' -- "$@"
need_positive "--runs wants a positive integer" "$runs"
need_tools "$redis_server" "$redis_cli" "$redis_check_rdb" python3 java

mkdir -p "$out"
if [ -n "${BENCH_RDB:-}" ]; then
  rdb="$BENCH_RDB"
  [ -f "$rdb" ] || die 2 "BENCH_RDB=$rdb: no such file"
elif [ "$dataset" = small-keys ]; then
  rdb="$out/small-keys.rdb"
  [ "$scale" = 1 ] || rdb="$out/small-keys-scale$scale.rdb"
elif [ "$scale" = "1" ]; then
  rdb="$out/bench.rdb"
else
  rdb="$out/bench-scale$scale.rdb"
fi

# ---------------------------------------------------------------------------------------------
# 1. The dataset
# ---------------------------------------------------------------------------------------------
if [ "$regen" = 1 ] && [ -n "${BENCH_RDB:-}" ]; then
  die 2 "--regen and BENCH_RDB do not go together"
fi
if [ "$regen" = 1 ] || [ ! -f "$rdb" ]; then
  generate_rdb "$scale" "$compression" "$rdb" "$dataset"
else
  log "reusing $rdb (--regen to rebuild it)"
fi
size=$(stat -c %s "$rdb")
if [ "$size" -lt 1000000000 ] && [ "$scale" = "1" ] && [ "$dataset" = mixed ] && [ -z "${BENCH_RDB:-}" ]; then
  log "warning: $rdb is only $size bytes (the benchmark wants >= 1 GB)"
fi

# ---------------------------------------------------------------------------------------------
# 2. Timing
# ---------------------------------------------------------------------------------------------
log "warm-up: reading $rdb into the page cache"
cat "$rdb" >/dev/null

# bin/redback rebuilds the jar when src/main or pom.xml is newer, with `mvn package -DskipTests`,
# which still compiles the tests: in a tree where others are mid-edit that can fail, or happen
# inside a timed run. So the jar is brought up to date here, untimed, skipping the tests entirely,
# before every timed redback run; bin/redback then finds it fresh and just runs java.
jar="$root/target/redback.jar"
ensure_jar() {
  local try
  for try in 1 2 3 4 5 6; do
    jar_stale "$jar" || return 0
    log "building target/redback.jar (untimed; mvn -o package -Dmaven.test.skip=true)"
    if mvn_package "$root" >"$out/build.log" 2>&1; then
      touch "$jar"
      return 0
    fi
    log "build failed (try $try/6; sources may be mid-edit): see $out/build.log; retrying in 30 s"
    sleep 30
  done
  die 2 "could not build target/redback.jar; see $out/build.log"
}
ensure_jar

log "untimed: bin/redback check --json (describes the dataset)"
check_json="$out/check.json"
if ! "$root/bin/redback" check --json --quiet "$rdb" >"$check_json"; then
  echo "$me: redback did not find $rdb valid:" >&2
  cat "$check_json" >&2
  exit 1
fi

tool_list redis-check-rdb

samples="$out/samples.tsv"
: >"$samples"
time_one() { # "label<TAB>opts" run
  local label="${1%%	*}" opts="${1#*	}" run="$2" tv="$out/time.txt" tl="$out/tool.log" rc=0
  if [ "$label" = redis-check-rdb ]; then
    /usr/bin/time -v -o "$tv" "$redis_check_rdb" "$rdb" >"$tl" 2>&1 || rc=$?
    grep -q 'RDB looks OK' "$tl" || rc=${rc/#0/1}
  else
    # Other people edit src/main while this runs; bin/redback then rebuilds the jar inside the timed
    # run (Maven's time and RSS would be counted). Rebuild untimed first, and redo a run whose jar
    # changed under it.
    local before try
    for try in 1 2 3; do
      ensure_jar
      before="$(stat -c %Y "$jar" 2>/dev/null || echo none)"
      rc=0
      REDBACK_JAVA_OPTS="$opts" /usr/bin/time -v -o "$tv" "$root/bin/redback" check --quiet "$rdb" >"$tl" 2>&1 || rc=$?
      [ "$(stat -c %Y "$jar" 2>/dev/null || echo none)" = "$before" ] && break
      log "run $run: $label: the jar was rebuilt during the run (sources changed); running it again"
    done
  fi
  take_sample "$label" "$run" "$rc" "$tv" "$tl"
}

load_before="$(loadavg)"
alternate "$runs" time_one "${tools[@]}"

# ---------------------------------------------------------------------------------------------
# 3. Report
# ---------------------------------------------------------------------------------------------
load_after="$(loadavg)"
redis_version="$("$redis_check_rdb" --version 2>&1 | head -n 1); $("$redis_server" --version)"

report="$out/report.md"
export_machine
BENCH_REDIS="$redis_version" BENCH_COMMIT="$(commit_note)" \
BENCH_LABEL="$label" BENCH_FILE="$rdb" BENCH_SIZE="$size" BENCH_SCALE_USED="$scale" BENCH_RUNS_USED="$runs" \
BENCH_COMPRESSION="$compression" BENCH_DATASET="$dataset" BENCH_LOAD="before $load_before, after $load_after" \
report_py "$samples" "$check_json" >"$report" <<'PY'
rows = read_samples(sys.argv[1])
size = int(e["BENCH_SIZE"])
base = statistics.median(w for w, _, _ in rows["redis-check-rdb"])
c = json.load(open(sys.argv[2]))

out = heading()
out.append(f"- java: {e['BENCH_JAVA']}")
out.append(f"- redis: {e['BENCH_REDIS']}")
out.append(f"- redback: commit {e['BENCH_COMMIT']}; `REDBACK_JAVA_OPTS` as in the row label (none when absent)")
out.append(f"- file: `{os.path.basename(e['BENCH_FILE'])}`, {size:,} bytes ({size / 1e9:.2f} GB), RDB version "
           f"{c.get('version')} written by {c.get('writtenBy')}, rdbcompression {e['BENCH_COMPRESSION']}, "
           f"generator scale {e['BENCH_SCALE_USED']}, dataset {e['BENCH_DATASET']}")
types = {}
for db, d in c["databases"].items():
    for t, n in d["types"].items():
        types[t] = types.get(t, 0) + n
out.append(f"- dataset (from `redback check --json`): {c['keys']:,} keys, {c['elements']:,} elements, "
           f"{c['keysWithExpiry']:,} with an expiry; "
           + ", ".join(f"db {db}: {d['keys']:,}" for db, d in c["databases"].items()))
out.append("  - per type: " + ", ".join(f"{t} {n:,}" for t, n in sorted(types.items())))
out.append("  - per encoding: " + ", ".join(f"{k} {n:,}" for k, n in c["encodings"].items()))
out.append(f"- redback's own read time in the untimed `--json` run (no JVM start-up): {c['elapsedMs'] / 1000:.2f} s "
           f"({c['mbPerSecond']:,.0f} MB/s)")
out.append(f"- method: file read once untimed (page cache warm), then {e['BENCH_RUNS_USED']} runs per tool, order "
           f"alternating; wall time and peak RSS from `/usr/bin/time -v`; MB/s = file size / median wall time "
           f"(MB = 10^6 bytes); speed-up = redis-check-rdb median / tool median")
out.append(load_line())
out.append("")
table, verdicts = speed_table(rows, size, base, "file size")
out += table
out.append("")
out.append("Targets: redback check at least 3x faster than redis-check-rdb (wall, median), peak RSS under 300 MB.")
out.append("")
for label, speed, rss in verdicts:
    ok_speed = speed >= 3
    ok_rss = rss * 1024 < 300e6
    out.append(f"- {label}: speed {speed:.2f}x — {'met' if ok_speed else 'MISSED'}; peak RSS "
               f"{rss * 1024 / 1e6:,.0f} MB — {'met' if ok_rss else 'MISSED'}")
out.append("")
out += samples_details(rows)
print("\n".join(out))
PY

echo
cat "$report"

if [ "$record" = 1 ]; then
  record_report "## redback check vs redis-check-rdb" "$report"
fi
