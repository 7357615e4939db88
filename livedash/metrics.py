"""`GET /metrics`: the app and the pipeline in the Prometheus text format.

Design decisions:
- Written with the official `prometheus_client` (a custom collector on a registry of this
  app's own), never by hand: the exposition format, escaping and types are the library's.
- A scrape reads the live state only, never the database: the pipeline figures are the same
  payloads `/api/stats` serves at the same tick (poller.api_stats keeps the windows live
  while somebody scrapes, as any API client does), the rest is the poller's and the
  database's own bookkeeping. Scraping every 15 s costs the shared change feed, nothing per
  scrape.
- Same access rules as /healthz: no authentication of its own; put it behind the proxy (or
  scrape it on the host) where the figures are not for everybody.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from .db import DatabaseError
from .poller import Poller, get_poller
from .schema import EMPTY_STATUS, STATUSES

WINDOWS = (10, 30, 60)
STATES = ("demo", "up", "down", "failing")
_COUNT_PATH = {"BAD_REQUEST": ("ingress", "bad_request"),
               "CD_UNAVAILABLE": ("ingress", "cd_unavailable"),
               "SUBMITTED": ("cd", "submitted"), "TIMEOUT": ("cd", "timeout"),
               "COMPLETE": ("egress", "complete"),
               "EP_UNAVAILABLE": ("egress", "ep_unavailable")}

bp = Blueprint("metrics", __name__)


def _gauge(name: str, text: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"livedash_{name}", text, labels=labels)


class LiveCollector(Collector):
    """Everything /metrics shows, read at scrape time from one app's state."""

    def __init__(self, poller: Poller) -> None:
        self.poller = poller

    def collect(self) -> Iterator[Metric]:
        yield from self._database()
        yield from self._poller()
        yield from self._pipeline()

    def _database(self) -> Iterator[Metric]:
        state = self.poller.db.state()
        up = _gauge("database_up", "1 while the database answers the dashboard's statements")
        up.add_metric([], 1.0 if state.mode == "up" else 0.0)
        yield up
        mode = _gauge("database_state", "1 for the database's current state", ["state"])
        for name in STATES:
            mode.add_metric([name], 1.0 if state.mode == name else 0.0)
        yield mode
        statements = CounterMetricFamily("livedash_statements", "Statements sent to the "
                                         "database since the process started")
        statements.add_metric([], float(self.poller.db.statements))
        yield statements

    def _poller(self) -> Iterator[Metric]:
        health = self.poller.health()
        viewers = _gauge("viewers", "Dashboards connected to this process")
        viewers.add_metric([], float(health["viewers"]))
        yield viewers
        polling = _gauge("poller_polling", "1 on the process that polls the database")
        polling.add_metric([], 1.0 if self.poller.coordinator.leader else 0.0)
        yield polling
        lag = _gauge("tick_lag_seconds", "Worst lag of each refresh tier in the last 30 s",
                     ["tier"])
        for tier in self.poller.scheduler.tier_status():
            lag.add_metric([str(tier["period"])], float(tier["lag_s"]))
        yield lag
        overdue = _gauge("tick_overdue_seconds", "How far the running tick is past its due "
                         "time (0 when on time)")
        overdue.add_metric([], float(health["overdue_s"] or 0.0))
        yield overdue

    def _payloads(self) -> dict[int, dict[str, Any]]:
        payloads = {}
        for window in WINDOWS:
            try:
                payloads[window] = self.poller.api_stats(window)
            except (DatabaseError, TimeoutError):
                continue  # a database that cannot answer shows in livedash_database_*
        return payloads

    def _pipeline(self) -> Iterator[Metric]:
        if self.poller.db.state().mode in ("down", "failing"):
            return
        payloads = self._payloads()
        transactions = _gauge("window_transactions", "Transactions received in the window, "
                              "by status", ["window", "status"])
        rates = {name: _gauge(name, text, ["window"]) for name, text in (
            ("egress_throughput_bytes_per_second", "Bytes per second that reached egress"),
            ("egress_transactions_per_second", "Egress outcomes per second"),
            ("in_flight_transfers", "SUBMITTED transactions in the window"),
            ("window_complete", "1 when the window's statistics cover all of its history"))}
        for window, body in payloads.items():
            for status in STATUSES:
                column, key = _COUNT_PATH[status]
                transactions.add_metric([str(window), status], float(body[column][key]))
            # rows of status '' (stats.UNKNOWN): so the sum over status is the total
            transactions.add_metric([str(window), EMPTY_STATUS], float(body["unknown_status"]))
            label = [str(window)]
            rates["egress_throughput_bytes_per_second"].add_metric(
                label, body["egress"]["throughput_bps"])
            rates["egress_transactions_per_second"].add_metric(label, body["egress"]["tps"])
            rates["in_flight_transfers"].add_metric(label, float(body["cd"]["in_flight"]))
            rates["window_complete"].add_metric(label, 1.0 if body["complete"] else 0.0)
        yield transactions
        yield from rates.values()
        if payloads:
            cd = next(iter(payloads.values()))["cd"]
            stuck = _gauge("stuck_transfers", "SUBMITTED for longer than LIVEDASH_STUCK_AFTER")
            stuck.add_metric([], float(cd["stuck"]))
            yield stuck
            oldest = _gauge("oldest_in_flight_seconds", "Age of the oldest SUBMITTED row")
            oldest.add_metric([], float(cd["oldest_in_flight_s"] or 0.0))
            yield oldest


def registry(poller: Poller) -> CollectorRegistry:
    """A registry of this app's own (never the process-wide default: several apps, tests)."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(LiveCollector(poller))
    return reg


@bp.get("/metrics")
def metrics() -> Response:
    """The Prometheus text exposition of the app's and the pipeline's figures."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    reg = app.extensions.get("livedash.metrics")
    if reg is None:
        reg = app.extensions["livedash.metrics"] = registry(get_poller(app))
    return Response(generate_latest(reg), content_type=CONTENT_TYPE_PLAIN_0_0_4,
                    headers={"Cache-Control": "no-store"})
