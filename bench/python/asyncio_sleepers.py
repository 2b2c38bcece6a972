"""asyncio_sleepers: N tasks asleep at once; reports memory per sleeping task on stderr.

Prints one JSON line: {"items": <tasks>, "seconds": <wall time>, "bytes_per_task": <B>}.
Memory is what tracemalloc sees allocated while every task sleeps (tracing is on only for
that measurement run's allocations; the timed run below has tracing off).
"""
import argparse
import asyncio
import json
import sys
import time
import tracemalloc


async def sleeper(delay):
    await asyncio.sleep(delay)


async def run(n, delay, measure):
    if measure:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(sleeper(delay)) for _ in range(n)]
    await asyncio.sleep(0)
    per_task = None
    if measure:
        per_task = (tracemalloc.get_traced_memory()[0] - before) / n
        tracemalloc.stop()
    await asyncio.gather(*tasks)
    return time.perf_counter() - t0, per_task


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000, help="tasks")
    ap.add_argument("--sleep", type=float, default=1.0, help="seconds each task sleeps")
    args = ap.parse_args()
    _, per_task = asyncio.run(run(args.items, 0.01, True))
    seconds, _ = asyncio.run(run(args.items, args.sleep, False))
    print(f"Python bytes per sleeping task: {per_task:.0f}", file=sys.stderr)
    print(json.dumps({"items": args.items, "seconds": seconds, "bytes_per_task": per_task}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
