"""asyncio_gather: create and gather tasks that each await asyncio.sleep(0) once.

Prints one JSON line: {"items": <tasks>, "seconds": <wall time>}.
Same workload as concur-bench's asyncio_gather (rates are compared, not times).
"""
import argparse
import asyncio
import json
import sys
import time


async def yield_once():
    await asyncio.sleep(0)


async def run(n):
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(yield_once()) for _ in range(n)]
    results = await asyncio.gather(*tasks)
    seconds = time.perf_counter() - t0
    if len(results) != n:
        print("gather lost results", file=sys.stderr)
        return None
    return seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1_000_000, help="tasks")
    args = ap.parse_args()
    seconds = asyncio.run(run(args.items))
    if seconds is None:
        return 1
    print(json.dumps({"items": args.items, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
