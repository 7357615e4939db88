"""Every dashboard query uses an index, never a table scan: EXPLAIN on 100k rows."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from livedash import queries
from livedash.schema import STATUSES
from tests.conftest import connect, make_settings
from tests.recording import RecordingDatabase

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
    sql, params = db.seen[-1]
    conn = connect()
    with conn.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        names = [d[0].lower() for d in cur.description]
        plan = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        for step in plan:
            step["rows"] = int(step["rows"] or 0)
    conn.close()
    return plan


def table_step(plan: list[dict[str, Any]]) -> dict[str, Any]:
    """The plan step that reads `transactions`."""
    return next(step for step in plan if step["table"] == "transactions")


def test_window_aggregate_is_a_range_on_ingress_time(db) -> None:
    queries.window_groups(db, queries.db_now(db), 60)
    step = table_step(explain(db))
    assert (step["key"], step["type"]) == ("idx_ingress_time", "range")
    assert step["rows"] < ROWS / 5


def test_latest_unfiltered_reads_the_index_backwards_without_sorting(db) -> None:
    queries.latest_rows(db, 200)
    step = table_step(explain(db))
    assert step["key"] == "idx_ingress_time"
    assert "filesort" not in (step["extra"] or "")


def test_rare_username_uses_its_own_index(db) -> None:
    rows = queries.latest_rows(db, 50, username="rare-user")
    assert len(rows) == 5
    step = table_step(explain(db))
    assert (step["key"], step["type"]) == ("idx_username", "ref")
    assert step["rows"] <= 10


def test_common_status_walks_ingress_time(db) -> None:
    rows = queries.latest_rows(db, 50, status="COMPLETE")
    assert len(rows) == 50
    step = table_step(explain(db))
    assert step["key"] == "idx_ingress_time" and "filesort" not in (step["extra"] or "")


def test_username_probe_is_index_only(db) -> None:
    queries.match_count(db, "username", "user000")
    step = table_step(explain(db))
    assert step["key"] == "idx_username" and "Using index" in (step["extra"] or "")


def test_username_suggestions_range_on_idx_username(db) -> None:
    assert queries.usernames(db, "user01", 5) == [f"user01{i}" for i in range(5)]
    step = table_step(explain(db))
    assert (step["key"], step["type"]) == ("idx_username", "range")
