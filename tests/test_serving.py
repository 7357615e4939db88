"""The real server (gunicorn, a real port): slow request heads, JSON logs, a clean stop."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import redis
import requests
import socketio

from tests.conftest import DB_NAME
from tests.servers import LiveServer, half_sent_requests

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_healthz_answers_while_many_half_sent_requests_are_held(tmp_path, sql) -> None:
    server = LiveServer(tmp_path, LIVEDASH_THREADS="4", LIVEDASH_HEAD_TIMEOUT="1")
    try:
        with half_sent_requests(server.url, 24) as held:  # six times the threads
            with urllib.request.urlopen(server.url + "/healthz", timeout=60) as response:
                assert response.status == 200 and json.load(response)["database"] == "up"
            # ...and the first of the held connections was closed by the server, not by us
            held[0].settimeout(30)
            assert held[0].recv(100) == b""
    finally:
        server.stop()
    assert "no complete request head within 1 s" in server.log_path.read_text()


def test_json_logs_are_one_object_per_line_with_the_audit_fields(tmp_path, sql,
                                                                 add_row) -> None:
    add_row()
    add_row()
    server = LiveServer(tmp_path, LIVEDASH_LOG_FORMAT="json",
                        LIVEDASH_TRUSTED_PROXIES="127.0.0.1")
    try:
        session = requests.Session()
        page = session.get(server.url + "/admin", timeout=10).text
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
        job = session.post(server.url + "/admin/clear", timeout=10, data={
            "mode": "all", "confirm": "transactions"}, headers={
            "X-CSRFToken": token, "Accept": "application/json",
            "X-Forwarded-User": "carol"}).json()["job"]
        deadline = time.monotonic() + 30
        while not session.get(f"{server.url}/admin/jobs/{job['job']}", timeout=10).json()["done"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        server.stop()
    lines = [line for line in server.log_path.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["logger"].startswith("gunicorn") for r in records)  # gunicorn's own lines too
    audit = next(r for r in records if r.get("audit") == "clear" and r["outcome"] == "done")
    assert audit["logger"] == "livedash.admin" and audit["user"] == "carol"
    assert audit["deleted"] == 2 and audit["target"] == "all rows" and audit["job"] == job["job"]
    assert "removed 2 rows" in audit["message"]


def test_a_clean_stop_gives_up_the_poller_lease(tmp_path, sql) -> None:
    lease = f"livedash:{DB_NAME}:poller-lease"
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(lease)
    server = LiveServer(tmp_path, LIVEDASH_MESSAGE_QUEUE=REDIS_URL)
    viewer = socketio.Client(reconnection=False)
    try:
        viewer.connect(server.url, wait_timeout=10)
        viewer.emit("subscribe", {"window": 10, "refresh": 1})
        deadline = time.monotonic() + 15
        while client.get(lease) is None:
            assert time.monotonic() < deadline, "the server never took the lease"
            time.sleep(0.05)
        holder = client.get(lease).decode()
        assert int(holder.split(":")[1]) in server.pids()
    finally:
        viewer.disconnect()
        server.stop()
    assert "gave up the poller lease" in server.log_path.read_text()
    assert client.get(lease) in (None, b"") or client.get(lease).decode() != holder
    client.close()
