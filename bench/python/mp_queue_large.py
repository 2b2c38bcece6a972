"""mp_queue_large: 1 producer process -> 1 consumer process pass 1 MiB bytes messages through
multiprocessing.Queue(8) (fork start method): mp_queue_small.py with other defaults.

Prints {"items": <messages>, "seconds": <wall time>}; exits 1 on a wrong result.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import mp_queue_small  # noqa: E402  (the same directory)

if __name__ == "__main__":
    sys.exit(mp_queue_small.main(default_items=500, default_size=1 << 20, default_maxsize=8))
