"""mp_queue_pingpong: round trips of a small message through two multiprocessing.Queues
(fork start method).

The parent puts a `--size`-byte message (its sequence number in the first 8 bytes) on one
queue, a child process gets it and puts it on the other; the parent waits for the echo and
checks it before sending the next. Prints {"items": <round trips>, "seconds": <wall time of
the round trips>}; exits 1 when an echo differs.
"""
import argparse
import json
import multiprocessing
import sys
import time

WARMUP = 100


def echo(down, up, n):
    for _ in range(n):
        up.put(down.get())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=20_000, help="round trips")
    ap.add_argument("--size", type=int, default=64, help="message bytes (>= 8)")
    args = ap.parse_args()
    ctx = multiprocessing.get_context("fork")
    down = ctx.Queue()
    up = ctx.Queue()
    p = ctx.Process(target=echo, args=(down, up, args.items + WARMUP))
    p.start()
    fill = b"x" * (args.size - 8)
    for i in range(WARMUP):
        down.put(i.to_bytes(8, "little") + fill)
        up.get()
    bad = 0
    t0 = time.perf_counter()
    for i in range(1, args.items + 1):
        msg = i.to_bytes(8, "little") + fill
        down.put(msg)
        if up.get() != msg:
            bad += 1
    seconds = time.perf_counter() - t0
    p.join()
    if bad or p.exitcode != 0:
        print(f"{bad} echoes differ; child exit code {p.exitcode}", file=sys.stderr)
        return 1
    print(json.dumps({"items": args.items, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
