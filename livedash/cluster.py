"""Several app processes sharing viewers through Redis, with one poller among them.

Why: behind a sticky load balancer each process holds its own websockets, and Flask-SocketIO's
Redis message queue delivers an emit to the room's members on every process. If every process
polled, the database would pay once per process; instead one process holds a lease and polls
every view that any process's viewers watch:

- keys live under `livedash:<database>:` so processes serving one database share them;
- each process publishes its views (`...:views:<process>`, expiring after `VIEWS_TTL_MS`)
  on every heartbeat;
- the lease `...:poller-lease` (expiring after `LEASE_TTL_MS`) names the polling process;
  the holder renews it every heartbeat, and when the holder dies another process takes it over
  within the lease time;
- a viewer that joins on a non-polling process asks the poller for a fresh snapshot of its
  view (`...:snapshot-requests`), since it has no base for the deltas in flight;
- an admin clear on any process bumps `...:resets`, and the polling process drops its caches
  at its next heartbeat, so every viewer sees the cleared table at once;
- the poller stores each window's latest stats payload (`...:stats:<window>`, expiring after
  `STATS_TTL_MS`), so /api/stats and /metrics on any process answer from the shared state
  instead of querying the database.

`LocalCluster` is the single-process case: always the poller, no remote views.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid

from .config import Settings
from .models import View
from .registry import view_of_room, view_room

log = logging.getLogger(__name__)

LEASE_TTL_MS = 3000
VIEWS_TTL_MS = 5000
HEARTBEAT_S = 1.0
STATS_TTL_MS = 15000

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class LocalCluster:
    """One process: it always polls, and there is nobody else to hear from."""

    distributed = False
    process_id = "local"

    def heartbeat(self, views: set[View]) -> bool:
        """Always the poller."""
        return True

    def views(self) -> set[View]:
        """No other processes: no remote views."""
        return set()

    def request_snapshot(self, view: View) -> None:
        """Nothing to ask: this process already sends joiners their snapshot."""

    def take_snapshot_requests(self) -> set[View]:
        """No requests from elsewhere."""
        return set()

    def announce_reset(self) -> None:
        """Nobody else to tell: the local poller already reset itself."""

    def reset_generation(self) -> int:
        """Resets are local only."""
        return 0

    def publish_stats(self, payloads: dict[int, str]) -> None:
        """Nobody else to share the stats with."""

    def shared_stats(self, window: int) -> str | None:
        """This process is the poller: it has its own stats."""
        return None

    def release(self) -> None:
        """No lease to give up."""


class RedisCluster:
    """Processes sharing one Redis: a poller lease, published views, snapshot requests."""

    distributed = True

    def __init__(self, url: str, namespace: str) -> None:
        import redis

        self.lease_key = f"{namespace}:poller-lease"
        self.views_prefix = f"{namespace}:views:"
        self.snapshot_key = f"{namespace}:snapshot-requests"
        self.reset_key = f"{namespace}:resets"
        self.stats_prefix = f"{namespace}:stats:"
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.process_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renew = self.redis.register_script(_RENEW)
        self.leader = False

    def heartbeat(self, views: set[View]) -> bool:
        """Publish this process's views, then take or renew the lease; True when polling."""
        key = self.views_prefix + self.process_id
        pipe = self.redis.pipeline()
        pipe.delete(key)
        if views:
            pipe.sadd(key, *(view_room(v) for v in views))
            pipe.pexpire(key, VIEWS_TTL_MS)
        pipe.execute()
        held = bool(self._renew(keys=[self.lease_key], args=[self.process_id, LEASE_TTL_MS]))
        if not held:
            held = bool(self.redis.set(self.lease_key, self.process_id, nx=True, px=LEASE_TTL_MS))
        if held != self.leader:
            log.info("process %s %s the poller lease", self.process_id,
                     "took" if held else "lost")
        self.leader = held
        return held

    def views(self) -> set[View]:
        """Every view watched on any live process."""
        rooms: set[bytes] = set()
        for key in self.redis.scan_iter(match=self.views_prefix + "*", count=100):
            rooms |= self.redis.smembers(key)
        return {v for v in (view_of_room(r.decode()) for r in rooms) if v is not None}

    def request_snapshot(self, view: View) -> None:
        """Ask the polling process to send this view's room a fresh snapshot."""
        self.redis.sadd(self.snapshot_key, view_room(view))

    def take_snapshot_requests(self) -> set[View]:
        """Pop every pending snapshot request (the poller's side)."""
        pipe = self.redis.pipeline()
        pipe.smembers(self.snapshot_key)
        pipe.delete(self.snapshot_key)
        rooms, _ = pipe.execute()
        return {v for v in (view_of_room(r.decode()) for r in rooms) if v is not None}

    def announce_reset(self) -> None:
        """Tell the polling process (wherever it runs) to drop its caches: a clear happened."""
        self.redis.incr(self.reset_key)

    def reset_generation(self) -> int:
        """How many resets were announced so far (the poller compares it each heartbeat)."""
        return int(self.redis.get(self.reset_key) or 0)

    def publish_stats(self, payloads: dict[int, str]) -> None:
        """The poller's latest stats payload per window (JSON), for the API of the others."""
        pipe = self.redis.pipeline()
        for window, text in payloads.items():
            pipe.set(f"{self.stats_prefix}{window}", text, px=STATS_TTL_MS)
        pipe.execute()

    def shared_stats(self, window: int) -> str | None:
        """The poller's latest stats payload of a window (JSON), None when none is fresh."""
        raw = self.redis.get(f"{self.stats_prefix}{window}")
        return raw.decode() if raw is not None else None

    def release(self) -> None:
        """Give up the lease and views (clean shutdown) so another process takes over at once."""
        self.redis.delete(self.views_prefix + self.process_id)
        if self.redis.get(self.lease_key) == self.process_id.encode():
            self.redis.delete(self.lease_key)


def make_cluster(settings: Settings) -> LocalCluster | RedisCluster:
    """The cluster for the configured message queue (empty: a single process). Processes
    serving the same database share one namespace, so they share the lease and viewers."""
    if not settings.message_queue:
        return LocalCluster()
    return RedisCluster(settings.message_queue, f"livedash:{settings.mysql_database}")
