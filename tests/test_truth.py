"""Truth on screen (issue 12): figures exact for every value the table allows, and every
failure of the database visible with its cause, on the real database."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from livedash import create_app, socketio
from tests import oracle
from tests.conftest import SERVER, connect, live_app, make_settings
from tests.sockets import subscribe, wait_event

BIG = 2**63 - 1


def stats(client: Any, window: int = 10) -> dict[str, Any]:
    response = client.get(f"/api/stats?window={window}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_bigint_sizes_and_any_transit_give_exact_figures(client, add_row, sql) -> None:
    add_row(offset_s=30, status="COMPLETE", file_size=BIG, transit_s=0.001)
    add_row(offset_s=40, status="COMPLETE", file_size=BIG, transit_s=7200.0)
    add_row(offset_s=50, status="EP_UNAVAILABLE", file_size=BIG, transit_s=0.0)
    add_row(offset_s=60, status="COMPLETE", file_size=BIG, transit_s=-3.5)  # clock skew
    add_row(offset_s=70, status="SUBMITTED", file_size=BIG, transit_s=None)
    body = stats(client)
    egress = body["egress"]
    assert (egress["complete"], egress["ep_unavailable"]) == (3, 1)
    assert egress["throughput_bps"] == oracle.tenths(4 * BIG, 600)  # exact, no overflow
    assert egress["tps"] == oracle.tenths(4, 600)
    rates = [BIG / 0.001, BIG / 7200.0]  # only positive transits have a rate
    assert oracle.close_to(egress["avg_rate_bps"], sum(rates) / 2)
    start = oracle.window_start(client.application.extensions["livedash.poller"]
                                .scheduler.source.now, 10)
    oracle.assert_payload_matches(body, oracle.figures(oracle.groups(sql, start), 10))


def test_file_size_reaches_clients_exactly_and_skew_is_negative(client, socket_client,
                                                                add_row) -> None:
    tid = add_row(offset_s=5, status="COMPLETE", file_size=BIG, transit_s=-2.0)
    row = client.get("/api/transactions").get_json()["rows"][0]
    assert row["file_size"] == "9223372036854775807"  # a string: JavaScript keeps it exact
    assert row["transit_seconds"] == -2.0
    subscribe(socket_client)
    snap = wait_event(socket_client, "transactions", lambda a: "snapshot" in a)
    assert snap["snapshot"][0]["transaction_id"] == tid
    assert snap["snapshot"][0]["file_size"] == "9223372036854775807"


def wait_for(predicate, timeout: float = 8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_a_missing_table_is_failing_with_its_cause_and_recovers(app, client, socket_client,
                                                                add_row, sql) -> None:
    add_row(offset_s=1)
    subscribe(socket_client)
    wait_event(socket_client, "stats")
    with sql.cursor() as cur:
        cur.execute("RENAME TABLE transactions TO transactions_away")
    try:
        health = wait_event(socket_client, "health", lambda h: h["database"] == "failing",
                            timeout=4)  # within two ticks of the 1 s tier
        assert "doesn't exist" in health["error"] and health["since"]
        assert client.get("/healthz").get_json()["database"] == "failing"
        refused = client.get("/api/stats")
        assert refused.status_code == 503 and "failing since" in refused.get_json()["error"]
        drain = socket_client.get_received()
        assert not [m for m in drain if m["name"] == "stats"]  # no figures under a failure
    finally:
        with sql.cursor() as cur:
            cur.execute("RENAME TABLE transactions_away TO transactions")
    wait_event(socket_client, "health", lambda h: h["database"] == "up", timeout=6)
    wait_event(socket_client, "stats", lambda s: s["total"] == 1, timeout=6)


@pytest.fixture
def reader(test_database: str) -> Iterator[str]:
    """A user that may only SELECT the test table (dropped afterwards)."""
    admin = connect(None)
    with admin.cursor() as cur:
        cur.execute("DROP USER IF EXISTS 'livedash_ro'@'%'")
        cur.execute("CREATE USER 'livedash_ro'@'%' IDENTIFIED BY 'ro-pass'")
        cur.execute(f"GRANT SELECT ON {test_database}.transactions TO 'livedash_ro'@'%'")
    yield "livedash_ro"
    with admin.cursor() as cur:
        cur.execute("DROP USER IF EXISTS 'livedash_ro'@'%'")
    admin.close()


def test_a_revoked_privilege_names_the_cause_without_the_account(sql, reader,
                                                                 test_database) -> None:
    app = live_app(make_settings(mysql_user=reader, mysql_password="ro-pass"))
    viewer = socketio.test_client(app)
    subscribe(viewer)
    wait_event(viewer, "stats")
    admin = connect(None)
    with admin.cursor() as cur:
        cur.execute(f"REVOKE SELECT ON {test_database}.transactions FROM 'livedash_ro'@'%'")
    try:
        health = wait_event(viewer, "health", lambda h: h["database"] == "failing", timeout=5)
        assert "denied" in health["error"]
        assert "livedash_ro" not in health["error"] and "127.0.0.1" not in health["error"]
        assert "livedash_ro" in app.extensions["livedash.db"].state().last_error  # admin page
    finally:
        with admin.cursor() as cur:
            cur.execute(f"GRANT SELECT ON {test_database}.transactions TO 'livedash_ro'@'%'")
        admin.close()
    wait_event(viewer, "health", lambda h: h["database"] == "up", timeout=6)
    viewer.disconnect()


@pytest.mark.parametrize(("override", "cause"), [
    ({"mysql_database": "no_such_db_here"}, "Unknown database"),
    ({"mysql_password": "wrong"}, "Access denied"),
    ({"mysql_port": 9}, "Can't connect"),
])
def test_start_says_where_it_connects_and_why_it_falls_back_to_demo(
        sql, caplog, override, cause) -> None:
    caplog.set_level(logging.INFO, logger="livedash.db")
    app = create_app(make_settings(**override), {"TESTING": True})
    health = app.test_client().get("/healthz").get_json()
    assert health["database"] == "demo" and cause in health["error"]
    assert SERVER["user"] not in health["error"].replace("the configured user", "")
    lines = [r.getMessage() for r in caplog.records if r.name == "livedash.db"]
    settings = app.config["LIVEDASH"]
    assert any(f"{settings.mysql_host}:{settings.mysql_port}" in line
               and settings.mysql_database in line and settings.mysql_user in line
               for line in lines if line.startswith("connecting"))
    assert any(line.startswith("no database yet") and cause in line for line in lines)


def test_a_table_missing_at_start_is_demo_with_that_reason(sql, caplog) -> None:
    with sql.cursor() as cur:
        cur.execute("RENAME TABLE transactions TO transactions_away")
    try:
        caplog.set_level(logging.WARNING, logger="livedash.db")
        app = create_app(make_settings(), {"TESTING": True})
        assert app.test_client().get("/healthz").get_json()["database"] == "demo"
        assert any("doesn't exist" in r.getMessage() for r in caplog.records)
    finally:
        with sql.cursor() as cur:
            cur.execute("RENAME TABLE transactions_away TO transactions")


def test_each_change_of_state_is_logged_once(app, socket_client, add_row, sql,
                                             caplog) -> None:
    caplog.set_level(logging.WARNING, logger="livedash.db")
    subscribe(socket_client)
    wait_event(socket_client, "stats")
    with sql.cursor() as cur:
        cur.execute("RENAME TABLE transactions TO transactions_away")
    try:
        wait_event(socket_client, "health", lambda h: h["database"] == "failing", timeout=4)
        time.sleep(2.5)  # more failing ticks
    finally:
        with sql.cursor() as cur:
            cur.execute("RENAME TABLE transactions_away TO transactions")
    failing = [r for r in caplog.records if "failing" in r.getMessage()]
    assert len(failing) == 1 and failing[0].levelno == logging.WARNING


@pytest.mark.parametrize("text, digits", [
    ("2026-12-01 15:00:00", 0), ("2026-12-01 15:00:00.5", 6), ("2026-12-01 15:00:00.123", 3),
    ("2026-12-01 15:00:00.123456", 6), ("1000-01-01 00:00:00", 6),
    ("9999-12-31 23:59:59.999999", 6), ("2026-12-01 15:00:00.12", 2),
    ("0000-00-00 00:00:00", 0)])
def test_times_read_are_what_pymysql_would_give(settings, text, digits) -> None:
    """The live pool parses DATETIME with fromisoformat (fast); for every shape the server
    sends, the value is PyMySQL's own, a zero date included (left as its text)."""
    from pymysql import converters

    from livedash.db import Database

    db = Database(settings)
    try:
        with db.snapshot() as session:
            session.run("SET SESSION sql_mode = ''")  # a zero date comes back as itself
            value, raw = session.run(f"SELECT CAST(%s AS DATETIME({digits})), "
                                     f"CAST(CAST(%s AS DATETIME({digits})) AS CHAR)",
                                     (text, text))[0]
    finally:
        db.close()
    assert value == converters.convert_datetime(raw)
    assert type(value) is type(converters.convert_datetime(raw))


def test_the_enums_error_value_does_not_stop_the_live_path(client, socket_client, add_row,
                                                           sql) -> None:
    """Outside strict mode MySQL stores an invalid ENUM value as '' (the error value): the
    table allows it, so the live path, the API and the reports must go on around it."""
    add_row(offset_s=2)
    with sql.cursor() as cur:
        cur.execute("SET SESSION sql_mode = ''")
    try:
        odd = add_row(offset_s=1, status="NOT_A_STATUS")
    finally:
        with sql.cursor() as cur:
            cur.execute("SET SESSION sql_mode = DEFAULT")
    with sql.cursor() as cur:
        cur.execute("SELECT status FROM transactions WHERE transaction_id = %s", (odd,))
        assert cur.fetchone()[0] == ""
    subscribe(socket_client)
    stats = wait_event(socket_client, "stats", lambda s: s["complete"])
    assert (stats["total"], stats["unknown_status"], stats["egress"]["complete"]) == (2, 1, 1)
    assert stats["ingress"]["servers"][0]["total"] == 2
    assert [a["figure"] for a in stats["alarms"]] == ["unknown_status"]
    assert "1 transfer with an empty status" in stats["alarms"][0]["message"]
    api = client.get("/api/stats?window=10").get_json()
    assert (api["total"], api["unknown_status"]) == (2, 1)
    rows = client.get("/api/transactions").get_json()["rows"]
    assert "" in {r["status"] for r in rows}
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'livedash_window_transactions{status="(empty)",window="10"} 1.0' in metrics
    hour = timedelta(hours=1)
    span = (f"start={datetime.utcnow() - hour:%Y-%m-%dT%H:%M}"
            f"&end={datetime.utcnow() + hour:%Y-%m-%dT%H:%M}")
    for kind in ("csv", "html"):
        report = client.get(f"/reports/export?{span}&format={kind}")
        body = report.get_data(as_text=True)
        report.close()
        assert report.status_code == 200, body[:300]
        assert odd in body
