"""queue_bounded: producers and consumers pass integers through queue.Queue(maxsize).

Prints one JSON line: {"items": <items moved>, "seconds": <wall time>}.
Exits non-zero when the sum received differs from the sum sent.
"""
import argparse
import json
import queue
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=200_000)
    ap.add_argument("--producers", type=int, default=2)
    ap.add_argument("--consumers", type=int, default=2)
    ap.add_argument("--maxsize", type=int, default=1024)
    args = ap.parse_args()
    per_producer = args.items // args.producers
    n = per_producer * args.producers
    if n % args.consumers:
        print("items must split evenly between consumers", file=sys.stderr)
        return 2
    per_consumer = n // args.consumers
    q = queue.Queue(args.maxsize)
    received = [0] * args.consumers
    go = threading.Event()

    def producer(p):
        go.wait()
        first = p * per_producer + 1
        for v in range(first, first + per_producer):
            q.put(v)

    def consumer(c):
        go.wait()
        s = 0
        for _ in range(per_consumer):
            s += q.get()
        received[c] = s

    threads = [threading.Thread(target=producer, args=(p,)) for p in range(args.producers)]
    threads += [threading.Thread(target=consumer, args=(c,)) for c in range(args.consumers)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    sent = n * (n + 1) // 2
    if sum(received) != sent:
        print(f"sum received {sum(received)} != sum sent {sent}", file=sys.stderr)
        return 1
    print(json.dumps({"items": n, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
