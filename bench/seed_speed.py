"""How fast `livedash seed` loads: rows/s, and CPU per row on each side of the connection.

    python bench/seed_speed.py --rows 1000000 [--batch 5000] [--writers 2] [--keep]

Creates a scratch database `livedash_seed_bench` from tests/schema.sql on the server named by
MYSQL_HOST/MYSQL_PORT/MYSQL_USER/MYSQL_PASSWORD (default 127.0.0.1:3306 root), seeds it through
the same `traffic.seed` the CLI uses, prints the figures and drops the database (unless --keep).

Wall-clock rows/s depends on what else the machine runs; the CPU microseconds per row do not
(much), so both are printed: the client's (this process: generating and escaping rows) and the
server's (the connection threads, read from /proc/<mysqld>/task/<TID>; needs a local server).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from common import admin_connection

from livedash import traffic
from livedash.config import load_settings
from tests.dbsetup import create_database, drop_database

SCRATCH = "livedash_seed_bench"


def server_thread_cpu(settings) -> dict[int, float]:
    """CPU seconds of each server thread serving a connection to the scratch database.

    Cumulative since the thread started, and the server reuses threads across connections
    (thread cache): callers take the difference between two readings."""
    pid = next((p for p in os.listdir("/proc") if p.isdigit() and
                Path(f"/proc/{p}/comm").read_text().strip() in ("mariadbd", "mysqld")), None)
    if pid is None:
        return {}
    conn = admin_connection(settings)
    with conn.cursor() as cur:
        cur.execute("SELECT TID FROM information_schema.PROCESSLIST WHERE DB = %s", (SCRATCH,))
        tids = [row[0] for row in cur.fetchall()]
    conn.close()
    cpu = {}
    for tid in tids:
        fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu[tid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime+stime
    return cpu


def measure(settings, rows: int, hours: float, batch: int,
            writers: int) -> tuple[float, float, float | None]:
    """Seed `rows` rows; (seconds, client CPU s, server CPU s or None)."""
    db = traffic.connect(settings)
    model = traffic.TrafficModel(traffic.Profile(), seed=1)
    try:
        # open the pooled connections before the baseline reading
        traffic.seed(db, model, 50 * writers, hours, batch=1, writers=writers)
        before = server_thread_cpu(settings)
        cpu0 = time.process_time()
        result = traffic.seed(db, model, rows, hours, batch,
                              lambda line: print(line, flush=True), writers=writers)
        client = time.process_time() - cpu0
        after = server_thread_cpu(settings)
    finally:
        db.close()
    server = sum(cpu - before.get(tid, 0.0) for tid, cpu in after.items()) if after else None
    return result.seconds, client, server


def main() -> int:
    """Seed the scratch database and print rows/s and CPU per row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    settings = load_settings().replace(mysql_database=SCRATCH)
    conn = admin_connection(settings)
    create_database(conn, SCRATCH)
    try:
        seconds, client, server = measure(settings, args.rows, args.hours, args.batch,
                                          args.writers)
    finally:
        if not args.keep:
            drop_database(conn, SCRATCH)
        conn.close()
    per_row = f"{server * 1e6 / args.rows:.1f}" if server is not None else "n/a"
    print(f"{args.rows:,} rows in {seconds:.1f} s: {args.rows / seconds:,.0f} rows/s; CPU per "
          f"row: client {client * 1e6 / args.rows:.1f} us, server {per_row} us "
          f"(batch {args.batch}, {args.writers} writers, load average {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
