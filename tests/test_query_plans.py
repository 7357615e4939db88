"""Every dashboard query uses an index, never a table scan: EXPLAIN on 100k rows."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from livedash import queries
from livedash.models import TableKey
from livedash.queries import live
from livedash.schema import STATUSES
from tests.conftest import connect, make_settings
from tests.recording import RecordingDatabase
from tests.recording import explain as explain_on

ROWS = 100_000
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big_table(test_database: str) -> None:
    """100k rows over 24 h: 200 users (a few busy), mostly COMPLETE, one rare user."""
    rng = random.Random(7)
    now = datetime.utcnow()
    conn = connect()
    weights = [1 / (i + 1) for i in range(200)]
    users = [f"user{i:03d}" for i in range(200)]
    status_weights = [2, 5, 85, 1, 5, 2]
    with conn.cursor() as cur:
        cur.execute("TRUNCATE TABLE transactions")
        batch = []
        for i in range(ROWS):
            t = now - timedelta(seconds=rng.uniform(0, 86400))
            status = rng.choices(STATUSES, status_weights)[0]
            done = status in ("COMPLETE", "EP_UNAVAILABLE")
            batch.append((str(uuid.uuid4()), rng.choices(users, weights)[0], f"f{i}.bin",
                          rng.randint(1, 10**9), f"in-{i % 4}", t,
                          f"out-{i % 3}" if done else None,
                          t + timedelta(seconds=rng.uniform(0.1, 30)) if done else None, status))
            if len(batch) == 5000:
                cur.executemany("INSERT INTO transactions VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                                batch)
                batch = []
        for k in range(5):
            t = now - timedelta(hours=20, seconds=k)
            cur.execute("INSERT INTO transactions VALUES (%s,'rare-user','r.bin',1,'in-0',%s,"
                        "NULL,NULL,'SUBMITTED')", (str(uuid.uuid4()), t))
        cur.execute("ANALYZE TABLE transactions")
    conn.close()


@pytest.fixture
def db(big_table: None) -> RecordingDatabase:
    database = RecordingDatabase(make_settings())
    assert database.probe()
    return database


def explain(db: RecordingDatabase) -> list[dict[str, Any]]:
    """EXPLAIN the last statement `db` ran, as dicts."""
    conn = connect()
    try:
        return explain_on(conn, *db.seen[-1])
    finally:
        conn.close()


def table_step(plan: list[dict[str, Any]]) -> dict[str, Any]:
    """The plan step that reads `transactions`."""
    return next(step for step in plan if step["table"] == "transactions")


def now(db) -> datetime:
    return queries.db_now(db)


def test_a_minute_of_per_second_groups_is_a_range_on_ingress_time(db) -> None:
    end = now(db).replace(second=0, microsecond=0)
    live.second_groups(db, end - timedelta(minutes=1), end)
    step = table_step(explain(db))
    assert (step["key"], step["type"]) == ("idx_ingress_time", "range")
    assert step["rows"] < ROWS / 100


def test_new_rows_are_a_short_range_on_ingress_time(db) -> None:
    live.rows_since(db, now(db) - timedelta(seconds=3), 1000)
    step = table_step(explain(db))
    assert (step["key"], step["type"]) == ("idx_ingress_time", "range")
    assert step["rows"] < ROWS / 100


def test_rows_by_key_are_primary_key_lookups(db) -> None:
    ids = [r[0] for r in live.latest_rows(db, TableKey(limit=5), now(db), 300)]
    live.rows_by_ids(db, ids)
    step = table_step(explain(db))
    assert step["key"] == "PRIMARY" and step["rows"] <= len(ids)


def test_in_flight_rows_come_from_idx_status(db) -> None:
    live.submitted_rows(db)
    step = table_step(explain(db))
    assert (step["key"], step["type"]) == ("idx_status", "ref")


def test_in_flight_ids_come_from_idx_status_alone(db) -> None:
    live.submitted_ids(db)
    step = table_step(explain(db))
    assert (step["key"], step["type"]) == ("idx_status", "ref")
    assert "Using index" in (step["extra"] or "")  # covering: no row is looked up


def test_latest_unfiltered_reads_the_index_backwards_without_sorting(db) -> None:
    live.latest_rows(db, TableKey(limit=200), now(db), 300)
    step = table_step(explain(db))
    assert step["key"] == "idx_ingress_time"
    assert "filesort" not in (step["extra"] or "")


def test_rare_username_uses_its_own_index(db) -> None:
    rows = live.latest_rows(db, TableKey(username="rare-user"), now(db), 300)
    assert len(rows) == 5
    step = table_step(explain(db))
    assert (step["key"], step["type"]) == ("idx_username", "ref")
    assert step["rows"] <= 10


def test_common_status_walks_ingress_time(db) -> None:
    rows = live.latest_rows(db, TableKey(status="COMPLETE"), now(db), 300)
    assert len(rows) == 50
    step = table_step(explain(db))
    assert step["key"] == "idx_ingress_time" and "filesort" not in (step["extra"] or "")


def test_stuck_transfers_come_from_idx_status(db) -> None:
    rows = live.latest_rows(db, TableKey(stuck=True), now(db), 3600)
    assert {r[8] for r in rows} == {"SUBMITTED"}
    step = table_step(explain(db))
    assert step["key"] == "idx_status"


@pytest.mark.parametrize("key", [TableKey(ingress_server="in-1"), TableKey(q="f12"),
                                 TableKey(egress_server="nobody")])
def test_filters_no_index_serves_look_through_the_newest_rows_only(db, key) -> None:
    live.latest_rows(db, key, now(db), 300)
    plan = explain(db)
    inner = next(step for step in plan if step["table"] == "transactions")
    assert inner["key"] == "idx_ingress_time"
    assert inner["rows"] <= live.SCAN_CAP  # bounded, never a whole-table scan


def test_username_probe_is_index_only(db) -> None:
    queries.match_count(db, "username", ("user000",))
    step = table_step(explain(db))
    assert step["key"] == "idx_username" and "Using index" in (step["extra"] or "")


def test_username_suggestions_range_on_idx_username(db) -> None:
    assert live.usernames(db, "user01", 5) == [f"user01{i}" for i in range(5)]
    step = table_step(explain(db))
    assert (step["key"], step["type"]) == ("idx_username", "range")
