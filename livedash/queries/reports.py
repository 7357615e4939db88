"""The reports' statements (livedash/reporting/).

Rows in `start <= ingress_time < end` (+ username); plans, timings and the reasons for each
choice are in docs/benchmarks.md ("Reports"), tests/test_reports.py pins the plans. The CSV
walks idx_ingress_time (its order, no sort; idx_username for a user with few rows); the
statistics and the listing scan the table when the range holds over 1/SCAN_SHARE of it.
Group keys are the collation's sort keys (WEIGHT_STRING without trailing spaces: the
collation is PAD SPACE), so every stream matches GROUP BY's groups. Transit is in whole
microseconds, rate is RATE_SQL's DECIMAL; the app sums both in exact integers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..db import Database
from ..schema import COLUMNS, STATUSES, TABLE
from . import RATE_SQL, TRANSIT_US_SQL, match_count, table_rows_estimate

REPORT_PROBE_CAP, SCAN_SHARE = 100_000, 20
_REPORT_ACCESS = {"idx_ingress_time": "FORCE INDEX (idx_ingress_time)",
                  "idx_username": "FORCE INDEX (idx_username)",
                  "table_scan": "IGNORE INDEX (idx_ingress_time, idx_username, idx_status)"}
_GROUP_KEY = "WEIGHT_STRING(TRIM(TRAILING ' ' FROM {name}))"
# CAST: DATETIME(3) and BIGINT as the mysql client writes them (PyMySQL parses text faster).
_CSV_COLUMNS = ", ".join(f"CAST({c} AS CHAR)" if c in ("file_size", "ingress_time", "egress_time")
                         else c for c in COLUMNS)
_FIGURES = {"transit": TRANSIT_US_SQL, "rate": RATE_SQL}


def _report_range(start: datetime, end: datetime, username: str
                  ) -> tuple[str, dict[str, Any]]:
    """The report's WHERE clause and its parameters."""
    user = " AND username = %(username)s" if username else ""
    return (f"WHERE ingress_time >= %(start)s AND ingress_time < %(end)s{user}",
            {"start": start, "end": end, "username": username})


def _access(index: str) -> str:
    """The index hint for an access path from the fixed set (it is formatted into SQL)."""
    if index not in _REPORT_ACCESS:
        raise ValueError(f"unknown index {index}")
    return _REPORT_ACCESS[index]


def range_count(db: Database, start: datetime, end: datetime, cap: int) -> int:
    """Rows with start <= ingress_time < end, counted no further than `cap` (index-only)."""
    where, params = _report_range(start, end, "")
    sql = (f"SELECT COUNT(*) FROM (SELECT 1 FROM {TABLE} FORCE INDEX (idx_ingress_time) "
           f"{where} LIMIT %(cap)s) AS probe")
    return int(db.run(sql, {**params, "cap": int(cap)}, "report")[0][0])


def report_index(db: Database, start: datetime, end: datetime, username: str) -> str:
    """The index that reads fewer rows for a report: the user's rows or the range's rows."""
    if not username:
        return "idx_ingress_time"
    user_rows = match_count(db, "username", (username,), REPORT_PROBE_CAP)
    if user_rows >= REPORT_PROBE_CAP:
        return "idx_ingress_time"
    return ("idx_username" if user_rows < range_count(db, start, end, user_rows + 1)
            else "idx_ingress_time")


def report_access(db: Database, start: datetime, end: datetime, index: str) -> str:
    """How the statistics and the listing read the range: `index`, or "table_scan" when it
    is idx_ingress_time and the range holds more than 1/SCAN_SHARE of the table."""
    if index != "idx_ingress_time":
        return index
    share = table_rows_estimate(db) // SCAN_SHARE
    return "table_scan" if share and range_count(db, start, end, share + 1) > share else index


def report_csv_rows(db: Database, start: datetime, end: datetime, username: str, index: str,
                    batch: int = 5000) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of rows as text (NULL stays None), oldest first, from an unbuffered cursor."""
    where, params = _report_range(start, end, username)
    sql = (f"SELECT {_CSV_COLUMNS} FROM {TABLE} {_access(index)} {where} "
           "ORDER BY ingress_time, transaction_id")
    return db.stream(sql, params, batch)


def report_user_rows(db: Database, start: datetime, end: datetime, username: str, index: str,
                     limit: int, batch: int = 2000) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of rows (COLUMNS order plus the group key), by username then oldest first,
    at most `limit` of them, from an unbuffered cursor."""
    where, params = _report_range(start, end, username)
    sql = (f"SELECT {', '.join(COLUMNS)}, {_GROUP_KEY.format(name='username')} FROM {TABLE} "
           f"{_access(index)} {where} ORDER BY username, ingress_time, transaction_id "
           "LIMIT %(limit)s")
    return db.stream(sql, {**params, "limit": int(limit)}, batch)


def report_cells(db: Database, start: datetime, end: datetime, username: str, index: str,
                 width: int) -> list[tuple[Any, ...]]:
    """Counts per (username, bucket of `width` s from start): name, group key, bucket, files,
    bytes, bytes of COMPLETE rows, each status's count, rows with a transit, with a rate."""
    where, params = _report_range(start, end, username)
    statuses = ", ".join(f"COUNT(CASE WHEN status = '{s}' THEN 1 END)" for s in STATUSES)
    sql = (f"SELECT MIN(username), {_GROUP_KEY.format(name='MIN(username)')}, bucket, COUNT(*), "
           "COALESCE(SUM(file_size), 0), COALESCE(SUM(CASE WHEN status = 'COMPLETE' THEN "
           f"file_size END), 0), {statuses}, COUNT(egress_time), COUNT(CASE WHEN egress_time > "
           "ingress_time THEN 1 END) FROM (SELECT username, file_size, status, ingress_time, "
           "egress_time, TIMESTAMPDIFF(SECOND, %(start)s, ingress_time) DIV %(width)s AS bucket "
           f"FROM {TABLE} {_access(index)} {where}) AS picked GROUP BY username, bucket")
    return db.run(sql, {**params, "width": int(width)}, "report")


def report_ordered(db: Database, start: datetime, end: datetime, username: str, index: str,
                   figure: str, counted: bool = False) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of (1, group key, value) of a figure (transit in us, rate in bytes/s) where
    defined, smallest first; `counted`: (0, key, count) per group first, in one read."""
    expr, (where, params) = _FIGURES[figure], _report_range(start, end, username)
    rows = f"FROM {TABLE} {_access(index)} {where} AND {expr} IS NOT NULL"
    sql = f"SELECT 1 AS part, {_GROUP_KEY.format(name='username')}, {expr} AS v {rows}"
    if counted:
        sql = (f"(SELECT 0 AS part, {_GROUP_KEY.format(name='MIN(username)')}, COUNT(*) AS v "
               f"{rows} GROUP BY username) UNION ALL ({sql})")
    return db.stream(f"{sql} ORDER BY part, v", params, 5000)
