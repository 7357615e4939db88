"""Independent answers to "what should the dashboard show": the definitions of README's
"Statistics, defined" as plain SQL plus Decimal arithmetic, written apart from livedash so a
test can compare the live path with them (and benchmarks can time the full query)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

EGRESS = ("COMPLETE", "EP_UNAVAILABLE")
FULL_QUERY = (
    "SELECT status, ingress_server, egress_server, COUNT(*), COALESCE(SUM(file_size), 0), "
    "SUM(CASE WHEN egress_time > ingress_time THEN file_size / "
    "(TIMESTAMPDIFF(MICROSECOND, ingress_time, egress_time) / 1000000e0) END), "
    "COUNT(CASE WHEN egress_time > ingress_time THEN 1 END) "
    "FROM transactions WHERE ingress_time >= %s {upper} "
    "GROUP BY status, ingress_server, egress_server")


def window_start(now: datetime, minutes: int) -> datetime:
    """The window's first instant: the database's now truncated to the second, minus W."""
    return now.replace(microsecond=0) - timedelta(minutes=minutes)


def tenths(numerator: int, denominator: int) -> float:
    """numerator / denominator rounded half up to one decimal place, in Decimal."""
    return float((Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP))


def groups(conn: Any, start: datetime, end: datetime | None = None) -> list[tuple]:
    """The full query's groups of the rows with start <= ingress_time (< end)."""
    with conn.cursor() as cur:
        if end is None:
            cur.execute(FULL_QUERY.format(upper=""), (start,))
        else:
            cur.execute(FULL_QUERY.format(upper="AND ingress_time < %s"), (start, end))
        return list(cur.fetchall())


def figures(rows: list[tuple], minutes: int) -> dict[str, Any]:
    """Exact figures of a window from the full query's groups; floats stay unrounded."""
    seconds = minutes * 60
    counts: dict[str, int] = {}
    ingress: dict[str, dict[str, int]] = {}
    egress: dict[str, list[Any]] = {}
    size = rate_n = 0
    rate_sum = 0.0
    for status, in_server, out_server, n, total, rates, rated in rows:
        counts[status] = counts.get(status, 0) + n
        per = ingress.setdefault(in_server, {})
        per[status] = per.get(status, 0) + n
        if status in EGRESS:
            size += int(total)
            rate_sum += float(rates or 0)
            rate_n += rated
            if out_server is not None:
                cell = egress.setdefault(out_server, [0, 0, 0, 0.0, 0])
                cell[0 if status == "COMPLETE" else 1] += n
                cell[2] += int(total)
                cell[3] += float(rates or 0)
                cell[4] += rated
    out = sum(counts.get(s, 0) for s in EGRESS)
    return {
        "total": sum(counts.values()), "counts": counts,
        "tps": tenths(out, seconds), "throughput_bps": tenths(size, seconds),
        "avg_rate": rate_sum / rate_n if rate_n else 0.0,
        "ingress": {s: {"total": sum(c.values()), "bad_request": c.get("BAD_REQUEST", 0),
                        "cd_unavailable": c.get("CD_UNAVAILABLE", 0),
                        "submitted": c.get("SUBMITTED", 0)} for s, c in ingress.items()},
        "egress": {s: {"complete": c[0], "ep_unavailable": c[1],
                       "tps": tenths(c[0] + c[1], seconds),
                       "throughput_bps": tenths(c[2], seconds),
                       "avg_rate": c[3] / c[4] if c[4] else 0.0} for s, c in egress.items()},
    }


def close_to(shown: float, exact: float) -> bool:
    """Whether `shown` is `exact` rounded to one decimal (float noise aside)."""
    return abs(shown - exact) <= 0.05 + 1e-9 * abs(exact)


def assert_payload_matches(payload: dict[str, Any], expected: dict[str, Any]) -> None:
    """A stats payload against the oracle's figures of the same window."""
    c = expected["counts"]
    assert payload["total"] == expected["total"]
    assert payload["ingress"]["bad_request"] == c.get("BAD_REQUEST", 0)
    assert payload["ingress"]["cd_unavailable"] == c.get("CD_UNAVAILABLE", 0)
    assert payload["cd"]["submitted"] == c.get("SUBMITTED", 0)
    assert payload["cd"]["timeout"] == c.get("TIMEOUT", 0)
    assert payload["egress"]["complete"] == c.get("COMPLETE", 0)
    assert payload["egress"]["ep_unavailable"] == c.get("EP_UNAVAILABLE", 0)
    assert payload["egress"]["tps"] == expected["tps"]
    assert payload["egress"]["throughput_bps"] == expected["throughput_bps"]
    assert close_to(payload["egress"]["avg_rate_bps"], expected["avg_rate"])
    if "servers" in payload["ingress"]:
        shown = {s.pop("server"): s for s in map(dict, payload["ingress"]["servers"])}
        assert shown == expected["ingress"]
        out = {s["server"]: s for s in payload["egress"]["servers"]}
        assert set(out) == set(expected["egress"])
        for name, want in expected["egress"].items():
            got = out[name]
            assert (got["complete"], got["ep_unavailable"], got["tps"], got["throughput_bps"]) \
                == (want["complete"], want["ep_unavailable"], want["tps"],
                    want["throughput_bps"])
            assert close_to(got["avg_rate_bps"], want["avg_rate"])


def latest(conn: Any, where: str = "", params: tuple = (), limit: int = 50) -> list[tuple]:
    """The newest rows matching a WHERE clause, as the tables order them."""
    with conn.cursor() as cur:
        cur.execute(f"SELECT * FROM transactions {'WHERE ' + where if where else ''} "
                    "ORDER BY ingress_time DESC, transaction_id DESC LIMIT %s",
                    (*params, limit))
        return list(cur.fetchall())
