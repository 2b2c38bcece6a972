"""process_pool: submit N tiny tasks to ProcessPoolExecutor (fork workers), then result() of each.

Prints one JSON line: {"items": N, "seconds": <wall time>}.
"""
import argparse
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def add(a, b):
    return a + b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
        pool.submit(add, 0, 0).result()  # start the workers
        t0 = time.perf_counter()
        fs = [pool.submit(add, i, 1) for i in range(args.items)]
        total = sum(f.result() for f in fs)
        seconds = time.perf_counter() - t0
    if total != args.items * (args.items + 1) // 2:
        print("wrong total", file=sys.stderr)
        return 1
    print(json.dumps({"items": args.items, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
