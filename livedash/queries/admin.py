"""The admin page's and the clear job's statements (admin.py, clearing.py)."""

from __future__ import annotations

from datetime import datetime

from ..db import Database
from ..schema import STATUSES, TABLE

# Used by livedash/admin.py only. Measured on MariaDB 10.11 with 1M rows: the overview and the
# table size answer in under 1 ms (MIN/MAX on idx_ingress_time are "Select tables optimized
# away"; information_schema filtered by schema and name opens one table); COUNT(*) and the
# status breakdown (a full scan of idx_status) take about 0.7 s each, so they run on request;
# a batch DELETE of 10,000 rows takes 0.5-0.9 s (four indexes to maintain). Everything here
# uses the admin pool: a long count must not trip the live pool's short read timeout (which
# would mark the database down for every viewer), and downloads must not take its connections.


def admin_overview(db: Database) -> tuple[str, datetime | None, datetime | None]:
    """Server version and the oldest and newest ingress_time (index ends: instant)."""
    sql = (f"SELECT VERSION(), (SELECT MIN(ingress_time) FROM {TABLE}), "
           f"(SELECT MAX(ingress_time) FROM {TABLE})")
    version, oldest, newest = db.run(sql, pool="admin")[0]
    return str(version), oldest, newest


def admin_table_size(db: Database) -> tuple[int | None, int | None, int | None]:
    """(estimated rows, data bytes, index bytes) from information_schema; Nones if hidden."""
    sql = ("SELECT TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH FROM information_schema.TABLES "
           "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s")
    rows = db.run(sql, (TABLE,), pool="admin")
    if not rows:
        return None, None, None
    return tuple(None if v is None else int(v) for v in rows[0])  # type: ignore[return-value]


def admin_count(db: Database, before: datetime | None = None) -> int:
    """Exact number of rows (with ingress_time < before, when given): a full index scan."""
    if before is None:
        return int(db.run(f"SELECT COUNT(*) FROM {TABLE}", pool="admin")[0][0])
    sql = f"SELECT COUNT(*) FROM {TABLE} WHERE ingress_time < %s"
    return int(db.run(sql, (before,), pool="admin")[0][0])


def admin_status_counts(db: Database) -> dict[str, int]:
    """Rows per status, every status present (zeros included): a full scan of idx_status."""
    rows = db.run(f"SELECT status, COUNT(*) FROM {TABLE} GROUP BY status", pool="admin")
    found = {str(status): int(n) for status, n in rows}
    return {status: found.get(status, 0) for status in STATUSES}


def admin_truncate(db: Database) -> None:
    """Empty the table at once (needs the DROP privilege: MySQL error 1142 without it)."""
    db.execute(f"TRUNCATE TABLE {TABLE}", pool="admin")


def admin_delete_batch(db: Database, limit: int, before: datetime | None = None) -> int:
    """Delete at most `limit` rows (the oldest ones with ingress_time < before, when given).

    Oldest first along idx_ingress_time (range scan); without a cutoff, primary-key order.
    """
    if before is None:
        return db.execute(f"DELETE FROM {TABLE} LIMIT %s", (int(limit),), pool="admin")
    sql = f"DELETE FROM {TABLE} WHERE ingress_time < %s ORDER BY ingress_time LIMIT %s"
    return db.execute(sql, (before, int(limit)), pool="admin")


def admin_analyze(db: Database) -> None:
    """Refresh the table statistics, so information_schema's estimate follows a clear."""
    db.run(f"ANALYZE TABLE {TABLE}", pool="admin")
