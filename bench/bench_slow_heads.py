"""Slow request heads (slowloris) against a real server: how long /healthz waits.

    python bench/bench_slow_heads.py [--threads 600] [--connections 620] [--head-timeouts 10,300]

For each LIVEDASH_HEAD_TIMEOUT it starts `livedash` on a scratch database (the tests'
throwaway one), holds `--connections` connections that each sent half a request head, asks
for /healthz and prints how long the answer took (or that none came within --wait seconds).
Results: docs/benchmarks.md, "Slow request heads".
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import DB_NAME, connect
from tests.dbsetup import create_database, drop_database
from tests.servers import LiveServer, half_sent_requests


def measure(threads: int, connections: int, head_timeout: str, wait: float) -> str:
    """One server, `connections` half-sent heads held, one /healthz: what happened."""
    server = LiveServer(Path("/tmp"), f"slow-heads-{head_timeout}",
                        LIVEDASH_THREADS=str(threads), LIVEDASH_HEAD_TIMEOUT=head_timeout)
    try:
        with half_sent_requests(server.url, connections):
            started = time.monotonic()
            try:
                urllib.request.urlopen(server.url + "/healthz", timeout=wait).close()
            except OSError as exc:
                return f"no answer within {wait:g} s ({exc})"
            return f"answered after {time.monotonic() - started:.1f} s"
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=600)
    parser.add_argument("--connections", type=int, default=620)
    parser.add_argument("--head-timeouts", default="10,300")
    parser.add_argument("--wait", type=float, default=60)
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
    conn = connect(None)
    create_database(conn, DB_NAME)
    try:
        for head in args.head_timeouts.split(","):
            result = measure(args.threads, args.connections, head, args.wait)
            print(f"threads {args.threads}, {args.connections} half-sent heads, "
                  f"LIVEDASH_HEAD_TIMEOUT={head}: /healthz {result}", flush=True)
    finally:
        drop_database(conn, DB_NAME)
        conn.close()


if __name__ == "__main__":
    main()
