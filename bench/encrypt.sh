#!/usr/bin/env bash
# Benchmark: `redback backup` and `redback restore --snapshot latest --to-dir` into and out of an
# encrypted repository (`init --encrypt`) vs a plain one, side by side, from the same redis-server
# loaded with the >= 1 GB RDB of bench/rdb-check.sh. The target: encrypted at most 10 % slower.
#
#   bench/encrypt.sh [--runs N] [--label TEXT] [--no-record]
#
# 1. Starts redis-server on a free 127.0.0.1 port with its files in out/encrypt-srv (`save ""`,
#    `appendonly no`, `repl-diskless-sync yes`, `repl-diskless-sync-delay 0`), loaded from a copy
#    of out/bench.rdb (or BENCH_RDB) as dump.rdb; waits for `loading:0`. Without that file it
#    builds a smaller one (BENCH_SCALE, default 0.2) the way rdb-check.sh does.
# 2. --runs times (default 3), alternating the order: `java -Xms16m -XX:+UseSerialGC -jar
#    out/redback-encrypt-bench.jar backup --redis ... --name bench` (zstd:3) into a fresh plain
#    repository and into a fresh encrypted one (password from REDBACK_REPO_PASSWORD; the one-off
#    scrypt of opening it, a fraction of a second, is part of the timing), under /usr/bin/time -v.
# 3. --runs times, alternating: `restore --snapshot latest --to-dir DIR --force` from each (each
#    checks its snapshot's SHA-256 and the RDB; the two backups are syncs of their own, so their
#    files differ in the RDB's aux fields and are not compared byte for byte).
# 4. Stops the server, prints a markdown table and (not with --no-record) inserts it at the top of
#    the "## Encrypted vs plain repository" section of bench/RESULTS.md, with the load average:
#    the two rows share whatever else runs on the machine, so compare them, and re-take the
#    figures on a quiet machine before quoting them.
#
# See bench/README.md for the environment variables (those of backup.sh).
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh" # also sets out, results, redis_server, redis_cli

runs="${BENCH_RUNS:-3}"

parse_options --runs:runs -- "$@"
need_positive "--runs wants a positive integer" "$runs"
need_tools "$redis_server" "$redis_cli" python3 java
mkdir -p "$out"

# The RDB and the jar (bench/lib.sh)
bench_rdb
bench_jar redback-encrypt-bench.jar
password="${REDBACK_REPO_PASSWORD:-bench encrypt password}"
# with_password KIND: sets the array pw, which runs a command with the password (encrypted) or without it (plain).
with_password() {
  if [ "$1" = encrypted ]; then pw=(env "REDBACK_REPO_PASSWORD=$password"); else pw=(env -u REDBACK_REPO_PASSWORD); fi
}

# The server
srv="$out/encrypt-srv"
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
log "loaded in $load_s s: $keyspace"
rm -f "$srv/dump.rdb"

# Timing
samples="$out/encrypt-samples.tsv"; : >"$samples"
tv="$out/encrypt-time.txt"; tl="$out/encrypt-tool.log"
wait_idle() { # the previous sync's replica must be gone and no fork running
  for _ in $(seq 100); do
    local r; r="$("$redis_cli" -p "$port" INFO replication | tr -d '\r' | grep '^connected_slaves:' | cut -d: -f2)"
    local f; f="$("$redis_cli" -p "$port" INFO persistence | tr -d '\r' | grep '^rdb_bgsave_in_progress:' | cut -d: -f2)"
    [ "$r" = 0 ] && [ "$f" = 0 ] && return 0
    sleep 0.1
  done
}

# backup_into KIND RUN: KIND is plain or encrypted; a fresh repository out/encrypt-repo-KIND.
backup_into() {
  local kind="$1" run="$2" repo="$out/encrypt-repo-$1"
  rm -rf "$repo"
  with_password "$kind"
  if [ "$kind" = encrypted ]; then
    "${pw[@]}" "${java_cmd[@]}" init --encrypt --repo "$repo" >"$tl" 2>&1 || fail "redback init --encrypt" "$tl"
  fi
  wait_idle; sync
  local rc=0
  /usr/bin/time -v -o "$tv" "${pw[@]}" "${java_cmd[@]}" backup --redis "redis://127.0.0.1:$port" --repo "$repo" --name bench \
    --quiet >"$tl" 2>&1 || rc=$?
  take_sample "backup, $kind" "$run" "$rc" "$tv" "$tl"
}
restore_from() {
  local kind="$1" run="$2" rc=0
  with_password "$kind"
  sync
  /usr/bin/time -v -o "$tv" "${pw[@]}" "${java_cmd[@]}" restore --snapshot latest --name bench --to-dir "$out/encrypt-restore-$kind" \
    --repo "$out/encrypt-repo-$kind" --force --quiet >"$tl" 2>&1 || rc=$?
  take_sample "restore, $kind" "$run" "$rc" "$tv" "$tl"
}

load_before="$(loadavg)"
alternate "$runs" backup_into plain encrypted
alternate "$runs" restore_from encrypted plain
load_after="$(loadavg)"
# Each backup is a sync of its own (the RDB's aux fields differ), so the two files are not compared byte
# for byte; each restore verified its snapshot's SHA-256 and the RDB itself.
restored_size="plain $(stat -c %s "$out/encrypt-restore-plain/dump.rdb"), encrypted $(stat -c %s "$out/encrypt-restore-encrypted/dump.rdb")"
stored_plain=$(du -sb "$out/encrypt-repo-plain" | cut -f1)
stored_encrypted=$(du -sb "$out/encrypt-repo-encrypted" | cut -f1)
rm -rf "$out/encrypt-restore-plain" "$out/encrypt-restore-encrypted"

stop_server "$port" "$server_pid"
log "server stopped"

# Report
report="$out/encrypt-report.md"
export_machine
BENCH_COMMIT="$(commit_note)" BENCH_JAR_FROM="$jar_from" BENCH_LABEL="$label" BENCH_FILE="$rdb" BENCH_SIZE="$size" \
BENCH_SOURCE="$source_note" BENCH_LOADTIME="$load_s" BENCH_KEYSPACE="$keyspace" BENCH_RUNS_USED="$runs" \
BENCH_LOAD="before $load_before, after $load_after" BENCH_RESTORED="$restored_size" \
BENCH_STORED="plain $stored_plain, encrypted $stored_encrypted" \
report_py "$samples" >"$report" <<'PY'
rows = read_samples(sys.argv[1])
size = int(e["BENCH_SIZE"])
o = heading()
o.append(f"- java: {e['BENCH_JAVA']}; redback run as `java -Xms16m -XX:+UseSerialGC -jar out/redback-encrypt-bench.jar`")
o.append(f"- redback: commit {e['BENCH_COMMIT']}; jar from the {e['BENCH_JAR_FROM']}")
o.append(f"- source: redis-server on 127.0.0.1 loaded from `{os.path.basename(e['BENCH_FILE'])}` ({size:,} bytes; "
         f"{e['BENCH_SOURCE']}) in {e['BENCH_LOADTIME']} s; {e['BENCH_KEYSPACE'].strip()}")
o.append(f"- method: {e['BENCH_RUNS_USED']} runs each, order alternating; `backup --name bench --quiet` (zstd:3) into a "
         f"fresh plain / encrypted (`init --encrypt`, AES-256-GCM) file repository, then `restore --snapshot latest "
         f"--to-dir DIR --force --quiet` from each (SHA-256 and RDB checked, as always). Stored bytes "
         f"(`du -sb`): {e['BENCH_STORED']}")
o.append(load_line() + ". The machine is shared: re-take these figures on a quiet machine before quoting them.")
o.append("")
o.append("| run | wall min | wall median | MB/s (RDB) | peak RSS (max) | CPU (median) | vs plain |")
o.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
verdicts = []
for label, s in rows.items():
    med = statistics.median(w for w, _, _ in s)
    plain = statistics.median(w for w, _, _ in rows[label.split(",")[0] + ", plain"])
    o.append(f"| {label} | {min(w for w, _, _ in s):.2f} s | {med:.2f} s | {size / 1e6 / med:,.0f} | "
             f"{mib(max(r for _, r, _ in s))} | {statistics.median(c_ for _, _, c_ in s):.2f} s | {med / plain - 1:+.1%} |")
    if label.endswith("encrypted"):
        verdicts.append(f"{label.split(',')[0]} {med / plain - 1:+.1%}")
o.append("")
o.append("Target: encrypted at most 10 % slower than plain (median wall): " + "; ".join(verdicts) + ".")
o.append(f"Restored dump.rdb bytes: {e['BENCH_RESTORED']}.")
o.append("")
o += samples_details(rows)
print("\n".join(o))
PY
echo; cat "$report"

if [ "$record" = 1 ]; then
  record_report "## Encrypted vs plain repository" "$report"
fi
