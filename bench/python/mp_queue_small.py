"""mp_queue_small: 1 producer process -> 1 consumer process pass messages through
multiprocessing.Queue (fork start method).

Each message is `--size` bytes: the sequence number (from 1, 8 bytes little-endian) at the
start and again at the end, filler between. The consumer checks every message in order and
sends its count and sum back through a second queue. Prints {"items": <messages>, "seconds":
<wall time from the first start() to the last join()>}; exits 1 on a wrong result.
mp_queue_large.py runs this with 1 MiB messages.
"""
import argparse
import json
import multiprocessing
import sys
import time


def producer(q, n, size):
    buf = bytearray(i * 31 + 7 & 0xFF for i in range(size))
    for i in range(1, n + 1):
        seq = i.to_bytes(8, "little")
        buf[:8] = seq
        buf[-8:] = seq
        q.put(bytes(buf))


def consumer(q, n, size, result):
    bad = 0
    total = 0
    for i in range(1, n + 1):
        m = q.get()
        seq = int.from_bytes(m[:8], "little")
        if len(m) != size or seq != i or m[-8:] != m[:8]:
            bad += 1
        total += seq
    result.put((n, total, bad))


def main(default_items=200_000, default_size=64, default_maxsize=1024):
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=default_items, help="messages")
    ap.add_argument("--size", type=int, default=default_size, help="message bytes (>= 16)")
    ap.add_argument("--maxsize", type=int, default=default_maxsize, help="queue capacity")
    args = ap.parse_args()
    if args.size < 16:
        print("--size must be at least 16", file=sys.stderr)
        return 2
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue(args.maxsize)
    result = ctx.Queue()
    procs = [ctx.Process(target=consumer, args=(q, args.items, args.size, result)),
             ctx.Process(target=producer, args=(q, args.items, args.size))]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    count, total, bad = result.get()
    for p in procs:
        p.join()
    seconds = time.perf_counter() - t0
    n = args.items
    if any(p.exitcode != 0 for p in procs):
        print(f"exit codes {[p.exitcode for p in procs]}", file=sys.stderr)
        return 1
    if count != n or total != n * (n + 1) // 2 or bad:
        print(f"received {count} messages, sum {total} (expected {n * (n + 1) // 2}), "
              f"{bad} corrupt or out of order", file=sys.stderr)
        return 1
    print(json.dumps({"items": n, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
