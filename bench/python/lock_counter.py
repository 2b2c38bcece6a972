"""lock_counter: threads increment a shared counter under threading.Lock.

Prints one JSON line: {"items": <total increments>, "seconds": <wall time>}.
Same workload as concur-bench's lock_counter (rates are compared, not times).
"""
import argparse
import json
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=2_000_000, help="total increments")
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    per_thread = args.items // args.threads
    lock = threading.Lock()
    counter = [0]
    go = threading.Event()

    def worker():
        go.wait()
        for _ in range(per_thread):
            with lock:
                counter[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    total = per_thread * args.threads
    if counter[0] != total:
        print(f"wrong total: {counter[0]} != {total}", file=sys.stderr)
        return 1
    print(json.dumps({"items": total, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
