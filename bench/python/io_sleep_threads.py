"""io_sleep_threads: the IO-bound experiment. N threads each sleep, all started then joined.

Prints one JSON line: {"items": <threads>, "seconds": <wall time>}.
"""
import argparse
import json
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=4000, help="number of threads")
    ap.add_argument("--sleep", type=float, default=2.0, help="seconds each thread sleeps")
    args = ap.parse_args()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=time.sleep, args=(args.sleep,)) for _ in range(args.items)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    print(json.dumps({"items": args.items, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
