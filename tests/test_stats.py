"""The stats definitions, pinned with hand-computed figures on the real database."""

from __future__ import annotations

import pytest

from livedash.stats import round1


@pytest.mark.parametrize(("value", "expected"), [
    (0.05, 0.1), (0.04, 0.0), (1.25, 1.3), (-1.25, -1.3), (2.0, 2.0), (123456.789, 123456.8),
])
def test_round1_rounds_half_away_from_zero(value: float, expected: float) -> None:
    assert round1(value) == expected


def stats(client, window: int) -> dict:
    response = client.get(f"/api/stats?window={window}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_counts_per_status_fall_in_their_columns(client, add_row) -> None:
    for status, n in (("BAD_REQUEST", 2), ("CD_UNAVAILABLE", 1), ("SUBMITTED", 3),
                      ("TIMEOUT", 1), ("COMPLETE", 4), ("EP_UNAVAILABLE", 2)):
        for _ in range(n):
            add_row(offset_s=30, status=status)
    s = stats(client, 10)
    assert s["ingress"]["bad_request"] == 2
    assert s["ingress"]["cd_unavailable"] == 1
    assert (s["cd"]["submitted"], s["cd"]["timeout"]) == (3, 1)
    assert s["egress"]["complete"] == 4
    assert s["egress"]["ep_unavailable"] == 2
    assert s["total"] == 13
    assert s["source"] == "database"


@pytest.mark.parametrize("window", [10, 30, 60])
def test_window_edges(client, add_row, window: int) -> None:
    add_row(offset_s=window * 60 - 3, status="SUBMITTED")  # just inside
    add_row(offset_s=window * 60 + 3, status="SUBMITTED")  # just outside
    assert stats(client, window)["cd"]["submitted"] == 1


def test_egress_rates_by_hand(client, add_row) -> None:
    # E = two COMPLETE and one EP_UNAVAILABLE; the SUBMITTED row is not egress.
    add_row(offset_s=60, status="COMPLETE", file_size=6_000_000, transit_s=2.0)   # 3 MB/s
    add_row(offset_s=120, status="COMPLETE", file_size=1_000_000, transit_s=4.0)  # 0.25 MB/s
    add_row(offset_s=200, status="EP_UNAVAILABLE", file_size=500, transit_s=0.0)  # no rate
    add_row(offset_s=10, status="SUBMITTED", file_size=10**9, transit_s=None)
    e = stats(client, 10)["egress"]
    assert e["tps"] == round1(3 / 600)  # 0.005 -> 0.0
    assert e["throughput_bps"] == round1((6_000_000 + 1_000_000 + 500) / 600)  # 11667.5
    assert e["avg_rate_bps"] == round1((3_000_000 + 250_000) / 2)
    assert e["complete"] == 2 and e["ep_unavailable"] == 1


def test_tps_rounds_to_one_decimal(client, add_row) -> None:
    for i in range(700):
        add_row(offset_s=1 + i * 0.5, status="COMPLETE", file_size=1)
    e = stats(client, 10)["egress"]
    assert e["tps"] == round1(700 / 600) == 1.2
    assert e["throughput_bps"] == 1.2


def test_milliseconds_matter_for_rates(client, add_row) -> None:
    add_row(offset_s=30, status="COMPLETE", file_size=1000, transit_s=0.004)  # 250 kB/s
    assert stats(client, 10)["egress"]["avg_rate_bps"] == 250000.0


def test_per_server_breakdown(client, add_row) -> None:
    add_row(status="BAD_REQUEST", ingress_server="in-a", egress_server=None, transit_s=None)
    add_row(status="COMPLETE", ingress_server="in-a", egress_server="out-x", file_size=600)
    add_row(status="COMPLETE", ingress_server="in-b", egress_server="out-y", file_size=1200)
    add_row(status="EP_UNAVAILABLE", ingress_server="in-b", egress_server="out-y")
    s = stats(client, 10)
    ingress = {srv["server"]: srv for srv in s["ingress"]["servers"]}
    assert ingress["in-a"]["total"] == 2 and ingress["in-a"]["bad_request"] == 1
    assert ingress["in-b"]["total"] == 2
    egress = {srv["server"]: srv for srv in s["egress"]["servers"]}
    assert set(egress) == {"out-x", "out-y"}
    assert egress["out-y"]["complete"] == 1 and egress["out-y"]["ep_unavailable"] == 1
    assert egress["out-x"]["throughput_bps"] == 1.0


def test_series_has_one_point_per_wall_clock_minute(client, add_row, sql) -> None:
    add_row(offset_s=30, status="COMPLETE")
    add_row(offset_s=150, status="BAD_REQUEST")
    with sql.cursor() as cur:
        cur.execute("SELECT DATE_FORMAT(ingress_time, '%Y-%m-%dT%H:%i'), status FROM transactions")
        minute_of = {status: minute for minute, status in cur.fetchall()}
    series = stats(client, 10)["series"]
    assert len(series["egress"]) == len(series["minute_starts"]) == 10
    starts = series["minute_starts"]
    assert series["egress"][starts.index(minute_of["COMPLETE"])] == 1
    assert series["ingress_errors"][starts.index(minute_of["BAD_REQUEST"])] == 1
    assert sum(series["egress"]) == 1 and sum(series["cd"]) == 0


def test_rows_in_the_future_count_as_now(client, add_row) -> None:
    add_row(offset_s=-5, status="SUBMITTED")  # clock skew between writers and the DB
    s = stats(client, 10)
    assert s["cd"]["submitted"] == 1
