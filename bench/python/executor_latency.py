"""executor_latency: submit one task to an idle ThreadPoolExecutor and wait for its result,
N times (every other round after a 200 us pause so the worker goes idle).

Prints one JSON line: {"items": N, "seconds": <sum of round trips>, "median_us": .., "p99_us": ..}.
"""
import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def one():
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=5_000)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    lat = []
    with ThreadPoolExecutor(args.workers) as pool:
        pool.submit(one).result()
        for i in range(args.items):
            if i % 2 == 0:
                time.sleep(0.0002)
            t0 = time.perf_counter()
            pool.submit(one).result()
            lat.append(time.perf_counter() - t0)
    lat_sorted = sorted(lat)
    print(json.dumps({"items": args.items, "seconds": sum(lat),
                      "median_us": lat_sorted[len(lat) // 2] * 1e6,
                      "p99_us": lat_sorted[int(0.99 * (len(lat) - 1))] * 1e6}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
