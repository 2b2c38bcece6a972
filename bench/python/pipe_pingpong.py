"""pipe_pingpong: round trips of a small message through multiprocessing.Pipe.

The parent sends `--size` bytes with send_bytes(), a child process echoes them back; the
parent waits for the echo before sending the next. Prints {"items": <round trips>,
"seconds": <wall time>}.
"""
import argparse
import json
import multiprocessing
import sys
import time


def echo(conn, n):
    for _ in range(n):
        conn.send_bytes(conn.recv_bytes())
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100000, help="round trips")
    ap.add_argument("--size", type=int, default=64, help="message bytes")
    args = ap.parse_args()
    multiprocessing.set_start_method("fork")
    a, b = multiprocessing.Pipe()
    p = multiprocessing.Process(target=echo, args=(b, args.items + 100))
    p.start()
    msg = b"x" * args.size
    for _ in range(100):  # warm-up
        a.send_bytes(msg)
        a.recv_bytes()
    t0 = time.perf_counter()
    for _ in range(args.items):
        a.send_bytes(msg)
        if len(a.recv_bytes()) != args.size:
            print("short echo", file=sys.stderr)
            return 1
    seconds = time.perf_counter() - t0
    p.join()
    print(json.dumps({"items": args.items, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
