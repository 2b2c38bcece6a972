"""io_sleep_processes: the course's IO-bound experiment with processes. N processes each
sleep, all started then joined (compare io_sleep_threads.py).

Prints {"items": <processes>, "seconds": <wall time>}.
"""
import argparse
import json
import multiprocessing
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=4000, help="number of processes")
    ap.add_argument("--sleep", type=float, default=2.0, help="seconds each process sleeps")
    args = ap.parse_args()
    multiprocessing.set_start_method("fork")
    t0 = time.perf_counter()
    procs = [multiprocessing.Process(target=time.sleep, args=(args.sleep,))
             for _ in range(args.items)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    seconds = time.perf_counter() - t0
    print(json.dumps({"items": args.items, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
