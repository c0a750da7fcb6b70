#!/usr/bin/env python3
"""Writes the benchmark dataset as RESP commands on stdout, for `redis-cli --pipe`.

bench/rdb-check.sh runs it against a throwaway redis-server after DEBUG POPULATE has made the bulk
of the small strings (see the plan printed by --describe). Everything here is deterministic
(seeded PRNG, explicit stream IDs, absolute expiry times), so a regenerated file holds the same
keys and values; only the aux fields (ctime, used-mem) differ.

    python3 bench/gen-dataset.py --scale 1.0 | redis-cli -p PORT --pipe

--scale multiplies every count (0.01 makes a ~12 MB file for a smoke test). At 1.0 the RDB is
about 1.13 GB (rdbcompression yes).

--dataset small-keys writes the other dataset, where per-key and per-element costs dominate:
9 M short DEBUG POPULATE strings, ~400 k each of small lists, hashes, string sets and sorted sets
whose scores are full-precision random doubles (printed in shortest form, e.g. 734.0138845921437),
and a few big keys. About 800 MB at --scale 1.0; 0.2 makes ~160 MB for a quick run.
"""
import argparse
import random
import sys

# Counts at --scale 1.0. The DEBUG POPULATE parts (short strings, 1 KB zero-padded strings, db 1)
# are issued by rdb-check.sh; their counts live here too so that one place describes the dataset.
PLAN = {
    # DEBUG POPULATE (done by rdb-check.sh): keys "str:N" = "value:N" (short strings)
    "populate_short": 2_000_000,
    # DEBUG POPULATE with size 1024: "value:N" then zero bytes (very compressible ~1 KB strings)
    "populate_padded": 500_000,
    # DEBUG POPULATE in db 1: short strings
    "populate_db1": 200_000,
    # pipelined below
    "int_strings": 1_000_000,      # "int:N" = integer (int-encoded in the RDB); 1 in 10 with an expiry
    "blob_strings": 850_000,       # "blob:N" = ~1 KB: 4/5 random base64, 1/5 JSON-like (LZF-compressible)
    "small_hashes": 300_000,       # 6 fields -> listpack
    "small_int_sets": 200_000,     # 8 integers -> intset
    "small_str_sets": 100_000,     # 4 members -> hashtable on Redis 7.0 (listpack sets came in 7.2)
    "small_zsets": 200_000,        # 6 members -> listpack
    "small_lists": 200_000,        # 6 items -> quicklist of one listpack node
    "big_list_items": 3_000_000,   # one list -> quicklist of many listpack nodes
    "big_hash_fields": 1_500_000,  # one hash -> hashtable
    "big_zset_members": 1_000_000, # one zset -> skiplist
    "big_set_members": 1_000_000,  # one set -> hashtable
    "big_stream_entries": 1_000_000,  # one stream (listpacks + radix tree), plus a consumer group
    "big_string_mb": 100,          # one 100 MB random string (stored raw: LZF cannot shrink it)
}

# The small-key dataset (--dataset small-keys), counts at --scale 1.0.
SMALL_KEYS_PLAN = {
    "populate_short": 9_000_000,   # DEBUG POPULATE: "str:N" = "value:N" padded to 24 bytes
    "populate_short_size": 24,     # not scaled: DEBUG POPULATE's value size
    "populate_padded": 0,
    "populate_db1": 0,
    "sk_lists": 400_000,           # 16 items of ~16 bytes -> quicklist of one listpack node
    "sk_hashes": 400_000,          # 8 fields -> listpack
    "sk_sets": 400_000,            # 8 string members -> hashtable on Redis 7.0
    "sk_zsets": 400_000,           # 20 members, random full-precision double scores -> listpack
    "big_list_items": 500_000,
    "big_hash_fields": 300_000,
    "big_zset_members": 300_000,   # random double scores -> skiplist (binary doubles)
    "big_set_members": 300_000,
}
UNSCALED = {"populate_short_size"}

EXPIRE_AT_MS = b"4102444800000"  # 2100-01-01T00:00:00Z: far future, and the same on every run


def scaled(name, scale, plan=None):
    plan = PLAN if plan is None else plan
    if name not in plan:
        return 0
    if name in UNSCALED:
        return plan[name]
    if plan[name] == 0:
        return 0
    return max(int(plan[name] * scale), 1)


def small_keys(out, s, rnd):
    """The small-key dataset (after DEBUG POPULATE's strings): many small collections, a few big keys."""
    n = lambda name: scaled(name, s, SMALL_KEYS_PLAN)
    for i in range(n("sk_lists")):
        out.cmd(b"RPUSH", b"sl:%d" % i, *[b"evt-%d-%d-%06d" % (i, k, rnd.randrange(10**6)) for k in range(16)])
    for i in range(n("sk_hashes")):
        out.cmd(b"HSET", b"sh:%d" % i, b"name", b"user-%d" % i, b"email", b"u%d@example.com" % i,
                b"visits", b"%d" % rnd.randrange(100000), b"ratio", repr(rnd.random()).encode(),
                b"plan", (b"free", b"pro", b"team")[i % 3], b"created", b"%d" % (1600000000 + i),
                b"city", b"city-%d" % (i % 5000), b"lat", repr(rnd.uniform(-90, 90)).encode())
    for i in range(n("sk_sets")):
        out.cmd(b"SADD", b"ss:%d" % i, *[b"tag-%d-%d" % (k, rnd.randrange(10**6)) for k in range(8)])
    for i in range(n("sk_zsets")):
        # repr() is the shortest form that reads back to the same double: 15-17 significant digits.
        out.cmd(b"ZADD", b"sz:%d" % i, *[x for k in range(20)
                                         for x in (repr(rnd.uniform(-1000, 1000)).encode(), b"member-%d" % k)])
    m = n("big_list_items")
    for start in range(0, m, 1000):
        out.cmd(b"RPUSH", b"big:list", *[b"item:%d" % k for k in range(start, min(m, start + 1000))])
    m = n("big_hash_fields")
    for start in range(0, m, 500):
        out.cmd(b"HSET", b"big:hash", *[x for k in range(start, min(m, start + 500))
                                        for x in (b"field:%d" % k, b"v%d" % (k * 7))])
    m = n("big_zset_members")
    for start in range(0, m, 500):
        out.cmd(b"ZADD", b"big:zset", *[x for k in range(start, min(m, start + 500))
                                        for x in (repr(rnd.uniform(0, 1e6)).encode(), b"m:%d" % k)])
    m = n("big_set_members")
    for start in range(0, m, 1000):
        out.cmd(b"SADD", b"big:set", *[b"s:%d" % k for k in range(start, min(m, start + 1000))])


class Out:
    """Buffers RESP commands and writes them to stdout in large chunks."""

    def __init__(self):
        self.parts = []
        self.size = 0
        self.commands = 0
        self.w = sys.stdout.buffer

    def cmd(self, *args):
        p = self.parts
        p.append(b"*%d\r\n" % len(args))
        for a in args:
            p.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.commands += 1
        if len(p) > 200_000:
            self.flush()

    def raw(self, data):
        self.parts.append(data)
        self.commands += 1
        if len(self.parts) > 200_000:
            self.flush()

    def flush(self):
        if self.parts:
            self.w.write(b"".join(self.parts))
            self.parts = []


def variadic(out, head, items, per_command):
    """Issues head + items in commands of at most per_command items."""
    for i in range(0, len(items), per_command):
        out.cmd(*head, *items[i:i + per_command])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--dataset", choices=("mixed", "small-keys"), default="mixed",
                    help="mixed: the 1.13 GB file of bigger values (default); small-keys: many tiny keys")
    ap.add_argument("--print-count", metavar="NAME", help="print one scaled count of PLAN and exit")
    ap.add_argument("--describe", action="store_true", help="print the scaled plan and exit")
    a = ap.parse_args()
    plan = SMALL_KEYS_PLAN if a.dataset == "small-keys" else PLAN
    if a.print_count:
        print(scaled(a.print_count, a.scale, plan))
        return
    if a.describe:
        for k in plan:
            print(f"{k}={scaled(k, a.scale, plan)}")
        return

    s = a.scale
    rnd = random.Random(a.seed)
    out = Out()
    out.cmd(b"SELECT", b"0")
    if a.dataset == "small-keys":
        small_keys(out, s, rnd)
        out.flush()
        sys.stderr.write(f"gen-dataset: {out.commands} commands\n")
        return

    # Integer strings: int-encoded in the RDB; every 10th expires at a fixed far-future time.
    for i in range(scaled("int_strings", s)):
        v = b"%d" % rnd.randrange(-10**12, 10**12) if i % 3 else b"%d" % (i % 1000)
        if i % 10 == 0:
            out.cmd(b"SET", b"int:%d" % i, v, b"PXAT", EXPIRE_AT_MS)
        else:
            out.cmd(b"SET", b"int:%d" % i, v)

    # ~1 KB strings: random base64 (incompressible) and JSON-like text (compressible by LZF).
    import base64
    n_blob = scaled("blob_strings", s)
    batch = 5000
    for start in range(0, n_blob, batch):
        count = min(batch, n_blob - start)
        pool = base64.b64encode(rnd.randbytes(768 * count + 48))  # 1024 chars per value, + slack
        for j in range(count):
            i = start + j
            if i % 5 == 4:
                uid = rnd.randrange(10**9)
                v = (b'{"id":%d,"user":"user-%d","tags":["alpha","beta","gamma"],"history":[' % (i, uid)
                     + b",".join(b'{"ts":%d,"event":"login","ok":true}' % (1700000000 + i * 7 + k) for k in range(22))
                     + b"]}")
            else:
                off = j * 1024
                v = pool[off:off + 1000 + (i % 48)]
            out.cmd(b"SET", b"blob:%d" % i, v)

    # Small aggregates, each under the listpack / intset limits.
    for i in range(scaled("small_hashes", s)):
        out.cmd(b"HSET", b"h:%d" % i, b"name", b"user-%d" % i, b"email", b"user%d@example.com" % i,
                b"visits", b"%d" % rnd.randrange(100000), b"score", b"%.3f" % rnd.random(),
                b"plan", (b"free", b"pro", b"team")[i % 3], b"created", b"%d" % (1600000000 + i))
    for i in range(scaled("small_int_sets", s)):
        base = rnd.randrange(1 << 40)
        out.cmd(b"SADD", b"si:%d" % i, *[b"%d" % (base + k * 977) for k in range(8)])
    for i in range(scaled("small_str_sets", s)):
        out.cmd(b"SADD", b"ss:%d" % i, b"red-%d" % i, b"green", b"blue-%d" % (i % 97), b"tag:%d" % (i * 31))
    for i in range(scaled("small_zsets", s)):
        out.cmd(b"ZADD", b"z:%d" % i, *[x for k in range(6) for x in (b"%d" % (k * 10 + i % 7), b"member-%d" % k)])
    for i in range(scaled("small_lists", s)):
        out.cmd(b"RPUSH", b"l:%d" % i, *[b"event-%d-%d" % (i, k) for k in range(6)])

    # Big keys.
    n = scaled("big_list_items", s)
    for start in range(0, n, 1000):
        out.cmd(b"RPUSH", b"big:list", *[b"item:%d" % k for k in range(start, min(n, start + 1000))])
    n = scaled("big_hash_fields", s)
    for start in range(0, n, 500):
        out.cmd(b"HSET", b"big:hash", *[x for k in range(start, min(n, start + 500))
                                        for x in (b"field:%d" % k, b"v%d" % (k * 7))])
    n = scaled("big_zset_members", s)
    for start in range(0, n, 500):
        out.cmd(b"ZADD", b"big:zset", *[x for k in range(start, min(n, start + 500))
                                        for x in (b"%.4f" % (k * 0.37), b"m:%d" % k)])
    n = scaled("big_set_members", s)
    for start in range(0, n, 1000):
        out.cmd(b"SADD", b"big:set", *[b"s:%d" % k for k in range(start, min(n, start + 1000))])

    n = scaled("big_stream_entries", s)
    # Explicit, increasing IDs (10 per millisecond) keep the file the same from run to run.
    pre = b"*9\r\n$4\r\nXADD\r\n$10\r\nbig:stream\r\n"
    for k in range(n):
        eid = b"%d-%d" % (1700000000000 + k // 10, k % 10)
        sensor = b"%d" % (k % 50)
        temp = b"%d" % rnd.randrange(-200, 400)
        msg = b"ok" if k % 13 else b"threshold exceeded"
        out.raw(pre + b"$%d\r\n%s\r\n$6\r\nsensor\r\n$%d\r\n%s\r\n$4\r\ntemp\r\n$%d\r\n%s\r\n$3\r\nmsg\r\n$%d\r\n%s\r\n"
                % (len(eid), eid, len(sensor), sensor, len(temp), temp, len(msg), msg))
    # A consumer group with a pending entries list (PEL) of 1000 entries and two consumers.
    out.cmd(b"XGROUP", b"CREATE", b"big:stream", b"workers", b"0")
    out.cmd(b"XREADGROUP", b"GROUP", b"workers", b"alice", b"COUNT", b"600", b"STREAMS", b"big:stream", b">")
    out.cmd(b"XREADGROUP", b"GROUP", b"workers", b"bob", b"COUNT", b"400", b"STREAMS", b"big:stream", b">")
    out.cmd(b"XGROUP", b"CREATE", b"big:stream", b"audit", b"$")

    # One 100 MB random string, appended 1 MB at a time.
    mb = max(1, int(PLAN["big_string_mb"] * s))
    for _ in range(mb):
        chunk = base64.b64encode(rnd.randbytes(786432))  # 1 MiB of base64
        out.cmd(b"APPEND", b"big:string", chunk)
        out.flush()

    out.flush()
    sys.stderr.write(f"gen-dataset: {out.commands} commands\n")


if __name__ == "__main__":
    main()
