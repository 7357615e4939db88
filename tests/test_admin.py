"""The admin page and its clears, over HTTP and Socket.IO, against the real database."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pymysql
import pytest

from livedash import admin, clearing, create_app, socketio
from livedash.proxies import parse_networks
from tests.conftest import DB_NAME, SERVER, live_app, make_settings
from tests.sockets import subscribe, wait_event
from tests.tcpproxy import TcpProxy

JSON = {"Accept": "application/json"}
CONFIRMED_ALL = {"mode": "all", "confirm": "transactions"}


def row_ids(sql: pymysql.connections.Connection) -> set[str]:
    with sql.cursor() as cur:
        cur.execute("SELECT transaction_id FROM transactions")
        return {r[0] for r in cur.fetchall()}


def row_count(sql: pymysql.connections.Connection) -> int:
    with sql.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM transactions")
        return int(cur.fetchone()[0])


def db_time(sql: pymysql.connections.Connection, seconds_ago: float) -> str:
    """The database's UTC now minus `seconds_ago`, as the form sends it."""
    with sql.cursor() as cur:
        cur.execute("SELECT UTC_TIMESTAMP(3) - INTERVAL %s MICROSECOND",
                    (int(seconds_ago * 1_000_000),))
        return cur.fetchone()[0].isoformat(timespec="milliseconds")


def wait_job(client: Any, job_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll GET /admin/jobs/<id> until the job is done; its final state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/admin/jobs/{job_id}").get_json()
        if job["done"]:
            return job
        time.sleep(0.05)
    raise AssertionError(f"clear job {job_id} did not finish within {timeout} s")


def clear(client: Any, **form: str) -> dict[str, Any]:
    """POST a clear, assert it was accepted, and return the finished job."""
    response = client.post("/admin/clear", data=form, headers=JSON)
    assert response.status_code == 202, response.get_json()
    return wait_job(client, response.get_json()["job"]["job"])


def insert_rows(sql: pymysql.connections.Connection, count: int, chunk: int = 5000) -> None:
    """`count` rows a minute old or more, in multi-row statements (all-%s VALUES lets PyMySQL's
    executemany batch them)."""
    with sql.cursor() as cur:
        cur.execute("SELECT UTC_TIMESTAMP(3) - INTERVAL 60 SECOND")
        start = cur.fetchone()[0]
        stmt = "INSERT INTO transactions VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        for first in range(0, count, chunk):
            cur.executemany(stmt, [
                (str(uuid.uuid4()), "bulk", "f.bin", 1, "in-1", start - timedelta(seconds=i),
                 None, None, "SUBMITTED") for i in range(first, min(count, first + chunk))])


# -- the page and its figures -------------------------------------------------------------------


def test_page_shows_database_and_app_status(client, add_row) -> None:
    add_row(offset_s=30)
    add_row(offset_s=3000)
    page = client.get("/admin")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert DB_NAME in html and 'id="clear-all"' in html and 'name="csrf_token"' in html
    status = client.get("/admin/status").get_json()
    db = status["database"]
    assert db["mode"] == "up" and db["database"] == DB_NAME and db["port"] == SERVER["port"]
    assert re.match(r"\d+\.\d+", db["version"])
    assert db["data_bytes"] > 0 and db["index_bytes"] > 0 and db["rows_estimate"] is not None
    assert db["oldest"] < db["newest"] and db["auto_counts"] is True
    assert status["app"]["mode"] == "live" and status["app"]["viewers"] == 0
    assert status["job"] is None


def test_the_password_is_never_shown(sql) -> None:
    app = create_app(make_settings(mysql_password="pw-s3cr3t-value"), {"TESTING": True})
    client = app.test_client()
    for path in ("/admin", "/admin/status"):
        response = client.get(path)
        assert response.status_code == 200
        assert b"pw-s3cr3t-value" not in response.get_data()


def test_exact_count_and_counts_per_status(client, add_row) -> None:
    for status in ("COMPLETE", "COMPLETE", "TIMEOUT"):
        add_row(status=status, offset_s=10)
    add_row(status="BAD_REQUEST", offset_s=5000)
    assert client.get("/admin/count").get_json()["rows"] == 4
    older = client.get("/admin/count", query_string={"before": "2000-01-01T00:00"}).get_json()
    assert older["rows"] == 0 and older["before"] == "2000-01-01 00:00:00.000"
    counts = client.get("/admin/status-counts").get_json()["counts"]
    assert counts == {"BAD_REQUEST": 1, "SUBMITTED": 0, "COMPLETE": 2, "TIMEOUT": 1,
                      "EP_UNAVAILABLE": 0, "CD_UNAVAILABLE": 0}


def test_unknown_job_is_404(client) -> None:
    response = client.get("/admin/jobs/nope", headers=JSON)
    assert response.status_code == 404 and "No such clear job" in response.get_json()["error"]


# -- clearing over HTTP -------------------------------------------------------------------------


def test_delete_all_truncates_and_reports_the_rows(client, add_row, sql) -> None:
    for offset in (1, 100, 10_000):
        add_row(offset_s=offset)
    job = clear(client, **CONFIRMED_ALL)
    assert job["error"] is None and job["stage"] == "done" and job["method"] == "truncate"
    assert job["deleted"] == 3 and job["total"] == 3
    assert row_count(sql) == 0
    assert client.get("/admin/status").get_json()["job"]["job"] == job["job"]


def test_delete_older_than_removes_exactly_the_older_rows(client, add_row, sql,
                                                          monkeypatch) -> None:
    monkeypatch.setattr(clearing, "BATCH_ROWS", 2)  # several batches, and a last partial one
    keep = {add_row(offset_s=s) for s in (5, 60, 499)}
    for s in (501, 900, 3600, 7200, 86400):
        add_row(offset_s=s)
    job = clear(client, mode="older_than", before=db_time(sql, 500), confirm="transactions")
    assert job["error"] is None and job["method"] == "delete"
    assert job["deleted"] == 5 and job["total"] == 5
    assert row_ids(sql) == keep


def test_delete_all_falls_back_to_batches_without_the_drop_privilege(add_row, sql,
                                                                      monkeypatch) -> None:
    monkeypatch.setattr(clearing, "BATCH_ROWS", 2)
    for offset in (1, 2, 3, 4, 5):
        add_row(offset_s=offset)
    user = f"ld_nodrop_{DB_NAME[-8:]}"
    with sql.cursor() as cur:
        cur.execute(f"CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED BY 'pw'")
        cur.execute(f"GRANT SELECT, DELETE ON {DB_NAME}.* TO '{user}'@'%'")
    try:
        app = live_app(make_settings(mysql_user=user, mysql_password="pw"))
        job = clear(app.test_client(), **CONFIRMED_ALL)
        app.extensions["livedash.db"].close()
    finally:
        with sql.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
    assert job["error"] is None and job["method"] == "delete" and job["deleted"] == 5
    assert row_count(sql) == 0


@pytest.mark.parametrize("form, message", [
    ({"mode": "all"}, "Type the table name"),
    ({"mode": "all", "confirm": ""}, "Type the table name"),
    ({"mode": "all", "confirm": "Transactions"}, "Type the table name"),
    ({"mode": "all", "confirm": "transaction"}, "Type the table name"),
    ({"mode": "all", "confirm": "3"}, "Type the table name"),
    ({"confirm": "transactions"}, "mode must be"),
    ({"mode": "everything", "confirm": "transactions"}, "mode must be"),
    ({"mode": "older_than", "confirm": "transactions"}, "Give the date and time"),
    ({"mode": "older_than", "confirm": "transactions", "before": "yesterday"}, "like 2026"),
    ({"mode": "older_than", "confirm": "transactions", "before": "2026-01-01T00:00+02:00"},
     "like 2026"),
    ({"mode": "older_than", "confirm": "transactions", "before": "0999-12-31T00:00"},
     "year 1000 or later"),
    ({"mode": "older_than", "confirm": "transactions", "before": "2999-01-01T00:00"},
     "is after the database's time now"),
])
def test_unconfirmed_or_invalid_clears_are_refused_and_touch_nothing(client, add_row, sql,
                                                                      form, message) -> None:
    ids = {add_row(offset_s=s) for s in (5, 5000, 500_000)}
    response = client.post("/admin/clear", data=form, headers=JSON)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert row_ids(sql) == ids


def test_a_post_without_the_csrf_token_is_refused(settings, add_row, sql) -> None:
    ids = {add_row(), add_row(offset_s=5000)}
    app = live_app(settings, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    refused = client.post("/admin/clear", data=CONFIRMED_ALL, headers=JSON)
    assert refused.status_code == 400 and "reload the page" in refused.get_json()["error"]
    assert row_ids(sql) == ids
    page = client.get("/admin").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    accepted = client.post("/admin/clear", data=CONFIRMED_ALL,
                           headers={**JSON, "X-CSRFToken": token})
    assert accepted.status_code == 202
    assert wait_job(client, accepted.get_json()["job"]["job"])["deleted"] == 2
    app.extensions["livedash.db"].close()


def test_only_one_clear_at_a_time(client, add_row, sql, monkeypatch) -> None:
    monkeypatch.setattr(clearing, "BATCH_ROWS", 1)
    monkeypatch.setattr(clearing, "BATCH_PAUSE_S", 0.2)
    for s in range(1, 9):
        add_row(offset_s=1000 + s)
    before = db_time(sql, 10)
    first = client.post("/admin/clear", headers=JSON, data={
        "mode": "older_than", "before": before, "confirm": "transactions"})
    assert first.status_code == 202
    second = client.post("/admin/clear", data=CONFIRMED_ALL, headers=JSON)
    assert second.status_code == 409 and "already running" in second.get_json()["error"]
    job = wait_job(client, first.get_json()["job"]["job"])
    assert job["deleted"] == 8 and job["error"] is None and row_count(sql) == 0


def test_a_form_posted_without_javascript_redirects_to_the_page(client, add_row) -> None:
    add_row()
    response = client.post("/admin/clear", data=CONFIRMED_ALL, headers={"Accept": "text/html"})
    assert response.status_code == 303 and "/admin?job=" in response.headers["Location"]
    wait_job(client, response.headers["Location"].split("job=")[1])
    refused = client.post("/admin/clear", data={"mode": "all"}, headers={"Accept": "text/html"})
    assert refused.status_code == 400 and b"Type the table name" in refused.get_data()


# -- viewers, audit, failure --------------------------------------------------------------------


def received_until(client: Any, done: Any, timeout: float) -> list[dict[str, Any]]:
    """Every event received until `done(events)` holds (or fails after `timeout`)."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while not done(events):
        assert time.monotonic() < deadline, [e["name"] for e in events]
        events += [{"name": m["name"], **m["args"][0]} for m in client.get_received()]
        time.sleep(0.05)
    return events


def test_viewers_receive_the_cleared_state_at_once(app, client, socket_client, add_row) -> None:
    ids = {add_row(offset_s=s) for s in (2, 3, 4)}
    subscribe(socket_client, refresh=10)  # a slow tier: only the reset makes it tick now
    snapshot = wait_event(socket_client, "transactions", lambda a: a.get("snapshot"))
    assert {r["transaction_id"] for r in snapshot["snapshot"]} == ids
    time.sleep(0.5)  # past the first tick: the next one is due 10 s later
    socket_client.get_received()
    clear(client, **CONFIRMED_ALL)

    def cleared(events: list[dict[str, Any]]) -> bool:
        table = any(e["name"] == "transactions" and (set(e.get("removed", [])) == ids
                                                     or e.get("snapshot") == [])
                    for e in events)
        return table and any(e["name"] == "stats" and e["total"] == 0 for e in events)

    received_until(socket_client, cleared, timeout=3)


@pytest.mark.parametrize(("trusted", "named"), [
    ("", None), ("10.0.0.0/8", None), ("127.0.0.1", "alice@example.org"),
    ("10.0.0.1, 127.0.0.0/8", "alice@example.org")])
def test_each_clear_is_audited_with_the_user_only_a_trusted_proxy_names(
        add_row, sql, caplog, trusted: str, named: str | None) -> None:
    add_row()
    add_row()
    app = live_app(make_settings(trusted_proxies=parse_networks(trusted)))
    client = app.test_client()
    caplog.set_level(logging.INFO, logger="livedash.admin")
    response = client.post("/admin/clear", data=CONFIRMED_ALL, headers={
        **JSON, "X-Forwarded-User": "alice@example.org", "X-Forwarded-For": "192.0.2.7"})
    job = wait_job(client, response.get_json()["job"]["job"])
    app.extensions["livedash.db"].close()
    lines = [r for r in caplog.records if r.name == "livedash.admin"]
    started = next(r.getMessage() for r in lines if "started by" in r.getMessage())
    ended = next(r for r in lines if "removed 2 rows" in r.getMessage())
    assert job["user"] == named and ended.user == named and ended.outcome == "done"
    if named:  # the client behind the trusted proxy, by its X-Forwarded-For
        assert f"started by {named} from 192.0.2.7" in started and "all rows" in started
    else:  # a header sent straight to the app is anybody's word: the peer address only
        assert "alice" not in started and "started by unnamed user from 127.0.0.1" in started
        assert "alice" not in ended.getMessage()


@pytest.mark.parametrize(("origin", "status"), [
    ("http://evil.example", 403), ("https://localhost.evil.example", 403),
    ("http://localhost", 202), (None, 202)])
def test_the_http_clear_checks_the_origin_as_the_socket_does(client, add_row, sql, origin,
                                                            status) -> None:
    ids = {add_row(), add_row(offset_s=900)}
    headers = {**JSON, **({"Origin": origin} if origin else {})}
    response = client.post("/admin/clear", data=CONFIRMED_ALL, headers=headers)
    assert response.status_code == status, response.get_json()
    if status == 403:
        assert "own pages" in response.get_json()["error"] and row_ids(sql) == ids
    else:
        assert wait_job(client, response.get_json()["job"]["job"])["deleted"] == 2


@pytest.fixture
def proxy(test_database: str) -> Iterator[TcpProxy]:
    p = TcpProxy((SERVER["host"], SERVER["port"]))
    yield p
    p.close()


def wait_statement(sql: pymysql.connections.Connection, prefix: str, timeout: float = 20) -> None:
    """Block until a statement starting with `prefix` runs on the test database."""
    deadline = time.monotonic() + timeout
    with sql.cursor() as cur:
        while True:
            cur.execute("SELECT COUNT(*) FROM information_schema.processlist WHERE db = %s AND "
                        "info LIKE %s", (DB_NAME, prefix + "%"))
            if cur.fetchone()[0]:
                return
            assert time.monotonic() < deadline, f"no {prefix} statement ran"
            time.sleep(0.005)


def start_clear_through(proxy: TcpProxy, form: dict[str, str]) -> tuple[Any, Any, str]:
    """An app reaching the database through `proxy`, its client and a started clear's id."""
    app = live_app(make_settings(mysql_port=proxy.port))
    client = app.test_client()
    response = client.post("/admin/clear", headers=JSON, data=form)
    assert response.status_code == 202, response.get_json()
    return app, client, response.get_json()["job"]["job"]


def clearing_older_rows(proxy: TcpProxy, sql: pymysql.connections.Connection,
                        deleted: int) -> tuple[Any, Any, str]:
    """Start clearing every row through `proxy`, batch by batch ("older than" now), and return
    (app, client, job id) once at least `deleted` rows are gone."""
    app, client, job_id = start_clear_through(proxy, {
        "mode": "older_than", "before": db_time(sql, 0), "confirm": "transactions"})
    deadline = time.monotonic() + 30
    while client.get(f"/admin/jobs/{job_id}").get_json()["deleted"] < deleted:
        assert time.monotonic() < deadline, "the clear made no progress"
        time.sleep(0.01)
    return app, client, job_id


def cut(proxy: TcpProxy, for_s: float) -> None:
    """Cut every connection through `proxy`, and accept new ones again `for_s` later."""
    proxy.down()
    threading.Timer(for_s, proxy.up).start()


def test_a_delete_cut_mid_statement_reports_what_is_left(proxy, sql, caplog) -> None:
    insert_rows(sql, 50_000)  # five batches of 10,000, each long enough to cut in flight
    caplog.set_level(logging.INFO, logger="livedash.admin")
    app, client, job_id = clearing_older_rows(proxy, sql, 10_000)
    wait_statement(sql, "DELETE")
    cut(proxy, 0.5)  # the server finishes and commits the batch it is running
    job = wait_job(client, job_id)
    app.extensions["livedash.db"].close()
    left = row_count(sql)
    assert job["stage"] == "failed" and job["remaining"] == left and 0 < left <= 40_000
    assert job["deleted"] == 50_000 - left
    assert f"{left:,} of the targeted rows are left, so {50_000 - left:,} rows" in job["error"]
    audit = next(r for r in caplog.records if "FAILED" in r.getMessage())
    assert f"after removing {50_000 - left} rows (counted afterwards" in audit.getMessage()
    assert audit.remaining == left and audit.outcome == "failed"


def test_a_truncate_cut_mid_statement_reports_what_is_left(proxy, sql) -> None:
    insert_rows(sql, 2000)
    with sql.cursor() as cur:
        cur.execute("LOCK TABLES transactions READ")  # TRUNCATE waits for it: cut it there
    app, client, job_id = start_clear_through(proxy, CONFIRMED_ALL)
    wait_statement(sql, "TRUNCATE")
    cut(proxy, 0.5)
    with sql.cursor() as cur:
        cur.execute("UNLOCK TABLES")
    job = wait_job(client, job_id)
    app.extensions["livedash.db"].close()
    left = row_count(sql)
    assert job["stage"] == "failed" and job["method"] == "truncate"
    assert job["remaining"] == left and job["deleted"] == 2000 - left
    expected = "the table is now empty" if left == 0 else f"{left:,} of the targeted rows"
    assert f"Counted afterwards: {expected}" in job["error"]


def test_a_clear_that_cannot_recount_says_what_it_can_vouch_for(proxy, sql, monkeypatch,
                                                                caplog) -> None:
    monkeypatch.setattr(clearing, "BATCH_ROWS", 500)
    monkeypatch.setattr(clearing, "BATCH_PAUSE_S", 0.01)
    monkeypatch.setattr(clearing, "RECOUNT_PAUSE_S", 0.05)
    insert_rows(sql, 50_000)
    caplog.set_level(logging.INFO, logger="livedash.admin")
    app, client, job_id = clearing_older_rows(proxy, sql, 2000)
    proxy.down()  # and it stays down: the job cannot count what is left
    job = wait_job(client, job_id)
    app.extensions["livedash.db"].close()
    assert job["stage"] == "failed" and job["done"] and job["remaining"] is None
    assert f"Stopped after {job['deleted']:,} rows were deleted for sure" in job["error"]
    assert "could not be counted" in job["error"]
    removed = 50_000 - row_count(sql)
    assert 2000 <= job["deleted"] <= removed <= job["deleted"] + 500 < 50_000
    assert any("at least, the rest uncounted" in r.getMessage() for r in caplog.records)


# -- refusals: admin off, demo mode -------------------------------------------------------------


def test_admin_off_hides_the_page_and_refuses_every_action(sql, add_row) -> None:
    ids = {add_row()}
    app = live_app(make_settings(admin=False))
    client = app.test_client()
    assert 'href="/admin"' not in client.get("/").get_data(as_text=True)
    for path in ("/admin", "/admin/status", "/admin/count", "/admin/status-counts",
                 "/admin/jobs/x"):
        assert client.get(path).status_code == 404, path
    refused = client.post("/admin/clear", data=CONFIRMED_ALL, headers=JSON)
    assert refused.status_code == 403 and "LIVEDASH_ADMIN=off" in refused.get_json()["error"]
    sc = socketio.test_client(app)
    ack = sc.emit("admin_clear", CONFIRMED_ALL, callback=True)
    assert ack["ok"] is False and ack["status"] == 403 and "LIVEDASH_ADMIN=off" in ack["error"]
    sc.disconnect()
    assert row_ids(sql) == ids
    app.extensions["livedash.db"].close()


def test_the_admin_entry_is_in_the_menu_when_enabled(client) -> None:
    assert 'href="/admin"' in client.get("/").get_data(as_text=True)


def test_demo_mode_renders_the_page_and_refuses_actions(sql, add_row) -> None:
    ids = {add_row()}
    app = create_app(make_settings(demo=True), {"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    page = client.get("/admin")
    assert page.status_code == 200 and "Demo mode" in page.get_data(as_text=True)
    assert client.get("/admin/status").get_json()["database"]["mode"] == "demo"
    refused = client.post("/admin/clear", data=CONFIRMED_ALL, headers=JSON)
    assert refused.status_code == 409 and "Demo mode" in refused.get_json()["error"]
    assert client.get("/admin/count", headers=JSON).status_code == 409
    sc, token = admin_socket(app)
    ack = sc.emit("admin_clear", {**CONFIRMED_ALL, "csrf_token": token}, callback=True)
    assert ack["ok"] is False and ack["status"] == 409 and "Demo mode" in ack["error"]
    sc.disconnect()
    assert row_ids(sql) == ids


# -- clearing over Socket.IO --------------------------------------------------------------------


def admin_socket(app: Any, **headers: str) -> tuple[Any, str]:
    """A socket connected with the session of a loaded /admin page, and that page's token."""
    client = app.test_client()
    page = client.get("/admin").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    return socketio.test_client(app, flask_test_client=client, headers=headers), token


def test_socket_clear_from_a_foreign_origin_is_refused(app, add_row, sql) -> None:
    ids = {add_row(), add_row(offset_s=9000)}
    sc, token = admin_socket(app, Origin="http://evil.example")
    ack = sc.emit("admin_clear", {**CONFIRMED_ALL, "csrf_token": token}, callback=True)
    assert ack["ok"] is False and ack["status"] == 403 and "own pages" in ack["error"]
    assert not [m for m in sc.get_received() if m["name"] == "admin_progress"]
    sc.disconnect()
    assert row_ids(sql) == ids


def test_socket_clear_from_the_own_origin_acks_the_result(add_row, sql, caplog) -> None:
    app = live_app(make_settings(trusted_proxies=parse_networks("127.0.0.1")))
    keep = add_row(offset_s=5)
    for s in (4000, 5000):
        add_row(offset_s=s)
    caplog.set_level(logging.INFO, logger="livedash.admin")
    sc, token = admin_socket(app, Origin="http://localhost", **{"X-Remote-User": "bob"})
    ack = sc.emit("admin_clear", {"mode": "older_than", "before": db_time(sql, 60),
                                  "confirm": "transactions", "csrf_token": token}, callback=True)
    assert ack["ok"] is True and ack["job"]["deleted"] == 2 and ack["job"]["done"]
    assert ack["job"]["user"] == "bob" and ack["job"]["stage"] == "done"
    progress = [m["args"][0] for m in sc.get_received() if m["name"] == "admin_progress"]
    assert progress[-1]["done"] and progress[-1]["deleted"] == 2
    assert {p["stage"] for p in progress} >= {"counting", "deleting", "done"}
    sc.disconnect()
    app.extensions["livedash.db"].close()
    assert row_ids(sql) == {keep}
    assert any("bob" in r.getMessage() and "removed 2 rows" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("payload", [
    None, "transactions", ["all"], {"mode": "all"}, {"mode": "all", "confirm": "nope"},
    {"mode": "older_than", "confirm": "transactions", "before": 12},
])
def test_socket_clear_unconfirmed_is_refused(app, add_row, sql, payload) -> None:
    ids = {add_row()}
    sc, token = admin_socket(app)
    if isinstance(payload, dict):
        payload = {**payload, "csrf_token": token}
    ack = sc.emit("admin_clear", payload, callback=True)
    refused_as = 400 if isinstance(payload, dict) else 403  # no object: no token either
    assert ack["ok"] is False and ack["status"] == refused_as and ack["error"]
    sc.disconnect()
    assert row_ids(sql) == ids


@pytest.mark.parametrize("case", ["no token", "wrong token", "token of another session",
                                  "no session"])
def test_socket_clear_without_the_admin_pages_token_is_refused(app, add_row, sql,
                                                                case) -> None:
    ids = {add_row(), add_row(offset_s=9000)}
    sc, token = admin_socket(app)
    payload = dict(CONFIRMED_ALL)
    if case == "wrong token":
        payload["csrf_token"] = token[:-4] + "AAAA"
    elif case == "token of another session":
        payload["csrf_token"] = admin_socket(app)[1]
    elif case == "no session":
        sc.disconnect()
        sc, payload["csrf_token"] = socketio.test_client(app), token
    ack = sc.emit("admin_clear", payload, callback=True)
    assert ack["ok"] is False and ack["status"] == 403, ack
    assert "csrf_token of the /admin page" in ack["error"]
    assert not [m for m in sc.get_received() if m["name"] == "admin_progress"]
    sc.disconnect()
    assert row_ids(sql) == ids


def test_cutoff_parsing_accepts_the_forms_formats() -> None:
    assert admin.parse_before("2026-01-31T04:05") == datetime(2026, 1, 31, 4, 5)
    assert admin.parse_before(" 2026-01-31 04:05:06.789 ") == datetime(2026, 1, 31, 4, 5, 6,
                                                                       789000)
    with pytest.raises(admin.Refused, match="like 2026"):
        admin.parse_before("2026-01-31")
