"""The cluster coordinator: with several processes, which one polls, and what it polls.

Every HEARTBEAT_S this process publishes the views its viewers watch, takes or renews the
poller lease, and, while it holds the lease, learns the other processes' views, their
requests for fresh snapshots, and the clears announced anywhere (cluster.py has the Redis
side). Without a message queue (`LocalCluster`) this process always polls and the
coordinator never runs.

When the message queue cannot be reached the process stops polling (another one may hold the
lease), says so in `health` (`queue`), logs the cause once a minute, and retries every
heartbeat.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .cluster import HEARTBEAT_S, LocalCluster, RedisCluster
from .models import View

log = logging.getLogger(__name__)

QUEUE_LOG_EVERY_S = 60.0


class Coordinator:
    """The heartbeat: lease, shared views, snapshot requests, resets."""

    def __init__(self, cluster: LocalCluster | RedisCluster, local_views: Callable[[], set[View]],
                 on_resnap: Callable[[set[View]], None], on_reset: Callable[[], None],
                 on_change: Callable[[], None]) -> None:
        self.cluster = cluster
        self.local_views, self.on_resnap = local_views, on_resnap
        self.on_reset, self.on_change = on_reset, on_change
        self.leader = not cluster.distributed
        self.remote: set[View] = set()
        self.queue_error: str | None = None
        self._resets_seen: int | None = None
        self._started = False
        self.stopped = False
        self._lock = threading.Lock()
        self._logged_at = float("-inf")

    def start(self, spawn: Callable[[Callable[[], None]], Any]) -> None:
        """Start the heartbeat once (nothing to do for a single process)."""
        with self._lock:
            if self._started or not self.cluster.distributed:
                return
            self._started = True
        spawn(self.run)

    def run(self) -> None:
        """Heartbeat until the process stops."""
        while not self.stopped:
            self.beat()
            time.sleep(HEARTBEAT_S)

    def beat(self) -> None:
        """One heartbeat; a message-queue failure means "not polling", never an exception."""
        was = (self.leader, self.queue_error)
        try:
            leader = self.cluster.heartbeat(self.local_views())
            remote = self.cluster.views() if leader else set()
            resnap = self.cluster.take_snapshot_requests() if leader else set()
            resets = self.cluster.reset_generation()
            self.queue_error = None
        except Exception as exc:
            self._queue_failed(exc)
            leader, remote, resnap, resets = False, set(), set(), self._resets_seen
        self.leader, self.remote = leader, remote
        if resnap:
            self.on_resnap(resnap)
        if resets != self._resets_seen:
            if self._resets_seen is not None and leader:
                self.on_reset()  # a clear happened on another process
            self._resets_seen = resets
        if (self.leader, self.queue_error) != was:
            self.on_change()

    def _queue_failed(self, exc: Exception) -> None:
        self.queue_error = f"message queue unreachable: {type(exc).__name__}: {exc}"[:300]
        now = time.monotonic()
        if now - self._logged_at >= QUEUE_LOG_EVERY_S:
            self._logged_at = now
            log.warning("%s; not polling (retrying every %g s)", self.queue_error, HEARTBEAT_S)

    def queue_state(self) -> dict[str, Any] | None:
        """`health`'s `queue`: None for a single process."""
        if not self.cluster.distributed:
            return None
        return {"state": "down" if self.queue_error else "up", "error": self.queue_error}
