"""Reading a report's statistics: the cells and the two ordered streams from the database (or
the demo rows), turned into the summary of all rows and one per user.

Design decisions:
- Three statements at once, on three report connections: the cells (`report_sql.report_cells`:
  counts and bytes per user and time bucket, and how many values of each figure) and one
  stream per figure in ascending order (`report_sql.report_ordered`). A stream's statement starts
  with the cells (the database sorts meanwhile) and is read with their counts. Rows written
  or settled between the statements would shift the ranks: the reader notices (`agrees`)
  and that figure is read once more, with its counts from the same statement (a UNION ALL of
  the counts and the values: one consistent read). A past range costs three statements, a
  range still being written four or five; every figure is exact either way.
- Any failure cancels the others (each stream drops its connection) and is raised before the
  report's first byte, so the client gets a proper HTTP error.
- Demo rows go through the same merge and pickers: their cells and ordered values are made
  in Python with the database's definitions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import chain
from typing import Any

from ..db import Database
from ..models import ReportRequest
from ..queries import reports as report_sql
from ..schema import STATUSES
from .statistics import FigureReader, Summary, tallies
from .timeline import bucket_seconds

Row = tuple[Any, ...]
FIGURES = ("transit", "rate")
_SCALE_DIGITS = {"transit": 0, "rate": 4}  # rate: DECIMAL(.., 4) bytes/s as 0.0001 steps
_COUNT_COLUMN = {"transit": 6 + len(STATUSES), "rate": 7 + len(STATUSES)}


@dataclass(frozen=True)
class Gathered:
    """The statistics of one report."""

    total: Summary
    users: list[Summary]  # in the collation's order
    width: int  # seconds per chart bucket
    strays: int = 0  # values read in the streams for users the cells did not have


def gather_database(db: Database, req: ReportRequest, index: str,
                    on_cells: Callable[[], None] | None = None) -> Gathered:
    """The statistics of the report's rows in the database. `on_cells` runs once the cells
    are in (the HTML report starts its listing then)."""
    width = bucket_seconds(req.start, req.end)
    cells, readers = _from_database(db, req, index, width, on_cells)
    return _finish(cells, readers, width)


def gather_rows(rows: list[Row], req: ReportRequest,
                on_cells: Callable[[], None] | None = None) -> Gathered:
    """The same statistics over rows in hand (the demo rows), with the database's
    definitions."""
    width = bucket_seconds(req.start, req.end)
    cells = python_cells(rows, req.start, width)
    readers = {f: read_figure(f, [python_ordered(rows, f)]) for f in FIGURES}
    if on_cells:
        on_cells()
    return _finish(cells, readers, width)


def _from_database(db: Database, req: ReportRequest, index: str, width: int,
                   on_cells: Callable[[], None] | None
                   ) -> tuple[list[Row], dict[str, FigureReader]]:
    """The cells and both figures' readers, the three statements at once."""
    args = (db, req.start, req.end, req.username, index)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="livedash-report") as pool:
        cells = pool.submit(report_sql.report_cells, *args, width)
        readers = {f: pool.submit(_read, args, f, cells) for f in FIGURES}
        try:
            found = cells.result()
            if on_cells:
                on_cells()
            return found, {f: r.result() for f, r in readers.items()}
        finally:
            for future in (cells, *readers.values()):
                future.cancel()


def _read(args: tuple[Any, ...], figure: str, cells: Future[list[Row]]) -> FigureReader:
    """Start the figure's sort, then read it with the cells' counts; when the table changed
    in between (the counts disagree), read it again with its own counts."""
    batches = report_sql.report_ordered(*args, figure)
    try:
        first = next(batches, [])
        reader = read_figure(figure, chain([first], batches), counts(cells.result(), figure))
    finally:
        batches.close()  # type: ignore[attr-defined]  # a generator: drops an unread result
    if reader.agrees:
        return reader
    counted = report_sql.report_ordered(*args, figure, counted=True)
    try:
        return read_figure(figure, counted)
    finally:
        counted.close()  # type: ignore[attr-defined]


def counts(cells: Sequence[Row], figure: str) -> dict[Any, int]:
    """Each group's number of values of a figure, from the cells."""
    column = _COUNT_COLUMN[figure]
    found: dict[Any, int] = {}
    for cell in cells:
        found[cell[1]] = found.get(cell[1], 0) + int(cell[column])
    return found


def read_figure(figure: str, batches: Iterable[Sequence[Row]],
                known: dict[Any, int] | None = None) -> FigureReader:
    """A figure's reader: counts `known`, else from the stream's head; then the values."""
    found: dict[Any, int] = dict(known or {})
    reader = None if known is None else FigureReader(found, histogram=figure == "transit")
    for batch in batches:
        if reader is None:
            head = [r for r in batch if not r[0]]
            found.update((r[1], int(r[2])) for r in head)
            if len(head) == len(batch):
                continue
            reader = FigureReader(found, histogram=figure == "transit")
            batch = batch[len(head):]
        reader.feed(batch, _SCALE_DIGITS[figure])
    reader = reader or FigureReader(found, histogram=figure == "transit")
    reader.finish()
    return reader


def _finish(cells: list[Row], readers: dict[str, FigureReader], width: int) -> Gathered:
    """Summaries from the cells and the readers, users in the collation's order."""
    total, users = tallies(cells)
    transit, rate = readers["transit"], readers["rate"]
    summaries = [u.summary(transit.groups.get(u.key), rate.groups.get(u.key))
                 for u in sorted(users.values(), key=lambda t: t.key)]
    return Gathered(total.summary(transit.everyone, rate.everyone), summaries, width,
                    transit.strays + rate.strays)


# -- demo rows: the same cells and streams, in Python ----------------------------------------

def _transit_us(row: Row) -> int | None:
    """egress_time - ingress_time in whole microseconds (None before egress)."""
    if row[7] is None:
        return None
    delta = row[7] - row[5]
    return (delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds


def _rate(row: Row) -> Decimal | None:
    """The database's rate: bytes/s to 4 decimal places, for a positive transit only."""
    transit = _transit_us(row)
    if transit is None or transit <= 0:
        return None
    with localcontext(prec=60):  # exact for any BIGINT size before the rounding to 4 places
        return (Decimal(row[3]) * 10**6 / transit).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def python_cells(rows: list[Row], start: datetime, width: int) -> list[Row]:
    """`report_sql.report_cells` computed over rows in Python (demo mode, tests)."""
    groups: dict[tuple[str, int], list[Row]] = {}
    for row in rows:
        bucket = int((row[5] - start).total_seconds()) // width
        groups.setdefault((row[1], bucket), []).append(row)
    return [_cell(name, bucket, members) for (name, bucket), members in sorted(groups.items())]


def _cell(name: str, bucket: int, rows: list[Row]) -> Row:
    """One cell's columns."""
    return (name, name, bucket, len(rows), sum(r[3] for r in rows),
            sum(r[3] for r in rows if r[8] == "COMPLETE"),
            *(sum(r[8] == s for r in rows) for s in STATUSES),
            sum(_transit_us(r) is not None for r in rows), sum(_rate(r) is not None for r in rows))


def python_ordered(rows: list[Row], figure: str) -> list[Row]:
    """`report_sql.report_ordered` over rows in Python: the counts, then the values."""
    value = _transit_us if figure == "transit" else _rate
    values = sorted(((1, r[1], v) for r in rows if (v := value(r)) is not None),
                    key=lambda row: row[2])
    counts: dict[str, int] = {}
    for _, name, _ in values:
        counts[name] = counts.get(name, 0) + 1
    return [(0, name, n) for name, n in counts.items()] + values
