"""A real `Database` that remembers every statement it sends, and the one EXPLAIN helper
(the plan tests, the report tests and bench/explain_plans.py all read plans through it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pymysql

from livedash.db import Database


class RecordingDatabase(Database):
    """The real Database, remembering each statement (buffered in `seen`, streamed in
    `streamed`) so a caller can EXPLAIN it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[tuple[str, Any]] = []
        self.streamed: list[tuple[str, Any]] = []

    def run(self, sql: str, params: Any = None, pool: str = "live") -> list[tuple]:
        self.seen.append((sql, params))
        return super().run(sql, params, pool)

    def stream(self, sql: str, params: Any = None, batch: int = 2000) -> Iterator[list[tuple]]:
        self.streamed.append((sql, params))
        return super().stream(sql, params, batch)


def explain(conn: pymysql.connections.Connection, sql: str, params: Any) -> list[dict[str, Any]]:
    """EXPLAIN a statement on `conn`: one dict per plan step, keys in lower case, `rows` an int."""
    with conn.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        names = [d[0].lower() for d in cur.description]
        plan = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    for step in plan:
        step["rows"] = int(step["rows"] or 0)
    return plan
