"""The statistics state of the live path: per-second tallies of the last two hours.

Design decisions:
- A window is "the rows with ingress_time >= S - W", S the tick's database now truncated to
  the whole second (README "Statistics, defined"): counts move smoothly second by second, and
  per-second tallies make every window exact without re-reading its far edge. Each minute
  also keeps the sum of its seconds, so a window is at most 120 minute tallies plus the
  seconds of its edge minutes, whatever the ingest rate.
- The span is two hours and one minute: the 60-minute window and the 60 minutes before it
  (each card's change against the previous window of the same length).
- A minute counts only once its tallies came from the database (`fill`): until then the rows
  the feed sees in it are left out (the fill will count them), so a row is never counted
  twice. A fill or a re-verification replaces the minute wholesale with what the database
  said, which also re-derives every float sum.
- No I/O here: the change feed (feed.py) decides what to read and hands rows and cells in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .schema import EPOCH
from .stats import Contribution, Tally, status_index

SPAN_MINUTES = 121
Cell = tuple[int, str, str, str | None, int, int, float, int]
# (epoch second, status, ingress_server, egress_server, rows, bytes, rate sum, rate count)

_SECOND = timedelta(seconds=1)


def epoch_second(moment: datetime) -> int:
    """Whole seconds since 1970-01-01 00:00 of a stored time (floor): the tally key."""
    return (moment - EPOCH) // _SECOND


class LiveStats:
    """Per-second and per-minute tallies; filled from the database newest first, so what is
    filled is always one range: every second from `fill_low` on."""

    def __init__(self) -> None:
        self.seconds: dict[int, Tally] = {}
        self.minutes: dict[int, Tally] = {}
        self.fill_low: int | None = None  # the oldest second whose rows count

    def is_filled(self, second: int) -> bool:
        """Whether rows of this second count (its tallies came from the database)."""
        return self.fill_low is not None and second >= self.fill_low

    def add(self, second: int, part: Contribution, sign: int = 1) -> None:
        """A row entered (sign 1) or left (-1) second `second`; ignored where unfilled."""
        if not self.is_filled(second):
            return
        self.seconds.setdefault(second, Tally()).add(part, sign)
        self.minutes.setdefault(second // 60, Tally()).add(part, sign)

    def fill(self, start: int, end: int | None, cells: Iterable[Cell]) -> None:
        """Replace the seconds [start, end) (end None: every second from `start` on) with the
        database's cells for exactly those rows. A fill extends the filled range downward
        (the first one is open-ended); a re-verification replaces a filled range."""
        inside = [s for s in self.seconds if s >= start and (end is None or s < end)]
        touched = {start // 60} | {s // 60 for s in inside}
        if end is None:
            touched |= {m for m in self.minutes if m >= start // 60}
        for second in inside:
            del self.seconds[second]
        for second, status, ingress, egress, n, size, rate_sum, rate_n in cells:
            self.seconds.setdefault(second, Tally()).add_cell(
                status_index(status), ingress, egress, n, size, rate_sum, rate_n)
            touched.add(second // 60)
        for minute in touched:
            self._retally(minute)
        if self.fill_low is None or start < self.fill_low:
            self.fill_low = start

    def _retally(self, minute: int) -> None:
        """A minute's tally as the sum of its seconds (after a fill touched some of them)."""
        parts = [t for s in range(minute * 60, minute * 60 + 60) if (t := self.seconds.get(s))]
        if parts:
            self.minutes[minute] = Tally.total(parts)
        else:
            self.minutes.pop(minute, None)

    def prune(self, oldest: int) -> None:
        """Forget the seconds before `oldest` (they left the span)."""
        for minute in [m for m in self.minutes if m < oldest // 60]:
            del self.minutes[minute]
        for second in [s for s in self.seconds if s < oldest]:
            del self.seconds[second]
        if oldest % 60:
            self._retally(oldest // 60)
        if self.fill_low is not None and self.fill_low < oldest:
            self.fill_low = oldest

    def between(self, start: int, end: int | None = None) -> Tally:
        """The tally of the rows with start <= second (< end when given): whole minutes from
        their tallies, the partial minutes at the edges from their seconds."""
        first = start // 60
        last = None if end is None else end // 60
        if last == first:
            return self._seconds(start, end)  # type: ignore[arg-type]
        parts = [self._seconds(start, (first + 1) * 60)]
        parts += [t for m, t in self.minutes.items() if m > first and (last is None or m < last)]
        if last is not None:
            parts.append(self._seconds(last * 60, end))  # type: ignore[arg-type]
        return Tally.total(parts)

    def _seconds(self, start: int, end: int) -> Tally:
        return Tally.total(t for s in range(start, end) if (t := self.seconds.get(s)))

    def unfilled_minutes(self, start: int, end: int) -> int:
        """How many minutes holding seconds [start, end) still have unfilled seconds there."""
        low = self.fill_low
        return sum(1 for m in range(start // 60, (end - 1) // 60 + 1)
                   if low is None or max(m * 60, start) < low)

    def per_minute(self, first: int, last: int) -> list[tuple[int, Tally | None]]:
        """(minute, tally) for every minute from first to last inclusive, oldest first."""
        return [(m, self.minutes.get(m)) for m in range(first, last + 1)]

    def newest(self, at_most: int) -> int | None:
        """The newest second, at most `at_most`, holding any row (None when none is known)."""
        if not self.seconds:
            return None
        for second in range(at_most, min(self.seconds) - 1, -1):  # the newest is near the top
            tally = self.seconds.get(second)
            if tally is not None and tally.rows:
                return second
        return None
