"""The simulator's and the seeder's statements (livedash/traffic/)."""

from __future__ import annotations

from typing import Any

from pymysql.converters import escape_string

from ..db import Database
from ..schema import COLUMNS, TABLE
from . import clock_sql

# Used by livedash/traffic.py only. Generated rows carry an ownership marker as the first group
# of transaction_id, so "rows we did not write" is a range check on the primary key.


def foreign_row_count(db: Database, low: str, high: str, cap: int) -> int:
    """Rows whose transaction_id lies outside [low, high), counted no further than `cap`."""
    sql = (f"SELECT COUNT(*) FROM (SELECT 1 FROM {TABLE} WHERE transaction_id < %s "
           "OR transaction_id >= %s LIMIT %s) AS foreign_rows")
    return int(db.run(sql, (low, high, int(cap)))[0][0])


def _multi_row_insert(rows: int, row_sql: str) -> str:
    """INSERT of `rows` value tuples (one statement: one round trip, one commit)."""
    values = ", ".join([row_sql] * rows)
    return f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES {values}"


def insert_arrivals(db: Database, rows: list[tuple[Any, ...]]) -> int:
    """Insert transfers at ingress: (id, username, file_name, file_size, ingress_server,
    status) each; ingress_time is the database's now, egress columns stay NULL."""
    clock = clock_sql(db.settings.db_clock)
    sql = _multi_row_insert(len(rows), f"(%s, %s, %s, %s, %s, {clock}, NULL, NULL, %s)")
    return db.execute(sql, [value for row in rows for value in row])


def _quoted(value: str | None) -> str:
    """A string as an SQL literal, NULL for None (the driver's escape_string)."""
    return "NULL" if value is None else "'" + escape_string(value) + "'"


def insert_history(db: Database, rows: list[tuple[Any, ...]]) -> int:
    """Insert complete rows (COLUMNS order, times as 'YYYY-MM-DD HH:MM:SS.fff' text) in one
    statement. The seeder generates these values (none comes from a request) and they are
    encoded here rather than sent as parameters: PyMySQL's per-value dispatch costs 6 us a row
    (the server's insert takes 15 us), this costs 2 us. Every string still goes
    through the driver's escape_string (generated values hold no quote or backslash, so the
    NO_BACKSLASH_ESCAPES sql_mode makes no difference)."""
    esc = escape_string
    values = ", ".join([
        f"('{esc(tid)}', '{esc(user)}', '{esc(name)}', {int(size)}, '{esc(in_server)}', "
        f"'{esc(ingress)}', {_quoted(out_server)}, {_quoted(egress)}, '{esc(status)}')"
        for tid, user, name, size, in_server, ingress, out_server, egress, status in rows])
    return db.execute(f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES {values}")


def settle_transfers(db: Database, ids: list[str], status: str,
                     egress_server: str | None) -> int:
    """Give in-flight rows their final status; egress_time is the database's now when an
    egress server is given, else NULL. Rows no longer SUBMITTED are left alone."""
    egress_time = clock_sql(db.settings.db_clock) if egress_server else "NULL"
    sql = (f"UPDATE {TABLE} SET status = %s, egress_server = %s, egress_time = {egress_time} "
           f"WHERE status = 'SUBMITTED' AND transaction_id IN ({', '.join(['%s'] * len(ids))})")
    return db.execute(sql, [status, egress_server, *ids])
