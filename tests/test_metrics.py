"""GET /metrics: the Prometheus text format through the official parser, equal to
/api/stats, read from the live state (never a query per scrape)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import live_app, make_settings


def scrape(client: Any) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def test_metrics_equal_the_api_and_name_every_status(client, add_row) -> None:
    add_row(offset_s=30, status="COMPLETE", file_size=4000)
    add_row(offset_s=40, status="BAD_REQUEST", transit_s=None)
    add_row(offset_s=400, status="SUBMITTED", transit_s=None)
    samples = scrape(client)
    api = client.get("/api/stats?window=10").get_json()
    assert samples[("livedash_database_up", ())] == 1.0
    assert samples[("livedash_database_state", (("state", "up"),))] == 1.0
    assert samples[("livedash_window_transactions",
                    (("status", "COMPLETE"), ("window", "10")))] == api["egress"]["complete"] == 1
    assert samples[("livedash_window_transactions",
                    (("status", "BAD_REQUEST"), ("window", "10")))] == 1
    assert samples[("livedash_window_transactions",
                    (("status", "SUBMITTED"), ("window", "10")))] == 1
    assert samples[("livedash_egress_throughput_bytes_per_second", (("window", "10"),))] \
        == api["egress"]["throughput_bps"]
    assert samples[("livedash_stuck_transfers", ())] == api["cd"]["stuck"] == 1
    assert samples[("livedash_window_complete", (("window", "60"),))] == 1.0
    assert samples[("livedash_poller_polling", ())] == 1.0


def test_scrapes_cost_the_shared_feed_not_a_query_each(app, client, add_row) -> None:
    add_row(offset_s=5)
    scrape(client)
    db = app.extensions["livedash.db"]
    time.sleep(1.2)
    start = db.statements
    time.sleep(2.0)
    idle = db.statements - start
    start = db.statements
    for _ in range(40):
        scrape(client)
    assert db.statements - start <= idle + 8


def test_a_failing_database_shows_in_the_state_not_as_stale_figures(sql, add_row) -> None:
    add_row(offset_s=5)
    app = live_app(make_settings())
    client = app.test_client()
    scrape(client)
    with sql.cursor() as cur:
        cur.execute("RENAME TABLE transactions TO transactions_away")
    try:
        deadline = time.monotonic() + 6
        while scrape(client)[("livedash_database_state", (("state", "failing"),))] != 1.0:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        samples = scrape(client)
        assert samples[("livedash_database_up", ())] == 0.0
        assert not [k for k in samples if k[0] == "livedash_window_transactions"]
    finally:
        with sql.cursor() as cur:
            cur.execute("RENAME TABLE transactions_away TO transactions")
