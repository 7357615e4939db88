"""Warn and critical levels (issue 15's thresholds), computed on the server from .env
settings, on the real database through /api/stats."""

from __future__ import annotations

from typing import Any

from tests.conftest import live_app, make_settings


def stats(app: Any) -> dict[str, Any]:
    response = app.test_client().get("/api/stats?window=10")
    assert response.status_code == 200
    return response.get_json()


def test_a_share_above_its_levels_is_critical_with_a_sentence(sql, add_row) -> None:
    for i in range(8):
        add_row(offset_s=10 + i, status="COMPLETE")
    for i in range(2):
        add_row(offset_s=20 + i, status="BAD_REQUEST", transit_s=None)
    body = stats(live_app(make_settings()))  # default BAD_REQUEST levels: 5 %, 10 %
    assert body["levels"]["ingress.bad_request"] == "critical"
    assert body["levels"]["ingress.cd_unavailable"] == "ok"
    assert body["alarms"][0] == {"figure": "ingress.bad_request", "level": "critical",
                                 "message": "BAD_REQUEST 20.0 % of received "
                                            "(critical at 10 %)"}


def test_levels_follow_the_settings_and_off_turns_a_figure_off(sql, add_row) -> None:
    add_row(offset_s=10, status="BAD_REQUEST", transit_s=None)
    app = live_app(make_settings(alarm_bad_request_pct=None, alarm_tps_below=(1.0, 0.5),
                                 alarm_no_ingress_s=None))
    body = stats(app)
    assert "ingress.bad_request" not in body["levels"]
    assert body["levels"]["egress.tps"] == "critical"  # 0.0 tx/s, below the 0.5 floor
    assert any(a["message"] == "egress at 0.0 tx/s (critical below 0.5/s)"
               for a in body["alarms"])


def test_stuck_transfers_and_silence_raise_their_levels(sql, add_row) -> None:
    add_row(offset_s=400, status="SUBMITTED", transit_s=None)  # stuck after 300 s
    body = stats(live_app(make_settings()))
    assert body["cd"]["stuck"] == 1 and body["levels"]["cd.stuck"] == "warn"
    assert body["ingress"]["last_ingress_s"] >= 399
    assert body["levels"]["ingress.last_ingress_s"] == "critical"  # over 300 s of silence
    assert body["alarms"][0]["figure"] == "ingress.last_ingress_s"


def test_no_levels_while_the_window_is_still_filling(sql, add_row) -> None:
    from livedash.payload import stats_payload
    from livedash.source import LiveSource

    add_row(offset_s=10, status="BAD_REQUEST", transit_s=None)
    app = live_app(make_settings())
    source = LiveSource(app.extensions["livedash.db"], app.config["LIVEDASH"])
    with source.ticking(()):
        pass
    from livedash.livestats import epoch_second

    source.feed.stats.fill_low = epoch_second(source.now) - 300  # the older half still unread
    body = stats_payload(source, 10, app.config["LIVEDASH"])
    assert body["complete"] is False and body["levels"] == {} and body["alarms"] == []
