"""Print docs/query-plans.md's measurements: EXPLAIN and timing of every dashboard query.

Usage (a table seeded with `livedash seed`, e.g. 2M rows over 6 hours, plus a few rows of a
user named `rare-user`):
    MYSQL_DATABASE=livedash_plans PYTHONPATH=. python bench/explain_plans.py > /tmp/plans.md

Each statement is the app's own (captured from `livedash.queries` through a recording
Database), so the plans shown are the plans the app gets.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from typing import Any

import pymysql

from livedash import queries
from livedash.config import load_settings
from tests.recording import RecordingDatabase, explain


def timed(conn: pymysql.connections.Connection, sql: str, params: Any, repeat: int = 3
          ) -> float:
    """Median wall time of a statement in milliseconds."""
    times = []
    for _ in range(repeat):
        with conn.cursor() as cur:
            start = time.perf_counter()
            cur.execute(sql, params)
            cur.fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def plan_lines(conn: pymysql.connections.Connection, sql: str, params: Any) -> list[str]:
    """EXPLAIN rows as compact text lines."""
    keep = ("table", "type", "key", "rows", "extra")
    return [", ".join(f"{n}={v}" for n, v in step.items() if n in keep)
            for step in explain(conn, sql, params)]


def report(title: str, db: RecordingDatabase, conn: Any, action: Any) -> None:
    """Run `action` against the recording db, then EXPLAIN and time each statement it sent."""
    db.seen.clear()
    action()
    print(f"### {title}\n")
    for sql, params in db.seen:
        print("```sql\n" + " ".join(sql.split()) + "\n```")
        for line in plan_lines(conn, sql, params):
            print(f"- plan: {line}")
        print(f"- median time: {timed(conn, sql, params):.1f} ms\n")


def main() -> None:
    settings = load_settings()
    db = RecordingDatabase(settings)
    assert db.probe(), "database unreachable"
    conn = pymysql.connect(host=settings.mysql_host, port=settings.mysql_port,
                           user=settings.mysql_user, password=settings.mysql_password,
                           database=settings.mysql_database, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*), VERSION() FROM transactions")
        count, version = cur.fetchone()
    print(f"Measured on {version} with {count:,} rows.\n")
    now = queries.db_now(db)
    users = queries.usernames(db, "", 200)
    busy, rare = users[0], "rare-user"  # add a few rows of a `rare-user` before running
    for minutes in (10, 60):
        report(f"Window aggregate, {minutes} minutes (full query)", db, conn,
               lambda m=minutes: queries.window_groups(db, now, m))
    report("Hot span re-read (last 2 minutes)", db, conn,
           lambda: queries.groups_between(db, now - timedelta(minutes=2)))
    report("Window edge (one partial minute)", db, conn,
           lambda: queries.groups_between(db, now - timedelta(minutes=60),
                                          now - timedelta(minutes=59, seconds=30)))
    report("Latest 200, no filter", db, conn, lambda: queries.latest_rows(db, 200))
    for label, user, status in ((f"busy user {busy}", busy, ""), (f"rare user {rare}", rare, ""),
                                (f"busy user {busy} + TIMEOUT", busy, "TIMEOUT"),
                                ("common status COMPLETE", "", "COMPLETE"),
                                ("rare status TIMEOUT", "", "TIMEOUT"),
                                (f"rare user {rare} + COMPLETE", rare, "COMPLETE")):
        report(f"Latest 50, {label} (probe, then read)", db, conn,
               lambda u=user, s=status: queries.latest_rows(db, 50, u, s))
    report("New rows since 5 s ago (incremental table read)", db, conn,
           lambda: queries.rows_since(db, now - timedelta(seconds=5), 50))
    ids = [r[0] for r in queries.latest_rows(db, 200)]
    report("On-screen re-read by primary key (200 ids)", db, conn,
           lambda: queries.rows_by_ids(db, ids))
    report("Username suggestions", db, conn, lambda: queries.usernames(db, busy[:3], 20))
    trap = ("SELECT status, COUNT(*) FROM transactions "
            "WHERE ingress_time >= %s - INTERVAL 60 MINUTE GROUP BY status")
    print("### The trap: GROUP BY status without an index hint\n")
    print("```sql\n" + trap + "\n```")
    for line in plan_lines(conn, trap, (now,)):
        print(f"- plan: {line}")
    print(f"- median time: {timed(conn, trap, (now,), 1):.1f} ms\n")


if __name__ == "__main__":
    main()
