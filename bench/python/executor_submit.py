"""executor_submit: submit N tiny tasks to ThreadPoolExecutor, then result() of each.

Prints one JSON line: {"items": N, "seconds": <wall time>}.
"""
import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def identity(i):
    return i


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=200_000)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    with ThreadPoolExecutor(args.workers) as pool:
        pool.submit(identity, 0).result()  # start a worker
        t0 = time.perf_counter()
        fs = [pool.submit(identity, i) for i in range(args.items)]
        total = sum(f.result() for f in fs)
        seconds = time.perf_counter() - t0
    if total != args.items * (args.items - 1) // 2:
        print("wrong total", file=sys.stderr)
        return 1
    print(json.dumps({"items": args.items, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
