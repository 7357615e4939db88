"""A real `Database` that remembers every statement it sends (to EXPLAIN them)."""

from __future__ import annotations

from typing import Any

from livedash.db import Database


class RecordingDatabase(Database):
    """The real Database, remembering each statement so a caller can EXPLAIN it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[tuple[str, Any]] = []

    def run(self, sql: str, params: Any = None, pool: str = "live") -> list[tuple]:
        self.seen.append((sql, params))
        return super().run(sql, params, pool)
