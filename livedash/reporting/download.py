"""A report download: which files a request asks for, their names and types, and the chunks
that make them (one file, or a zip of several).

Design decisions:
- Everything streams. The CSV's rows come from an unbuffered server-side cursor in batches
  and leave as ~64 KB chunks: a million rows never sit in memory. The HTML and JSON reports
  read their statistics first (gather.py: three statements whatever the row count); the HTML
  report's row listing (a fourth) is started at the same time and read ahead a few batches,
  so the database sorts it while the app reads the statistics.
- The first chunk is produced before the response starts, so a database that is down or a
  failing query still gets a proper 503. A failure after that is logged, written into the
  file as a visible INCOMPLETE line or note, and re-raised: the server drops the connection
  without the final chunk and the download fails.
- Jinja renders the HTML lazily (`Template.generate`); autoescape escapes every value.
- The HTML report alone is served inline, so it opens in the tab. Its CSS is inline (the file
  must stand alone), which the app's `style-src 'self'` would block, so that one response
  carries its own policy: `default-src 'none'` plus the SHA-256 of exactly that style block.
  No script may run in it at all.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ..config import Settings
from ..data import Moment
from ..db import Database
from ..models import ReportRequest
from ..schema import STATUSES, form_time
from . import charts
from .document import json_chunks
from .figures import FIGURES
from .gather import Gathered
from .listing import Listing, Section
from .rows import ReportRows, report_rows
from .streams import Prefetch, buffered, csv_chunks, guarded, primed, zip_chunks

Row = tuple[Any, ...]
Source = Callable[[], Iterator[bytes]]
TEMPLATE = "reports/report.html"
CSS_PATH = Path(__file__).parent.parent / "templates" / "reports" / "report.css"


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


@lru_cache(maxsize=1)
def report_css() -> Markup:
    """The report's stylesheet, inlined as is (Markup: it must not be escaped)."""
    return Markup(CSS_PATH.read_text(encoding="utf-8"))


def report_css_hash() -> str:
    """The CSP source that admits exactly the report's style block."""
    digest = base64.b64encode(hashlib.sha256(str(report_css()).encode()).digest()).decode()
    return f"'sha256-{digest}'"


def report_csp(frame_ancestors: str) -> str:
    """The HTML report's own policy: nothing but its inline style block, by hash."""
    return (f"default-src 'none'; style-src {report_css_hash()}; img-src data:; "
            f"base-uri 'none'; form-action 'none'; frame-ancestors {frame_ancestors}")


@dataclass(frozen=True)
class ReportContext:
    """Where a report reads from and with which settings."""

    db: Database
    at: Moment
    settings: Settings
    env: Environment

    @property
    def rows(self) -> ReportRows:
        """The report's source: the database, or the demo rows at the demo clock."""
        return report_rows(self.db, self.at)


def html_source(ctx: ReportContext, req: ReportRequest, index: str,
                read: Callable[..., Gathered]) -> Source:
    """Read the statistics, starting the row listing's statement on the way, and return the
    source of the report's chunks (the listed rows stream as the template reaches them)."""
    cap, source = ctx.settings.report_html_max_rows, ctx.rows
    started: list[Prefetch] = []
    try:
        stats = read(lambda: started.append(Prefetch(source.listing(req, index, cap))))
    except BaseException:
        for prefetch in started:
            prefetch.close()
        raise
    rows = started[0] if started else Prefetch(source.listing(req, index, cap))

    def chunks() -> Iterator[bytes]:
        """Render lazily; closing the chunks stops the listing's reader."""
        try:
            listing = Listing(rows, [u.key for u in stats.users], cap)
            sections = [Section(i, s, listing) for i, s in enumerate(stats.users)]
            template = ctx.env.get_template(TEMPLATE)
            yield from buffered(template.generate(
                req=req, at=ctx.at, total=stats.total, sections=sections, listing=listing,
                cap=cap, clock=ctx.settings.db_clock, css=report_css(), statuses=STATUSES,
                axis=charts.Axis(req.start, req.end, stats.width), charts=charts, **FIGURES))
        finally:
            rows.close()

    return chunks


def csv_source(ctx: ReportContext, req: ReportRequest, index: str,
               read: Callable[..., Gathered]) -> Source:
    """The source of the CSV's chunks (the query runs when the first chunk is asked for)."""
    return lambda: csv_chunks(ctx.rows.csv(req, index), req.neutralise)


def json_source(ctx: ReportContext, req: ReportRequest, index: str,
                read: Callable[..., Gathered]) -> Source:
    """Read the statistics now; the document is written from them."""
    stats = read()
    return lambda: json_chunks(stats, req, ctx.at, ctx.settings.db_clock)


def _once(read: Callable[..., Gathered]) -> Callable[..., Gathered]:
    """The statistics read once for every member of a zip (HTML and JSON share them)."""
    kept: list[Gathered] = []

    def reader(on_cells: Callable[[], None] | None = None) -> Gathered:
        if not kept:
            kept.append(read(on_cells))
        elif on_cells:
            on_cells()
        return kept[0]

    return reader


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


MIMETYPES = {"csv": "text/csv; charset=utf-8; header=present",
             "html": "text/html; charset=utf-8", "json": "application/json",
             "zip": "application/zip"}
_SOURCES = {"html": html_source, "csv": csv_source, "json": json_source}


def build(ctx: ReportContext, req: ReportRequest) -> Download:
    """The report `req` asks for: one file, or a zip of several (first chunk already made)."""
    source = ctx.rows
    stem, index = file_stem(req), source.index(req)
    access = source.access(req, index) if {"html", "json"} & set(req.formats) else index
    read = _once(lambda on_cells=None: source.statistics(req, access, on_cells))
    members = [(f"{stem}.{f}", _SOURCES[f](ctx, req, index if f == "csv" else access, read))
               for f in req.formats]
    if len(members) == 1:
        name, source = members[0]
        kind = req.formats[0]
        csp = report_csp(ctx.settings.frame_ancestors) if kind == "html" else None
    else:
        name, kind, csp = f"{stem}.zip", "zip", None
        source = lambda: zip_chunks(members, ctx.at.now)  # noqa: E731
    chunks = guarded(primed(source()), f"report {name}")
    return Download(name, MIMETYPES[kind], chunks, csp)
