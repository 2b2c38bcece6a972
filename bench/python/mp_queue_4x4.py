"""mp_queue_4x4: producer processes and consumer processes share one multiprocessing.Queue
(fork start method).

Producer p sends the sequence numbers p * per + 1 .. (p + 1) * per (each in a `--size`-byte
message, at the start and at the end), then one sentinel (None); each consumer takes messages
until its first sentinel, checks that every producer's numbers reach it in increasing order
and sends back its count, sum and sum of squares. The parent checks that every number arrived
exactly once. Prints {"items": <messages>, "seconds": <wall time from the first start() to
the last join()>}; exits 1 on a wrong result.
"""
import argparse
import json
import multiprocessing
import sys
import time


def producer(q, p, per, size):
    buf = bytearray(b"x" * size)
    for s in range(p * per + 1, (p + 1) * per + 1):
        seq = s.to_bytes(8, "little")
        buf[:8] = seq
        buf[-8:] = seq
        q.put(bytes(buf))
    q.put(None)


def consumer(q, per, producers, result):
    count = total = sumsq = bad = 0
    last = [0] * producers
    while True:
        m = q.get()
        if m is None:
            break
        seq = int.from_bytes(m[:8], "little")
        p = (seq - 1) // per
        if seq == 0 or p >= producers or seq <= last[p] or m[-8:] != m[:8]:
            bad += 1
        else:
            last[p] = seq
        count += 1
        total += seq
        sumsq += seq * seq
    result.put((count, total, sumsq, bad))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=200_000, help="messages in all")
    ap.add_argument("--producers", type=int, default=4)
    ap.add_argument("--consumers", type=int, default=4)
    ap.add_argument("--size", type=int, default=64, help="message bytes (>= 16)")
    ap.add_argument("--maxsize", type=int, default=1024, help="queue capacity")
    args = ap.parse_args()
    if args.producers != args.consumers or args.size < 16:
        print("one sentinel per producer needs --producers == --consumers; --size >= 16",
              file=sys.stderr)
        return 2
    per = args.items // args.producers
    n = per * args.producers
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue(args.maxsize)
    result = ctx.Queue()
    procs = [ctx.Process(target=consumer, args=(q, per, args.producers, result))
             for _ in range(args.consumers)]
    procs += [ctx.Process(target=producer, args=(q, p, per, args.size))
              for p in range(args.producers)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    tallies = [result.get() for _ in range(args.consumers)]
    for p in procs:
        p.join()
    seconds = time.perf_counter() - t0
    count = sum(t[0] for t in tallies)
    total = sum(t[1] for t in tallies)
    sumsq = sum(t[2] for t in tallies)
    bad = sum(t[3] for t in tallies)
    want_sumsq = n * (n + 1) * (2 * n + 1) // 6
    if any(p.exitcode != 0 for p in procs):
        print(f"exit codes {[p.exitcode for p in procs]}", file=sys.stderr)
        return 1
    if count != n or total != n * (n + 1) // 2 or sumsq != want_sumsq or bad:
        print(f"received {count} of {n} messages, sum {total} (expected {n * (n + 1) // 2}), "
              f"sum of squares {sumsq} (expected {want_sumsq}), {bad} corrupt or out of order",
              file=sys.stderr)
        return 1
    print(json.dumps({"items": n, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
