"""The read point of a report or form: the database's now, or the app's clock in demo mode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import demo, queries
from .db import Database


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
