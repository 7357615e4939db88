"""The live path's statements: the change feed (feed.py), the table views (tableviews.py)
and the JSON API's one-off reads; see the package docstring for the index choices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ..models import TableKey
from ..schema import COLUMNS, IN_FLIGHT, TABLE
from . import (
    INDEXES,
    RATE_SQL,
    SELECT_ROWS,
    Row,
    Runner,
    like_prefix,
    match_count,
    rare_limit,
    table_rows_estimate,
)

SCAN_CAP = 200_000
_NEWEST_FIRST = "ORDER BY ingress_time DESC, transaction_id DESC"

_SECOND_GROUPS = f"""
SELECT TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', ingress_time) AS second,
       status, ingress_server, egress_server,
       COUNT(*), COALESCE(SUM(file_size), 0), COALESCE(SUM({RATE_SQL}), 0),
       COUNT(CASE WHEN egress_time > ingress_time THEN 1 END)
FROM {TABLE} FORCE INDEX (idx_ingress_time)
WHERE ingress_time >= %(start)s {{upper}}
GROUP BY second, status, ingress_server, egress_server
""".strip()


def second_groups(db: Runner, start: datetime, end: datetime | None = None) -> list[Row]:
    """Aggregate cells per second, status and server pair of the rows with start <=
    ingress_time (< end, when given): (second, status, ingress, egress, rows, bytes, rate sum,
    rate count). With no end, rows stamped after the database's now count too."""
    sql = _SECOND_GROUPS.format(upper="AND ingress_time < %(end)s" if end is not None else "")
    return [(int(sec), st, i, e, int(n), int(size), float(rate), int(rn))
            for sec, st, i, e, n, size, rate, rn in db.run(sql, {"start": start, "end": end})]


def rows_since(db: Runner, since: datetime, cap: int) -> list[Row]:
    """Every row with ingress_time >= since (a short range of idx_ingress_time), at most cap."""
    sql = f"{SELECT_ROWS} FORCE INDEX (idx_ingress_time) WHERE ingress_time >= %s LIMIT %s"
    return db.run(sql, (since, int(cap)))


def rows_by_ids(db: Runner, ids: Sequence[str]) -> list[Row]:
    """The rows with these primary keys (point lookups); missing ones are gone."""
    if not ids:
        return []
    keys = ", ".join(["%s"] * len(ids))
    return db.run(f"{SELECT_ROWS} WHERE transaction_id IN ({keys})", list(ids))


def submitted_ids(db: Runner) -> list[str]:
    """The primary keys of every SUBMITTED row, from idx_status alone (an InnoDB secondary
    index holds the primary key): no row is looked up, one column parsed per row."""
    sql = f"SELECT transaction_id FROM {TABLE} FORCE INDEX (idx_status) WHERE status = %s"
    return [r[0] for r in db.run(sql, (IN_FLIGHT,))]


def submitted_rows(db: Runner, start: datetime | None = None, end: datetime | None = None,
                   by_time: bool = False) -> list[Row]:
    """The SUBMITTED rows (with start <= ingress_time < end, when given): through idx_status
    (reads every in-flight row), or, `by_time`, through the range of idx_ingress_time (reads
    every row of the range): the feed picks whichever holds fewer rows."""
    terms, params = ["status = %s"], [IN_FLIGHT]
    if start is not None and end is not None:
        terms.append("ingress_time >= %s AND ingress_time < %s")
        params += [start, end]
    index = "idx_ingress_time" if by_time and start is not None else "idx_status"
    return db.run(f"{SELECT_ROWS} FORCE INDEX ({index}) WHERE {' AND '.join(terms)}", params)


# -- Table views (livedash/tableviews.py) and the JSON API ------------------------------------

def _filters(key: TableKey, now: datetime, stuck_after: float) -> tuple[list[str], list[Any]]:
    """WHERE terms and parameters for a table's filters (the search is handled apart)."""
    terms: list[str] = []
    params: list[Any] = []
    for column in ("username", "ingress_server", "egress_server"):
        if getattr(key, column):
            terms.append(f"{column} = %s")
            params.append(getattr(key, column))
    if key.statuses:
        terms.append(f"status IN ({', '.join(['%s'] * len(key.statuses))})")
        params += key.statuses
    if key.stuck:
        terms.append("status = %s AND ingress_time < %s")
        params += [IN_FLIGHT, now - timedelta(seconds=stuck_after)]
    if key.q:
        terms.append("(transaction_id = %s OR file_name LIKE %s OR username LIKE %s)")
        params += [key.q, like_prefix(key.q), like_prefix(key.q)]
    return terms, params


def _before(after: tuple[datetime, str] | None) -> tuple[list[str], list[Any]]:
    """The seek condition for rows older than (ingress_time, transaction_id) (a backfill)."""
    if after is None:
        return [], []
    moment, tid = after
    return ["(ingress_time < %s OR (ingress_time = %s AND transaction_id < %s))"], [
        moment, moment, tid]


def choose_index(db: Runner, key: TableKey) -> str:
    """The index that reads fewest rows for the newest `key.limit` rows matching `key`:
    idx_status for stuck rows, a rare username's or statuses' own index, else a walk of
    idx_ingress_time (bounded to the newest SCAN_CAP rows when no index serves a filter)."""
    if key.stuck:
        return "idx_status"
    cap = rare_limit(key.limit, table_rows_estimate(db))
    best, best_count = "idx_ingress_time", cap + 1
    for column, values in (("username", (key.username,) if key.username else ()),
                           ("status", key.statuses)):
        if values:
            count = match_count(db, column, values, cap + 1)
            if count < best_count:
                best, best_count = INDEXES[column], count
    return best


def _unindexed(key: TableKey) -> bool:
    """Whether a filter that no index serves narrows the rows (servers, the search)."""
    return bool(key.ingress_server or key.egress_server or key.q)


def latest_rows(db: Runner, key: TableKey, now: datetime, stuck_after: float,
                after: tuple[datetime, str] | None = None, limit: int | None = None,
                index: str | None = None) -> list[Row]:
    """The newest rows matching `key` (older than `after`, when given), newest first."""
    terms, params = _filters(key, now, stuck_after)
    seek, seek_params = _before(after)
    index = index or (choose_index(db, key) if key.filtered else "idx_ingress_time")
    if index not in (*INDEXES.values(), "idx_ingress_time"):
        raise ValueError(f"unknown index {index}")
    where = " AND ".join(terms + seek)
    source = f"{TABLE} FORCE INDEX ({index})"
    if index == "idx_ingress_time" and _unindexed(key):
        source = (f"(SELECT * FROM {TABLE} FORCE INDEX (idx_ingress_time) "
                  f"{_NEWEST_FIRST} LIMIT {SCAN_CAP}) AS recent")
    sql = (f"SELECT {', '.join(COLUMNS)} FROM {source}{' WHERE ' + where if where else ''} "
           f"{_NEWEST_FIRST} LIMIT %s")
    return db.run(sql, [*params, *seek_params, int(limit or key.limit)])


def usernames(db: Runner, prefix: str = "", limit: int = 20) -> list[str]:
    """Distinct usernames starting with `prefix`, alphabetical (loose scan of idx_username)."""
    sql = (f"SELECT username FROM {TABLE} FORCE INDEX (idx_username) "
           "WHERE username LIKE %s GROUP BY username ORDER BY username LIMIT %s")
    return [r[0] for r in db.run(sql, (like_prefix(prefix), int(limit)))]
