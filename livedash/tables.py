"""The rows one dashboard view shows, read incrementally tick after tick.

Why: "latest N matching rows" from scratch each tick can walk far down an index for a selective
filter. Instead, after the first full read each tick reads:

- the new rows: a short `idx_ingress_time` range from just before the newest row on screen
  (`SLACK_SECONDS` back, for writers whose commits land out of order). With a status filter,
  rows can start matching when their status changes, so the range reaches back over the hot
  span (`HOT_SECONDS`, where statuses change) instead;
- the rows on screen, again, by primary key: their updates and deletions.

A full read happens on the first tick, every `FULL_EVERY_SECONDS` (self-healing for changes
older than the hot span), and whenever a row left the screen and the view might have older
rows to backfill. The index of the full read is chosen by `queries.choose_index`, re-chosen
every `PLAN_TTL_SECONDS`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import data, queries
from .buckets import HOT_SECONDS
from .db import Database
from .models import View
from .records import row_record

SLACK_SECONDS = 5
FULL_EVERY_SECONDS = 60.0
PLAN_TTL_SECONDS = 60.0

Records = dict[str, dict[str, Any]]


def _ordered(records: list[dict[str, Any]], limit: int) -> Records:
    """Newest first (ingress_time, then id, both descending, as the SQL orders), cut to limit."""
    records.sort(key=lambda r: (r["ingress_time"], r["transaction_id"]), reverse=True)
    return {r["transaction_id"]: r for r in records[:limit]}


@dataclass
class ViewTable:
    """What the viewers of one view hold, and how to read its next version."""

    view: View
    rows: Records | None = None  # None: nothing sent yet, the next send is a snapshot
    index: str | None = None
    index_at: float = 0.0
    full_at: float = 0.0

    def reset(self) -> None:
        """Force a fresh full read and plan (after an admin clear or a source switch)."""
        self.index = None
        self.full_at = 0.0

    def read(self, db: Database, at: data.Moment) -> Records:
        """The view's rows now: incrementally from `rows` when possible, else a full read."""
        base = self.rows
        if at.source == "demo" or not base or time.monotonic() - self.full_at > FULL_EVERY_SECONDS:
            return self._full(db, at)
        return self._incremental(db, at, base) or self._full(db, at)

    def _full(self, db: Database, at: data.Moment) -> Records:
        v = self.view
        rows = data.latest(db, at, v.limit, v.username, v.status, self._plan(db, at))
        if at.source == "database":
            self.full_at = time.monotonic()
        return {r[0]: row_record(r) for r in rows}

    def _incremental(self, db: Database, at: data.Moment, base: Records) -> Records | None:
        """Merge new rows and re-read on-screen rows; None when a backfill is needed."""
        v = self.view
        since = datetime.fromisoformat(next(iter(base.values()))["ingress_time"])
        since -= timedelta(seconds=SLACK_SECONDS)
        if v.status:
            since = min(since, at.now - timedelta(seconds=HOT_SECONDS))
        fresh = queries.rows_since(db, since, v.limit, v.username, v.status)
        kept = queries.rows_by_ids(db, list(base), v.username, v.status)
        if len(kept) < len(base) and len(base) >= v.limit:
            return None  # a row left the screen: older rows may now belong on it
        merged = {r[0]: row_record(r) for r in kept}
        merged.update({r[0]: row_record(r) for r in fresh})
        return _ordered(list(merged.values()), v.limit)

    def _plan(self, db: Database, at: data.Moment) -> str | None:
        """The index for a full read of a filtered view, re-chosen every PLAN_TTL_SECONDS."""
        v = self.view
        if at.source == "demo" or not (v.username or v.status):
            return None
        if self.index is None or time.monotonic() - self.index_at > PLAN_TTL_SECONDS:
            self.index = queries.choose_index(db, v.username, v.status, v.limit)
            self.index_at = time.monotonic()
        return self.index
