"""The stats payload of a window (`stats` event, /api/stats, /metrics), built from a source's
state: the same function for live data and demo rows.

A state has `kind` ("database" or "demo"), `now` (its read point), `stats` (a LiveStats)
and `in_flight()` (stuck count, age of the oldest SUBMITTED row).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from . import alarms
from .config import Settings
from .livestats import LiveStats, epoch_second
from .stats import figures, round1, series, window_stats


class State(Protocol):
    """What a source exposes to build payloads from."""

    kind: str
    now: datetime | None
    stats: LiveStats

    def in_flight(self) -> tuple[int, float | None]: ...


def _filling(stats: LiveStats, start: int, end: int) -> dict[str, int] | None:
    """None when every second of [start, end) is filled, else how far the fill has come."""
    needed = (end - 1) // 60 - start // 60 + 1
    missing = stats.unfilled_minutes(start, end)
    return None if not missing else {"minutes_done": needed - missing, "minutes": needed}


def stats_payload(state: State, minutes: int, settings: Settings) -> dict[str, Any]:
    """The whole stats payload of one window at the state's read point (see README)."""
    assert state.now is not None, "the source has not ticked yet"
    now_s = epoch_second(state.now)
    start, span = now_s - minutes * 60, minutes * 60
    body = window_stats(state.stats.between(start), minutes, state.now, state.kind)
    filling = _filling(state.stats, start, now_s + 1)
    body["complete"], body["filling"] = filling is None, filling
    stuck, oldest = state.in_flight()
    body["cd"].update(in_flight=body["cd"]["submitted"], stuck=stuck,
                      oldest_in_flight_s=None if oldest is None else round1(oldest))
    newest = state.stats.newest(now_s)
    body["ingress"]["last_ingress_s"] = None if newest is None else now_s - newest
    previous = figures(state.stats.between(start - span, start), minutes)
    previous["complete"] = _filling(state.stats, start - span, start) is None
    body["previous"] = previous
    newest_minute = now_s // 60
    body["series"] = series(state.stats.per_minute(newest_minute - minutes + 1, newest_minute))
    levels, sentences = alarms.evaluate(body, settings) if body["complete"] else ({}, [])
    body["levels"], body["alarms"] = levels, sentences
    return body
