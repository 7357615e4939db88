"""`livedash seed`'s work: bulk-load final rows spread over the past hours, fast.

Design decisions:
- Seed reads the database clock once and computes every time in Python: ingress times evenly
  spread (with jitter) over [now - H, now) in ascending order, so idx_ingress_time only
  appends; an outcome due after now is clamped to now, so every row is final and none lies in
  the future.
- Batches of 5000 rows per INSERT (`traffic_sql.insert_history` encodes them itself: PyMySQL's
  per-value escaping dominated the client's CPU).
- Two writer threads, each on its own connection and its own contiguous half of the rows,
  insert while the main thread generates the next batches (they wait on the socket without
  holding the GIL): the server's work per row is the bottleneck, and one connection only ever
  uses one core (rows/s with one and two writers: docs/traffic.md, "Speed").
"""

from __future__ import annotations

import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .. import queries
from ..db import Database
from ..queries import traffic as traffic_sql
from .model import TrafficModel, Transfer, seed_ids


@dataclass(frozen=True)
class SeedResult:
    """What a seed run wrote and how fast."""

    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        """Rows per second."""
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def history_rows(transfers: list[Transfer], first: int, start: datetime, step_s: float,
                 now: datetime, rng: random.Random) -> list[tuple[Any, ...]]:
    """Rows (COLUMNS order) for transfers number `first`.. of a run: row i arrives at a random
    moment of slot i of the span, so ingress times ascend; outcomes due after now end now.
    Times are sent as millisecond text: what DATETIME(3) keeps on MySQL and MariaDB alike, and
    several times cheaper for the driver to escape than datetime objects."""
    rows = []
    for i, t in enumerate(transfers, first):
        ingress = start + timedelta(seconds=(i + rng.random()) * step_s)
        egress = (min(ingress + timedelta(seconds=t.transit_s), now).isoformat(" ", "milliseconds")
                  if t.egress_server else None)
        rows.append((t.transaction_id, t.username, t.file_name, t.file_size, t.ingress_server,
                     ingress.isoformat(" ", "milliseconds"), t.egress_server, egress, t.status))
    return rows


def seed_batches(rows: int, batch: int, parts: int) -> Iterator[tuple[int, int]]:
    """(first row, count) of each INSERT: the rows split into `parts` contiguous ranges, one
    per writer, taken in turn, so each writer appends at its own place in every index instead
    of all of them contending for the same last pages."""
    size = -(-rows // parts)
    for offset in range(0, size, batch):
        for part in range(parts):
            first, end = part * size + offset, min(rows, (part + 1) * size)
            if first < end:
                yield first, min(batch, end - first)


class _Progress:
    """Counts the rows written and prints a line every 2 seconds."""

    def __init__(self, total: int, report: Callable[[str], None] | None) -> None:
        """Start the clock."""
        self.total, self.report, self.done = total, report, 0
        self.began = self.last = time.perf_counter()

    def add(self, count: int) -> None:
        """Count an INSERT that finished; report when due."""
        self.done += count
        now = time.perf_counter()
        if self.report and now - self.last >= 2:
            self.last = now
            self.report(f"{self.done:,} / {self.total:,} rows "
                        f"({self.done / (now - self.began):,.0f} rows/s)")


def seed(db: Database, model: TrafficModel, rows: int, hours: float, batch: int = 5000,
         report: Callable[[str], None] | None = None, seed_value: int | None = None,
         writers: int = 2) -> SeedResult:
    """Insert `rows` final rows with ingress times spread over the last `hours` hours, through
    `writers` connections (the server's insert work is the bottleneck: one connection uses
    one core)."""
    now = queries.db_now(db)
    span_s = hours * 3600
    start, step_s, rng = now - timedelta(seconds=span_s), span_s / rows, random.Random(seed_value)
    run, progress = os.urandom(12).hex(), _Progress(rows, report)
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="livedash-seed") as pool:
        in_flight: deque[Future[int]] = deque()
        for first, count in seed_batches(rows, batch, writers):
            chunk = history_rows(model.transfers(count, seed_ids(run, first, count)), first,
                                 start, step_s, now, rng)
            while len(in_flight) >= writers:
                progress.add(in_flight.popleft().result())
            in_flight.append(pool.submit(traffic_sql.insert_history, db, chunk))
        while in_flight:
            progress.add(in_flight.popleft().result())
    return SeedResult(rows, time.perf_counter() - progress.began)
