"""Report statistics: counts merged from the database's cells, and each figure's min, max,
mean, standard deviation, percentiles and histogram read from one stream of its values in
ascending order. Pure Python, no I/O.

Design decisions:
- The database sends one cell per (user, time bucket) with counts and exact byte sums
  (report_sql.report_cells); a user's counts are the merge of their cells, the whole report's
  the merge of every cell: the "all users" figures cost no extra pass.
- A figure's values arrive smallest first (report_sql.report_ordered), all users mixed, as
  integers (transit in microseconds, rate in units of 0.0001 B/s). Knowing how many values
  each user has (from the cells, or from the stream's own head), `FigureReader` keeps per
  user only running sums and the (at most eight) values its min, max and percentiles need:
  memory is per user, never per row. `agrees` says whether the stream held exactly the
  values counted (rows written in between would shift the ranks).
- Exact arithmetic: sums and sums of squares are Python integers; mean and sample variance
  come from them with Fractions, var = (n * sum(x^2) - sum(x)^2) / (n (n - 1)), turned into
  floats only at the end.
- Percentiles p50/p90/p99 by linear interpolation between closest ranks (numpy's default,
  "linear"): the value at position q * (n - 1) of the sorted values, interpolated between the
  two ranks around it.
- The transit histogram: fixed bins (below 0 = clock skew, 0, 10 ms, 30 ms, 100 ms ... 3 h);
  the values come sorted, so the current bin only moves forward.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..schema import STATUSES

QUANTILES = (Fraction(1, 2), Fraction(9, 10), Fraction(99, 100))
# Lower edges (microseconds) of the transit histogram's bins after "below zero" (clock skew):
# 0, then 10 ms, 30 ms, 100 ms ... 3 h (the last bin holds everything from 3 h up).
TRANSIT_EDGES = (0, 10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000,
                 30_000_000, 60_000_000, 180_000_000, 600_000_000, 1_800_000_000,
                 3_600_000_000, 10_800_000_000)
BINS = len(TRANSIT_EDGES) + 1


def transit_bin(value: int) -> int:
    """The histogram bin of a transit in microseconds (0: below zero)."""
    return bisect_right(TRANSIT_EDGES, value)


def positions(n: int) -> list[int]:
    """The 0-based ranks the percentiles of n sorted values are interpolated from."""
    wanted: set[int] = set()
    for q in QUANTILES:
        low = math.floor(q * (n - 1))
        wanted.update((low, min(low + 1, n - 1)))
    return sorted(wanted)


def interpolate(n: int, at: dict[int, int]) -> list[Fraction]:
    """numpy's linear percentiles from the values at `positions(n)`."""
    found = []
    for q in QUANTILES:
        pos = q * (n - 1)
        low = math.floor(pos)
        below, above = at[low], at[min(low + 1, n - 1)]
        found.append(below + (above - below) * (pos - low))
    return found


@dataclass(frozen=True)
class Spread:
    """n, min, max, mean, sample standard deviation and p50/p90/p99 of one figure, in its
    unit (seconds or bytes/s); None where undefined (no values; stdev for n < 2)."""

    n: int = 0
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    stdev: float | None = None
    p50: float | None = None
    p90: float | None = None
    p99: float | None = None


class Figure:
    """One group's figure as its values go by: how many seen, exact sum and sum of squares,
    and the values at the ranks its percentiles, min and max need (min: rank 0, max: n - 1)."""

    __slots__ = ("at", "bins", "count", "seen", "squares", "total", "wanted")

    def __init__(self, count: int, histogram: bool) -> None:
        self.count = count
        self.seen = 0
        self.total = self.squares = 0
        self.wanted = frozenset((0, count - 1, *positions(count))) if count else frozenset()
        self.at: dict[int, int] = {}
        self.bins = [0] * BINS if histogram else []

    def spread(self, scale: int) -> Spread:
        """The figures divided by `scale` (the unit's integer steps per unit)."""
        n = self.seen
        if not n or n != self.count:  # the table changed between the statements: no figure
            return Spread(n) if n else Spread()
        stdev = None
        if n > 1:
            variance = Fraction(n * self.squares - self.total * self.total, n * (n - 1))
            stdev = math.sqrt(variance) / scale
        p50, p90, p99 = (float(p / scale) for p in interpolate(n, self.at))
        return Spread(n, self.at[0] / scale, self.at[n - 1] / scale,
                      float(Fraction(self.total, n * scale)), stdev, p50, p90, p99)


class FigureReader:
    """Reads one figure's ascending stream of (group key, value) into a `Figure` per group and
    one for all groups. The loop is the report's hottest code (once per row): the figure of
    all groups keeps only its ranks per row; its sums and histogram are the groups' added up."""

    def __init__(self, counts: dict[Any, int], histogram: bool = False) -> None:
        self.groups = {key: Figure(n, histogram) for key, n in counts.items() if n}
        self.everyone = Figure(sum(counts.values()), histogram)
        self.histogram = histogram
        self.strays = 0  # values of groups the cells did not have (written in between)
        self._bin = 0

    def feed(self, batch: Iterable[Sequence[Any]], scale_digits: int = 0) -> None:
        """Take the next (1, group key, value) rows, in order (decimals are scaled by
        10**scale_digits)."""
        groups, everyone, edges = self.groups, self.everyone, TRANSIT_EDGES
        index, wanted_all, at_all = everyone.seen, everyone.wanted, everyone.at
        current, histogram = self._bin, self.histogram
        for _, raw_key, raw in batch:
            figure = groups.get(raw_key)
            if figure is None:
                self.strays += 1
                continue
            value = int(raw.scaleb(scale_digits)) if scale_digits else raw
            i = figure.seen
            figure.seen = i + 1
            figure.total += value
            figure.squares += value * value
            if i in figure.wanted:
                figure.at[i] = value
            if index in wanted_all:
                at_all[index] = value
            index += 1
            if histogram:
                while current < len(edges) and value >= edges[current]:
                    current += 1
                figure.bins[current] += 1
        everyone.seen, self._bin = index, current

    @property
    def agrees(self) -> bool:
        """Whether every group had exactly as many values as it was counted with."""
        return not self.strays and all(f.seen == f.count for f in self.groups.values())

    def finish(self) -> None:
        """Add the groups' sums and histograms up into the figure of all groups."""
        everyone = self.everyone
        everyone.total = sum(f.total for f in self.groups.values())
        everyone.squares = sum(f.squares for f in self.groups.values())
        if self.histogram:
            everyone.bins = [sum(column) for column in
                             zip(*(f.bins for f in self.groups.values()), strict=True)] \
                or [0] * BINS


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
    histogram: tuple[int, ...] = ()
    series: dict[int, list[int]] = field(default_factory=dict)

    @property
    def negative(self) -> int:
        """Rows whose egress_time is before their ingress_time (clock skew between servers)."""
        return self.histogram[0] if self.histogram else 0


@dataclass
class Tally:
    """One group's counts from the cells: files, bytes, statuses, values of each figure, and
    the per-bucket series (bucket -> status counts + bytes of COMPLETE transfers)."""

    username: str | None
    key: Any
    files: int = 0
    bytes: int = 0
    statuses: list[int] = field(default_factory=lambda: [0] * len(STATUSES))
    values: dict[str, int] = field(default_factory=lambda: {"transit": 0, "rate": 0})
    series: dict[int, list[int]] = field(default_factory=dict)

    def add(self, cell: Sequence[Any]) -> None:
        """Merge one cell (report_sql.report_cells' columns)."""
        bucket, files, size, complete_bytes = cell[2:6]
        counts = [int(c) for c in cell[6:6 + len(STATUSES)]]
        self.files += int(files)
        self.bytes += int(size)
        self.statuses = [a + b for a, b in zip(self.statuses, counts, strict=True)]
        self.values["transit"] += int(cell[6 + len(STATUSES)])
        self.values["rate"] += int(cell[7 + len(STATUSES)])
        point = self.series.setdefault(int(bucket), [0] * (len(STATUSES) + 1))
        for i, value in enumerate((*counts, int(complete_bytes))):
            point[i] += value

    def summary(self, transit: Figure | None, rate: Figure | None) -> Summary:
        """The finished summary: transit in seconds, rate in bytes/s."""
        return Summary(self.username, self.key, self.files, self.bytes,
                       rate.spread(10**4) if rate else Spread(),
                       transit.spread(10**6) if transit else Spread(),
                       dict(zip(STATUSES, self.statuses, strict=True)),
                       tuple(transit.bins) if transit else (),
                       dict(sorted(self.series.items())))


def tallies(cells: Iterable[Sequence[Any]]) -> tuple[Tally, dict[Any, Tally]]:
    """All rows' tally and one per group key, from the cells in any order."""
    total = Tally(None, None)
    users: dict[Any, Tally] = {}
    for cell in cells:
        key = bytes(cell[1]) if isinstance(cell[1], bytearray) else cell[1]
        users.setdefault(key, Tally(cell[0], key)).add(cell)
        total.add(cell)
    return total, users
