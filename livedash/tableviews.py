"""The rows each live table shows, kept from the change feed's deltas.

Why: every table is "the newest N rows matching its filters". Re-reading that every tick for
every table costs a query per table per tick; instead each tick applies the feed's changes
(the rows that are new, changed or gone, already read once for everybody) through the
table's filters in Python (filters.py). A query is needed only:

- to fill a table the first time (one indexed query, queries.latest_rows);
- to backfill when rows left a full table (a seek past its last row for just the missing
  rows);
- every RECHECK_S, the rows on screen that the feed does not track are re-read by primary
  key (one statement for every table due): an edit to an old settled row on screen, or its
  delete, shows within that bound, at the cost of the rows on screen;
- a full read every REREAD_S (what a key re-read cannot see: a row that should newly appear
  because of a change the feed does not watch, a collation subtlety of a text filter), and
  at once when a verification of the feed found rows it had missed.

Tables of rows in flight (`stuck`, or a status filter of SUBMITTED alone) are filtered from
the feed's in-flight set (every SUBMITTED row is tracked there), so they cost no query at
all once the feed's first discovery has run. A filtered table's index is chosen by bounded
probes (queries.choose_index) and kept for PLAN_TTL_S, so backfills do not probe again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import queries
from .db import ConnectionLost, DatabaseError, DatabaseSlow
from .feed import ChangeFeed, Changes
from .filters import matches
from .models import TableKey
from .queries import live
from .schema import IN_FLIGHT

log = logging.getLogger(__name__)

RECHECK_S = 10.0
REREAD_S = 600.0
PLAN_TTL_S = 300.0
Row = tuple[Any, ...]


def _in_flight_only(key: TableKey) -> bool:
    """Whether a table holds only SUBMITTED rows (the feed tracks every one of those)."""
    return key.stuck or key.statuses == (IN_FLIGHT,)


def _order(row: Row) -> tuple[datetime, str]:
    """Newest first is descending (ingress_time, transaction_id), as the SQL orders."""
    return row[5], row[0]


@dataclass
class TableView:
    """One table's rows (newest first) and whether older matching rows may exist."""

    key: TableKey
    rows: dict[str, Row] = field(default_factory=dict)
    filled: bool = False
    more: bool = False  # the table is full: matching rows older than its last may exist
    read_at: float = float("-inf")
    checked_at: float = float("-inf")
    error: str | None = None
    index: str | None = None
    index_at: float = float("-inf")

    def sorted(self) -> list[Row]:
        """The rows, newest first, at most `limit`."""
        return sorted(self.rows.values(), key=_order, reverse=True)[:self.key.limit]

    def replace(self, rows: Iterable[Row], read_at: float) -> None:
        """A full read: these are the table's rows now."""
        self.rows = {r[0]: r for r in rows}
        self.more = len(self.rows) >= self.key.limit
        self.filled, self.read_at, self.checked_at, self.error = True, read_at, read_at, None

    def apply(self, changes: Changes, now: datetime, stuck_after: float) -> bool:
        """Apply the feed's changes; True when rows left and a backfill may be due."""
        lost = False
        for tid in changes.removed:
            lost |= self.rows.pop(tid, None) is not None
        last = min(map(_order, self.rows.values()), default=None)
        for tid, row in changes.upserts.items():
            if matches(self.key, row, now, stuck_after):
                if tid in self.rows or not self.more or last is None or _order(row) > last:
                    self.rows[tid] = row
            elif self.rows.pop(tid, None) is not None:
                lost = True
        self._trim()
        return lost and self.more

    def _trim(self) -> None:
        if len(self.rows) > self.key.limit:
            self.rows = {r[0]: r for r in self.sorted()}
            self.more = True


class TableViews:
    """Every watched table, updated together once per tick from the feed's changes."""

    def __init__(self, stuck_after: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.stuck_after = stuck_after
        self.clock = clock
        self.views: dict[TableKey, TableView] = {}

    def watch(self, keys: Iterable[TableKey]) -> None:
        """Keep exactly these tables (new ones are filled at the next update)."""
        wanted = set(keys)
        for key in [k for k in self.views if k not in wanted]:
            del self.views[key]
        for key in wanted - set(self.views):
            self.views[key] = TableView(key)

    def reset(self) -> None:
        """Refill every table at the next update (an admin clear, a feed reset)."""
        for view in self.views.values():
            view.filled = False

    def update(self, db: queries.Runner, changes: Changes, feed: ChangeFeed) -> None:
        """Bring every table up to the feed's tick; a failing table keeps its old rows and
        its error, the others go on (a lost connection stops the whole tick)."""
        try:
            changes = self._rechecked(db, changes, feed)
        except (ConnectionLost, DatabaseSlow):
            raise
        except DatabaseError as exc:  # the tables still get the feed's changes
            log.warning("re-reading the tables' rows by key failed: %s", exc)
        for view in self.views.values():
            try:
                self._update(db, view, changes, feed)
            except (ConnectionLost, DatabaseSlow):
                raise  # the tick's connection is gone: no table can go on
            except DatabaseError as exc:
                self._failed(view, str(exc))
            except Exception as exc:  # a bug in one table's work: the others go on
                self._failed(view, f"internal error ({type(exc).__name__}: {exc})", exc)

    def _rechecked(self, db: queries.Runner, changes: Changes, feed: ChangeFeed) -> Changes:
        """The feed's changes plus, for the tables due, their untracked rows re-read by key
        (their current values: an unchanged row is applied as itself)."""
        due = [v for v in self.views.values() if v.filled and not _in_flight_only(v.key)
               and self.clock() - v.checked_at >= RECHECK_S]
        ids = sorted({tid for v in due for tid in v.rows if tid not in feed.tracked})
        if not due:
            return changes
        found: dict[str, Row] = {}
        for i in range(0, len(ids), 1000):
            found.update((r[0], r) for r in live.rows_by_ids(db, ids[i:i + 1000]))
        merged = Changes({**changes.upserts}, set(changes.removed), changes.reread)
        for tid in ids:
            if tid in found:
                merged.upserts.setdefault(tid, found[tid])
            elif tid not in merged.upserts:
                merged.removed.add(tid)
        for view in due:
            view.checked_at = self.clock()
        return merged

    def _failed(self, view: TableView, error: str, exc: Exception | None = None) -> None:
        """Keep the table's last rows and its error; log each new error once."""
        if view.error != error:
            log.error("table %s failed: %s", view.key, error, exc_info=exc)
        view.error = error

    def _update(self, db: queries.Runner, view: TableView, changes: Changes,
                feed: ChangeFeed) -> None:
        now = feed.now
        assert now is not None
        if _in_flight_only(view.key) and feed.discovered_at > float("-inf"):
            in_flight = (t.row for t in feed.tracked.values() if t.row[8] == IN_FLIGHT)
            view.replace((r for r in in_flight
                          if matches(view.key, r, now, self.stuck_after)), self.clock())
            view.more = False
            view._trim()
            return
        if not view.filled or changes.reread or self.clock() - view.read_at >= REREAD_S:
            view.replace(live.latest_rows(db, view.key, now, self.stuck_after,
                                          index=self._index(db, view)), self.clock())
            return
        if view.apply(changes, now, self.stuck_after):
            self._backfill(db, view, now)

    def _index(self, db: queries.Runner, view: TableView) -> str:
        """The table's index, chosen by bounded probes and kept for PLAN_TTL_S."""
        if view.index is None or self.clock() - view.index_at >= PLAN_TTL_S:
            view.index = (live.choose_index(db, view.key) if view.key.filtered
                          else "idx_ingress_time")
            view.index_at = self.clock()
        return view.index

    def _backfill(self, db: queries.Runner, view: TableView, now: datetime) -> None:
        """Fetch just the rows that now belong at the end of a table that lost rows."""
        missing = view.key.limit - len(view.rows)
        if missing <= 0:
            return
        last = min(map(_order, view.rows.values()), default=None)
        rows = live.latest_rows(db, view.key, now, self.stuck_after, after=last,
                                limit=missing, index=self._index(db, view))
        view.rows.update((r[0], r) for r in rows)
        view.more = len(rows) >= missing

    def rows(self, key: TableKey) -> list[Row] | None:
        """The table's rows newest first, or None before its first fill."""
        view = self.views.get(key)
        return view.sorted() if view is not None and view.filled else None
