"""cpu_bound: the course's CPU-bound experiment. `--workers` threads or processes each run
work() (`res *= i` for i in range(--loops)); all started, then all joined.

Prints {"items": <workers * loops>, "seconds": <wall time>}; compare --mode threads (one core
at a time under the GIL) with --mode processes.
"""
import argparse
import json
import multiprocessing
import sys
import threading
import time


def work(loops):
    res = 0
    for i in range(loops):
        res *= i
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=4 * 10_000_000, help="total loop iterations")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--mode", choices=["threads", "processes"], default="processes")
    args = ap.parse_args()
    multiprocessing.set_start_method("fork")
    loops = args.items // args.workers
    kind = threading.Thread if args.mode == "threads" else multiprocessing.Process
    t0 = time.perf_counter()
    workers = [kind(target=work, args=(loops,)) for _ in range(args.workers)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - t0
    print(json.dumps({"items": loops * args.workers, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
