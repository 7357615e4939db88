"""Incremental per-tick reads equal the full queries on a table that changes under them."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest

from livedash import queries
from livedash.buckets import MinuteBuckets
from livedash.data import Moment
from livedash.db import Database
from livedash.models import View
from livedash.stats import window_stats
from livedash.tables import ViewTable
from tests.conftest import connect, make_settings

FLOATS = ("tps", "throughput_bps", "avg_rate_bps")


class Writer:
    """Background traffic: new rows at ingress, recent SUBMITTED rows finishing; pausable."""

    def __init__(self) -> None:
        self.conn = connect()
        self.rng = random.Random(3)
        self.run = threading.Event()
        self.idle = threading.Event()
        self.stop = False
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stop:
            if not self.run.is_set():
                self.idle.set()
                time.sleep(0.01)
                continue
            self.idle.clear()
            self._step()
            time.sleep(0.02)

    def _step(self) -> None:
        status = self.rng.choice(["SUBMITTED"] * 6 + ["BAD_REQUEST", "CD_UNAVAILABLE"])
        user = self.rng.choice(["ann", "ben", "cat"])
        with self.conn.cursor() as cur:
            cur.execute("INSERT INTO transactions VALUES (%s,%s,'f',%s,'in-1',UTC_TIMESTAMP(3),"
                        "NULL,NULL,%s)", (str(uuid.uuid4()), user, self.rng.randint(1, 10**7),
                                          status))
            cur.execute("UPDATE transactions SET status=%s, egress_server='out-1', "
                        "egress_time=UTC_TIMESTAMP(3) WHERE status='SUBMITTED' AND "
                        "ingress_time < UTC_TIMESTAMP(3) - INTERVAL 300000 MICROSECOND "
                        "ORDER BY ingress_time LIMIT 1",
                        (self.rng.choice(["COMPLETE", "COMPLETE", "EP_UNAVAILABLE", "TIMEOUT"]),))

    def pause(self) -> None:
        self.run.clear()
        assert self.idle.wait(5)


@pytest.fixture
def writer(add_row) -> Iterator[Writer]:
    rng = random.Random(1)
    for i in range(600):  # history over the last 70 minutes
        status = rng.choice(["COMPLETE", "COMPLETE", "EP_UNAVAILABLE", "TIMEOUT", "BAD_REQUEST"])
        done = status in ("COMPLETE", "EP_UNAVAILABLE")
        add_row(offset_s=i * 7 + rng.random(), status=status, username=rng.choice(["ann", "ben"]),
                file_size=rng.randint(1, 10**8), transit_s=rng.uniform(0.01, 20) if done else None)
    w = Writer()
    w.thread.start()
    yield w
    w.stop = True
    w.thread.join(5)
    w.conn.close()


@pytest.fixture
def db(sql) -> Iterator[Database]:
    database = Database(make_settings())
    assert database.probe()
    yield database
    database.close()


def assert_same(incremental: dict, full: dict) -> None:
    """Payloads equal; float figures may differ by float summation order only."""
    for side in (incremental, full):
        for key in FLOATS:
            side["egress"].setdefault("_" + key, side["egress"].pop(key))
    for key in FLOATS:
        assert abs(incremental["egress"]["_" + key] - full["egress"]["_" + key]) <= 0.1
        del incremental["egress"]["_" + key], full["egress"]["_" + key]
    for side in (incremental, full):
        side["egress"]["servers"] = [{k: v for k, v in s.items() if k not in FLOATS}
                                     for s in side["egress"]["servers"]]
    assert incremental == full


def test_buckets_equal_the_full_query_under_traffic(db, writer) -> None:
    buckets = MinuteBuckets(db, recheck_seconds=2.0)
    for _ in range(8):
        writer.run.set()
        time.sleep(0.4)
        writer.pause()
        now = queries.db_now(db)
        buckets.refresh(now)
        for window in (10, 30, 60):
            incremental = window_stats(buckets.window(now, window), window, now, "database")
            full = window_stats(queries.window_groups(db, now, window), window, now, "database")
            assert incremental["total"] > 0
            assert_same(incremental, full)


def test_late_change_to_a_settled_row_shows_within_the_recheck_bound(db, add_row, sql) -> None:
    tid = add_row(offset_s=20 * 60, status="COMPLETE")
    buckets = MinuteBuckets(db, recheck_seconds=1.5)
    buckets.refresh(queries.db_now(db))
    with sql.cursor() as cur:
        cur.execute("UPDATE transactions SET status='EP_UNAVAILABLE' WHERE transaction_id=%s",
                    (tid,))
    now = queries.db_now(db)
    buckets.refresh(now)
    stale = window_stats(buckets.window(now, 30), 30, now, "database")
    assert stale["egress"]["complete"] == 1  # not re-read yet: older than the hot span
    time.sleep(1.6)
    now = queries.db_now(db)
    buckets.refresh(now)
    fresh = window_stats(buckets.window(now, 30), 30, now, "database")
    assert fresh["egress"]["complete"] == 0 and fresh["egress"]["ep_unavailable"] == 1


def test_window_edge_is_exact_to_the_millisecond(db, add_row) -> None:
    add_row(offset_s=10 * 60 - 1.5, status="TIMEOUT", transit_s=None)
    add_row(offset_s=10 * 60 + 1.5, status="TIMEOUT", transit_s=None)
    buckets = MinuteBuckets(db)
    now = queries.db_now(db)
    buckets.refresh(now)
    assert window_stats(buckets.window(now, 10), 10, now, "database")["cd"]["timeout"] == 1
    assert window_stats(buckets.window(now, 30), 30, now, "database")["cd"]["timeout"] == 2


@pytest.mark.parametrize("view", [View(limit=50), View(limit=50, status="SUBMITTED"),
                                  View(limit=50, username="ann"),
                                  View(limit=50, username="ben", status="COMPLETE")])
def test_incremental_table_equals_a_full_read_under_traffic(db, writer, view) -> None:
    table = ViewTable(view)
    for _ in range(6):
        writer.run.set()
        time.sleep(0.3)
        writer.pause()
        at = Moment(queries.db_now(db), "database")
        table.rows = table.read(db, at)
        full = queries.latest_rows(db, view.limit, view.username, view.status)
        assert list(table.rows) == [r[0] for r in full]


def test_incremental_table_sees_updates_and_deletes(db, add_row, sql) -> None:
    ids = [add_row(offset_s=100 - i, status="SUBMITTED", transit_s=None) for i in range(3)]
    table = ViewTable(View())
    at = Moment(queries.db_now(db), "database")
    table.rows = table.read(db, at)
    with sql.cursor() as cur:
        cur.execute("UPDATE transactions SET status='COMPLETE' WHERE transaction_id=%s", (ids[0],))
        cur.execute("DELETE FROM transactions WHERE transaction_id=%s", (ids[1],))
    rows = table.read(db, Moment(at.now + timedelta(seconds=1), "database"))
    assert list(rows) == [ids[2], ids[0]] and rows[ids[0]]["status"] == "COMPLETE"


def test_row_that_starts_matching_a_status_filter_appears(db, add_row, sql) -> None:
    done = add_row(offset_s=10, status="COMPLETE")
    late = add_row(offset_s=60, status="SUBMITTED", transit_s=None)
    table = ViewTable(View(status="COMPLETE"))
    at = Moment(queries.db_now(db), "database")
    table.rows = table.read(db, at)
    assert list(table.rows) == [done]
    with sql.cursor() as cur:
        cur.execute("UPDATE transactions SET status='COMPLETE', egress_server='out-1', "
                    "egress_time=UTC_TIMESTAMP(3) WHERE transaction_id=%s", (late,))
    rows = table.read(db, Moment(queries.db_now(db), "database"))
    assert list(rows) == [done, late]
