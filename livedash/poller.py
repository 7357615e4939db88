"""The shared poller: the live path wired together, and its face to the socket handlers, the
JSON API and the admin page.

The live path reads downward: change feed (feed.py) -> state (livestats.py, tableviews.py,
behind the demo/live seam of source.py) -> pushes to rooms (scheduler.py), for the views in
the registry (registry.py), on the process that holds the poller lease (coordinator.py).
This module only connects them to Socket.IO and Flask:

- `subscribe` moves a viewer's socket into its view's rooms and, under the registry's lock,
  hands it what the room already holds, so its first delta always has a base; the view's
  table is read afresh at the next tick (woken at once), so a joining viewer sees the
  truth of that moment (one indexed query per join);
- the JSON API reads the same state as the viewers: an API request keeps a view alive for
  API_INTEREST_S (so scripts and Prometheus cost the feed, not a query each) and, when the
  stats of its window are not complete yet, waits for them up to the read timeout;
- a watchdog sends `health` every HEALTH_EVERY_S and at once when the running tick becomes
  overdue (the page counts on from there), so a slow database shows while it is slow, not
  only after; state changes of the
  database are sent as they happen (listeners never run under a lock of ours).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from typing import Any

from flask import Flask
from flask_socketio import SocketIO

from .cluster import LocalCluster, RedisCluster
from .config import Settings
from .coordinator import Coordinator
from .db import Database, DbState
from .models import TableKey, View
from .registry import Registry, stats_room, view_room
from .scheduler import Scheduler
from .source import Sources

log = logging.getLogger(__name__)

NAMESPACE = "/"
HEALTH_EVERY_S = 5.0
WATCH_EVERY_S = 0.5
API_INTEREST_S = 60.0
API_REFRESH = 1


class Poller:
    """Registry, sources, scheduler and coordinator of one app."""

    def __init__(self, socketio: SocketIO, db: Database, settings: Settings,
                 cluster: LocalCluster | RedisCluster | None = None, build: str = "") -> None:
        self.socketio, self.db, self.settings, self.build = socketio, db, settings, build
        self.server = socketio.server  # this app's server: emits never reach another app's
        self.cluster = cluster or LocalCluster()
        self.registry = Registry()
        self.sources = Sources(db, settings)
        self._interest: dict[View, float] = {}
        self._interest_lock = threading.RLock()
        self.coordinator = Coordinator(self.cluster, self._local_views, self._resnap,
                                       self._reset_here, self._coordination_changed)
        self.scheduler = Scheduler(self.sources, db, settings, self.registry, self._emit,
                                   self._polled_views, self._spawn)
        self._ticked = threading.Condition()
        self._stopped = False
        self._watching = False
        self._told_overdue = False
        self._last_health = 0.0
        db.on_change(self._db_changed)

    # -- socket side ---------------------------------------------------------------------------

    def subscribe(self, sid: str, view: View) -> None:
        """Move `sid` to `view`: leave its old rooms, join the new ones, get what they hold."""
        server = self.server
        with self.registry.lock:
            old = self.registry.subscribe(sid, view)
            if old is not None:
                server.leave_room(sid, view_room(old), namespace=NAMESPACE)
                server.leave_room(sid, stats_room(old.window, old.refresh), namespace=NAMESPACE)
            server.enter_room(sid, view_room(view), namespace=NAMESPACE)
            server.enter_room(sid, stats_room(view.window, view.refresh), namespace=NAMESPACE)
            held = self.scheduler.snapshot_for(view)
            if held is not None:
                self._emit("transactions", held, sid)
        self.sources.current().refill(view.table)  # the next tick reads it afresh
        self._activate(wake=True)
        if not self.coordinator.leader:
            self._ask_snapshot(view)

    def unsubscribe(self, sid: str) -> None:
        """Forget `sid` (disconnect); the last viewer of a view stops its reads."""
        self.registry.unsubscribe(sid)

    def _ask_snapshot(self, view: View) -> None:
        """On a non-polling process: ask the poller to send this view a fresh snapshot."""
        try:
            self.cluster.request_snapshot(view)
        except Exception as exc:
            log.debug("could not ask the poller for a snapshot: %s", exc)

    # -- what is polled ------------------------------------------------------------------------

    def _local_views(self) -> set[View]:
        """Views watched here: this process's viewers and live API requests."""
        now = time.monotonic()
        with self._interest_lock:
            for view in [v for v, until in self._interest.items() if until < now]:
                del self._interest[view]
            interest = set(self._interest)
        return self.registry.views() | interest

    def _polled_views(self) -> set[View]:
        """Views the scheduler ticks: all of the cluster's on the lease holder, else none."""
        if self._stopped or not self.coordinator.leader:
            return set()
        return self._local_views() | self.coordinator.remote

    def _activate(self, wake: bool = False) -> None:
        self.coordinator.start(self._spawn)
        self._start_watchdog()
        if self.coordinator.leader:
            self.scheduler.ensure_running(wake)

    def _resnap(self, views: set[View]) -> None:
        with self.registry.lock:
            self.scheduler.resnap |= {view_room(v) for v in views}
        self.scheduler.wake()

    def _coordination_changed(self) -> None:
        if self.coordinator.leader and self._polled_views():
            self.scheduler.ensure_running()
        self.send_health(local=bool(self.coordinator.queue_error))

    def reset(self) -> None:
        """After an admin clear: refill everything here and, with several processes, on the
        polling one (told through the message queue)."""
        self._reset_here()
        if self.cluster.distributed:
            try:
                self.cluster.announce_reset()
            except Exception as exc:
                log.warning("could not tell the other processes about the reset: %s", exc)

    def _reset_here(self) -> None:
        self.scheduler.reset()

    # -- the JSON API ------------------------------------------------------------------------

    def _note_interest(self, view: View) -> None:
        with self._interest_lock:
            new = view not in self._interest
            self._interest[view] = time.monotonic() + API_INTEREST_S
        self._activate(wake=new)

    def api_stats(self, window: int) -> dict[str, Any]:
        """The stats payload of a window from the live state (waiting for a first fill)."""
        self._note_interest(View(window=window, refresh=API_REFRESH))
        if not self.coordinator.leader:
            shared = self.cluster.shared_stats(window)
            if shared is not None:
                return json.loads(shared)
        deadline = time.monotonic() + self.settings.read_timeout
        with self._ticked:
            while True:
                payload = self.scheduler.stats(window)
                if payload is not None and (payload["complete"] or time.monotonic() > deadline):
                    return payload
                if time.monotonic() > deadline:
                    raise TimeoutError("the live statistics did not arrive in time")
                self._ticked.wait(0.2)

    def api_rows(self, key: TableKey) -> tuple[list[tuple[Any, ...]], datetime]:
        """(rows, as of) of a table: the live table when one is kept, else one read."""
        self._note_interest(View(refresh=API_REFRESH, **{
            name: getattr(key, name) for name in key.__dataclass_fields__}))
        source = self.sources.current()
        rows = source.table(key) if source is self.scheduler.source else None
        if rows is not None and source.now is not None:
            return rows, source.now
        return source.latest(key)

    # -- emitting and health ------------------------------------------------------------------

    def stop(self) -> None:
        """End every background task of this poller (shutdown, tests), waiting for a tick
        in progress to finish."""
        self._stopped = True
        self.coordinator.stopped = True
        self.scheduler.wake()
        self.scheduler.idle.wait(self.settings.read_timeout + 2)

    def _spawn(self, target: Any) -> Any:
        return self.server.start_background_task(target)

    def _emit(self, event: str, payload: dict[str, Any], to: str | None,
              local: bool = False) -> None:
        extra = {"ignore_queue": True} if local and self.cluster.distributed else {}
        self.server.emit(event, payload, to=to, namespace=NAMESPACE, **extra)
        if event == "stats":
            with self._ticked:
                self._ticked.notify_all()

    def health(self) -> dict[str, Any]:
        """The `health` event payload: what the data is and how fresh (README)."""
        outcome = self.scheduler.outcome
        return {**self.db.state().as_dict(), "lag_s": self.scheduler.lag(),
                "overdue_s": self.scheduler.overdue(), "slow": outcome.slow,
                "view_errors": outcome.view_errors, "viewers": self.registry.viewers,
                "build": self.build, "queue": self.coordinator.queue_state()}

    def send_health(self, local: bool = False) -> None:
        """Broadcast `health` (from the poller; each process to its own when `local`)."""
        self._last_health = time.monotonic()
        self._emit("health", self.health(), None, local=local)

    def _db_changed(self, state: DbState) -> None:
        """The database went up, down or failing: tell every viewer at once, and tick."""
        self.send_health(local=not self.coordinator.leader)
        self.scheduler.wake()

    def _start_watchdog(self) -> None:
        with self._interest_lock:
            if self._watching:
                return
            self._watching = True
        self._spawn(self._watch)

    def _watch(self) -> None:
        """Health every HEALTH_EVERY_S and when a tick becomes overdue or ends, for as long
        as anything is watched here. Not more often while overdue: the page counts the
        overdue seconds on from the last `health` itself, and at a thousand viewers a
        broadcast a second while behind is a thousand sends exactly when the process is
        short of time."""
        while True:
            with self._interest_lock:
                if self._stopped or not self._local_views():
                    self._watching = False
                    return
            overdue = self.scheduler.overdue()
            now = time.monotonic()
            leader = self.coordinator.leader
            talks = leader or bool(self.coordinator.queue_error)
            if talks and (now - self._last_health >= HEALTH_EVERY_S
                          or (overdue is not None) != self._told_overdue):
                self._told_overdue = overdue is not None
                self.send_health(local=not leader)
            time.sleep(WATCH_EVERY_S)

    def status(self) -> dict[str, Any]:
        """Tiers, active keys and viewers, for `/healthz` and the admin page."""
        return {"tiers": self.scheduler.tier_status(), "keys": len(self._polled_views()),
                "viewers": self.registry.viewers, "polling": self.coordinator.leader,
                "process": self.cluster.process_id, "lag_s": self.scheduler.lag()}


def init_app(app: Flask, socketio: SocketIO, db: Database,
             cluster: LocalCluster | RedisCluster | None = None, build: str = "") -> Poller:
    """Attach the poller to the app (no task runs until the first viewer subscribes)."""
    poller = Poller(socketio, db, app.config["LIVEDASH"], cluster, build)
    app.extensions["livedash.poller"] = poller
    return poller


def get_poller(app: Flask) -> Poller:
    """The app's `Poller`."""
    return app.extensions["livedash.poller"]
