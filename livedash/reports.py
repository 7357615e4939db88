"""Reports: a CSV and a self-contained HTML report of the rows in a time range, streamed.

Design decisions:
- Everything streams. Rows come from an unbuffered server-side cursor (`Database.stream`) in
  batches and leave as ~64 KB byte chunks of a generator response: a million rows never sit in
  memory, and memory stays flat whatever the range.
- CSV: a direct output of the table: the 9 column names, then one line per row, oldest first,
  values as MySQL shows them (the database CASTs them to text itself, the fastest path through
  PyMySQL; demo rows go through `records.mysql_row`, the same format in Python), NULL as an
  empty field, RFC 4180 quoting and CRLF line ends (the csv module's default dialect), UTF-8
  without a BOM.
- Statistics are computed by the database: one aggregate statement for all rows, one with
  `GROUP BY username` for the users (STDDEV_SAMP: the sample standard deviation, NULL for
  n < 2, shown as "—"). Only the three demo rows are summarised in Python.
- The HTML listing is one more stream ordered by username, capped at
  `LIVEDASH_REPORT_HTML_MAX_ROWS` rows; each row carries its group key (the collation's sort
  key, see queries.py), so rows are dealt to the user sections exactly as GROUP BY grouped
  them. The total, the per-user figures and the listing are three statements (a consistent
  snapshot would need one connection for all three): rows written in between can make them
  differ by those rows; a listing that disagrees with its statistics says so.
- Jinja renders the HTML lazily (`Template.generate`), buffered into 64 KB chunks; autoescape
  escapes every value (file names come from outside).
- The first chunk is produced before the response starts, so a database that is down or a
  failing query still gets a proper 503. A failure after that is logged and re-raised: the
  server drops the connection without the final chunk and the browser shows a failed
  download. Nothing is appended to say so: the CSV must stay exact, and a cut response is
  never taken for a complete one.
- Both formats: one .zip written as it streams (zipfile on a non-seekable sink writes data
  descriptors; ZIP64 is forced because the sizes are not known in advance).
- The HTML report alone is served inline, so it opens in the tab. Its CSS is inline (the file
  must stand alone), which the app's `style-src 'self'` would block, so that one response
  carries its own policy: `default-src 'none'` plus the SHA-256 of exactly that style block.
  No script may run in it at all.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import logging
import re
import statistics
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from jinja2 import Environment
from markupsafe import Markup

from . import demo, queries
from .config import Settings
from .data import Moment
from .db import Database, DatabaseError
from .models import ReportRequest
from .records import mysql_row, mysql_text, transit_seconds
from .schema import COLUMNS, DASH, STATUSES, form_time
from .stats import round1

log = logging.getLogger(__name__)

Row = tuple[Any, ...]
T = TypeVar("T")
CHUNK = 64 * 1024
TEMPLATE = "reports/report.html"
CSS_PATH = Path(__file__).parent / "templates" / "reports" / "report.css"
UNITS = ("B", "KB", "MB", "GB", "TB", "PB")
# In report.html after the table of contents: the first chunk (and the response) can start
# before the row listing's query, which sorts the whole range, has produced a row.
FLUSH = "<!-- end of summary -->"


# -- time range and file names ---------------------------------------------------------------

def default_end(now: datetime) -> datetime:
    """The default range's end: the database's now rounded up to a whole minute, so the last
    24 hours are all in and the bounds read cleanly (…T0031, not …T0030:17.412)."""
    floor = now.replace(second=0, microsecond=0)
    return floor if floor == now else floor + timedelta(minutes=1)


def file_stem(req: ReportRequest) -> str:
    """transactions_<start>_<end>[_<user>]: the range (and user) in every file name."""
    stem = (f"transactions_{form_time(req.start, compact=True)}_"
            f"{form_time(req.end, compact=True)}")
    if req.username:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", req.username).strip("-.")[:40]
        stem += f"_{slug or 'user'}"
    return stem


# -- statistics ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spread:
    """n, min, max, mean and sample standard deviation of one figure (None when undefined)."""

    n: int = 0
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    stdev: float | None = None

    @classmethod
    def from_sql(cls, values: Sequence[Any]) -> Spread:
        """From the database's COUNT, MIN, MAX, AVG, STDDEV_SAMP (DECIMALs become floats)."""
        n, *rest = values
        return cls(int(n), *(None if v is None else float(v) for v in rest))

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """The same figures in Python (demo rows only)."""
        if not values:
            return cls()
        stdev = statistics.stdev(values) if len(values) > 1 else None
        return cls(len(values), min(values), max(values), statistics.fmean(values), stdev)


@dataclass(frozen=True)
class Summary:
    """The statistics of one user's rows, or of all rows (username None)."""

    username: str | None
    key: Any
    files: int = 0
    bytes: int = 0
    rate: Spread = field(default_factory=Spread)
    transit: Spread = field(default_factory=Spread)
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))


def _from_sql(row: Row) -> Summary:
    """One row of `queries.report_summaries`."""
    username, key, files, total_bytes = row[:4]
    return Summary(username, key, int(files), int(total_bytes), Spread.from_sql(row[4:9]),
                   Spread.from_sql(row[9:14]),
                   {s: int(n) for s, n in zip(STATUSES, row[14:], strict=True)})


def _python_summary(username: str | None, rows: list[Row]) -> Summary:
    """Statistics of a few rows in Python, with the database's definitions (demo mode)."""
    transits = [(r[3], transit_seconds(r[5], r[7])) for r in rows if r[7] is not None]
    statuses = {s: sum(r[8] == s for r in rows) for s in STATUSES}
    return Summary(username, username, len(rows), sum(r[3] for r in rows),
                   Spread.of([size / t for size, t in transits if t and t > 0]),
                   Spread.of([t for _, t in transits if t is not None]), statuses)


def _demo_rows(at: Moment, req: ReportRequest) -> list[Row]:
    """The demo rows in the range (and of the user), oldest first."""
    return sorted((r for r in demo.demo_rows(at.now) if req.start <= r[5] < req.end
                   and (not req.username or r[1] == req.username)), key=lambda r: (r[5], r[0]))


def summaries(db: Database, at: Moment, req: ReportRequest,
              index: str) -> tuple[Summary, list[Summary]]:
    """The statistics of all rows and of each user, users in the collation's order."""
    if at.source == "demo":
        rows = _demo_rows(at, req)
        users = sorted({r[1] for r in rows})
        return (_python_summary(None, rows),
                [_python_summary(u, [r for r in rows if r[1] == u]) for u in users])
    total, users = queries.report_summaries(db, req.start, req.end, req.username, index)
    return _from_sql(total), sorted((_from_sql(u) for u in users), key=lambda s: s.key)


# -- figures as shown ------------------------------------------------------------------------

def number(value: float | None) -> str:
    """One decimal place with thousands separators, or a dash."""
    return DASH if value is None else f"{round1(value):,.1f}"


def count(value: int) -> str:
    """A whole number with thousands separators."""
    return f"{value:,}"


def human_bytes(value: float | None, suffix: str = "") -> str:
    """Decimal units (1 KB = 1000 B), one decimal place: 532 B, 48.2 MB; rates end in /s."""
    if value is None:
        return DASH
    scaled, unit = float(value), 0
    while abs(scaled) >= 999.95 and unit < len(UNITS) - 1:
        scaled, unit = scaled / 1000, unit + 1
    if unit == 0 and not suffix:
        return f"{round(scaled):,} B"
    return f"{number(scaled)} {UNITS[unit]}{suffix}"


def rate(value: float | None) -> str:
    """A data rate: 12.3 MB/s."""
    return human_bytes(value, "/s")


def seconds(value: float | None) -> str:
    """A duration in seconds: 6.4 s."""
    return DASH if value is None else f"{number(value)} s"


def percent(part: int, total: int) -> str:
    """part/total as a percentage with one decimal place."""
    return f"{number(part * 100 / total)} %" if total else DASH


def plain(value: float | None) -> str:
    """One decimal place, no separators or units (machine-readable data-value attributes)."""
    return "" if value is None else f"{round1(value):.1f}"


FIGURES = {"number": number, "count": count, "human_bytes": human_bytes, "rate": rate,
           "seconds": seconds, "percent": percent, "plain": plain}


# -- HTML row listing ------------------------------------------------------------------------

class ReportRow(NamedTuple):
    """One listed row, every value already text (the template escapes it)."""

    ingress_time: str
    transaction_id: str
    file_name: str
    size: str
    size_exact: str
    ingress_server: str
    egress_server: str
    egress_time: str
    transit: str
    status: str


def report_row(row: Row) -> ReportRow:
    """A row (COLUMNS order) as shown in the HTML report; NULL shows as a dash."""
    tid, _, name, size, ing, ing_time, egr, egr_time, status = row[:9]
    return ReportRow(mysql_text(ing_time) or DASH, tid, name, human_bytes(size),
                     f"{int(size):,} bytes", ing, egr or DASH, mysql_text(egr_time) or DASH,
                     seconds(transit_seconds(ing_time, egr_time)), status)


class Listing:
    """Deals one stream of rows, ordered by username, to the user sections in turn."""

    def __init__(self, batches: Iterable[list[Row]], keys: list[Any], cap: int) -> None:
        self._rows = chain.from_iterable(batches)
        self._place = {key: i for i, key in enumerate(keys)}
        self._pending: Row | None = None
        self.cap = cap
        self.read = 0
        self.unplaced = 0  # rows of no known group (written after the statistics were read)

    @property
    def stopped(self) -> bool:
        """Whether the listing reached the row cap."""
        return self.read >= self.cap

    def _next(self) -> Row | None:
        """The held-back row, else the stream's next one (None at the end)."""
        row, self._pending = self._pending, None
        if row is None:
            row = next(self._rows, None)
            self.read += row is not None
        return row

    def rows(self, section: int) -> Iterator[Row]:
        """The rows of section number `section`; stops at the first row of a later one."""
        while (row := self._next()) is not None:
            place = self._place.get(row[-1], -1)
            if place > section:
                self._pending = row
                return
            if place == section:
                yield row
            else:
                self.unplaced += 1


@dataclass
class Section:
    """One user's part of the report: statistics, then the rows listed for them."""

    number: int
    summary: Summary
    listing: Listing
    listed: int = 0

    @property
    def anchor(self) -> str:
        """The table of contents' link target (never derived from the username)."""
        return f"user-{self.number + 1}"

    def rows(self) -> Iterator[ReportRow]:
        """This user's rows as shown, counted as they go."""
        for row in self.listing.rows(self.number):
            self.listed += 1
            yield report_row(row)

    @property
    def differs(self) -> bool:
        """Whether the listing disagrees with the statistics although it was not capped."""
        return not self.listing.stopped and self.listed != self.summary.files


def _listing_rows(db: Database, at: Moment, req: ReportRequest, index: str,
                  cap: int) -> Iterable[list[Row]]:
    """The rows to list, by username then oldest first, each ending with its group key."""
    if at.source == "demo":
        rows = sorted(_demo_rows(at, req), key=lambda r: (r[1], r[5], r[0]))
        return [[(*r, r[1]) for r in rows[:cap]]]
    if cap <= 0:
        return []
    return queries.report_user_rows(db, req.start, req.end, req.username, index, cap)


# -- output streams --------------------------------------------------------------------------

def _take(buffer: io.StringIO) -> bytes:
    """Empty a text buffer into UTF-8 bytes."""
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def csv_chunks(batches: Iterable[Sequence[Sequence[str | None]]]) -> Iterator[bytes]:
    """The CSV: header, then each row (values already text; None becomes an empty field)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # excel dialect: RFC 4180 minimal quoting, CRLF line ends
    writer.writerow(COLUMNS)
    for batch in batches:
        writer.writerows(batch)
        if buffer.tell() >= CHUNK:
            yield _take(buffer)
    yield _take(buffer)


def _buffered(pieces: Iterable[str]) -> Iterator[bytes]:
    """Many small strings (Jinja's output) as ~64 KB UTF-8 chunks; FLUSH ends one early."""
    buffer = io.StringIO()
    for piece in pieces:
        buffer.write(piece)
        if buffer.tell() >= CHUNK or FLUSH in piece:
            yield _take(buffer)
    yield _take(buffer)


class _Sink(io.RawIOBase):
    """A write-only, non-seekable file that keeps what was written until taken."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        """zipfile asks before writing."""
        return True

    def write(self, data: Any) -> int:
        """Keep a copy of the bytes."""
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        """Everything written since the last take."""
        data, self._parts, self.size = b"".join(self._parts), [], 0
        return data


def zip_chunks(members: Sequence[tuple[str, Callable[[], Iterator[bytes]]]],
               when: datetime) -> Iterator[bytes]:
    """A zip archive of the members (name, chunk source), produced as it is written."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, chunks in members:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                for chunk in chunks():
                    member.write(chunk)
                    if sink.size >= CHUNK:
                        yield sink.take()
    yield sink.take()


def _guarded(chunks: Iterator[bytes], what: str) -> Iterator[bytes]:
    """Log a failure mid-stream and re-raise it, so the server cuts the response short.
    A database failure is an expected event (one line); anything else is a bug (traceback)."""
    try:
        yield from chunks
    except Exception as exc:
        log.error("%s failed mid-stream (%s); the response is cut so the download fails",
                  what, str(exc) or type(exc).__name__,
                  exc_info=not isinstance(exc, DatabaseError))
        raise


def _primed(items: Iterator[T]) -> Iterator[T]:
    """Produce the first item now, so a failure before the first byte is an HTTP error."""
    first = next(items, _END)
    return items if first is _END else chain([first], items)


_END: Any = object()


# -- the HTML report -------------------------------------------------------------------------

@lru_cache(maxsize=1)
def report_css() -> Markup:
    """The report's stylesheet, inlined as is (Markup: it must not be escaped)."""
    return Markup(CSS_PATH.read_text(encoding="utf-8"))


def report_csp(frame_ancestors: str) -> str:
    """The HTML report's own policy: nothing but its inline style block, by hash."""
    digest = base64.b64encode(hashlib.sha256(str(report_css()).encode()).digest()).decode()
    return (f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
            f"base-uri 'none'; form-action 'none'; frame-ancestors {frame_ancestors}")


@dataclass(frozen=True)
class ReportContext:
    """Where a report reads from and with which settings."""

    db: Database
    at: Moment
    settings: Settings
    env: Environment


def html_source(ctx: ReportContext, req: ReportRequest,
                index: str) -> Callable[[], Iterator[bytes]]:
    """Read the statistics now; return the source of the report's chunks (rows stream later)."""
    total, users = summaries(ctx.db, ctx.at, req, index)
    cap = ctx.settings.report_html_max_rows

    def chunks() -> Iterator[bytes]:
        """Render lazily; the listing's query starts when its first row is needed."""
        listing = Listing(_listing_rows(ctx.db, ctx.at, req, index, cap), [u.key for u in users],
                          cap)
        sections = [Section(i, s, listing) for i, s in enumerate(users)]
        template = ctx.env.get_template(TEMPLATE)
        yield from _buffered(template.generate(
            req=req, at=ctx.at, total=total, sections=sections, listing=listing, cap=cap,
            clock=ctx.settings.db_clock, css=report_css(), statuses=STATUSES, **FIGURES))

    return chunks


def csv_source(ctx: ReportContext, req: ReportRequest,
               index: str) -> Callable[[], Iterator[bytes]]:
    """The source of the CSV's chunks (the query runs when the first chunk is asked for)."""
    if ctx.at.source == "demo":
        return lambda: csv_chunks([[mysql_row(r) for r in _demo_rows(ctx.at, req)]])
    return lambda: csv_chunks(queries.report_csv_rows(ctx.db, req.start, req.end,
                                                      req.username, index))


def _index(ctx: ReportContext, req: ReportRequest) -> str:
    """The index the report's queries use (no probe in demo mode)."""
    if ctx.at.source == "demo":
        return "idx_ingress_time"
    return queries.report_index(ctx.db, req.start, req.end, req.username)


# -- the download ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Download:
    """A report ready to stream: its name, type, bytes and whether it opens in the tab."""

    filename: str
    mimetype: str
    chunks: Iterator[bytes]
    csp: str | None = None  # set for the inline HTML report only

    def headers(self) -> dict[str, str]:
        """Download headers: file name, no caching, no proxy buffering, own CSP if any."""
        disposition = "inline" if self.csp else "attachment"
        headers = {"Content-Disposition": f'{disposition}; filename="{self.filename}"',
                   "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        if self.csp:
            headers["Content-Security-Policy"] = self.csp
        return headers


_MIMETYPES = {"csv": "text/csv; charset=utf-8; header=present",
              "html": "text/html; charset=utf-8", "zip": "application/zip"}


def build(ctx: ReportContext, req: ReportRequest) -> Download:
    """The report `req` asks for: one file, or a zip of both (first chunk already made)."""
    stem, index = file_stem(req), _index(ctx, req)
    sources = {"html": html_source, "csv": csv_source}
    members = [(f"{stem}.{f}", sources[f](ctx, req, index)) for f in req.formats]
    if len(members) == 1:
        name, source = members[0]
        kind = req.formats[0]
        csp = report_csp(ctx.settings.frame_ancestors) if kind == "html" else None
    else:
        name, kind, csp = f"{stem}.zip", "zip", None
        source = lambda: zip_chunks(members, ctx.at.now)  # noqa: E731
    chunks = _guarded(_primed(source()), f"report {name}")
    return Download(name, _MIMETYPES[kind], chunks, csp)
