"""The change feed on the real database: after every tick the statistics of every window
(and of the window before it) and every table equal the full queries, under random inserts,
late commits, status changes, deletes and clears; changes the feed does not watch show
within the documented bound."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from livedash import feed as feed_module
from livedash.db import Database
from livedash.models import TableKey
from livedash.payload import stats_payload
from livedash.source import LiveSource
from tests import oracle
from tests.conftest import make_settings

BIG = 2**63 - 1
STATUSES = ("BAD_REQUEST", "SUBMITTED", "COMPLETE", "TIMEOUT", "EP_UNAVAILABLE",
            "CD_UNAVAILABLE")
KEYS = {
    TableKey(): ("", ()),
    TableKey(username="ann"): ("username = %s", ("ann",)),
    TableKey(status="SUBMITTED"): ("status = 'SUBMITTED'", ()),
    TableKey(limit=100, username="ben", status="COMPLETE,TIMEOUT"):
        ("username = %s AND status IN ('COMPLETE', 'TIMEOUT')", ("ben",)),
    TableKey(ingress_server="in-2"): ("ingress_server = %s", ("in-2",)),
    TableKey(q="f1"): ("(transaction_id = %s OR file_name LIKE %s OR username LIKE %s)",
                       ("f1", "f1%", "f1%")),
}


class Pipeline:
    """Writes like a pipeline would, through its own connection, with a seeded generator."""

    def __init__(self, conn: Any, seed: int) -> None:
        self.conn, self.rng = conn, random.Random(seed)

    def insert(self, ago_s: float, status: str, transit_s: float | None = None,
               size: int | None = None) -> str:
        tid = str(uuid.UUID(int=self.rng.getrandbits(128)))
        user = self.rng.choice(["ann", "ben", "cat", "Ann"])
        name = f"f{self.rng.randint(0, 30)}.bin"
        size = size if size is not None else self.rng.choice(
            [0, 1, self.rng.randint(1, 10**9), BIG])
        ingress = f"in-{self.rng.randint(1, 3)}"
        egress = f"out-{self.rng.randint(1, 3)}" if transit_s is not None else None
        with self.conn.cursor() as cur:
            cur.execute("SET @t = UTC_TIMESTAMP(3) - INTERVAL %s MICROSECOND",
                        (int(ago_s * 1e6),))
            cur.execute(
                "INSERT INTO transactions VALUES (%s, %s, %s, %s, %s, @t, %s, "
                "IF(%s IS NULL, NULL, @t + INTERVAL %s MICROSECOND), %s)",
                (tid, user, name, size, ingress, egress, transit_s,
                 int((transit_s or 0) * 1e6), status))
        return tid

    def history(self, rows: int, minutes: int) -> None:
        """Settled rows over the last `minutes` (extreme sizes and transits included)."""
        for i in range(rows):
            status = self.rng.choice(STATUSES)
            done = status in ("COMPLETE", "EP_UNAVAILABLE")
            transit = self.rng.choice([0.0, -2.5, 0.004, 3.2, 7200.0]) if done else None
            self.insert(5 + (minutes * 60 - 10) * i / rows, status, transit)

    def submitted(self, newest_s: float = 1e9) -> list[str]:
        with self.conn.cursor() as cur:
            cur.execute("SELECT transaction_id FROM transactions WHERE status = 'SUBMITTED' "
                        "AND ingress_time >= UTC_TIMESTAMP(3) - INTERVAL %s SECOND",
                        (int(newest_s),))
            return [r[0] for r in cur.fetchall()]

    def step(self) -> None:
        """One round of traffic the feed watches: arrivals (some landing up to 0.9 s after
        their ingress_time: within the overlap), settles of in-flight rows, a delete of an
        in-flight row."""
        for _ in range(self.rng.randint(1, 8)):
            status = self.rng.choice(["SUBMITTED"] * 6 + ["BAD_REQUEST", "CD_UNAVAILABLE"])
            self.insert(self.rng.uniform(0, 0.9), status)
        flying = self.submitted()
        for tid in self.rng.sample(flying, min(len(flying), self.rng.randint(0, 4))):
            status = self.rng.choice(["COMPLETE", "COMPLETE", "EP_UNAVAILABLE", "TIMEOUT"])
            with self.conn.cursor() as cur:
                cur.execute("UPDATE transactions SET status = %s, egress_server = %s, "
                            "egress_time = IF(%s = 'TIMEOUT', NULL, UTC_TIMESTAMP(3)) "
                            "WHERE transaction_id = %s",
                            (status, f"out-{self.rng.randint(1, 3)}", status, tid))
        if flying and self.rng.random() < 0.3:
            with self.conn.cursor() as cur:
                cur.execute("DELETE FROM transactions WHERE transaction_id = %s",
                            (self.rng.choice(flying),))


@pytest.fixture
def db(sql) -> Iterator[Database]:
    database = Database(make_settings())
    assert database.probe()
    yield database
    database.close()


def tick(source: LiveSource) -> None:
    with source.ticking(KEYS):
        pass


def filled(source: LiveSource, db: Database) -> None:
    """Tick until every window and the one before it are complete."""
    for _ in range(60):
        tick(source)
        payload = stats_payload(source, 60, db.settings)
        if payload["complete"] and payload["previous"]["complete"]:
            return
    raise AssertionError("the first fill never completed")


def assert_matches_full_queries(source: LiveSource, conn: Any) -> None:
    now = source.now
    for minutes in (10, 30, 60):
        payload = stats_payload(source, minutes, source.settings)
        start = oracle.window_start(now, minutes)
        oracle.assert_payload_matches(payload, oracle.figures(oracle.groups(conn, start),
                                                              minutes))
        before = oracle.figures(oracle.groups(conn, start - timedelta(minutes=minutes), start),
                                minutes)
        oracle.assert_payload_matches(payload["previous"], before)
    for key, (where, params) in KEYS.items():
        assert source.table(key) == oracle.latest(conn, where, params, key.limit), key


@pytest.mark.parametrize("seed", [int(s) for s in os.environ.get("LIVEDASH_FEED_SEEDS",
                                                                    "7,8").split(",")])
def test_stats_and_tables_equal_the_full_queries_after_every_tick(db, sql, seed) -> None:
    pipeline = Pipeline(sql, seed=seed)
    pipeline.history(1200, 130)
    source = LiveSource(db, db.settings)
    filled(source, db)
    assert_matches_full_queries(source, sql)
    for round_ in range(14):
        pipeline.step()
        if round_ == 9:  # an admin clear under the running feed
            with sql.cursor() as cur:
                cur.execute("TRUNCATE TABLE transactions")
            source.reset()
            pipeline.history(50, 20)
            filled(source, db)
        tick(source)
        assert_matches_full_queries(source, sql)


def test_in_flight_figures(db, sql) -> None:
    pipeline = Pipeline(sql, seed=3)
    old = pipeline.insert(3 * 3600, "SUBMITTED")  # stuck for hours, outside every window
    pipeline.insert(400, "SUBMITTED")  # stuck (LIVEDASH_STUCK_AFTER defaults to 300 s)
    pipeline.insert(10, "SUBMITTED")
    pipeline.insert(20, "COMPLETE", 1.0)
    source = LiveSource(db, db.settings)
    filled(source, db)
    cd = stats_payload(source, 10, db.settings)["cd"]
    assert (cd["in_flight"], cd["stuck"]) == (2, 2)  # 2 SUBMITTED in the window, 2 stuck
    assert 3 * 3600 - 5 < cd["oldest_in_flight_s"] < 3 * 3600 + 60
    with sql.cursor() as cur:
        cur.execute("UPDATE transactions SET status = 'TIMEOUT' WHERE transaction_id = %s",
                    (old,))
    source.feed.discovered_at = float("-inf")  # the discovery scan is due
    tick(source)
    cd = stats_payload(source, 10, db.settings)["cd"]
    assert cd["stuck"] == 1 and cd["oldest_in_flight_s"] < 500


def test_first_fill_goes_in_slices_and_says_how_far_it_came(db, sql, monkeypatch) -> None:
    Pipeline(sql, seed=5).history(600, 125)
    monkeypatch.setattr(feed_module, "FILL_BUDGET_S", 0.0)  # one slice a tick
    monkeypatch.setattr(feed_module, "FILL_SLICE_ROWS", 1)  # of one minute
    source = LiveSource(db, db.settings)
    tick(source)
    first = stats_payload(source, 10, db.settings)
    assert first["complete"] is False and first["filling"]["minutes"] == 11
    done = [first["filling"]["minutes_done"]]
    while not (payload := stats_payload(source, 10, db.settings))["complete"]:
        tick(source)
        done.append((payload["filling"] or {}).get("minutes_done", 11))
    assert done == sorted(done) and len(done) >= 5  # progress, one minute at a time
    assert payload["filling"] is None and payload["levels"]  # alarms only once complete
    assert source.table(TableKey()) == oracle.latest(sql)  # the tables never waited


def test_a_late_or_hand_edited_settled_row_shows_at_its_slices_verification(
        db, sql, monkeypatch) -> None:
    pipeline = Pipeline(sql, seed=9)
    done = pipeline.insert(200, "COMPLETE", 2.0)
    source = LiveSource(db, db.settings)
    filled(source, db)
    with sql.cursor() as cur:
        cur.execute("UPDATE transactions SET status = 'EP_UNAVAILABLE' "
                    "WHERE transaction_id = %s", (done,))
    pipeline.insert(150, "BAD_REQUEST")  # committed far later than its ingress_time
    tick(source)
    stale = stats_payload(source, 10, db.settings)
    assert stale["egress"]["complete"] == 1 and stale["ingress"]["bad_request"] == 0
    monkeypatch.setattr(feed_module, "VERIFY_AGES_S", (0, 10**6))  # every settled slice is due
    monkeypatch.setattr(feed_module, "VERIFY_PER_TICK", 10**4)
    for plan in source.feed.verified.values():
        plan.passes = 0
    tick(source)
    fresh = stats_payload(source, 10, db.settings)
    assert fresh["egress"]["complete"] == 0 and fresh["egress"]["ep_unavailable"] == 1
    assert fresh["ingress"]["bad_request"] == 1
    tick(source)  # the tables re-read at the next tick: the verification found a missed row
    assert_matches_full_queries(source, sql)


def test_rows_landing_later_than_the_overlap_widen_it(db, sql) -> None:
    pipeline = Pipeline(sql, seed=11)
    source = LiveSource(db, db.settings)
    filled(source, db)
    start, high_water = source.feed.overlap, source.feed.high_water
    tid = pipeline.insert(0.8, "SUBMITTED")  # 0.8 s before now: more than half the overlap
    tick(source)
    with sql.cursor() as cur:
        cur.execute("SELECT ingress_time FROM transactions WHERE transaction_id = %s", (tid,))
        lateness = (high_water - cur.fetchone()[0]).total_seconds()
    assert lateness > start / 2  # the row did land later than half the overlap
    assert source.feed.overlap == pytest.approx(2 * lateness, abs=0.002)  # twice what it saw
    late = pipeline.insert(source.feed.overlap * 0.9, "SUBMITTED")  # later than the floor
    tick(source)
    assert late in {r[0] for r in source.table(TableKey())}
