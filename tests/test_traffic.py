"""Traffic simulator and seeder: realistic rows, final statuses, rates, and the refusal to write
into a table holding rows they did not write. All against the real test database."""

from __future__ import annotations

import os
import re
import signal
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pymysql
import pytest

from livedash import traffic
from livedash.cli import main
from livedash.db import Database
from livedash.queries import traffic as traffic_sql
from livedash.traffic import MARKER, Profile, Simulator, TrafficModel

from .conftest import DB_NAME, SERVER, make_settings
from .tcpproxy import TcpProxy

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
FINAL = {"BAD_REQUEST", "CD_UNAVAILABLE", "COMPLETE", "EP_UNAVAILABLE", "TIMEOUT"}
WITH_EGRESS = {"COMPLETE", "EP_UNAVAILABLE"}
FAST = Profile(latency_s=0.2, timeout_s=1.5, throughput_bps=1e9)  # settles within a test


def query(sql: pymysql.connections.Connection, text: str) -> list[tuple[Any, ...]]:
    """All rows of one statement on the test connection."""
    with sql.cursor() as cur:
        cur.execute(text)
        return list(cur.fetchall())


def all_rows(sql: pymysql.connections.Connection) -> list[dict[str, Any]]:
    """Every row of the table as dicts."""
    with sql.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute("SELECT * FROM transactions")
        return list(cur.fetchall())


@pytest.fixture
def db(sql: pymysql.connections.Connection) -> Iterator[Database]:
    """A connected Database on the emptied test database."""
    database = traffic.connect(make_settings())
    yield database
    database.close()


@pytest.fixture
def cli_env(sql: pymysql.connections.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    """Environment pointing `livedash` at the test database (no .env file)."""
    for name, value in (("MYSQL_HOST", SERVER["host"]), ("MYSQL_PORT", str(SERVER["port"])),
                        ("MYSQL_USER", SERVER["user"]), ("MYSQL_PASSWORD", SERVER["password"]),
                        ("MYSQL_DATABASE", DB_NAME), ("LIVEDASH_ENV_FILE", os.devnull)):
        monkeypatch.setenv(name, value)


def assert_rows_valid(rows: list[dict[str, Any]], now: Any) -> None:
    """The spec's constraints and the egress rule hold for every row."""
    for row in rows:
        assert UUID.match(row["transaction_id"]) and row["transaction_id"].startswith(MARKER)
        assert 0 < len(row["username"]) <= 50 and 0 < len(row["file_name"]) <= 255
        assert row["file_size"] > 0
        assert re.fullmatch(r"ingress-\d\d", row["ingress_server"])
        assert row["ingress_time"] <= now
        has_egress = row["status"] in WITH_EGRESS
        assert (row["egress_time"] is not None) == has_egress, row
        assert (row["egress_server"] is not None) == has_egress, row
        if has_egress:
            assert row["ingress_time"] <= row["egress_time"] <= now
            assert re.fullmatch(r"egress-\d\d", row["egress_server"])


# -- the row model ---------------------------------------------------------------------------

def test_file_sizes_are_heavy_tailed_from_bytes_to_gigabytes() -> None:
    sizes = [t.file_size for t in TrafficModel(Profile(), seed=7).transfers(20_000)]
    assert min(sizes) >= 1 and min(sizes) < 10_000
    assert max(sizes) > 1_000_000_000
    assert 1_000_000 < statistics.median(sizes) < 4_000_000


def test_usernames_have_a_few_busy_users_and_a_long_tail() -> None:
    users = Counter(t.username for t in TrafficModel(Profile(users=200), seed=3).transfers(20_000))
    counts = [n for _, n in users.most_common()]
    assert len(users) > 150  # the tail is there
    assert sum(counts[:10]) > 0.4 * sum(counts)  # ten users carry a large share
    assert counts[0] > 20 * statistics.median(counts)


def test_outcome_mix_and_timeouts() -> None:
    transfers = TrafficModel(Profile(), seed=5).transfers(50_000)
    share = {s: n / len(transfers) for s, n in Counter(t.status for t in transfers).items()}
    assert share["BAD_REQUEST"] == pytest.approx(0.02, abs=0.004)
    assert share["CD_UNAVAILABLE"] == pytest.approx(0.01, abs=0.003)
    assert share["EP_UNAVAILABLE"] == pytest.approx(0.03, abs=0.005)
    assert 0.01 <= share["TIMEOUT"] < 0.02  # the mix plus files too big for the timeout
    assert all(t.transit_s < 60 for t in transfers if t.status in WITH_EGRESS)


@pytest.mark.parametrize(("text", "fragment"), [
    ("bad=x", "needs a percentage"),
    ("warp=3", "unknown outcome 'warp'"),
    ("ep=150", "must be 0 to 100"),
    ("bad=50,cd=30,ep=30", "more than 100"),
])
def test_bad_mix_is_refused_with_a_message(text: str, fragment: str, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["seed", "--rows", "10", "--mix", text])
    assert exc.value.code == 2
    assert fragment in capsys.readouterr().err


def test_mix_option_sets_the_shares() -> None:
    mix = traffic.parse_mix("bad=10, cd=0,timeout=5")
    assert (mix.bad_request, mix.cd_unavailable, mix.ep_unavailable, mix.timeout) == \
        (0.10, 0.0, 0.03, 0.05)


# -- seed ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rows", "batch", "parts"), [(10, 3, 1), (10, 3, 2), (10, 4, 3),
                                                      (7, 100, 2), (1, 5, 4)])
def test_seed_batches_cover_every_row_once_in_contiguous_parts(rows, batch, parts) -> None:
    batches = list(traffic.seed_batches(rows, batch, parts))
    covered = sorted(i for first, count in batches for i in range(first, first + count))
    assert covered == list(range(rows))
    assert all(0 < count <= batch for _, count in batches)


@pytest.mark.parametrize("writers", [1, 3])
def test_seed_inserts_exactly_n_final_rows_spread_over_the_hours(sql, db, writers) -> None:
    result = traffic.seed(db, TrafficModel(Profile(), seed=11), rows=3001, hours=2, batch=700,
                          writers=writers)
    now = query(sql, "SELECT UTC_TIMESTAMP(3)")[0][0]
    rows = all_rows(sql)
    assert result.rows == len(rows) == 3001
    assert_rows_valid(rows, now)
    assert {r["status"] for r in rows} == FINAL  # every final status, no SUBMITTED
    times = sorted(r["ingress_time"] for r in rows)
    assert (now - times[0]).total_seconds() <= 2 * 3600 + 5
    assert (times[-1] - times[0]).total_seconds() > 1.95 * 3600
    hourly = Counter(int((now - t).total_seconds() // 3600) for t in times)
    assert 1350 < hourly[0] < 1650  # evenly spread


def test_seed_cli_reports_rows_per_second(cli_env, sql, capsys) -> None:
    assert main(["seed", "--rows", "2500", "--hours", "0.5", "--users", "30"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"2,500 rows over 0.5 h into database 'livedash_test_\d+' .* rows/s\)", out)
    assert query(sql, "SELECT COUNT(*), COUNT(DISTINCT username) FROM transactions")[0] == \
        (2500, 30)


def test_a_second_seed_adds_to_its_own_rows(cli_env, sql) -> None:
    assert main(["seed", "--rows", "500", "--seed", "1"]) == 0
    assert main(["seed", "--rows", "500", "--seed", "1"]) == 0  # same content, fresh ids
    assert query(sql, "SELECT COUNT(*) FROM transactions")[0][0] == 1000


# -- refusal ---------------------------------------------------------------------------------

COMMANDS = [["seed", "--rows", "10"], ["simulate", "--rate", "50", "--duration", "0.5"]]


@pytest.mark.parametrize("argv", COMMANDS, ids=["seed", "simulate"])
def test_refuses_a_table_with_foreign_rows(argv, cli_env, sql, add_row, capsys) -> None:
    add_row(transaction_id="00000000-0000-4000-8000-000000000001")
    add_row(transaction_id="ffffffff-0000-4000-8000-000000000002")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"refusing to write: database '{DB_NAME}' on " in err
    assert "has 2 rows not written by livedash" in err and "--force" in err
    assert query(sql, "SELECT COUNT(*) FROM transactions")[0][0] == 2


@pytest.mark.parametrize("argv", COMMANDS, ids=["seed", "simulate"])
def test_force_writes_anyway(argv, cli_env, sql, add_row, capsys) -> None:
    add_row(transaction_id="00000000-0000-4000-8000-000000000001")
    assert main([*argv, "--force"]) == 0
    assert "writing anyway (--force)" in capsys.readouterr().out
    assert query(sql, "SELECT COUNT(*) FROM transactions")[0][0] > 1


@pytest.mark.parametrize(("tid", "foreign"), [
    ("5151ecff-ffff-4fff-bfff-ffffffffffff", True),  # just below the marker range
    ("5151ed01-0000-4000-8000-000000000000", True),  # just above
    ("5151ed00-0000-4000-8000-000000000000", False),
    ("5151ed00-ffff-4fff-bfff-ffffffffffff", False),
])
def test_ownership_is_a_range_on_the_primary_key(tid, foreign, db, add_row) -> None:
    add_row(transaction_id=tid)
    assert traffic_sql.foreign_row_count(db, traffic.MARKER, traffic.MARKER_END, 10) == \
        int(foreign)


def test_unreachable_database_is_one_line_and_exit_1(cli_env, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MYSQL_PORT", "9")  # nothing listens there
    assert main(["seed", "--rows", "10"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"livedash seed: cannot connect to database "
                                               f"'{DB_NAME}' on {SERVER['host']}:9")


# -- simulate --------------------------------------------------------------------------------

def test_simulator_inserts_at_the_rate_and_settles_in_flight(sql, db: Database) -> None:
    lines: list[str] = []
    sim = Simulator(db, TrafficModel(FAST, seed=2), rate=200)
    tally = sim.run(3.0, threading.Event(), lines.append, every=1.0)
    assert 500 <= tally.inserted <= 620
    rows = all_rows(sql)
    assert len(rows) == tally.inserted
    now = query(sql, "SELECT UTC_TIMESTAMP(3)")[0][0]
    assert_rows_valid(rows, now)
    assert "SUBMITTED" not in {r["status"] for r in rows}  # a clean stop settles everything
    settled_live = [float(re.search(r"settled +([\d.]+)", line)[1]) for line in lines]
    assert len(settled_live) >= 2 and max(settled_live) > 50  # settled while running
    transits = [(r["egress_time"] - r["ingress_time"]).total_seconds() for r in rows
                if r["status"] == "COMPLETE"]
    assert 0.05 < statistics.median(transits) < 0.6


def test_rows_arrive_submitted_and_settle_when_due(sql, db: Database) -> None:
    sim = Simulator(db, TrafficModel(FAST, seed=4), rate=1)
    t0 = time.monotonic()
    sim.arrive(300, t0)
    statuses = Counter(s for (s,) in query(sql, "SELECT status FROM transactions"))
    assert statuses["SUBMITTED"] == sim.in_flight > 270
    assert set(statuses) <= {"SUBMITTED", "BAD_REQUEST", "CD_UNAVAILABLE"}
    sim.settle_due(t0 + 0.3)  # the quick ones only
    assert 0 < sim.in_flight < statuses["SUBMITTED"]
    sim.settle_due(t0 + FAST.timeout_s)
    assert sim.in_flight == 0
    assert_rows_valid(all_rows(sql), query(sql, "SELECT UTC_TIMESTAMP(3)")[0][0])


def test_settling_never_recreates_cleared_rows(sql, db: Database) -> None:
    sim = Simulator(db, TrafficModel(FAST, seed=6), rate=1)
    sim.arrive(50, time.monotonic())
    query(sql, "DELETE FROM transactions")  # an admin clear while transfers are in flight
    sim.settle_all()
    assert query(sql, "SELECT COUNT(*) FROM transactions")[0][0] == 0


def test_simulator_rides_out_a_database_outage(sql) -> None:
    proxy = TcpProxy((SERVER["host"], SERVER["port"]))
    database = traffic.connect(make_settings(mysql_port=proxy.port))
    lines: list[str] = []

    def outage() -> None:
        time.sleep(1.0)
        proxy.down()
        time.sleep(1.5)
        proxy.up()

    threading.Thread(target=outage, daemon=True).start()
    try:
        tally = Simulator(database, TrafficModel(FAST, seed=9), rate=100).run(
            7.0, threading.Event(), lines.append, every=1.0)
    finally:
        database.close()
        proxy.close()
    assert any(line.startswith("database error:") for line in lines)
    assert "database back; carrying on" in lines
    assert 300 < tally.inserted < 650  # arrivals during the outage were dropped
    rows = all_rows(sql)
    assert len(rows) == tally.inserted
    assert "SUBMITTED" not in {r["status"] for r in rows}  # in-flight ones settled after it


def test_local_clock_uses_now(sql) -> None:
    database = traffic.connect(make_settings(db_clock="local"))
    try:
        Simulator(database, TrafficModel(FAST, seed=8), rate=1).arrive(5, time.monotonic())
    finally:
        database.close()
    skew = query(sql, "SELECT MAX(ABS(TIMESTAMPDIFF(SECOND, ingress_time, NOW(3)))) "
                      "FROM transactions")[0][0]
    assert skew <= 5


def test_simulate_cli_runs_for_the_duration(cli_env, sql, capsys) -> None:
    assert main(["simulate", "--rate", "200", "--duration", "2", "--latency", "0.1",
                 "--timeout", "1", "--report-every", "1"]) == 0
    out = capsys.readouterr().out
    assert "writing 200 transfers/s to database" in out and "stopped:" in out
    count = query(sql, "SELECT COUNT(*) FROM transactions")[0][0]
    assert 300 <= count <= 420


def test_ctrl_c_stops_cleanly_and_settles(cli_env, sql, capsys) -> None:
    def interrupt_once_rows_exist() -> None:
        probe = pymysql.connect(**SERVER, database=DB_NAME, autocommit=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with probe.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM transactions")
                if cur.fetchone()[0] > 50:
                    break
            time.sleep(0.1)
        probe.close()
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_rows_exist, daemon=True).start()
    assert main(["simulate", "--rate", "300", "--latency", "5", "--duration", "30"]) == 0
    assert "stopped:" in capsys.readouterr().out
    statuses = {s for (s,) in query(sql, "SELECT DISTINCT status FROM transactions")}
    assert statuses and "SUBMITTED" not in statuses


def test_history_rows_are_escaped(sql, db: Database) -> None:
    row = ("5151ed00-0000-4000-8000-00000000000a", "o'brien", "a\\b'); DROP TABLE x; --.txt",
           5, "ingress-01", "2026-01-02 03:04:05.678", None, None, "BAD_REQUEST")
    assert traffic_sql.insert_history(db, [row]) == 1
    stored = query(sql, "SELECT username, file_name, ingress_time, egress_time FROM transactions")
    assert stored == [("o'brien", "a\\b'); DROP TABLE x; --.txt",
                       datetime(2026, 1, 2, 3, 4, 5, 678000), None)]
