"""Where dashboard data comes from right now: the database, or the demo rows.

The API and the poller both ask here, so the demo/live switch is decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import demo, queries
from .db import Database
from .schema import Group


@dataclass(frozen=True)
class Moment:
    """A consistent read point: the clock and whether it is real or demo."""

    now: datetime
    source: str  # "database" | "demo"


def moment(db: Database) -> Moment:
    """The database's now, or the app's clock in demo mode (raises DatabaseDown when down)."""
    if db.is_demo:
        return Moment(demo.demo_now(db.settings.db_clock), "demo")
    return Moment(queries.db_now(db), "database")


def groups(db: Database, at: Moment, minutes: int) -> list[Group]:
    """Aggregate cells of the last `minutes` before `at`."""
    if at.source == "demo":
        return demo.demo_groups(at.now, minutes)
    return queries.window_groups(db, at.now, minutes)


def latest(db: Database, at: Moment, limit: int, username: str = "", status: str = "",
           index: str | None = None) -> list[tuple[Any, ...]]:
    """The newest rows matching the filters."""
    if at.source == "demo":
        return demo.demo_latest(at.now, limit, username, status)
    return queries.latest_rows(db, limit, username, status, index)


def usernames(db: Database, prefix: str = "", limit: int = 20) -> list[str]:
    """Known usernames starting with `prefix` (for the filter's suggestions)."""
    if db.is_demo:
        return demo.demo_usernames(prefix)[:limit]
    return queries.usernames(db, prefix, limit)
