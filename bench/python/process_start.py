"""process_start: start + join of a trivial multiprocessing.Process, one after another.

Prints one JSON line: {"items": <processes>, "seconds": <wall time>}.
"""
import argparse
import json
import multiprocessing
import sys
import time


def noop():
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1000, help="processes started and joined")
    args = ap.parse_args()
    multiprocessing.set_start_method("fork")
    t0 = time.perf_counter()
    for _ in range(args.items):
        p = multiprocessing.Process(target=noop)
        p.start()
        p.join()
        if p.exitcode != 0:
            print("exit code %r" % p.exitcode, file=sys.stderr)
            return 1
    seconds = time.perf_counter() - t0
    print(json.dumps({"items": args.items, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
