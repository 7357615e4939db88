"""The shared poller: one query per view key per tick, whatever the number of viewers.

Design decisions:
- Viewers subscribe to a `View` (window, refresh, limit, username, status). Viewers of the same
  view share a Socket.IO room and the poller queries once per view per tick, so a hundred wall
  screens cost the database what one does.
- One background task per refresh tier (1, 3, 5, 10 s) is started with the first view of that
  tier and ends with the last (Celery Flower's updater idea). A tier runs its ticks one after
  another, so a key never has two queries in flight: a tick slower than the period makes the
  next one start at once (missed ticks coalesce) and the lag is reported in `health`.
- Stats come from `MinuteBuckets` (buckets.py): each tick reads only the rows that can have
  changed; one read point (`Moment`) and one payload per window are shared by every tier and
  room that ticks within `STATS_REUSE_S` of the tick that read it (timed from the start of
  that read, so a 1 s tier still reads afresh every tick: a stats room per tier and window).
- A tick reads the tables first and the stats after: new rows are what viewers watch for, so
  they do not wait behind the stats work (measured in docs/benchmarks.md).
- A view's rows are read incrementally (tables.py) and diffed against what its viewers
  already have; only changes travel. Views that differ only in their window show the same
  rows, so one read per (refresh, limit, username, status) serves them all in a tick. A
  viewer joining an existing view gets that view's current rows under the same lock that
  guards the diff, so it can never receive a delta it has no base for.
- Socket handlers touch the registry only under `_lock`; database work happens outside it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from flask import Flask
from flask_socketio import SocketIO

from . import data
from .buckets import MinuteBuckets
from .cluster import HEARTBEAT_S, LocalCluster, RedisCluster
from .db import Database, DatabaseError, DbState
from .models import View
from .schema import iso_ms
from .stats import window_stats
from .tables import ViewTable

log = logging.getLogger(__name__)

STATS_REUSE_S = 0.9
HEALTH_EVERY_S = 5.0
LAG_MEMORY_S = 30.0
NAMESPACE = "/"


@dataclass
class Tier:
    """Bookkeeping of one refresh tier's background task."""

    period: int
    running: bool = False
    last_tick: datetime | None = None
    last_duration: float = 0.0
    lag: float = 0.0
    ticks: int = 0
    coalesced: int = 0
    lag_peak: float = 0.0
    lag_peak_at: float = 0.0
    wake: threading.Event = field(default_factory=threading.Event)

    def record_lag(self, lag: float) -> None:
        """How late this tick started; the peak is kept for LAG_MEMORY_S so viewers see it."""
        self.lag = max(0.0, lag)
        now = time.monotonic()
        if self.lag >= self.lag_peak or now - self.lag_peak_at > LAG_MEMORY_S:
            self.lag_peak, self.lag_peak_at = self.lag, now

    def recent_lag(self) -> float:
        """The worst lag of the last LAG_MEMORY_S seconds."""
        return self.lag_peak if time.monotonic() - self.lag_peak_at <= LAG_MEMORY_S else self.lag

    def as_dict(self) -> dict[str, Any]:
        """JSON form for `health` and the admin page."""
        tick = self.last_tick.isoformat(timespec="seconds") if self.last_tick else None
        return {"period": self.period, "running": self.running, "last_tick": tick,
                "ticks": self.ticks, "coalesced": self.coalesced,
                "duration_s": round(self.last_duration, 3), "lag_s": round(self.recent_lag(), 3)}


def diff_rows(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
              ) -> dict[str, list[Any]]:
    """What changed between two row sets: added and changed records, removed ids."""
    added = [rec for tid, rec in new.items() if tid not in old]
    changed = [rec for tid, rec in new.items() if tid in old and old[tid] != rec]
    removed = [tid for tid in old if tid not in new]
    return {"added": added, "changed": changed, "removed": removed}


class Poller:
    """Registry of subscriptions plus one background task per active refresh tier."""

    def __init__(self, socketio: SocketIO, db: Database,
                 cluster: LocalCluster | RedisCluster | None = None) -> None:
        self.socketio = socketio
        self.db = db
        self.cluster = cluster or LocalCluster()
        self._leader = not self.cluster.distributed
        self._remote: set[View] = set()
        self._resnap: set[View] = set()
        self._coordinating = False
        self._resets_seen: int | None = None
        self._lock = threading.RLock()
        self._subs: dict[str, View] = {}
        self._keys: dict[View, set[str]] = {}
        self._state: dict[View, ViewTable] = {}
        self._tiers: dict[int, Tier] = {}
        self._stats_lock = threading.Lock()
        self._buckets = MinuteBuckets(db)
        self._stats_at: tuple[float, data.Moment] | None = None
        self._buckets_at: datetime | None = None
        self._payloads: dict[int, dict[str, Any]] = {}
        self._last_health = 0.0
        db.on_change(self._db_changed)

    # -- registry (called from socket handlers) ------------------------------------------

    def subscribe(self, sid: str, view: View) -> None:
        """Move `sid` to `view`: leave its old rooms, join the new ones, get current data."""
        with self._lock:
            self._leave(sid)
            self._subs[sid] = view
            self._keys.setdefault(view, set()).add(sid)
            state = self._state.setdefault(view, ViewTable(view))
            server = self.socketio.server
            server.enter_room(sid, view.room, namespace=NAMESPACE)
            server.enter_room(sid, _stats_room(view), namespace=NAMESPACE)
            if state.rows is not None:
                self._emit("transactions", self._snapshot(state), to=sid)
            if self._leader:
                self._start_tier(view.refresh)
            self._start_coordinator()
        if not self._leader:
            self._ask_snapshot(view)

    def _ask_snapshot(self, view: View) -> None:
        """On a non-polling process: ask the poller to send this view a fresh snapshot."""
        try:
            self.cluster.request_snapshot(view)
        except Exception:
            log.warning("could not reach the message queue to ask for a snapshot", exc_info=True)

    def unsubscribe(self, sid: str) -> None:
        """Forget `sid` (disconnect); the last viewer of a view stops its queries."""
        with self._lock:
            self._leave(sid)

    def _leave(self, sid: str) -> None:
        view = self._subs.pop(sid, None)
        if view is None:
            return
        server = self.socketio.server
        server.leave_room(sid, view.room, namespace=NAMESPACE)
        server.leave_room(sid, _stats_room(view), namespace=NAMESPACE)
        viewers = self._keys.get(view)
        if viewers is not None:
            viewers.discard(sid)
            if not viewers:
                del self._keys[view]
                self._state.pop(view, None)

    def reset(self) -> None:
        """After an admin clear: drop every cache and tick now, here and, with several
        processes, on the polling one (told through the message queue)."""
        self._reset_here()
        if self.cluster.distributed:
            try:
                self.cluster.announce_reset()
            except Exception:
                log.warning("could not tell the other processes about the reset", exc_info=True)

    def _reset_here(self) -> None:
        """Drop this process's caches and wake its tiers, so the next tick reads afresh."""
        self._forget_stats()
        with self._lock:
            for state in self._state.values():
                state.reset()
            tiers = list(self._tiers.values())
        for tier in tiers:
            tier.wake.set()

    def status(self) -> dict[str, Any]:
        """Tiers, active keys and viewers, for `health` and the admin page."""
        with self._lock:
            return {"tiers": [t.as_dict() for t in sorted(self._tiers.values(),
                                                           key=lambda t: t.period)],
                    "keys": len(self._keys), "viewers": len(self._subs),
                    "polling": self._leader, "process": self.cluster.process_id,
                    "lag_s": round(max((t.recent_lag() for t in self._tiers.values()),
                                       default=0.0), 3)}

    def health(self) -> dict[str, Any]:
        """The `health` event payload: database state plus poller lag."""
        status = self.status()
        return {**self.db.state().as_dict(), "lag_s": status["lag_s"],
                "viewers": status["viewers"]}

    # -- tiers ---------------------------------------------------------------------------

    def _start_tier(self, period: int) -> None:
        tier = self._tiers.setdefault(period, Tier(period))
        if not tier.running:
            tier.running = True
            tier.wake.clear()
            self.socketio.start_background_task(self._run_tier, tier)

    def _tier_views(self, tier: Tier) -> list[View]:
        """Views of this tier; marks the tier stopped (under the lock) when there are none.

        Only the polling process has views: its own viewers' and, with several processes,
        those watched on the others."""
        with self._lock:
            watched = (set(self._keys) | self._remote) if self._leader else set()
            views = [v for v in watched if v.refresh == tier.period]
            if not views:
                tier.running = False
            return views

    def _run_tier(self, tier: Tier) -> None:
        """Tick every `period` seconds while the tier has viewers; coalesce late ticks."""
        scheduled = time.monotonic()
        while views := self._tier_views(tier):
            started = time.monotonic()
            tier.record_lag(started - scheduled)
            self._tick(views)
            finished = time.monotonic()
            tier.last_tick = datetime.now(timezone.utc)
            tier.last_duration = finished - started
            tier.ticks += 1
            scheduled = started + tier.period
            if finished >= scheduled:  # overran: the ticks that fell due meanwhile never run
                tier.coalesced += int((finished - scheduled) // tier.period) + 1
            else:
                tier.wake.wait(scheduled - finished)
            tier.wake.clear()

    def _tick(self, views: list[View]) -> None:
        """One tick of one tier: one table read per table key, then shared stats per window."""
        try:
            at = self._moment()
            reads: dict[tuple[int, str, str], dict[str, dict[str, Any]]] = {}
            for view in views:
                self._publish_rows(view, at, reads)
            self._refresh_buckets(at)
            for window, period in sorted({(v.window, v.refresh) for v in views}):
                self._emit("stats", self._window_payload(at, window),
                           to=f"stats:{period}:{window}")
        except DatabaseError as exc:
            log.debug("tick skipped: %s", exc)
            self._forget_stats()
        self._maybe_health()

    def _moment(self) -> data.Moment:
        """The read point of this tick; shared within STATS_REUSE_S of its reading's start."""
        with self._stats_lock:
            cached = self._stats_at
            started = time.monotonic()
            if cached and started - cached[0] < STATS_REUSE_S:
                return cached[1]
            at = data.moment(self.db)
            self._stats_at, self._payloads = (started, at), {}
            return at

    def _refresh_buckets(self, at: data.Moment) -> None:
        """Bring the buckets up to `at`, once per read point (none newer was applied yet)."""
        with self._stats_lock:
            if at.source == "database" and (self._buckets_at is None
                                            or self._buckets_at < at.now):
                self._buckets.refresh(at.now)
                self._buckets_at = at.now

    def _window_payload(self, at: data.Moment, window: int) -> dict[str, Any]:
        """The stats payload of one window at `at`, computed once and shared."""
        with self._stats_lock:
            payload = self._payloads.get(window)
            if payload is None or payload["as_of"] != iso_ms(at.now):
                groups = (self._buckets.window(at.now, window) if at.source == "database"
                          else data.groups(self.db, at, window))
                payload = window_stats(groups, window, at.now, at.source)
                self._payloads[window] = payload
            return payload

    def _forget_stats(self) -> None:
        """Drop the buckets and payloads: the next tick reads afresh."""
        with self._stats_lock:
            self._buckets.clear()
            self._stats_at, self._buckets_at, self._payloads = None, None, {}

    def _publish_rows(self, view: View, at: data.Moment,
                      reads: dict[tuple[int, str, str], dict[str, dict[str, Any]]]) -> None:
        """Send one view's viewers the snapshot or the changes; `reads` holds this tick's
        reads by table key, so views differing only in their window share one."""
        with self._lock:
            table = self._state.setdefault(view, ViewTable(view))
        key = (view.limit, view.username, view.status)
        fresh = reads.get(key)
        if fresh is None:
            fresh = reads[key] = table.read(self.db, at)
        as_of = iso_ms(at.now)
        with self._lock:
            if self._state.get(view) is not table:  # the last viewer left while we read
                return
            if table.rows is None or view in self._resnap:
                self._resnap.discard(view)
                table.rows = fresh
                self._emit("transactions", self._snapshot(table, as_of), to=view.room)
                return
            changes = diff_rows(table.rows, fresh)
            table.rows = fresh
            if any(changes.values()):
                self._emit("transactions", {**changes, "as_of": as_of}, to=view.room)

    # -- several processes ----------------------------------------------------------------

    def _start_coordinator(self) -> None:
        """With a message queue, start the heartbeat task once (under the lock)."""
        if self.cluster.distributed and not self._coordinating:
            self._coordinating = True
            self.socketio.start_background_task(self._coordinate)

    def _coordinate(self) -> None:
        """Heartbeat forever: publish our views, hold or seek the lease, learn others' views."""
        while True:
            with self._lock:
                local = set(self._keys)
            try:
                leader = self.cluster.heartbeat(local)
                remote = self.cluster.views() if leader else set()
                resnap = self.cluster.take_snapshot_requests() if leader else set()
                resets = self.cluster.reset_generation()
            except Exception:
                log.warning("message queue unreachable; not polling", exc_info=True)
                leader, remote, resnap, resets = False, set(), set(), self._resets_seen
            self._adopt(leader, remote, resnap)
            if resets != self._resets_seen:
                if self._resets_seen is not None and leader:
                    self._reset_here()  # a clear happened on another process
                self._resets_seen = resets
            time.sleep(HEARTBEAT_S)

    def _adopt(self, leader: bool, remote: set[View], resnap: set[View]) -> None:
        """Apply a heartbeat's outcome: start or stop polling, forget unwatched views."""
        with self._lock:
            self._leader, self._remote = leader, remote
            self._resnap |= resnap
            for view in [v for v in self._state if v not in self._keys and v not in remote]:
                del self._state[view]
            if leader:
                for period in {v.refresh for v in set(self._keys) | remote}:
                    self._start_tier(period)

    # -- emitting ------------------------------------------------------------------------

    @staticmethod
    def _snapshot(state: ViewTable, as_of: str | None = None) -> dict[str, Any]:
        rows = list((state.rows or {}).values())
        return {"snapshot": rows, "as_of": as_of}

    def _emit(self, event: str, payload: dict[str, Any], to: str) -> None:
        self.socketio.emit(event, payload, to=to, namespace=NAMESPACE)

    def _maybe_health(self) -> None:
        now = time.monotonic()
        if now - self._last_health >= HEALTH_EVERY_S:
            self._last_health = now
            self.socketio.emit("health", self.health(), namespace=NAMESPACE)

    def _db_changed(self, state: DbState) -> None:
        """Database went up, down or live-from-demo: tell every viewer at once."""
        if state.mode == "up":
            self._forget_stats()
            with self._lock:
                for table in self._state.values():
                    table.reset()
                    if table.rows and _looks_demo(table.rows):
                        table.rows = None  # demo rows must not linger as "live"
        self.socketio.emit("health", self.health(), namespace=NAMESPACE)


def _stats_room(view: View) -> str:
    return f"stats:{view.refresh}:{view.window}"


def _looks_demo(rows: dict[str, dict[str, Any]]) -> bool:
    from .demo import demo_rows

    demo_ids = {r[0] for r in demo_rows(datetime.now())}
    return bool(demo_ids & set(rows))


def init_app(app: Flask, socketio: SocketIO, db: Database,
             cluster: LocalCluster | RedisCluster | None = None) -> Poller:
    """Attach the poller to the app (no task runs until the first viewer subscribes)."""
    poller = Poller(socketio, db, cluster)
    app.extensions["livedash.poller"] = poller
    return poller


def get_poller(app: Flask) -> Poller:
    """The app's `Poller`."""
    return app.extensions["livedash.poller"]
