"""Demo mode and outages: unreachable at start gives demo rows, recovery needs no restart,
and once live an outage answers 503 instead of ever falling back to demo rows."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from livedash import create_app
from tests.conftest import SERVER, make_settings
from tests.tcpproxy import TcpProxy


@pytest.fixture
def proxy(test_database: str) -> Iterator[TcpProxy]:
    p = TcpProxy((SERVER["host"], SERVER["port"]), up=False)
    yield p
    p.close()


def wait_for(predicate, timeout: float = 8.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


def test_unreachable_at_start_serves_demo_rows(proxy, sql) -> None:
    app = create_app(make_settings(mysql_port=proxy.port), {"TESTING": True})
    client = app.test_client()
    body = client.get("/api/transactions").get_json()
    assert body["source"] == "demo" and 1 <= len(body["rows"]) <= 3
    stats = client.get("/api/stats?window=10").get_json()
    assert stats["source"] == "demo" and stats["total"] == len(body["rows"])
    assert client.get("/healthz").get_json()["database"] == "demo"
    page = client.get("/").get_data(as_text=True)
    assert "Demo mode" in page


def test_database_coming_up_switches_to_live_without_restart(proxy, add_row) -> None:
    add_row(username="real-user")
    app = create_app(make_settings(mysql_port=proxy.port), {"TESTING": True})
    client = app.test_client()
    assert client.get("/api/transactions").get_json()["source"] == "demo"
    proxy.up()
    body = wait_for(lambda: (b := client.get("/api/transactions").get_json())["source"]
                    == "database" and b)
    assert [r["username"] for r in body["rows"]] == ["real-user"]


def test_live_then_down_answers_503_never_demo(proxy, add_row) -> None:
    add_row()
    proxy.up()
    app = create_app(make_settings(mysql_port=proxy.port), {"TESTING": True})
    client = app.test_client()
    assert app.extensions["livedash.db"].probe()
    assert client.get("/api/stats").get_json()["source"] == "database"
    proxy.down()  # the live state notices at its next tick (1 s), the API with it
    response = wait_for(lambda: (r := client.get("/api/stats")).status_code == 503 and r)
    assert "unavailable since" in response.get_json()["error"]
    for url in ("/api/stats", "/api/transactions", "/api/users"):
        again = client.get(url)
        assert again.status_code == 503 and "rows" not in again.get_json()
    health = client.get("/healthz").get_json()
    assert health["database"] == "down" and health["down_since"]
    proxy.up()
    wait_for(lambda: client.get("/api/stats").status_code == 200)


def test_forced_demo_ignores_a_working_database(sql, add_row) -> None:
    add_row(username="real-user")
    app = create_app(make_settings(demo=True), {"TESTING": True})
    rows = app.test_client().get("/api/transactions").get_json()["rows"]
    assert "real-user" not in {r["username"] for r in rows}


def test_demo_rows_fall_inside_every_window(sql) -> None:
    app = create_app(make_settings(demo=True), {"TESTING": True})
    client = app.test_client()
    totals = {w: client.get(f"/api/stats?window={w}").get_json()["total"] for w in (10, 30, 60)}
    assert totals[10] == totals[30] == totals[60] == 3


def test_fresh_app_answers_live_on_its_first_request(sql, add_row) -> None:
    add_row(username="first")
    app = create_app(make_settings(), {"TESTING": True})
    body = app.test_client().get("/api/transactions").get_json()
    assert body["source"] == "database" and body["rows"][0]["username"] == "first"


def test_viewers_see_down_within_two_ticks_and_live_again_within_5_s(proxy, add_row) -> None:
    from livedash import socketio
    from tests.sockets import subscribe, wait_event

    add_row()
    proxy.up()
    app = create_app(make_settings(mysql_port=proxy.port), {"TESTING": True})
    client = socketio.test_client(app)
    subscribe(client, refresh=1)
    wait_event(client, "stats", lambda s: s["source"] == "database")
    proxy.down()
    down = wait_event(client, "health", lambda h: h["database"] == "down", timeout=3)
    assert down["down_since"]
    client.get_received()
    time.sleep(1.5)
    assert not [m for m in client.get_received() if m["name"] == "stats"]  # last figures kept
    assert app.test_client().get("/api/stats").status_code == 503
    proxy.up()
    wait_event(client, "health", lambda h: h["database"] == "up", timeout=5)
    wait_event(client, "stats", lambda s: s["source"] == "database", timeout=5)
    client.disconnect()


def test_the_first_request_after_a_quiet_outage_probes_before_answering(proxy, add_row) -> None:
    add_row()
    proxy.up()
    app = create_app(make_settings(mysql_port=proxy.port), {"TESTING": True})
    client = app.test_client()
    assert client.get("/api/transactions").status_code == 200
    proxy.down()
    wait_for(lambda: client.get("/api/transactions").status_code == 503)
    proxy.up()
    time.sleep(1.2)  # no dashboard is open: nothing has probed since the server came back
    assert client.get("/api/transactions").status_code == 200  # the first request answers
