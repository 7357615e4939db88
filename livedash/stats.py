"""Dashboard statistics as pure functions over aggregate groups: no I/O, no Flask.

Design decisions:
- The database returns small aggregate `Group`s (per minute bucket, status and server pair);
  everything the dashboard shows is derived here, so the live path and demo mode share one
  definition of every figure.
- Definitions (pinned by tests): over the window W minutes, E = COMPLETE + EP_UNAVAILABLE;
  tps = |E| / (W*60); throughput_bps = sum(file_size over E) / (W*60); avg_rate_bps = mean of
  file_size / transit seconds over rows of E with transit > 0.
- Every non-integer figure is rounded to 1 decimal place; counts stay integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .schema import EGRESS, INGRESS, Group, epoch_minute, iso_ms, minute_start


def round1(value: float) -> float:
    """Round a figure for display: 1 decimal place, half away from zero."""
    scaled = abs(value) * 10
    whole = int(scaled + 0.5)
    return (whole if value >= 0 else -whole) / 10


@dataclass
class _Tally:
    """Running sums for one server or the whole window."""

    counts: dict[str, int] = field(default_factory=dict)
    egress_bytes: int = 0
    rate_sum: float = 0.0
    rate_count: int = 0

    def add(self, g: Group) -> None:
        self.counts[g.status] = self.counts.get(g.status, 0) + g.count
        if g.status in EGRESS:
            self.egress_bytes += g.bytes
            self.rate_sum += g.rate_sum
            self.rate_count += g.rate_count

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def egress_count(self) -> int:
        return sum(self.count(s) for s in EGRESS)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def avg_rate(self) -> float:
        return round1(self.rate_sum / self.rate_count) if self.rate_count else 0.0


def _ingress_server(name: str, t: _Tally) -> dict[str, Any]:
    return {"server": name, "total": t.total, "bad_request": t.count("BAD_REQUEST"),
            "cd_unavailable": t.count("CD_UNAVAILABLE"), "submitted": t.count("SUBMITTED")}


def _egress_server(name: str, t: _Tally, seconds: int) -> dict[str, Any]:
    return {"server": name, "complete": t.count("COMPLETE"),
            "ep_unavailable": t.count("EP_UNAVAILABLE"),
            "tps": round1(t.egress_count / seconds),
            "throughput_bps": round1(t.egress_bytes / seconds), "avg_rate_bps": t.avg_rate()}


def _series(groups: list[Group], minutes: int, as_of: datetime) -> dict[str, list[Any]]:
    """Per-minute figures for the charts: the window's last `minutes` wall-clock minutes,
    oldest first (the partial minute at the window's far edge counts in totals only)."""
    last = epoch_minute(as_of)
    ingress_errors = [0] * minutes
    cd = [0] * minutes
    egress = [0] * minutes
    bytes_out = [0] * minutes
    for g in groups:
        i = minutes - 1 - (last - g.bucket)
        if not 0 <= i < minutes:
            continue
        if g.status in INGRESS:
            ingress_errors[i] += g.count
        elif g.status in EGRESS:
            egress[i] += g.count
            bytes_out[i] += g.bytes
        else:
            cd[i] += g.count
    starts = [minute_start(last - minutes + 1 + i).isoformat(timespec="minutes")
              for i in range(minutes)]
    return {"minute_starts": starts, "minutes_ago": list(range(minutes - 1, -1, -1)),
            "ingress_errors": ingress_errors, "cd": cd, "egress": egress,
            "throughput_bps": [round1(b / 60) for b in bytes_out]}


def window_stats(groups: Iterable[Group], minutes: int, as_of: datetime,
                 source: str) -> dict[str, Any]:
    """The /api/stats payload for one window from the groups of exactly that window's rows."""
    inside = list(groups)
    seconds = minutes * 60
    whole = _Tally()
    by_ingress: dict[str, _Tally] = {}
    by_egress: dict[str, _Tally] = {}
    for g in inside:
        whole.add(g)
        by_ingress.setdefault(g.ingress_server, _Tally()).add(g)
        if g.egress_server is not None and g.status in EGRESS:
            by_egress.setdefault(g.egress_server, _Tally()).add(g)
    return {
        "window_minutes": minutes,
        "as_of": iso_ms(as_of),
        "source": source,
        "ingress": {"bad_request": whole.count("BAD_REQUEST"),
                    "cd_unavailable": whole.count("CD_UNAVAILABLE"),
                    "servers": [_ingress_server(n, t) for n, t in sorted(by_ingress.items())]},
        "cd": {"submitted": whole.count("SUBMITTED"), "timeout": whole.count("TIMEOUT")},
        "egress": {"complete": whole.count("COMPLETE"),
                   "ep_unavailable": whole.count("EP_UNAVAILABLE"),
                   "tps": round1(whole.egress_count / seconds),
                   "throughput_bps": round1(whole.egress_bytes / seconds),
                   "avg_rate_bps": whole.avg_rate(),
                   "servers": [_egress_server(n, t, seconds)
                               for n, t in sorted(by_egress.items())]},
        "total": whole.total,
        "series": _series(inside, minutes, as_of),
    }
