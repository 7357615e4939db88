"""JSON API shapes and every 400, on the real database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import live_app, make_settings


def test_stats_shape(client, add_row) -> None:
    add_row()
    body = client.get("/api/stats?window=30").get_json()
    assert {"window_minutes", "as_of", "source", "ingress", "cd", "egress", "total"} <= set(body)
    assert set(body["ingress"]) >= {"bad_request", "cd_unavailable", "servers"}
    assert set(body["cd"]) == {"submitted", "timeout", "in_flight", "stuck",
                               "oldest_in_flight_s"}
    assert {"complete", "filling", "previous", "levels", "alarms", "series"} <= set(body)
    assert set(body["egress"]) >= {"complete", "ep_unavailable", "tps", "throughput_bps",
                                   "avg_rate_bps", "servers"}
    assert body["window_minutes"] == 30
    assert len(body["as_of"]) == len("2026-11-29T00:30:00.123")


def test_transactions_newest_first_with_all_columns(client, add_row) -> None:
    old = add_row(offset_s=100, transit_s=1.5)
    new = add_row(offset_s=10, status="SUBMITTED", transit_s=None)
    response = client.get("/api/transactions")
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["source"] == "database"
    ids = [r["transaction_id"] for r in body["rows"]]
    assert ids == [new, old]
    first, second = body["rows"]
    assert set(first) == {"transaction_id", "username", "file_name", "file_size",
                          "ingress_server", "ingress_time", "egress_server", "egress_time",
                          "status", "transit_seconds"}
    assert first["egress_time"] is None and first["transit_seconds"] is None
    assert second["transit_seconds"] == 1.5
    assert second["ingress_time"][-4] == "."  # milliseconds kept


def test_transactions_filters_and_limit(client, add_row) -> None:
    for i in range(60):
        add_row(offset_s=i + 1, username="bob" if i % 3 else "carol",
                status="COMPLETE" if i % 2 else "TIMEOUT")
    rows = client.get("/api/transactions?limit=50").get_json()["rows"]
    assert len(rows) == 50
    carol = client.get("/api/transactions?username=carol").get_json()["rows"]
    assert len(carol) == 20 and {r["username"] for r in carol} == {"carol"}
    both = client.get("/api/transactions?username=bob&status=timeout").get_json()["rows"]
    assert len(both) == 20 and {(r["username"], r["status"]) for r in both} == {("bob", "TIMEOUT")}
    times = [r["ingress_time"] for r in both]
    assert times == sorted(times, reverse=True)


def test_users_prefix_is_literal(client, add_row) -> None:
    for name in ("ann", "anna", "a_b", "axe", "bob"):
        add_row(username=name)
    assert client.get("/api/users?prefix=an").get_json()["users"] == ["ann", "anna"]
    assert client.get("/api/users?prefix=a_").get_json()["users"] == ["a_b"]
    assert client.get("/api/users?prefix=%25").get_json()["users"] == []


@pytest.mark.parametrize("url", [
    "/api/stats?window=7", "/api/stats?window=abc", "/api/stats?window=", "/api/stats?window=10.0",
    "/api/transactions?limit=0", "/api/transactions?limit=-1", "/api/transactions?limit=10000",
    "/api/transactions?limit=abc", "/api/transactions?status=DONE",
    "/api/transactions?username=" + "x" * 51, "/api/users?prefix=" + "y" * 51,
])
def test_bad_input_gets_400_with_message(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert message and "Traceback" not in message


def test_unknown_api_path_is_json_404(client) -> None:
    response = client.get("/api/nope")
    assert response.status_code == 404 and "error" in response.get_json()


def test_healthz_up(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["database"] == "up"


@pytest.fixture
def server_three_hours_ahead(sql) -> Iterator[None]:
    """New sessions of the database server in UTC+3 (NOW() != UTC_TIMESTAMP()), restored after.
    The `sql` connection was opened before, so add_row still stamps rows in UTC."""
    with sql.cursor() as cur:
        cur.execute("SELECT @@GLOBAL.time_zone")
        previous = cur.fetchone()[0]
        cur.execute("SET GLOBAL time_zone = '+03:00'")
    try:
        yield
    finally:
        with sql.cursor() as cur:
            cur.execute("SET GLOBAL time_zone = %s", (previous,))


@pytest.mark.parametrize("clock", ["utc", "local"])
def test_db_clock_decides_what_now_is(server_three_hours_ahead, add_row, clock) -> None:
    add_row(offset_s=60, status="COMPLETE")  # a minute ago in UTC
    add_row(offset_s=60 - 3 * 3600, status="EP_UNAVAILABLE")  # a minute ago in UTC+3
    app = live_app(make_settings(db_clock=clock))
    try:
        client = app.test_client()
        stats = client.get("/api/stats?window=10").get_json()
        as_of = datetime.fromisoformat(stats["as_of"])
    finally:
        app.extensions["livedash.db"].close()
    utc_now = datetime.now(timezone.utc).replace(tzinfo=None)
    if clock == "utc":
        assert abs((as_of - utc_now).total_seconds()) < 60
        assert stats["egress"]["complete"] == 1
    else:  # the UTC-stamped row is 3 h old in local time: outside the window
        assert abs((as_of - utc_now - timedelta(hours=3)).total_seconds()) < 60
        assert stats["egress"]["complete"] == 0 and stats["egress"]["ep_unavailable"] == 1


def test_api_stats_costs_the_shared_feed_not_a_query_per_request(app, client,
                                                                 add_row) -> None:
    add_row(offset_s=5)
    db = app.extensions["livedash.db"]
    assert client.get("/api/stats?window=60").get_json()["complete"]
    time.sleep(1.2)
    idle_start = db.statements
    time.sleep(2.0)
    idle = db.statements - idle_start
    busy_start = db.statements
    deadline = time.monotonic() + 2.0
    requests = 0
    while time.monotonic() < deadline:
        assert client.get("/api/stats?window=60").status_code == 200
        requests += 1
    busy = db.statements - busy_start
    assert requests >= 20 and busy <= idle + 8  # the feed's ticks, whatever the requests


def test_api_rows_come_from_the_live_table_once_it_is_watched(app, client, add_row) -> None:
    first = add_row(offset_s=5)
    assert [r["transaction_id"] for r in client.get("/api/transactions").get_json()["rows"]] \
        == [first]
    second = add_row(offset_s=0)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        rows = client.get("/api/transactions").get_json()["rows"]
        if len(rows) == 2:
            break
        time.sleep(0.2)
    assert [r["transaction_id"] for r in rows] == [second, first]
