"""Where a report's rows come from: the database, or the demo rows when there is none. The
one demo/live seam of the reports, chosen once per report from its read point.

Both sources answer the same five questions (which index, how the statistics read the range,
the statistics, the listing's batches, the CSV's batches), so the report's builders have no
demo branch of their own. The demo rows go through the same merge and pickers as the
database's rows (gather.gather_rows), so a demo report shows what the app computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol

from .. import demo
from ..data import Moment
from ..db import Database
from ..models import ReportRequest
from ..queries import reports as report_sql
from ..records import mysql_row
from .gather import Gathered, gather_database, gather_rows

Row = tuple[Any, ...]
Batches = Iterator[Sequence[Row]] | list[list[Row]]


class ReportRows(Protocol):
    """What a report reads, whichever source stands behind it."""

    def index(self, req: ReportRequest) -> str: ...

    def access(self, req: ReportRequest, index: str) -> str: ...

    def statistics(self, req: ReportRequest, access: str,
                   on_cells: Callable[[], None] | None) -> Gathered: ...

    def listing(self, req: ReportRequest, access: str, cap: int) -> Batches: ...

    def csv(self, req: ReportRequest, index: str) -> Batches: ...


class DatabaseRows:
    """The report's statements over the `transactions` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def index(self, req: ReportRequest) -> str:
        return report_sql.report_index(self.db, req.start, req.end, req.username)

    def access(self, req: ReportRequest, index: str) -> str:
        return report_sql.report_access(self.db, req.start, req.end, index)

    def statistics(self, req: ReportRequest, access: str,
                   on_cells: Callable[[], None] | None) -> Gathered:
        return gather_database(self.db, req, access, on_cells)

    def listing(self, req: ReportRequest, access: str, cap: int) -> Batches:
        """By username then oldest first, each row ending with its group key."""
        if cap <= 0:
            return []
        return report_sql.report_user_rows(self.db, req.start, req.end, req.username,
                                           access, cap)

    def csv(self, req: ReportRequest, index: str) -> Batches:
        return report_sql.report_csv_rows(self.db, req.start, req.end, req.username, index)


class DemoRows:
    """The demo rows at the app's clock, filtered as the statements would filter them."""

    INDEX = "idx_ingress_time"  # nothing to probe: the name the listing and cells expect

    def __init__(self, now: datetime) -> None:
        self.now = now

    def rows(self, req: ReportRequest) -> list[Row]:
        """The demo rows in the range (and of the user), oldest first."""
        return sorted((r for r in demo.demo_rows(self.now) if req.start <= r[5] < req.end
                       and (not req.username or r[1].lower() == req.username.lower())),
                      key=lambda r: (r[5], r[0]))

    def index(self, req: ReportRequest) -> str:
        return self.INDEX

    def access(self, req: ReportRequest, index: str) -> str:
        return index

    def statistics(self, req: ReportRequest, access: str,
                   on_cells: Callable[[], None] | None) -> Gathered:
        return gather_rows(self.rows(req), req, on_cells)

    def listing(self, req: ReportRequest, access: str, cap: int) -> Batches:
        rows = sorted(self.rows(req), key=lambda r: (r[1], r[5], r[0]))
        return [[(*r, r[1]) for r in rows[:max(cap, 0)]]]

    def csv(self, req: ReportRequest, index: str) -> Batches:
        return [[mysql_row(r) for r in self.rows(req)]]


def report_rows(db: Database, at: Moment) -> ReportRows:
    """The source a report at `at` reads: the demo rows when `at` is the demo clock."""
    return DemoRows(at.now) if at.source == "demo" else DatabaseRows(db)
