#!/usr/bin/env python3
"""Helpers of bench/stream.sh: a 100 ms sampler of replication offsets, and the report.

    python3 bench/stream-stats.py sample --port P --out FILE [--source-dir DIR] [--pid PID] [--interval 0.1]
    python3 bench/stream-stats.py lag FILE START END      # one line: lag percentiles of a sample file
    python3 bench/stream-stats.py messages NAME STOP_EPOCH REDBACK_OUT REDBACK_ERR REDIS_LOG  # unexpected lines
    python3 bench/stream-stats.py caught FILE END_EPOCH OFFSET   # seconds until acked / repository reached OFFSET
    python3 bench/stream-stats.py report DIR               # markdown report of a bench/stream.sh run

`sample` runs until SIGTERM/SIGINT and writes one tab-separated line per tick:

    t  master_repl_offset  acked  status_committed  repo_committed  replica_output_buffer  rss_kib  status_updated

- t: time.time() halfway through the INFO round trip (the same clock as `date +%s.%N`)
- master_repl_offset: from `INFO replication memory` on the source
- acked: the first replica's `offset=` (what redback last acknowledged with REPLCONF ACK); -1 without one
- status_committed: `committedOffset` of DIR/stream.json (rewritten by redback about once a second while it moves); -1 before it exists
- repo_committed: the highest end offset of the segment manifests in DIR/timelines/*/segments/
  (`<start>-<end>.json`, written last, in order), i.e. what the repository really holds; -1 before any
- replica_output_buffer: `mem_clients_slaves` (what the source buffers for its replicas), bytes
- rss_kib: VmRSS of PID (redback), -1 without one
- status_updated: `updatedAt` of stream.json as epoch seconds, or -1

Lag in seconds (`lag`, `report`): for a sample at time t where a consumer is at offset X below the
source's master_repl_offset M(t), lag = t - T(X), T(X) being the time at which the source's offset
passed X, linearly interpolated between the two master samples around it; 0 when X >= M(t).
So it is the age of the oldest write the consumer does not have yet.
"""
import bisect
import json
import os
import re
import signal
import socket
import statistics
import sys
import time

SEGMENT = re.compile(r"^(\d{20})-(\d{20})\.json$")


# ------------------------------------------------------------------------------------------------
# sample
# ------------------------------------------------------------------------------------------------
class Resp:
    """Just enough of a Redis client for INFO."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def call(self, *args):
        msg = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args))
        self.s.sendall(msg)
        line = self._line()
        if line.startswith(b"-"):
            raise RuntimeError(line[1:].decode())
        if not line.startswith(b"$"):
            raise RuntimeError("unexpected reply " + line[:40].decode(errors="replace"))
        n = int(line[1:])
        while len(self.buf) < n + 2:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data.decode(errors="replace")


def parse_info(text):
    master, acked, outbuf = -1, -1, -1
    for line in text.split("\r\n"):
        if line.startswith("master_repl_offset:"):
            master = int(line.split(":", 1)[1])
        elif line.startswith("slave0:"):
            for kv in line.split(":", 1)[1].split(","):
                if kv.startswith("offset="):
                    acked = int(kv[7:])
        elif line.startswith("mem_clients_slaves:"):
            outbuf = int(line.split(":", 1)[1])
    return master, acked, outbuf


def iso_to_epoch(s):
    # 2026-11-22T06:14:03.712Z (Jackson writes up to nanoseconds)
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?Z$", s or "")
    if not m:
        return -1.0
    import calendar
    y, mo, d, h, mi, se = (int(m.group(i)) for i in range(1, 7))
    frac = float(m.group(7)) if m.group(7) else 0.0
    return calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0)) + frac


class RepoWatch:
    def __init__(self, source_dir):
        self.dir = source_dir
        self.seen = {}  # segments dir -> (names seen, max end)
        self.status = (-1, -1.0)

    def committed(self):
        best = -1
        tl = os.path.join(self.dir, "timelines")
        try:
            timelines = [e.path for e in os.scandir(tl) if e.is_dir()]
        except OSError:
            return -1
        for t in timelines:
            seg = os.path.join(t, "segments")
            try:
                for e in os.scandir(seg):
                    m = SEGMENT.match(e.name)
                    if m:
                        end = int(m.group(2))
                        if end > best:
                            best = end
            except OSError:
                pass
        return best

    def stream_status(self):
        try:
            with open(os.path.join(self.dir, "stream.json")) as f:
                d = json.load(f)
            self.status = (int(d.get("committedOffset", -1)), iso_to_epoch(d.get("updatedAt")))
        except (OSError, ValueError):
            pass  # not there yet, or caught mid-rewrite: keep the previous value
        return self.status


def rss_kib(pid):
    if not pid:
        return -1
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def cmd_sample(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="stream-stats.py sample")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--source-dir")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--interval", type=float, default=0.1)
    a = ap.parse_args(argv)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    r = Resp(a.port)
    watch = RepoWatch(a.source_dir) if a.source_dir else None
    with open(a.out, "w", buffering=1) as out:
        nxt = time.time()
        while not stop:
            t0 = time.time()
            try:
                master, acked, outbuf = parse_info(r.call("INFO", "replication", "memory"))
            except (OSError, EOFError, RuntimeError) as e:
                print(f"stream-stats.py sample: {e}", file=sys.stderr)
                break
            t1 = time.time()
            sc, su, rc = -1, -1.0, -1
            if watch:
                sc, su = watch.stream_status()
                rc = watch.committed()
            out.write(f"{(t0 + t1) / 2:.4f}\t{master}\t{acked}\t{sc}\t{rc}\t{outbuf}\t{rss_kib(a.pid)}\t{su:.3f}\n")
            nxt += a.interval
            d = nxt - time.time()
            if d > 0:
                time.sleep(d)
            else:
                nxt = time.time()  # fell behind (a busy machine): do not burst


# ------------------------------------------------------------------------------------------------
# lag
# ------------------------------------------------------------------------------------------------
def load_samples(path):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 8:
                continue
            rows.append((float(p[0]), int(p[1]), int(p[2]), int(p[3]), int(p[4]), int(p[5]), int(p[6]), float(p[7])))
    return rows


def passed_at(ts, ms, x):
    """When the master offset passed x: interpolated between the samples around it."""
    j = bisect.bisect_right(ms, x)  # first sample with offset > x (ms is non-decreasing)
    if j >= len(ms):
        return None
    if j == 0:
        return ts[0]  # before the series: an underestimate (does not happen when sampling starts first)
    t0, m0, t1, m1 = ts[j - 1], ms[j - 1], ts[j], ms[j]
    return t0 + (t1 - t0) * (x - m0) / (m1 - m0)


def pct(values, p):
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))
    return v[k]


def lags(rows, start, end):
    """Per-sample lag in seconds for the acked, stream.json and repository offsets, within [start, end]."""
    ts = [r[0] for r in rows]
    ms = [r[1] for r in rows]
    for i in range(1, len(ms)):  # guard: the offset never goes down within a run
        if ms[i] < ms[i - 1]:
            ms[i] = ms[i - 1]
    out = {"acked": [], "status": [], "repo": []}
    for i, r in enumerate(rows):
        t = r[0]
        if t < start or t > end:
            continue
        m = ms[i]
        for key, x in (("acked", r[2]), ("status", r[3]), ("repo", r[4])):
            if x < 0:
                continue  # nothing acked / committed yet
            if x >= m:
                out[key].append(0.0)
            else:
                tp = passed_at(ts, ms, x)
                out[key].append(max(0.0, t - tp) if tp is not None else 0.0)
    return out


def summary(values):
    if not values:
        return None
    return {"n": len(values), "p50": pct(values, 50), "p99": pct(values, 99), "max": max(values),
            "mean": statistics.fmean(values)}


def cmd_lag(argv):
    path, start, end = argv[0], float(argv[1]), float(argv[2])
    rows = load_samples(path)
    lg = lags(rows, start, end)
    parts = []
    for k in ("acked", "repo", "status"):
        s = summary(lg[k])
        parts.append(f"{k} " + ("-" if s is None else f"p50 {s['p50']:.2f} p99 {s['p99']:.2f} max {s['max']:.2f} s"))
    print("; ".join(parts))


def cmd_caught(argv):
    """Seconds after END until the acked and the repository offsets reached OFFSET ('nan' if never)."""
    path, end, offset = argv[0], float(argv[1]), int(argv[2])
    acked = repo = float("nan")
    for r in load_samples(path):
        if r[0] < end:
            continue
        if acked != acked and r[2] >= offset:
            acked = r[0] - end
        if repo != repo and r[4] >= offset:
            repo = r[0] - end
    print(f"{acked:.3f} {repo:.3f}")


# ------------------------------------------------------------------------------------------------
# messages
# ------------------------------------------------------------------------------------------------
EXPECTED_OUT = [
    re.compile(r"^\S+ streaming \S+ as \S+ into .* \(spool .*\)$"),
]
FIRST_TIMELINE = re.compile(r"^\S+ timeline \S+ started: base snapshot of [^;]*$")
STOPPED = re.compile(r"^\S+ stopped: received up to offset (\d+), repository holds up to (\d+)$")
EXPECTED_ERR = [re.compile(r"^redback stream: created a new repository at ")]
REDIS_NOTABLE = re.compile(r"(?i)output buffer|timedout|timeout|connection with replica .* lost|unable|error|"
                           r"partial resynchronization|full resync requested|refused|oom|can't")
REDIS_TIME = re.compile(r"^\d+:[A-Z] (\d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3}) ")


def cmd_messages(argv):
    """Prints, prefixed with NAME, the lines of a stream run that are not the expected ones."""
    name, stop_at, rb_out, rb_err, redis_log = argv[0], float(argv[1]), argv[2], argv[3], argv[4]
    found = []
    timelines = 0
    if os.path.exists(rb_out):
        for line in open(rb_out, errors="replace"):
            line = line.rstrip("\n")
            if any(p.match(line) for p in EXPECTED_OUT):
                continue
            if FIRST_TIMELINE.match(line) and timelines == 0:
                timelines += 1
                continue
            m = STOPPED.match(line)
            if m and m.group(1) == m.group(2):
                continue
            found.append(f"[{name}] redback stdout: {line}")
    if os.path.exists(rb_err):
        for line in open(rb_err, errors="replace"):
            line = line.rstrip("\n")
            if line and not any(p.match(line) for p in EXPECTED_ERR):
                found.append(f"[{name}] redback stderr: {line}")
    if os.path.exists(redis_log):
        full_syncs = 0
        for line in open(redis_log, errors="replace"):
            line = line.rstrip("\n")
            if not REDIS_NOTABLE.search(line):
                continue
            if "Full resync requested" in line and full_syncs == 0:
                full_syncs += 1
                continue
            m = REDIS_TIME.match(line)
            if m and "lost" in line:
                t = time.mktime(time.strptime(m.group(1)[:-4], "%d %b %Y %H:%M:%S"))
                if t >= int(stop_at) - 1:
                    continue  # redback closing its link on SIGTERM
            found.append(f"[{name}] source log: {line}")
    for f in found:
        print(f)


# ------------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------------
def read_meta(path):
    d = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                d[k] = v
    return d


def read_csv(path):
    """redis-benchmark --csv: test -> rps."""
    import csv
    r = {}
    with open(path) as f:
        for row in csv.reader(f):
            if row and row[0] != "test":
                r[row[0]] = float(row[1])
    return r


def fmt_s(x):
    return "-" if x is None or x != x else f"{x:.2f} s"


def lag_cells(s):
    return "-" if s is None else f"{s['p50']:.2f} / {s['p99']:.2f} / {s['max']:.2f} s"


def mib(kib):
    return f"{int(kib) / 1024:,.0f} MiB" if kib not in (None, "", "-1") and int(kib) >= 0 else "-"


def cmd_report(argv):
    d = argv[0]
    e = read_meta(os.path.join(d, "run.meta"))
    runs = []
    for name in sorted(os.listdir(d)):
        m = re.match(r"^tp-(\d+)-(\w+)\.meta$", name)
        if m:
            meta = read_meta(os.path.join(d, name))
            meta["rps"] = read_csv(os.path.join(d, meta["csv"]))
            runs.append(meta)
    runs.sort(key=lambda m: int(m["run"]))
    tests = list(runs[0]["rps"].keys()) if runs else []

    def agg(m):  # requests of all tests / their summed time
        n = int(m["requests"])
        return len(m["rps"]) * n / sum(n / v for v in m["rps"].values())

    A = [m for m in runs if m["kind"] == "without"]
    B = [m for m in runs if m["kind"] == "with"]
    C = [m for m in runs if m["kind"] == "replica"]
    o = []
    o.append("### " + e["date"] + (f" — {e['label']}" if e.get("label") else ""))
    o.append("")
    o.append(f"- machine: {e['nproc']} cores ({e['cpu']}), {e['ram']} RAM, {e['kernel']}")
    o.append(f"- java: {e['java']}; redback run as `java {e['jvm_opts']} -jar out/redback-stream-bench.jar` "
             f"(bin/redback's defaults)")
    o.append(f"- tools: {e['redis']}")
    o.append(f"- redback: commit {e['commit']}; jar from the {e['jar_from']}")
    o.append(f"- load average (1/5/15 min): {e['load_note']}")
    o.append("")

    # ---------------- throughput
    o.append("#### 1. Source throughput without / with `redback stream` attached")
    o.append("")
    o.append(f"- source: a fresh redis-server per run on 127.0.0.1 ({e['server_opts']}); "
             f"`redis-benchmark {e['bench_args']}` with -n {int(e['requests']):,} per test "
             f"({e['requests_note']}); runs alternate A B{' C' if C else ''} A B{' C' if C else ''} ...: A without "
             f"a replica, B with `redback stream --flush-interval 1s` into a fresh local file repository (spool on "
             f"the same disk), started and through its (empty) base snapshot before redis-benchmark starts"
             + (", C with a plain redis-server replica instead (same options, for reference: what any replica "
                "costs the source on this machine)" if C else "")
             + ". The 100 ms sampler (one `INFO replication memory`) runs in every run."
             + (" Pinned (--pin): the source alone on CPU 0; redis-benchmark, redback or the replica and the "
                "sampler on CPU 1." if e.get("pin") == "1" else ""))
    o.append("- rps = requests / time per test as redis-benchmark prints it; \"all 4\" = all requests of a run / "
             "the sum of the four tests' times; difference = (with - without) / without, on medians.")
    o.append("- other CPU = what processes other than the benchmark's own (redis-server, redis-benchmark, "
             "redback, sampler) used during the run, from /proc/stat, in cores (2 = the whole machine)")
    o.append("")
    o.append("| test | without redback (median rps) | with redback (median rps) | difference |"
             + (" with a redis replica (median rps) | difference |" if C else ""))
    o.append("| --- | ---: | ---: | ---: |" + (" ---: | ---: |" if C else ""))
    diffs = {}

    def med(group, t):
        return statistics.median([(agg(m) if t == "all 4" else m["rps"][t]) for m in group]) if group else float("nan")
    for t in tests + ["all 4"]:
        a, b, c = med(A, t), med(B, t), med(C, t)
        diffs[t] = (b - a) / a * 100
        o.append(f"| {t} | {a:,.0f} | {b:,.0f} | {diffs[t]:+.1f} % |"
                 + (f" {c:,.0f} | {(c - a) / a * 100:+.1f} % |" if C else ""))
    o.append("")
    d4 = diffs.get("all 4", float("nan"))
    o.append(f"Target: at most 5 % lower with redback (all 4, medians): {d4:+.1f} % — "
             f"{'met' if d4 >= -5 else 'MISSED'}."
             + (f" For reference, a plain redis-server replica: {(med(C, 'all 4') - med(A, 'all 4')) / med(A, 'all 4') * 100:+.1f} %."
                if C else ""))
    o.append("")
    if all("source_cpu" in m for m in runs):
        def cpu_per_m(m):  # the source's CPU seconds per million requests, all four tests
            return float(m["source_cpu"]) / (len(m["rps"]) * int(m["requests"]) / 1e6)

        def med_cpu(group):
            return statistics.median(cpu_per_m(m) for m in group) if group else float("nan")
        ca, cb, cc = med_cpu(A), med_cpu(B), med_cpu(C)
        o.append("The source's own CPU time per million requests (user + system of the redis-server process during "
                 "redis-benchmark's run): what serving a replica costs the source itself, which on a machine with a "
                 "core to spare for the replica and the client is what its throughput loses.")
        o.append("")
        o.append("| source's CPU per 1 M requests (median) | without | with redback | difference |"
                 + (" with a redis replica | difference |" if C else ""))
        o.append("| --- | ---: | ---: | ---: |" + (" ---: | ---: |" if C else ""))
        o.append(f"| all 4 | {ca:.3f} s | {cb:.3f} s | {(cb - ca) / ca * 100:+.1f} % |"
                 + (f" {cc:.3f} s | {(cc - ca) / ca * 100:+.1f} % |" if C else ""))
        o.append("")
        o.append(f"Throughput a dedicated source core could give (1 / CPU per request): {(ca / cb - 1) * 100:+.1f} % with "
                 f"redback" + (f", {(ca / cc - 1) * 100:+.1f} % with a redis replica" if C else "")
                 + f" — the 5 % target {'met' if ca / cb - 1 >= -0.05 else 'MISSED'} by this measure.")
        o.append("")
    o.append("Per run: replica CPU = CPU used by redback (B) or the redis replica (C) during redis-benchmark's run; "
             "peak RSS = its VmHWM at the end; replica buffer = the largest `mem_clients_slaves` the source reported "
             "(what it held for the replica).")
    o.append("")
    o.append("| run | replica | all 4 rps | " + " | ".join(tests) + " | wall | load 1 min at start | other CPU | "
             "source CPU | replica CPU | replica peak RSS | source's replica buffer (max) |")
    o.append("| ---: | --- | ---: | " + " | ".join("---:" for _ in tests) + " | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    kind_name = {"without": "none", "with": "redback stream", "replica": "redis-server"}
    for m in runs:
        o.append(f"| {m['run']} | {kind_name[m['kind']]} | {agg(m):,.0f} | " + " | ".join(f"{m['rps'][t]:,.0f}" for t in tests)
                 + f" | {float(m['wall']):.1f} s | {m['load1']} | {float(m['other_cores']):.2f} | "
                 + (f"{float(m['source_cpu']):.1f} s" if "source_cpu" in m else "-") + " | "
                 + (f"{float(m['redback_cpu']):.1f} s ({float(m['redback_cpu']) / float(m['wall']):.2f} cores)"
                    if m["kind"] != "without" else "-") + " | "
                 + mib(m.get("redback_hwm")) + " | "
                 + (f"{int(m['max_outbuf']) / 1e6:,.1f} MB" if m.get("max_outbuf") else "-") + " |")
    o.append("")

    # ---------------- lag
    o.append("#### 2. Replication lag under full write rate (the \"with redback\" runs)")
    o.append("")
    o.append("- sampled every 100 ms from redis-benchmark's start to its end; lag = t - the time at which the "
             "source's `master_repl_offset` passed the consumer's offset (interpolated between master samples; 0 "
             "when caught up): the age of the oldest write it does not have. acked = the replica's `offset=` in "
             "the source's INFO (redback acks within 100 ms of new bytes, at least once a second); repository = the highest end offset "
             "of the segment manifests in the repository (what a restore can use); stream.json = its "
             "`committedOffset` (redback rewrites it about once a second while it moves). p50 / p99 / max, nearest rank. A redis-server "
             "replica acks once a second: its row is the reference for the acked column.")
    o.append("- caught up after = from redis-benchmark's end until the acked offset / the repository reached the "
             "source's offset at that moment.")
    o.append("")
    o.append("| run | samples | write rate | acked lag p50 / p99 / max | repository lag p50 / p99 / max | "
             "stream.json lag p50 / p99 / max | caught up after (acked / repository) |")
    o.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    pooled = {"acked": [], "repo": [], "status": []}
    lag_runs = [m for m in runs if m["kind"] == "with"]
    extra = read_meta(os.path.join(d, "big.meta")) if os.path.exists(os.path.join(d, "big.meta")) else None
    rows_out = []
    for m in lag_runs + ([extra] if extra and extra.get("samples") else []):
        rows = load_samples(os.path.join(d, m["samples"]))
        start, end = float(m["bench_start"]), float(m["bench_end"])
        lg = lags(rows, start, end)
        if m is not extra:
            for k in pooled:
                pooled[k] += lg[k]
        in_run = [r for r in rows if start <= r[0] <= end]
        rate = (in_run[-1][1] - in_run[0][1]) / (in_run[-1][0] - in_run[0][0]) / 1e6 if len(in_run) > 1 else 0
        name = f"run {m['run']}" if m is not extra else "1 GB source, 1 M SET (section 3)"
        rows_out.append(f"| {name} | {len(in_run)} | {rate:,.1f} MB/s | {lag_cells(summary(lg['acked']))} | "
                        f"{lag_cells(summary(lg['repo']))} | {lag_cells(summary(lg['status']))} | "
                        f"{fmt_s(float(m.get('caught_acked', 'nan')))} / {fmt_s(float(m.get('caught_repo', 'nan')))} |")
        if m is not extra and len(rows_out) == len(lag_runs):
            rows_out.append(f"| **all \"with\" runs** | {len(pooled['acked'])} | | "
                            f"**{lag_cells(summary(pooled['acked']))}** | **{lag_cells(summary(pooled['repo']))}** | "
                            f"{lag_cells(summary(pooled['status']))} | |")
    o += rows_out
    pc = []
    if C:
        for m in C:
            pc += lags(load_samples(os.path.join(d, m["samples"])), float(m["bench_start"]), float(m["bench_end"]))["acked"]
        ca = [float(m["caught_acked"]) for m in C if m.get("caught_acked") not in (None, "nan")]
        o.append(f"| redis-server replica, all C runs (reference) | {len(pc)} | | {lag_cells(summary(pc))} | | | "
                 f"{fmt_s(statistics.median(ca)) if ca else '-'} (median, acked) |")
    o.append("")
    sa = summary(pooled["acked"])
    if sa:
        ref = ""
        if C:
            ref = f" (a redis-server replica, which acks once a second: {summary(pc)['p99']:.2f} s)"
        o.append(f"Target: acked lag p99 under 1 s: {sa['p99']:.2f} s{ref} — {'met' if sa['p99'] < 1 else 'MISSED'}. "
                 f"Repository (committed) lag p99: {fmt_s((summary(pooled['repo']) or {}).get('p99'))} (no target; a segment is "
                 f"closed at --segment-size 16 MiB or after --flush-interval 1s, whichever comes first, then "
                 f"compressed and shipped).")
        o.append("")

    # ---------------- restore
    o.append("#### 3. Point-in-time restore vs redis-server loading the same files")
    o.append("")
    if extra:
        o.append(f"- source: redis-server loaded from `{extra['rdb_name']}` ({int(extra['rdb_size']):,} bytes) in "
                 f"{float(extra['load_s']):.1f} s: {extra['keyspace_before']}; used_memory {extra['used_memory']}")
        o.append(f"- `redback stream` attached: base snapshot (full sync of the {int(extra['rdb_size']) / 1e9:.2f} GB "
                 f"dataset) stored in "
                 f"{float(extra['sync_s']):.1f} s; then `redis-benchmark {extra['write_args']}` "
                 f"({float(extra['write_s']):.1f} s, {extra['write_rps']} rps as redis-benchmark says); "
                 f"SIGTERM once the acked offset reached the source's ({float(extra['caught_acked']):.2f} s after the "
                 f"writes); it exited {extra['stop_rc']} after {float(extra['stop_s']):.2f} s: `{extra['stopped_line']}`")
        o.append(f"- redback stream peak RSS (VmHWM): {mib(extra.get('stream_hwm'))}; CPU {float(extra['stream_cpu']):.1f} s "
                 f"over {float(extra['stream_life']):.0f} s")
        o.append(f"- repository: {extra['repo_note']}")
        o.append(f"- source at the end: {extra['keyspace_after']}; master_repl_offset {int(extra['final_offset']):,}")
    rst = os.path.join(d, "restore.tsv")
    if os.path.exists(rst) and extra and extra.get("restore") == "yes":
        rows = {}
        for line in open(rst):
            label, run, wall, rss, cpu, note = line.rstrip("\n").split("\t")
            rows.setdefault(label, []).append((float(wall), int(rss), float(cpu), note))
        o.append(f"- restore: `redback restore --name {extra['name']} --at {extra['at']} --to-dir DIR --quiet` "
                 f"({extra['restore_plan']}); then `redis-server --dir DIR --appendonly yes --appenddirname "
                 f"appendonlydir` (plus port, `save \"\"`, `auto-aof-rewrite-percentage 0`) timed from its start until "
                 f"PING answers PONG (not LOADING). Alternating: restore, load of what it wrote, restore, ...; the "
                 f"restored data checked against the source: {extra['verify']}")
        o.append(f"- wall and peak RSS from `/usr/bin/time -v` (redis-server's wall: start to PONG, measured by the "
                 f"script with a 20 ms PING loop); load average before the restores: {extra['load_restore']}")
        o.append("")
        o.append("| what | runs | wall min | wall median | peak RSS (max) | CPU (median) | notes |")
        o.append("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for label, s in rows.items():
            walls = [x[0] for x in s]
            o.append(f"| {label} | {len(s)} | {min(walls):.2f} s | {statistics.median(walls):.2f} s | "
                     f"{max(x[1] for x in s) / 1024:,.0f} MiB | {statistics.median(x[2] for x in s):.2f} s | "
                     f"{s[-1][3]} |")
        o.append("")
        labels = list(rows)
        r = statistics.median(x[0] for x in rows[labels[0]])
        l = statistics.median(x[0] for x in rows[labels[1]])
        o.append(f"Target: redback restore at most 1.2x redis-server's load time (medians): {r:.2f} s / {l:.2f} s = "
                 f"{r / l:.2f}x — {'met' if r / l <= 1.2 else 'MISSED'}. Time to a serving copy (restore + load): "
                 f"{r + l:.1f} s.")
    elif extra:
        o.append("")
        o.append(f"Restore comparison pending: {extra.get('restore_note', 'not run')}")
    o.append("")

    # ---------------- messages
    msgs = os.path.join(d, "messages.txt")
    o.append("#### What redback and the source printed")
    o.append("")
    text = open(msgs).read().rstrip("\n") if os.path.exists(msgs) else ""
    if text:
        o.append("Anything beyond the expected start / timeline / stopped lines (redback stdout and stderr, the "
                 "source's replication warnings):")
        o.append("")
        o.append("```")
        o.append(text)
        o.append("```")
    else:
        o.append("Nothing beyond the expected lines: no warning, error, lost link, second timeline or resync.")
    o.append("")
    o.append("<details><summary>all \"stopped\" lines</summary>")
    o.append("")
    for m in runs + ([extra] if extra else []):
        if m.get("stopped_line"):
            o.append(f"- {'section 3' if m is extra else 'run ' + m['run']}: `{m['stopped_line']}`")
    o.append("")
    o.append("</details>")
    print("\n".join(o))


if __name__ == "__main__":
    cmds = {"sample": cmd_sample, "lag": cmd_lag, "caught": cmd_caught, "messages": cmd_messages,
            "report": cmd_report}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmds[sys.argv[1]](sys.argv[2:])
