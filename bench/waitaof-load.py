#!/usr/bin/env python3
"""waitaof-load.py --port P --clients N --seconds S [--mode waitaof|wait] [--timeout-ms 1000]

bench/waitaof.sh's load: N connections to 127.0.0.1:P, each in a loop `SET <own key> <64 bytes>`
then `WAITAOF 0 1 <timeout>` (or `WAIT 1 <timeout>` with --mode wait), for S seconds. A write is
confirmed when the reply counts one replica. Prints one JSON line: clients, mode, seconds,
confirmed, unconfirmed, confirmedPerSecond, and the latency of the wait command alone in ms
(p50Ms, p99Ms, maxMs). Plain asyncio and RESP, no client library.
"""
import argparse
import asyncio
import json
import time


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


async def reply(reader):
    line = (await reader.readline()).rstrip(b"\r\n")
    if not line:
        raise ConnectionError("the server closed the connection")
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b":":
        return int(rest)
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else (await reader.readexactly(n + 2))[:-2]
    if kind == b"*":
        return [await reply(reader) for _ in range(int(rest))]
    raise RuntimeError(f"unexpected reply {line!r}")


async def client(i, args, stop, latencies, counts):
    reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
    t = str(args.timeout_ms).encode()
    wait = encode([b"WAITAOF", b"0", b"1", t] if args.mode == "waitaof" else [b"WAIT", b"1", t])
    value = b"v" * 64
    n = 0
    try:
        while time.monotonic() < stop:
            writer.write(encode([b"SET", b"bench:%d:%d" % (i, n), value]))
            n += 1
            await reply(reader)
            t0 = time.monotonic()
            writer.write(wait)
            r = await reply(reader)
            latencies.append((time.monotonic() - t0) * 1000)
            replicas = r[1] if args.mode == "waitaof" else r
            counts[0 if replicas >= 1 else 1] += 1
    finally:
        writer.close()


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--clients", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--mode", choices=["waitaof", "wait"], default="waitaof")
    p.add_argument("--timeout-ms", type=int, default=1000)
    args = p.parse_args()
    latencies, counts = [], [0, 0]
    start = time.monotonic()
    stop = start + args.seconds
    await asyncio.gather(*(client(i, args, stop, latencies, counts) for i in range(args.clients)))
    elapsed = time.monotonic() - start
    latencies.sort()
    print(json.dumps({"clients": args.clients, "mode": args.mode, "seconds": round(elapsed, 2),
                      "confirmed": counts[0], "unconfirmed": counts[1],
                      "confirmedPerSecond": round(counts[0] / elapsed, 1),
                      "p50Ms": percentile(latencies, 50), "p99Ms": percentile(latencies, 99),
                      "maxMs": latencies[-1] if latencies else None}))


if __name__ == "__main__":
    asyncio.run(main())
