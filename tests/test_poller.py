"""The shared poller through Flask-SocketIO's test client, against the real database."""

from __future__ import annotations

import threading
import time

from livedash import feed, socketio, tableviews
from livedash.poller import get_poller
from tests.conftest import connect
from tests.sockets import subscribe, wait_event


def tier(app, period: int = 1) -> dict:
    return next(t for t in get_poller(app).status()["tiers"] if t["period"] == period)


def wait_ticks(app, n: int, period: int = 1) -> None:
    start = tier(app, period)["ticks"]
    deadline = time.monotonic() + n * period + 5
    while tier(app, period)["ticks"] < start + n:
        assert time.monotonic() < deadline, "poller stopped ticking"
        time.sleep(0.05)


def test_subscribe_gives_snapshot_and_stats(socket_client, add_row) -> None:
    tid = add_row(username="dana")
    subscribe(socket_client)
    snap = wait_event(socket_client, "transactions", lambda a: "snapshot" in a)
    assert [r["transaction_id"] for r in snap["snapshot"]] == [tid] and snap["as_of"]
    stats = wait_event(socket_client, "stats")
    assert stats["total"] == 1 and stats["window_minutes"] == 10


def test_insert_update_delete_travel_as_deltas(socket_client, add_row, sql) -> None:
    subscribe(socket_client)
    wait_event(socket_client, "transactions", lambda a: "snapshot" in a)
    tid = add_row(offset_s=0, status="SUBMITTED", transit_s=None)
    added = wait_event(socket_client, "transactions", lambda a: a.get("added"))
    assert [r["transaction_id"] for r in added["added"]] == [tid]
    with sql.cursor() as cur:
        cur.execute("UPDATE transactions SET status='COMPLETE', egress_server='out-9', "
                    "egress_time=ingress_time + INTERVAL 2000 MICROSECOND "
                    "WHERE transaction_id=%s", (tid,))
    changed = wait_event(socket_client, "transactions", lambda a: a.get("changed"))
    assert changed["changed"][0]["status"] == "COMPLETE"
    assert changed["changed"][0]["transit_seconds"] == 0.002  # milliseconds kept
    with sql.cursor() as cur:
        cur.execute("DELETE FROM transactions WHERE transaction_id=%s", (tid,))
    # a settled row on screen is re-read by key every tableviews.RECHECK_S
    removed = wait_event(socket_client, "transactions", lambda a: a.get("removed"),
                         timeout=tableviews.RECHECK_S + 3)
    assert removed["removed"] == [tid] and not removed["added"]


def test_nothing_sent_for_the_table_when_nothing_changed(app, socket_client, add_row) -> None:
    add_row()
    subscribe(socket_client)
    wait_event(socket_client, "transactions", lambda a: "snapshot" in a)
    wait_ticks(app, 3)
    names = [m["name"] for m in socket_client.get_received()]
    assert "transactions" not in names and names.count("stats") >= 2


def statements_per_tick(app, ticks: int = 3) -> float:
    """Statements the app sent per tick of the 1 s tier, averaged over `ticks` ticks."""
    db = app.extensions["livedash.db"]
    wait_ticks(app, 1)
    start, first = db.statements, tier(app)["ticks"]
    wait_ticks(app, ticks)
    return (db.statements - start) / (tier(app)["ticks"] - first)


def test_viewers_of_one_view_share_one_query(app, add_row, monkeypatch) -> None:
    # the feed's occasional work (verifications, the discovery scan) off: ticks then cost
    # the same every time, and any difference would come from the viewers
    monkeypatch.setattr(feed, "VERIFY_AGES_S", ())
    monkeypatch.setattr(feed, "DISCOVER_S", 10**9)
    add_row()
    add_row(username="bob")
    first = socketio.test_client(app)
    subscribe(first, username="alice")
    wait_event(first, "stats", lambda s: s["complete"])
    one_viewer = statements_per_tick(app)
    others = [socketio.test_client(app) for _ in range(4)]
    for client in others:
        subscribe(client, username="alice")
    five_viewers = statements_per_tick(app)
    assert one_viewer == five_viewers  # per tick, whatever the number of viewers
    extra = socketio.test_client(app)
    subscribe(extra, username="bob")  # a second view: its first fill, then nothing per tick
    wait_event(extra, "transactions", lambda a: "snapshot" in a)
    assert statements_per_tick(app) == one_viewer
    for client in [first, *others, extra]:
        client.disconnect()


def test_last_viewer_leaving_stops_the_queries(app, socket_client) -> None:
    subscribe(socket_client)
    wait_ticks(app, 1)
    socket_client.disconnect()
    db = app.extensions["livedash.db"]
    time.sleep(1.5)
    assert get_poller(app).status()["tiers"] == []
    before = db.statements
    time.sleep(1.5)
    assert db.statements == before
    assert get_poller(app).status()["keys"] == 0


def test_invalid_subscribe_gets_error_and_keeps_the_old_view(app, socket_client) -> None:
    subscribe(socket_client, window=30)
    ack = socket_client.emit("subscribe", {"window": 7}, callback=True)
    assert ack == {"ok": False, "error": "window must be one of 10, 30, 60, got '7'"}
    assert wait_event(socket_client, "error")["message"].startswith("window must be")
    stats = wait_event(socket_client, "stats")
    assert stats["window_minutes"] == 30
    assert get_poller(app).status()["viewers"] == 1


def test_new_subscribe_replaces_the_previous(app, socket_client) -> None:
    subscribe(socket_client, window=30)
    subscribe(socket_client, window=60, refresh=3)
    status = get_poller(app).status()
    assert status["keys"] == 1 and status["viewers"] == 1
    assert wait_event(socket_client, "stats")["window_minutes"] == 60


def test_slow_query_does_not_pile_up_ticks(app, socket_client, sql, test_database) -> None:
    subscribe(socket_client)
    wait_ticks(app, 1)
    with sql.cursor() as cur:
        cur.execute("LOCK TABLES transactions WRITE")
    in_flight: list[int] = []
    statements: set[str] = set()
    watcher = connect()
    try:
        for _ in range(25):  # 2.5 s of a 1 s tier blocked
            with watcher.cursor() as cur:
                cur.execute("SELECT ID, TIME_MS, INFO FROM information_schema.PROCESSLIST "
                            "WHERE DB=%s AND ID <> CONNECTION_ID() "
                            "AND INFO LIKE '%%FROM transactions%%'",
                            (test_database,))
                seen = [f"{r[0]} {r[1]} {r[2][-60:]}" for r in cur.fetchall()]
                in_flight.append(len(seen))
                statements.update(seen)
            time.sleep(0.1)
    finally:
        with sql.cursor() as cur:
            cur.execute("UNLOCK TABLES")
        watcher.close()
    assert max(in_flight) == 1, statements
    wait_ticks(app, 2)
    late = tier(app)
    assert late["lag_s"] > 0.5 and late["coalesced"] >= 1  # blocked >= 1.5 s of a 1 s tier
    assert get_poller(app).health()["lag_s"] == late["lag_s"]


def test_health_event_on_connect(socket_client) -> None:
    health = wait_event(socket_client, "health")
    assert health["database"] == "up" and "lag_s" in health


def test_demo_mode_streams_demo_rows(sql) -> None:
    from livedash import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(demo=True), {"TESTING": True})
    client = socketio.test_client(app)
    subscribe(client)
    snap = wait_event(client, "transactions", lambda a: "snapshot" in a)
    assert 1 <= len(snap["snapshot"]) <= 3
    assert wait_event(client, "stats")["source"] == "demo"
    client.disconnect()


def test_concurrent_subscribes_are_safe(app) -> None:
    clients = [socketio.test_client(app) for _ in range(8)]
    threads = [threading.Thread(target=subscribe, args=(c,), kwargs={"limit": 100})
               for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    status = get_poller(app).status()
    assert status["viewers"] == 8 and status["keys"] == 1
    for c in clients:
        c.disconnect()
    assert get_poller(app).status()["viewers"] == 0
