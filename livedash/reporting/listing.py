"""The HTML report's row listing: one stream of rows ordered by username, dealt to the user
sections in turn, each row already written as the report shows it.

Design decisions:
- One statement for the whole listing (`report_sql.report_user_rows`, capped at
  LIVEDASH_REPORT_HTML_MAX_ROWS), not one per user: each row carries its group key (the
  collation's sort key), so rows reach the section GROUP BY put them in, byte for byte.
- The cells, the percentile streams and the listing are separate statements (a consistent
  snapshot would need one connection for all): rows written in between can make the listing
  differ from the statistics by those rows; a section that disagrees says so.
- Every text value goes through `figures.visible` (control characters shown as \\xNN) and is
  escaped; times, sizes and statuses are the app's own text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from markupsafe import Markup

from ..records import mysql_text
from ..schema import DASH
from .figures import human_bytes, seconds
from .figures import visible_html as html
from .statistics import Summary

Row = tuple[Any, ...]


_SKEW = ' skew" title="negative: egress before ingress (clock skew)'
_SKEW_MARK = ' <span class="skew-mark">skew</span>'


def report_row(row: Row) -> Markup:
    """A row (COLUMNS order) as the report's <tr>; NULL shows as a dash. Written here in one
    piece rather than cell by cell in the template: 50,000 rows render about twice as fast."""
    tid, _, name, size, ing, ing_time, egr, egr_time, status = row[:9]
    transit = None if egr_time is None else (egr_time - ing_time).total_seconds()
    skew = transit is not None and transit < 0
    return Markup(
        f'<tr><td><span class="mono">{mysql_text(ing_time)}</span><span class="second">'
        f'{html(ing)}</span></td><td><span class="mono">'
        f'{mysql_text(egr_time) or DASH}</span><span class="second">{html(egr)}'
        f'</span></td><td class="num{_SKEW if skew else ""}">{seconds(transit)}'
        f'{_SKEW_MARK if skew else ""}</td><td>{html(name)}<span class="second mono">'
        f'{html(tid)}</span></td><td class="num" title="{int(size):,} bytes">'
        f'{human_bytes(size)}</td><td><span class="st st-{status}">{status}</span></td></tr>')


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
            key = bytes(row[-1]) if isinstance(row[-1], bytearray) else row[-1]
            place = self._place.get(key, -1)
            if place > section:
                self._pending = row
                return
            if place == section:
                yield row
            else:
                self.unplaced += 1


@dataclass
class Section:
    """One user's part of the report: statistics, charts, then the rows listed for them."""

    number: int
    summary: Summary
    listing: Listing
    listed: int = 0

    @property
    def anchor(self) -> str:
        """The table of contents' link target (never derived from the username)."""
        return f"user-{self.number + 1}"

    def rows(self) -> Iterator[Markup]:
        """This user's rows as shown, counted as they go."""
        for row in self.listing.rows(self.number):
            self.listed += 1
            yield report_row(row)

    @property
    def differs(self) -> bool:
        """Whether the listing disagrees with the statistics although it was not capped."""
        return not self.listing.stopped and self.listed != self.summary.files
