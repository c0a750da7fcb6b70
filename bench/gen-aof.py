#!/usr/bin/env python3
"""Writes the AOF benchmark workload as RESP: client commands for `redis-cli --pipe`, or an AOF.

bench/aof-check.sh pipes the client form into a throwaway redis-server running with
`appendonly yes` and `aof-timestamp-enabled yes`, so that Redis itself writes the AOF (SELECTs when
the database changes, SET ... EX as SET ... PXAT, EXPIRE as PEXPIREAT, XADD * with the ID it made,
MULTI/EXEC blocks, #TS annotations). When no server can be used it writes the AOF directly
(--format aof), rewriting the commands the same way Redis propagates them.

    python3 bench/gen-aof.py --scale 1.0 | redis-cli -p PORT --pipe     # what aof-check.sh does
    python3 bench/gen-aof.py --format aof --out FILE                     # the fallback
    python3 bench/gen-aof.py --describe                                  # the mix, in words

The workload is a stream of writes over bounded keyspaces in 16 databases (most in db 0), so the
server's memory stays under 1 GB while the AOF grows past 1 GB:

| share | command (client form) | in the AOF (Redis 7.0) |
| ---: | --- | --- |
| 25 % | SET str:N <20-400 B> (1 in 4 with `PXAT` 2100-01-01, 1 in 8 with `EX 86400`) | SET, SET ... PXAT |
| 10 % | INCR / INCRBY ctr:N | same |
| 13 % | HSET h:N with 1-4 field/value pairs | same |
| 12 % | LPUSH or RPUSH l:N with 1-5 items | same |
| 8 % | SADD s:N with 1-4 members | same |
| 8 % | ZADD z:N with 1-3 score/member pairs | same |
| 8 % | XADD x:N * with 2 field/value pairs (1 in 8 with `MAXLEN ~ 1000`) | XADD x:N <ms-seq> ... |
| 6 % | EXPIRE key 3600..86400 | PEXPIREAT key <ms> |
| 6.5 % | DEL key | same |
| 0.3 % | SET med:N <2-32 KiB> | same |
| 3.2 % | MULTI, 2-6 of the above, EXEC | same |
| 1 in 100,000 | SET big:N <256 KiB - 4 MiB> | same |
| 1 in 3,000 | SELECT another db (db 0 half the time) | SELECT when it changes |

Values are slices of a seeded random base64 pool, so everything is deterministic apart from what
the server adds (times, stream IDs). --scale multiplies the total size (1.0 = 1.08 GB of client
commands, which Redis 7.0 writes as a 1.077 GB incr file of 4.8 M commands).
"""
import argparse
import base64
import random
import sys

TARGET_BYTES = 1_080_000_000     # client RESP bytes at --scale 1.0
KEYS = 200_000                   # keys per family per database (db 0; other dbs a tenth)
STREAMS = 2_000
BIG_KEYS = 40
MED_KEYS = 20_000
EXPIRE_AT_MS = b"4102444800000"  # 2100-01-01T00:00:00Z
TS_START = 1_795_000_000         # --format aof: first #TS (2026-11-18), then one second per TS_EVERY commands
TS_EVERY = 200_000


class Writer:
    """Buffers RESP and writes it in large chunks; counts bytes and commands."""

    def __init__(self, stream):
        self.w = stream
        self.parts = []
        self.pending = 0
        self.bytes = 0
        self.commands = 0

    def cmd(self, args):
        p = self.parts
        p.append(b"*%d\r\n" % len(args))
        for a in args:
            p.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.commands += 1
        if len(p) > 100_000:
            self.flush()

    def raw(self, data):
        self.parts.append(data)

    def flush(self):
        if self.parts:
            data = b"".join(self.parts)
            self.bytes += len(data)
            self.w.write(data)
            self.parts = []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--format", choices=["client", "aof"], default="client",
                    help="client: commands for redis-cli --pipe (default); aof: an AOF as Redis writes it")
    ap.add_argument("--out", help="write here instead of stdout")
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--describe", action="store_true", help="print the mix and exit")
    a = ap.parse_args()
    if a.describe:
        print("The workload is" + __doc__.split("The workload is", 1)[1].split("Values are", 1)[0].rstrip())
        return

    rnd = random.Random(a.seed)
    aof = a.format == "aof"
    out = open(a.out, "wb") if a.out else sys.stdout.buffer
    w = Writer(out)
    target = int(TARGET_BYTES * a.scale)

    # Value pools: slices of one random base64 buffer.
    pool = base64.b64encode(rnd.randbytes(3 * 1024 * 1024 + 3))  # 4 MiB + 4
    pool_len = len(pool)
    small_lens = [rnd.randint(20, 400) for _ in range(4096)]
    small_offs = [rnd.randrange(0, pool_len - 400) for _ in range(4096)]
    smalls = [pool[o:o + n] for o, n in zip(small_offs, small_lens)]
    words = [b"user", b"order", b"item", b"session", b"cart", b"event", b"price", b"qty", b"name", b"state",
             b"city", b"email", b"score", b"ts", b"ref", b"tag"]
    fields = [b"%s:%d" % (words[i % 16], i) for i in range(256)]

    db = 0
    aof_db = -1           # --format aof: the db of the last SELECT written
    now_ms = TS_START * 1000
    stream_seq = {}       # --format aof: last ID per stream key
    commands_since_ts = TS_EVERY
    ts = TS_START - 1

    def nkeys():
        return KEYS if db == 0 else KEYS // 10

    def key(prefix):
        return b"%s:%d" % (prefix, rnd.randrange(nkeys()))

    def small():
        return smalls[rnd.randrange(4096)]

    in_multi = False

    def emit(args):
        nonlocal aof_db, commands_since_ts, ts, now_ms, in_multi
        if aof:
            # Redis writes a #TS line when the second changes, never inside a MULTI/EXEC block.
            if commands_since_ts >= TS_EVERY and not in_multi:
                ts += 1
                now_ms = ts * 1000
                commands_since_ts = 0
                w.raw(b"#TS:%d\r\n" % ts)
            commands_since_ts += 1
            if aof_db != db:
                w.cmd([b"SELECT", b"%d" % db])
                aof_db = db
            in_multi = args[0] == b"MULTI" or (in_multi and args[0] != b"EXEC")
        w.cmd(args)

    def one():
        r = rnd.random()
        if r < 0.25:
            k, v = key(b"str"), small()
            x = rnd.random()
            if x < 0.25:
                return [b"SET", k, v, b"PXAT", EXPIRE_AT_MS]
            if x < 0.375:
                if aof:
                    return [b"SET", k, v, b"PXAT", b"%d" % (now_ms + 86_400_000)]
                return [b"SET", k, v, b"EX", b"86400"]
            return [b"SET", k, v]
        if r < 0.35:
            k = key(b"ctr")
            if rnd.random() < 0.7:
                return [b"INCR", k]
            return [b"INCRBY", k, b"%d" % rnd.randint(-1000, 1000)]
        if r < 0.48:
            args = [b"HSET", key(b"h")]
            for _ in range(rnd.randint(1, 4)):
                args += [fields[rnd.randrange(256)], small()[:rnd.randint(4, 60)]]
            return args
        if r < 0.60:
            args = [b"LPUSH" if rnd.random() < 0.5 else b"RPUSH", key(b"l")]
            for _ in range(rnd.randint(1, 5)):
                args.append(small()[:rnd.randint(8, 120)])
            return args
        if r < 0.68:
            args = [b"SADD", key(b"s")]
            for _ in range(rnd.randint(1, 4)):
                args.append(b"m:%d" % rnd.randrange(1000) if rnd.random() < 0.5 else small()[:rnd.randint(6, 40)])
            return args
        if r < 0.76:
            args = [b"ZADD", key(b"z")]
            for _ in range(rnd.randint(1, 3)):
                args += [b"%.3f" % (rnd.random() * 1e6), fields[rnd.randrange(256)]]
            return args
        if r < 0.84:
            k = b"x:%d" % rnd.randrange(STREAMS if db == 0 else STREAMS // 10)
            trim = rnd.random() < 0.125
            if aof:
                last = stream_seq.get((db, k), (0, -1))
                ms = max(now_ms, last[0])
                seq = last[1] + 1 if ms == last[0] else 0
                stream_seq[(db, k)] = (ms, seq)
                args = [b"XADD", k] + ([b"MAXLEN", b"=", b"1000"] if trim else []) + [b"%d-%d" % (ms, seq)]
            else:
                args = [b"XADD", k] + ([b"MAXLEN", b"~", b"1000"] if trim else []) + [b"*"]
            return args + [b"event", words[rnd.randrange(16)], b"payload", small()[:rnd.randint(10, 200)]]
        if r < 0.90:
            k = key([b"str", b"h", b"l", b"s", b"z"][rnd.randrange(5)])
            secs = rnd.randint(3600, 86400)
            if aof:
                return [b"PEXPIREAT", k, b"%d" % (now_ms + secs * 1000)]
            return [b"EXPIRE", k, b"%d" % secs]
        if r < 0.965:
            return [b"DEL", key([b"str", b"ctr", b"h", b"l", b"s", b"z"][rnd.randrange(6)])]
        if r < 0.968:
            n = rnd.randint(2048, 32768)
            o = rnd.randrange(pool_len - n)
            return [b"SET", b"med:%d" % rnd.randrange(MED_KEYS), pool[o:o + n]]
        return None  # a MULTI/EXEC block

    while True:
        if w.bytes >= target:
            break
        for _ in range(2000):
            if rnd.random() < 1 / 3000:
                db = 0 if rnd.random() < 0.5 else rnd.randrange(1, 16)
                if not aof:
                    w.cmd([b"SELECT", b"%d" % db])
            if rnd.random() < 1 / 100_000:
                n = rnd.randint(256 * 1024, 4 * 1024 * 1024)
                o = rnd.randrange(pool_len - n)
                emit([b"SET", b"big:%d" % rnd.randrange(BIG_KEYS), pool[o:o + n]])
                continue
            c = one()
            if c is None:
                emit([b"MULTI"])
                for _ in range(rnd.randint(2, 6)):
                    c = one()
                    emit(c if c is not None else [b"INCR", key(b"ctr")])
                emit([b"EXEC"])
            else:
                emit(c)
        w.flush()
    w.flush()
    out.flush()
    if a.out:
        out.close()
    print(f"gen-aof.py: {w.commands:,} commands, {w.bytes:,} bytes ({a.format})", file=sys.stderr)


if __name__ == "__main__":
    main()
