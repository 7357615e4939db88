"""Dashboard statistics as pure functions and sums: no I/O, no Flask.

Design decisions:
- A `Tally` holds the sums of any set of rows (a second, a minute, a window): counts per
  status, egress bytes and rate terms, and the same per ingress and per egress server. Rows
  enter and leave it one `Contribution` at a time (the live path) or as aggregate cells (the
  database's GROUP BY); tallies add up, so a window is the sum of its minutes and seconds.
- Arithmetic, chosen for every value the table allows (file_size up to 2^63 - 1, any
  transit): counts and byte sums are Python ints (exact, no overflow; the database sums
  BIGINT into DECIMAL, also exact). A rate term (file_size / transit seconds) is a float
  computed from exact integers (`size * 1_000_000 / transit_us`: one rounding), the same
  value SQL's DOUBLE expression gives up to the last bit or so; rate sums are floats, and a
  sum whose count falls to zero is reset to exactly 0.0, so drift cannot accumulate.
  Throughput and tps are rounded from exact integer ratios (`tenths`), then shown as the
  nearest double.
- Definitions (pinned by tests): over the window W minutes, E = COMPLETE + EP_UNAVAILABLE;
  tps = |E| / (W*60); throughput_bps = sum(file_size over E) / (W*60); avg_rate_bps = mean of
  file_size / transit seconds over rows of E with transit > 0 (a negative transit, egress
  before ingress, is clock skew: it has no rate).
- Every non-integer figure is rounded to 1 decimal place; counts stay integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from .schema import EGRESS, STATUSES, iso_ms, minute_start

STATUS_INDEX = {status: i for i, status in enumerate(STATUSES)}
# Outside strict SQL mode MySQL stores a value that is not in the ENUM as '' (its error
# value), so the table allows a seventh "status". Such a row counts in every total, in none
# of the six statuses, and in this slot; the payload says how many (`unknown_status`).
UNKNOWN = len(STATUSES)
_SLOTS = len(STATUSES) + 1
_COMPLETE = STATUS_INDEX["COMPLETE"]
_EGRESS = frozenset(STATUS_INDEX[s] for s in EGRESS)


def round1(value: float) -> float:
    """Round a figure for display: 1 decimal place, half away from zero."""
    scaled = abs(value) * 10
    whole = int(scaled + 0.5)
    return (whole if value >= 0 else -whole) / 10


def tenths(numerator: int, denominator: int) -> float:
    """numerator / denominator rounded half away from zero to 1 decimal place, computed on
    integers (exact for any size), returned as the nearest float."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((20 * n + d) // (2 * d)) / 10


class Contribution(NamedTuple):
    """What one row adds to a tally."""

    status: int  # index in STATUSES
    ingress: str
    egress: str | None  # the egress server of an egress outcome, else None
    size: int  # file_size of an egress outcome, else 0
    rate: float | None  # its rate term when transit > 0, else None


def status_index(status: str) -> int:
    """A status's slot in a tally: one of the six, or UNKNOWN for anything else."""
    return STATUS_INDEX.get(status, UNKNOWN)


def contribution(status: str, ingress_server: str, egress_server: str | None, file_size: int,
                 transit_us: int | None) -> Contribution:
    """A row's contribution; transit_us is egress_time - ingress_time in microseconds."""
    index = status_index(status)
    if index not in _EGRESS:
        return Contribution(index, ingress_server, None, 0, None)
    rated = transit_us is not None and transit_us > 0
    return Contribution(index, ingress_server, egress_server, int(file_size),
                        int(file_size) * 1_000_000 / transit_us if rated else None)


class Tally:
    """Sums over a set of rows; see the module docstring for what is summed and how."""

    __slots__ = ("bytes", "counts", "egress", "ingress", "rate_n", "rate_sum")

    def __init__(self) -> None:
        self.counts = [0] * _SLOTS
        self.bytes = 0
        self.rate_sum = 0.0
        self.rate_n = 0
        self.ingress: dict[str, list[int]] = {}  # server -> counts per status
        self.egress: dict[str, list[Any]] = {}  # server -> [complete, ep, bytes, sum, n]

    def add(self, c: Contribution, sign: int = 1) -> None:
        """Add (sign 1) or remove (sign -1) one row."""
        self.add_cell(c.status, c.ingress, c.egress, sign, sign * c.size,
                      0.0 if c.rate is None else sign * c.rate, 0 if c.rate is None else sign)

    def add_cell(self, status: int, ingress: str, egress: str | None, n: int, size: int,
                 rate_sum: float, rate_n: int) -> None:
        """Add an aggregate cell: n rows of one status and server pair (negative n removes)."""
        self.counts[status] += n
        per_ingress = self.ingress.setdefault(ingress, [0] * _SLOTS)
        per_ingress[status] += n
        if not any(per_ingress):
            del self.ingress[ingress]
        if status not in _EGRESS:
            return
        self.bytes += size
        self.rate_sum, self.rate_n = _settled(self.rate_sum + rate_sum, self.rate_n + rate_n)
        if egress is not None:
            self._add_egress(egress, status, n, size, rate_sum, rate_n)

    def _add_egress(self, server: str, status: int, n: int, size: int, rate_sum: float,
                    rate_n: int) -> None:
        cell = self.egress.setdefault(server, [0, 0, 0, 0.0, 0])
        cell[0 if status == _COMPLETE else 1] += n
        cell[2] += size
        cell[3], cell[4] = _settled(cell[3] + rate_sum, cell[4] + rate_n)
        if not cell[0] and not cell[1]:
            del self.egress[server]

    def merge(self, other: Tally, sign: int = 1) -> None:
        """Add (or subtract) every row of another tally."""
        for i, n in enumerate(other.counts):
            self.counts[i] += sign * n
        self.bytes += sign * other.bytes
        self.rate_sum, self.rate_n = _settled(self.rate_sum + sign * other.rate_sum,
                                              self.rate_n + sign * other.rate_n)
        for server, counts in other.ingress.items():
            mine = self.ingress.setdefault(server, [0] * _SLOTS)
            for i, n in enumerate(counts):
                mine[i] += sign * n
            if not any(mine):
                del self.ingress[server]
        for server, theirs in other.egress.items():
            cell = self.egress.setdefault(server, [0, 0, 0, 0.0, 0])
            cell[0] += sign * theirs[0]
            cell[1] += sign * theirs[1]
            cell[2] += sign * theirs[2]
            cell[3], cell[4] = _settled(cell[3] + sign * theirs[3], cell[4] + sign * theirs[4])
            if not cell[0] and not cell[1]:
                del self.egress[server]

    @classmethod
    def total(cls, parts: Iterable[Tally]) -> Tally:
        """The sum of several tallies."""
        whole = cls()
        for part in parts:
            whole.merge(part)
        return whole

    def count(self, status: str) -> int:
        """Rows of one status."""
        return self.counts[STATUS_INDEX[status]]

    @property
    def rows(self) -> int:
        """Rows in all."""
        return sum(self.counts)

    @property
    def egress_count(self) -> int:
        """Rows that reached egress (COMPLETE + EP_UNAVAILABLE)."""
        return sum(self.counts[i] for i in _EGRESS)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tally) and _key(self) == _key(other)

    __hash__ = None  # type: ignore[assignment]


def _settled(rate_sum: float, rate_n: int) -> tuple[float, int]:
    """A rate sum with no terms left is exactly zero (float residue would linger)."""
    return (0.0, 0) if rate_n == 0 else (rate_sum, rate_n)


def _key(t: Tally) -> tuple[Any, ...]:
    """Exact parts of a tally (float sums excluded: they depend on summation order)."""
    return (tuple(t.counts), t.bytes, t.rate_n, sorted(t.ingress.items()),
            sorted((s, c[0], c[1], c[2], c[4]) for s, c in t.egress.items()))


def _mean(rate_sum: float, rate_n: int) -> float:
    return round1(rate_sum / rate_n) if rate_n else 0.0


def _ingress_servers(t: Tally) -> list[dict[str, Any]]:
    """Per ingress server, busiest first."""
    rows = [{"server": name, "total": sum(c), "bad_request": c[STATUS_INDEX["BAD_REQUEST"]],
             "cd_unavailable": c[STATUS_INDEX["CD_UNAVAILABLE"]],
             "submitted": c[STATUS_INDEX["SUBMITTED"]]} for name, c in t.ingress.items()]
    return sorted(rows, key=lambda r: (-r["total"], r["server"]))


def _egress_servers(t: Tally, seconds: int) -> list[dict[str, Any]]:
    """Per egress server, busiest first."""
    rows = [{"server": name, "complete": complete, "ep_unavailable": ep,
             "tps": tenths(complete + ep, seconds), "throughput_bps": tenths(size, seconds),
             "avg_rate_bps": _mean(rate_sum, rate_n)}
            for name, (complete, ep, size, rate_sum, rate_n) in t.egress.items()]
    return sorted(rows, key=lambda r: (-(r["complete"] + r["ep_unavailable"]), r["server"]))


def figures(t: Tally, minutes: int) -> dict[str, Any]:
    """The window's figures from the tally of exactly its rows (no per-server lists)."""
    seconds = minutes * 60
    return {"total": t.rows, "unknown_status": t.counts[UNKNOWN],
            "ingress": {"bad_request": t.count("BAD_REQUEST"),
                        "cd_unavailable": t.count("CD_UNAVAILABLE")},
            "cd": {"submitted": t.count("SUBMITTED"), "timeout": t.count("TIMEOUT")},
            "egress": {"complete": t.count("COMPLETE"),
                       "ep_unavailable": t.count("EP_UNAVAILABLE"),
                       "tps": tenths(t.egress_count, seconds),
                       "throughput_bps": tenths(t.bytes, seconds),
                       "avg_rate_bps": _mean(t.rate_sum, t.rate_n)}}


def series(per_minute: list[tuple[int, Tally | None]]) -> dict[str, list[Any]]:
    """Per-minute figures for the charts, oldest first: (epoch minute, its tally)."""
    empty = Tally()
    tallies = [t or empty for _, t in per_minute]
    return {"minute_starts": [iso_ms(minute_start(m))[:16] for m, _ in per_minute],
            "ingress_errors": [t.count("BAD_REQUEST") + t.count("CD_UNAVAILABLE")
                               for t in tallies],
            "cd": [t.count("SUBMITTED") + t.count("TIMEOUT") for t in tallies],
            "egress": [t.egress_count for t in tallies],
            "throughput_bps": [tenths(t.bytes, 60) for t in tallies]}


def window_stats(t: Tally, minutes: int, as_of: datetime, source: str) -> dict[str, Any]:
    """The core of the /api/stats payload for one window from the tally of its rows."""
    body = figures(t, minutes)
    body["ingress"]["servers"] = _ingress_servers(t)
    body["egress"]["servers"] = _egress_servers(t, minutes * 60)
    return {"window_minutes": minutes, "as_of": iso_ms(as_of), "source": source,
            "ingress": body["ingress"], "cd": body["cd"], "egress": body["egress"],
            "total": body["total"], "unknown_status": body["unknown_status"]}
