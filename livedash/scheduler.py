"""The tier scheduler: one loop that ticks the current source and pushes to the rooms due.

Design decisions:
- One loop for every refresh tier (1, 3, 5, 10 s): it ticks the source once whenever a tier
  is due and serves every tier due within half the shortest period in that tick, so the 3 s
  tier rides on the 1 s tier's ticks instead of causing ticks of its own. The source's cost
  follows the ticks, not the number of tiers, rooms or viewers. The loop starts with the
  first view and ends with the last (Celery Flower's updater idea).
- A tick runs its statements one after another, so the database never sees two ticks at
  once: a tick slower than its period makes the next one start at once (missed ticks
  coalesce) and the lag is reported in `health`. A tick still running past its due time is
  seen by the watchdog (`overdue_s`), which tells the viewers while it runs.
- Tables are pushed before the feed's fill and verification work of the same tick (new rows
  are what viewers watch for); stats after the tick, and only when it succeeded: a payload
  is never re-sent under a fresh time when the database did not answer.
- What a room's viewers hold (`sent`) is diffed with the table's rows under the registry's
  lock, the lock a joining viewer takes to get its snapshot, so a viewer can never receive a
  delta it has no base for. Every table payload names its view (the room).
- Any exception of one tick is caught, logged once per cause and reported in `health`; the
  loop goes on with the next tick.
- Nothing here knows Flask or Socket.IO: pushing is the `emit(event, payload, room)` callback.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .config import Settings
from .db import ConnectionLost, Database, DatabaseError, DatabaseSlow
from .models import View
from .payload import stats_payload
from .records import row_record
from .registry import Registry, stats_room, view_room
from .schema import iso_ms
from .source import DemoSource, LiveSource, Sources

log = logging.getLogger(__name__)

LAG_MEMORY_S = 30.0
Emit = Callable[[str, dict[str, Any], str | None], None]
Records = dict[str, dict[str, Any]]


@dataclass
class Tier:
    """One refresh period: when it is next due and how punctual it has been."""

    period: int
    due: float = 0.0
    ticks: int = 0
    coalesced: int = 0
    lag: float = 0.0
    lag_peak: float = 0.0
    lag_peak_at: float = 0.0
    last_tick: datetime | None = None
    last_duration: float = 0.0

    def record(self, started: float, finished: float) -> None:
        """A tick served this tier: note its lag and schedule the next one."""
        self.lag = max(0.0, started - self.due)
        if self.lag >= self.lag_peak or started - self.lag_peak_at > LAG_MEMORY_S:
            self.lag_peak, self.lag_peak_at = self.lag, started
        self.ticks += 1
        self.last_tick, self.last_duration = datetime.now(timezone.utc), finished - started
        self.due = started + self.period
        if finished >= self.due:  # overran: the ticks that fell due meanwhile never run,
            self.coalesced += int((finished - self.due) // self.period) + 1  # the next at once

    def recent_lag(self, now: float) -> float:
        """The worst lag of the last LAG_MEMORY_S seconds."""
        return self.lag_peak if now - self.lag_peak_at <= LAG_MEMORY_S else self.lag

    def as_dict(self, now: float) -> dict[str, Any]:
        """JSON form for `health` and the admin page."""
        tick = self.last_tick.isoformat(timespec="seconds") if self.last_tick else None
        return {"period": self.period, "running": True, "last_tick": tick, "ticks": self.ticks,
                "coalesced": self.coalesced, "duration_s": round(self.last_duration, 3),
                "lag_s": round(self.recent_lag(now), 3)}


@dataclass
class TickOutcome:
    """How the last tick ended, for `health`."""

    ok: bool = True
    error: str | None = None
    slow: bool = False
    view_errors: int = 0
    at: float = field(default_factory=time.monotonic)


def diff_rows(old: Records, new: Records) -> dict[str, list[Any]]:
    """What changed between two row sets: added and changed records, removed ids."""
    added = [rec for tid, rec in new.items() if tid not in old]
    changed = [rec for tid, rec in new.items() if tid in old and old[tid] != rec]
    removed = [tid for tid in old if tid not in new]
    return {"added": added, "changed": changed, "removed": removed}


class Scheduler:
    """The live loop: tiers, ticks, pushes."""

    def __init__(self, sources: Sources, db: Database, settings: Settings, registry: Registry,
                 emit: Emit, views: Callable[[], set[View]],
                 start: Callable[[Callable[[], None]], Any],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sources, self.db, self.settings = sources, db, settings
        self.registry, self.emit, self.views, self.start = registry, emit, views, start
        self.clock = clock
        self.tiers: dict[int, Tier] = {}
        self.sent: dict[str, Records] = {}
        self.resnap: set[str] = set()
        self.payloads: dict[int, dict[str, Any]] = {}
        self.outcome = TickOutcome()
        self.tick_started: float | None = None
        self.source: LiveSource | DemoSource | None = None
        self._lock = threading.Lock()
        self._running = False
        self.idle = threading.Event()  # set while no loop runs
        self.idle.set()
        self._wake = threading.Event()
        self._reset_due = False
        self._errors_logged: dict[str, float] = {}

    # -- starting and waking -----------------------------------------------------------------

    def ensure_running(self, wake: bool = False) -> None:
        """Start the loop unless it runs; `wake` makes a running loop tick now (a view that
        nobody watched before needs its first snapshot)."""
        with self._lock:
            if self._running:
                if wake:
                    self._wake.set()
                return
            self._running = True
            self.idle.clear()
        self.start(self.run)

    def wake(self) -> None:
        """Tick now (a new view, a clear)."""
        self._wake.set()

    def reset(self) -> None:
        """Forget statistics, tables and what rooms hold; refill at the next tick."""
        self._reset_due = True
        self._wake.set()

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> None:
        """Tick while any view is watched; end with the last one."""
        while True:
            views = self.views()
            with self._lock:
                if not views:
                    self._stop_idle()
                    return
            due = self._due_tiers(views)
            if due:
                self.tick(views, due)
            else:  # a wake-up is consumed by _due_tiers, which makes every tier due
                self._wake.wait(max(0.0, min(t.due for t in self.tiers.values()) - self.clock()))

    def _stop_idle(self) -> None:
        """Nobody watches: forget the tables and what rooms held (a viewer arriving later
        gets a fresh fill, not rows kept while nobody looked); the feed's state stays, and
        resets itself after a gap longer than feed.MAX_GAP_S."""
        self._running = False
        self.tiers.clear()
        if self.source is not None:
            self.source.forget_tables()
        with self.registry.lock:
            self.sent.clear()
        self.idle.set()

    def _due_tiers(self, views: set[View]) -> list[Tier]:
        """The tiers to serve now (due within half the shortest period)."""
        periods = {v.refresh for v in views}
        for period in [p for p in self.tiers if p not in periods]:
            del self.tiers[period]
        now = self.clock()
        for period in periods - set(self.tiers):
            self.tiers[period] = Tier(period, due=now)
        if self._wake.is_set():
            self._wake.clear()
            for tier in self.tiers.values():
                tier.due = min(tier.due, now)
        if not any(t.due <= now for t in self.tiers.values()):
            return []
        slack = min(periods) / 2
        return [t for t in self.tiers.values() if t.due <= now + slack]

    def tick(self, views: set[View], due: list[Tier]) -> None:
        """One tick: read, push tables, settle, push stats; never raises."""
        started = self.tick_started = self.clock()
        periods = {t.period for t in due}
        pushed = [v for v in views if v.refresh in periods]
        try:
            ok = self._tick(views, pushed)
        except Exception as exc:  # one bad tick must never stop the loop
            self._log_once(f"tick failed: {type(exc).__name__}", exc_info=True)
            self.outcome, ok = TickOutcome(False, f"internal error ({type(exc).__name__})"), False
        finally:
            self.tick_started = None
        if ok:
            self._push_stats(pushed)
        finished = self.clock()
        for tier in due:
            tier.record(started, finished)

    def _tick(self, views: set[View], pushed: list[View]) -> bool:
        source = self.sources.current()
        if source is not self.source or self._reset_due:
            self._switch(source)
        try:
            with source.ticking({v.table for v in views}):
                self._push_tables(source, pushed)
        except DatabaseSlow as exc:
            self.outcome = TickOutcome(False, str(exc), slow=True)
            return False
        except ConnectionLost as exc:
            self.outcome = TickOutcome(False, str(exc))
            return False
        except DatabaseError as exc:
            self.db.mark_failing(exc.__cause__ or exc)
            self.outcome = TickOutcome(False, str(exc))
            return False
        if source.kind == "database":
            self.db.mark_working()
        self.outcome = TickOutcome(True, view_errors=source.table_errors())
        self.payloads = {}
        return True

    def _switch(self, source: LiveSource | DemoSource) -> None:
        """A new source (demo -> live) or a reset: every room gets a fresh snapshot."""
        self._reset_due = False
        source.reset()
        with self.registry.lock:
            self.sent.clear()
        self.source = source

    # -- pushing -----------------------------------------------------------------------------

    def _push_tables(self, source: LiveSource | DemoSource, views: list[View]) -> None:
        """Each room's snapshot (first time) or changes (after that), named by its view."""
        as_of = iso_ms(source.now)
        records: dict[tuple[Any, ...], dict[str, Any]] = {}
        for view in views:
            rows = source.table(view.table)
            if rows is None:
                continue
            fresh = {r[0]: records.setdefault(r, row_record(r)) for r in rows}
            room = view_room(view)
            with self.registry.lock:
                old = self.sent.get(room)
                self.sent[room] = fresh
                if old is None or room in self.resnap:
                    self.resnap.discard(room)
                    self.emit("transactions", {"view": room, "snapshot": list(fresh.values()),
                                               "as_of": as_of}, room)
                    continue
                changes = diff_rows(old, fresh)
                if any(changes.values()):
                    self.emit("transactions", {"view": room, **changes, "as_of": as_of}, room)

    def stats(self, window: int) -> dict[str, Any] | None:
        """The stats payload of a window at the last good tick (None before the first)."""
        source = self.source
        if source is None or source.now is None:
            return None
        payload = self.payloads.get(window)
        if payload is None:
            payload = self.payloads[window] = stats_payload(source, window, self.settings)
        return payload

    def _push_stats(self, views: list[View]) -> None:
        for window, refresh in sorted({(v.window, v.refresh) for v in views}):
            payload = self.stats(window)
            if payload is not None:
                self.emit("stats", payload, stats_room(window, refresh))

    def snapshot_for(self, view: View) -> dict[str, Any] | None:
        """What a joining viewer gets: the records its room holds (call under the registry's
        lock, together with entering the room)."""
        held = self.sent.get(view_room(view))
        if held is None:
            return None
        as_of = iso_ms(self.source.now) if self.source is not None else None
        return {"view": view_room(view), "snapshot": list(held.values()), "as_of": as_of}

    # -- status --------------------------------------------------------------------------------

    def overdue(self) -> float | None:
        """Seconds the running tick is past its due time plus one period (None if on time)."""
        started = self.tick_started
        if started is None or not self.tiers:
            return None
        period = min(self.tiers)
        late = self.clock() - started - period
        return max(0.1, round(late, 1)) if late > 0 else None  # never a falsy 0.0

    def lag(self) -> float:
        now = self.clock()
        return round(max((t.recent_lag(now) for t in self.tiers.values()), default=0.0), 3)

    def tier_status(self) -> list[dict[str, Any]]:
        now = self.clock()
        return [t.as_dict(now) for t in sorted(self.tiers.values(), key=lambda t: t.period)]

    def _log_once(self, message: str, exc_info: bool = False, every_s: float = 60.0) -> None:
        """Log a cause once a minute at most (a failing tick repeats every second)."""
        now = self.clock()
        if now - self._errors_logged.get(message, float("-inf")) >= every_s:
            self._errors_logged[message] = now
            log.error(message, exc_info=exc_info)
