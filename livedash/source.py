"""The one seam between live data and demo rows: a source, chosen in one place.

Above this module nothing asks which one it has: the scheduler ticks the current source, the
API and the pages read its state, and the payloads are built by the same functions.

- `LiveSource` runs the change feed and the table views over the database, each tick in one
  consistent snapshot;
- `DemoSource` stands the three demo rows (demo.py) in for the table, with the same state
  (per-second tallies, in-flight figures, tables), rebuilt at every tick.

`Sources.current()` is the live source once the database has been reached (demo never comes
back after that: fake figures on a NOC screen would mislead), else the demo source.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from . import demo, queries
from .config import Settings
from .db import Database
from .feed import ChangeFeed, tracked_row
from .filters import matches
from .livestats import SPAN_MINUTES, LiveStats, epoch_second
from .models import TableKey
from .queries import live
from .schema import IN_FLIGHT
from .tableviews import TableViews

Row = tuple[Any, ...]


class LiveSource:
    """The database through the change feed and the table views."""

    kind = "database"

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db, self.settings = db, settings
        self.feed = ChangeFeed(settings.stuck_after, overlap_s=settings.feed_overlap_s)
        self.tables = TableViews(settings.stuck_after)

    @property
    def now(self) -> datetime | None:
        return self.feed.now

    @property
    def stats(self) -> LiveStats:
        return self.feed.stats

    def in_flight(self) -> tuple[int, float | None]:
        return self.feed.in_flight()

    @contextmanager
    def ticking(self, keys: Iterable[TableKey]) -> Iterator[None]:
        """One tick: changes and tables, then (after the caller pushed the tables) the
        feed's fill and verification work, all in one snapshot."""
        self.tables.watch(keys)
        with self.db.snapshot() as session:
            changes = self.feed.read_changes(session)
            self.tables.update(session, changes, self.feed)
            yield
            self.feed.settle(session)

    def table(self, key: TableKey) -> list[Row] | None:
        return self.tables.rows(key)

    def forget_tables(self) -> None:
        """Drop every table (nobody watches them any more)."""
        self.tables.watch(())

    def refill(self, key: TableKey) -> None:
        """Read this table afresh at the next tick (a viewer joined: it sees the truth of
        that moment, whatever the feed cannot watch)."""
        view = self.tables.views.get(key)
        if view is not None:
            view.filled = False

    def table_errors(self) -> int:
        """How many tables failed their last update (they keep their last rows)."""
        return sum(1 for view in self.tables.views.values() if view.error)

    def latest(self, key: TableKey) -> tuple[list[Row], datetime]:
        """A one-off read of a table nobody watches live (the JSON API), with its now."""
        now = queries.db_now(self.db)
        return live.latest_rows(self.db, key, now, self.settings.stuck_after), now

    def usernames(self, prefix: str, limit: int = 20) -> list[str]:
        return live.usernames(self.db, prefix, limit)

    def reset(self) -> None:
        """After an admin clear: refill statistics and tables at the next tick."""
        self.feed.reset()
        self.tables.reset()


class DemoSource:
    """The three demo rows, with the live source's state and interface."""

    kind = "demo"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.now: datetime | None = None
        self.stats = LiveStats()
        self.rows: list[Row] = []

    @contextmanager
    def ticking(self, keys: Iterable[TableKey]) -> Iterator[None]:
        """Place the demo rows at the app's clock and tally them."""
        self.now = demo.demo_now(self.settings.db_clock)
        self.rows = demo.demo_rows(self.now)
        self.stats = LiveStats()
        self.stats.fill_low = epoch_second(self.now) - SPAN_MINUTES * 60
        for row in self.rows:
            tracked = tracked_row(row)
            self.stats.add(tracked.second, tracked.part)
        yield

    def in_flight(self) -> tuple[int, float | None]:
        assert self.now is not None
        times = [r[5] for r in self.rows if r[8] == IN_FLIGHT]
        stuck_before = self.now - timedelta(seconds=self.settings.stuck_after)
        if not times:
            return 0, None
        return sum(t < stuck_before for t in times), (self.now - min(times)).total_seconds()

    def table(self, key: TableKey) -> list[Row]:
        if self.now is None:
            with self.ticking(()):
                pass
        assert self.now is not None
        return [r for r in self.rows
                if matches(key, r, self.now, self.settings.stuck_after)][:key.limit]

    def latest(self, key: TableKey) -> tuple[list[Row], datetime]:
        rows = self.table(key)
        assert self.now is not None
        return rows, self.now

    def table_errors(self) -> int:
        return 0

    def forget_tables(self) -> None:
        """Nothing kept: the demo tables are filtered afresh every time."""

    def refill(self, key: TableKey) -> None:
        """Nothing kept: the demo tables are filtered afresh every time."""

    def usernames(self, prefix: str, limit: int = 20) -> list[str]:
        return demo.demo_usernames(prefix)[:limit]

    def reset(self) -> None:
        """Nothing to forget: the rows are placed afresh every tick."""


class Sources:
    """The live and the demo source; which one is current follows the database state."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.live = LiveSource(db, settings)
        self.demo = DemoSource(settings)

    def current(self) -> LiveSource | DemoSource:
        """Demo until the database has been reached (or when demo is forced), then live."""
        return self.demo if self.db.state().mode == "demo" else self.live
