"""Nothing a client sends or the database does stops the live path for good (issue 11):
a table locked past the read timeout, a bad payload, a view whose work fails, a tick that
is overdue while it runs; each on the real database through the real socket handlers."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest

from livedash import socketio
from livedash.poller import get_poller
from livedash.queries import live
from tests.sockets import subscribe, wait_event


def drain(client: Any) -> None:
    client.get_received()


def test_a_table_locked_past_the_read_timeout_never_freezes_the_dashboard(
        app, client, socket_client, add_row, sql) -> None:
    add_row(offset_s=1)
    subscribe(socket_client)
    wait_event(socket_client, "stats", lambda s: s["total"] == 1)
    stop = threading.Event()

    def poll_api() -> None:  # another client polling /api/stats all along, as in the report
        api = app.test_client()
        while not stop.is_set():
            api.get("/api/stats")
            time.sleep(0.2)

    poller_thread = threading.Thread(target=poll_api, daemon=True)
    poller_thread.start()
    try:
        for _ in range(2):
            with sql.cursor() as cur:
                cur.execute("LOCK TABLES transactions WRITE")
            time.sleep(app.config["LIVEDASH"].read_timeout + 1.5)  # past the 5 s read timeout
            with sql.cursor() as cur:
                cur.execute("UNLOCK TABLES")
            add_row(offset_s=0, status="BAD_REQUEST")
            drain(socket_client)
            wait_event(socket_client, "stats", lambda s: s["ingress"]["bad_request"] >= 1,
                       timeout=10)
            with sql.cursor() as cur:
                cur.execute("DELETE FROM transactions WHERE status = 'BAD_REQUEST'")
    finally:
        stop.set()
        poller_thread.join(5)
    assert client.get("/healthz").get_json()["database"] == "up"
    assert client.get("/api/stats").status_code == 200


@pytest.mark.parametrize("field", ["username", "status", "q", "ingress_server",
                                   "egress_server"])
def test_text_that_is_not_utf8_is_refused_and_the_tier_goes_on(app, socket_client, add_row,
                                                                 field) -> None:
    add_row(offset_s=1)
    other = socketio.test_client(app)
    subscribe(other)
    ack = socket_client.emit("subscribe", {"refresh": 1, field: "\ud800"}, callback=True)
    assert ack["ok"] is False and "UTF-8" in ack["error"]
    drain(other)
    wait_event(other, "stats")
    wait_event(other, "stats")  # the tier ticks on
    other.disconnect()


def test_one_failing_view_does_not_stop_the_others(app, add_row, monkeypatch,
                                                    caplog) -> None:
    real = live.latest_rows

    def failing(db, key, *args, **kwargs):
        if key.username == "boom":
            raise RuntimeError("this view's work fails")
        return real(db, key, *args, **kwargs)

    monkeypatch.setattr(live, "latest_rows", failing)
    caplog.set_level(logging.ERROR)
    add_row(offset_s=1)
    broken, fine = socketio.test_client(app), socketio.test_client(app)
    subscribe(broken, username="boom")
    subscribe(fine)
    wait_event(fine, "transactions", lambda a: "snapshot" in a)
    tid = add_row(offset_s=0)
    added = wait_event(fine, "transactions", lambda a: a.get("added"))
    assert [r["transaction_id"] for r in added["added"]] == [tid]
    assert get_poller(app).health()["view_errors"] == 1
    logged = [r for r in caplog.records if "this view's work fails" in r.getMessage()
              or "RuntimeError" in (r.exc_text or "")]
    assert len(logged) == 1  # once, not once a tick
    broken.disconnect()
    fine.disconnect()


def test_a_tick_that_is_overdue_is_told_while_it_runs(app, socket_client, add_row,
                                                       sql) -> None:
    add_row(offset_s=1)
    subscribe(socket_client)
    wait_event(socket_client, "stats")
    with sql.cursor() as cur:
        cur.execute("LOCK TABLES transactions WRITE")
    try:
        health = wait_event(socket_client, "health", lambda h: h["overdue_s"], timeout=4)
        assert health["database"] == "up" and health["overdue_s"] > 0
    finally:
        with sql.cursor() as cur:
            cur.execute("UNLOCK TABLES")
    wait_event(socket_client, "health", lambda h: h["overdue_s"] is None, timeout=8)
