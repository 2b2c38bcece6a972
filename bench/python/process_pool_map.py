"""process_pool_map: ProcessPoolExecutor.map(add, range(N), chunksize=C) with fork workers.

Prints one JSON line: {"items": N, "seconds": <wall time>}.
"""
import argparse
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def add_one(a):
    return a + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=200_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunksize", type=int, default=1000)
    args = ap.parse_args()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
        pool.submit(add_one, 0).result()  # start the workers
        t0 = time.perf_counter()
        total = sum(pool.map(add_one, range(args.items), chunksize=args.chunksize))
        seconds = time.perf_counter() - t0
    if total != args.items * (args.items + 1) // 2:
        print("wrong total", file=sys.stderr)
        return 1
    print(json.dumps({"items": args.items, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
