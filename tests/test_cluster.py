"""Several processes through the real Redis: one polls, viewers anywhere get updates, and the
viewers on a surviving process keep getting them when the polling process dies."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
import redis
import requests
import socketio

from tests.conftest import DB_NAME
from tests.servers import LiveServer

REDIS_URL = "redis://127.0.0.1:6379/0"
NAMESPACE = f"livedash:{DB_NAME}"


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not running on 127.0.0.1:6379 ({exc})", pytrace=False)
    for key in client.scan_iter(match=NAMESPACE + ":*"):
        client.delete(key)
    yield client
    for key in client.scan_iter(match=NAMESPACE + ":*"):
        client.delete(key)
    client.close()


class Viewer:
    """A python-socketio client that counts the `stats` events it receives."""

    def __init__(self, url: str) -> None:
        self.stats = 0
        self.snapshots = 0
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("stats", self._on_stats)
        self.sio.on("transactions", self._on_transactions)
        self.sio.connect(url, wait_timeout=10)
        self.sio.emit("subscribe", {"window": 10, "refresh": 1})

    def _on_stats(self, payload: dict) -> None:
        with self.lock:
            self.stats += 1

    def _on_transactions(self, payload: dict) -> None:
        if "snapshot" in payload:
            with self.lock:
                self.snapshots += 1

    def stats_within(self, seconds: float) -> int:
        """How many stats events arrive in the next `seconds`."""
        with self.lock:
            start = self.stats
        time.sleep(seconds)
        with self.lock:
            return self.stats - start


@pytest.fixture
def cluster(tmp_path, sql, redis_client) -> Iterator[tuple[list[LiveServer], list[Viewer]]]:
    """Two server processes sharing the real Redis; the test adds viewers to the list."""
    env = {"LIVEDASH_MESSAGE_QUEUE": REDIS_URL}
    servers = [LiveServer(tmp_path, f"p{i}", **env) for i in range(2)]
    viewers: list[Viewer] = []
    yield servers, viewers
    for v in viewers:
        if v.sio.connected:
            v.sio.disconnect()
    for s in servers:
        s.stop()


def test_one_process_polls_and_survivors_keep_updating(cluster, add_row, redis_client) -> None:
    add_row()
    servers, viewers = cluster
    viewers += [Viewer(s.url) for s in servers for _ in range(2)]
    time.sleep(3)
    holder = redis_client.get(NAMESPACE + ":poller-lease").decode()
    polling = next(s for s in servers if int(holder.split(":")[1]) in s.pids())
    survivor = next(s for s in servers if s is not polling)
    for v in viewers:
        assert v.snapshots >= 1 and v.stats_within(2.5) >= 1  # everyone is served
    polling.kill()
    on_survivor = [v for v, s in zip(viewers, [s for s in servers for _ in range(2)],
                                     strict=True) if s is survivor]
    time.sleep(4)  # the lease expires (3 s) and the survivor takes over
    for v in on_survivor:
        assert v.stats_within(3) >= 2
    new_holder = redis_client.get(NAMESPACE + ":poller-lease").decode()
    assert int(new_holder.split(":")[1]) in survivor.pids()


def health(server: LiveServer) -> dict:
    with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:
        return json.load(response)


def test_only_the_lease_holder_queries(cluster, add_row) -> None:
    add_row()
    servers, viewers = cluster
    viewers += [Viewer(s.url) for s in servers for _ in range(3)]
    time.sleep(3)
    before = [health(s) for s in servers]
    for v in viewers:
        assert v.stats_within(1.5) >= 1
    after = [health(s) for s in servers]
    grew = [a["statements"] - b["statements"] for a, b in zip(after, before, strict=True)]
    polling = [a["poller"]["polling"] for a in after]
    assert sorted(polling) == [False, True]
    assert grew[polling.index(False)] == 0 and grew[polling.index(True)] > 0


def test_a_clear_on_a_non_polling_process_resets_the_poller(cluster, add_row) -> None:
    for _ in range(3):
        add_row(offset_s=600)  # settled minutes: only a reset re-reads them at once
    servers, _ = cluster
    time.sleep(2)
    totals: list[int] = []
    viewer = socketio.Client(reconnection=False)
    viewer.on("stats", lambda s: totals.append(s["total"]))
    viewer.connect(servers[0].url, wait_timeout=10)
    viewer.emit("subscribe", {"window": 30, "refresh": 1})
    deadline = time.monotonic() + 8
    while not (totals and totals[-1] == 3) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert totals and totals[-1] == 3
    follower = next(s for s in servers if not health(s)["poller"]["polling"])
    http = requests.Session()
    page = http.get(follower.url + "/admin", timeout=5).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    answer = http.post(follower.url + "/admin/clear", timeout=30,
                       data={"mode": "all", "confirm": "transactions"},
                       headers={"X-CSRFToken": token, "Accept": "application/json",
                                "Referer": follower.url + "/admin"})
    assert answer.status_code < 300, answer.text
    cleared = time.monotonic()
    while totals[-1] != 0 and time.monotonic() - cleared < 4:
        time.sleep(0.1)
    viewer.disconnect()
    assert totals[-1] == 0  # within a heartbeat and a tick, not the 60 s re-check


def test_an_unreachable_message_queue_shows_in_health_and_the_api_of_the_others(
        tmp_path, sql, redis_client, add_row) -> None:
    add_row()
    closed = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    server = LiveServer(tmp_path, "no-queue", LIVEDASH_MESSAGE_QUEUE=closed)
    try:
        viewer = Viewer(server.url)
        deadline = time.monotonic() + 8
        while (health(server).get("queue") or {}).get("state") != "down":
            assert time.monotonic() < deadline, health(server)
            time.sleep(0.2)
        state = health(server)
        assert state["queue"]["error"].startswith("message queue unreachable")
        assert state["poller"]["polling"] is False  # another process may hold the lease
        viewer.sio.disconnect()
    finally:
        server.stop()
