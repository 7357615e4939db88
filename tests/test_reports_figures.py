"""Report figures on the real database: exact percentiles against an independent computation,
the JSON document against the HTML report, every value the schema allows (BIGINT's largest
file_size, transits of 0, negative and hours), control characters, a user with no rows."""

from __future__ import annotations

import json
import random
import re
from concurrent.futures import Future
from datetime import timedelta
from fractions import Fraction
from typing import Any

import pytest

from livedash.db import Database
from livedash.queries import reports as report_sql
from livedash.reporting import figures as fmt
from livedash.reporting import gather
from livedash.reporting.statistics import FigureReader, interpolate, positions
from livedash.schema import STATUSES
from tests.conftest import make_settings
from tests.test_reports import (
    RANGE,
    T0,
    T1,
    assert_agree,
    export,
    figures,
    insert,
    ms,
    percentiles,
    python_figures,
    row,
)

BIG = 9_223_372_036_854_775_807


def report_json(client: Any, query: str = RANGE) -> dict[str, Any]:
    """GET the JSON report."""
    response = export(client, f"{query}&format=json")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return json.loads(response.data)


def exact_figures(rows: list[tuple]) -> dict[str, dict[str, Fraction | int | None]]:
    """Transit (s) and rate (B/s) statistics in exact rationals, straight from the rows."""
    transits = [Fraction((r[7] - r[5]) // timedelta(microseconds=1), 10**6)
                for r in rows if r[7] is not None]
    rates = [Fraction(r[3]) / t for r, t in zip([r for r in rows if r[7] is not None], transits,
                                                strict=True) if t > 0]
    out = {}
    for name, values in (("transit", transits), ("rate", rates)):
        ordered = sorted(values)
        n = len(ordered)
        at = {i: ordered[i] for i in positions(n)} if n else {}
        p50, p90, p99 = interpolate(n, at) if n else (None, None, None)
        out[name] = {"n": n, "min": ordered[0] if n else None, "max": ordered[-1] if n else None,
                     "mean": sum(ordered) / n if n else None, "p50": p50, "p90": p90,
                     "p99": p99}
    return out


def close(shown: float | None, exact: Fraction | int | None, step: float = 0.0) -> bool:
    """Equal up to float rounding (and the database's rate step of 0.0001 B/s)."""
    if exact is None or shown is None:
        return shown is None and exact is None
    return abs(Fraction(shown) - exact) <= step + abs(exact) * Fraction(1, 10**12)


@pytest.fixture
def spread_rows(sql) -> list[tuple]:
    """300 rows, three users, transits from 1 ms to 2 h, some NULL, a few negative."""
    rng = random.Random(5)
    rows = []
    for i in range(300):
        transit = rng.choice([None, 0.0, -1.5, 0.001, rng.uniform(0.01, 60), 7200.0,
                              rng.uniform(0, 3)])
        rows.append(row(i, rng.choice(["ann", "Bea", "cyd"]), T0 + ms(rng.randrange(86_400_000)),
                        rng.randrange(0, 10**13), transit, rng.choice(STATUSES)))
    insert(sql, *rows)
    return rows


def test_percentiles_are_exact_for_all_rows_and_each_user(client, spread_rows) -> None:
    doc = report_json(client)
    groups = [(doc["summary"], spread_rows)] + [
        (u, [r for r in spread_rows if r[1] == u["username"]]) for u in doc["users"]]
    assert [u["username"] for u in doc["users"]] == ["ann", "Bea", "cyd"]
    for shown, rows in groups:
        exact = exact_figures(rows)
        for key in ("n", "min", "max", "mean", "p50", "p90", "p99"):
            assert close(shown["transit_seconds"][key], exact["transit"][key]), key
            assert close(shown["rate_bytes_per_second"][key], exact["rate"][key], 0.0001), key


def test_percentiles_agree_with_the_statistics_module(client, spread_rows) -> None:
    """Independently of the rank arithmetic above: statistics.quantiles ('inclusive')."""
    doc = report_json(client)
    transits = [(r[7] - r[5]).total_seconds() for r in spread_rows if r[7] is not None]
    expected = percentiles(transits)
    for key in ("p50", "p90", "p99"):
        assert abs(doc["summary"]["transit_seconds"][key] - expected[key]) < 1e-9


def test_json_holds_the_figures_the_html_shows(client, spread_rows) -> None:
    doc = report_json(client)
    shown = figures(export(client, f"{RANGE}&format=html").get_data(as_text=True))
    names = {"minimum": "min", "maximum": "max", "mean": "mean", "stdev": "stddev", "n": "n",
             "p50": "p50", "p90": "p90", "p99": "p99"}
    for entry, block in [(doc["summary"], shown["all"])] + [
            (u, shown[u["username"]]) for u in doc["users"]]:
        assert block["files"] == str(entry["files"]) and block["bytes"] == str(entry["bytes"])
        for status in STATUSES:
            assert block[f"status-{status}"] == str(entry["statuses"][status])
        for figure, key in (("rate", "rate_bytes_per_second"), ("transit", "transit_seconds")):
            for part, name in names.items():
                value = entry[key][name]
                expected = str(value) if part == "n" else fmt.plain(value)
                assert block[f"{figure}-{part}"] == expected, (figure, part)
    assert_agree(shown["all"], python_figures(spread_rows))


def test_the_database_and_the_python_path_agree(client, spread_rows) -> None:
    """Demo mode computes the same cells and ordered values in Python: the same figures."""
    doc = report_json(client)
    rows = sorted(spread_rows, key=lambda r: (r[5], r[0]))
    width = doc["report"]["bucket_seconds"]
    cells = gather.python_cells(rows, T0, width)
    readers = {f: gather.read_figure(f, [gather.python_ordered(rows, f)])
               for f in gather.FIGURES}
    assert all(r.agrees for r in readers.values())
    expected = gather._finish(cells, readers, width).total
    assert doc["summary"]["rate_bytes_per_second"]["p90"] == expected.rate.p90
    assert doc["summary"]["transit_seconds"]["stddev"] == pytest.approx(expected.transit.stdev,
                                                                       rel=1e-12)
    assert doc["summary"]["bytes"] == expected.bytes


def test_every_value_the_schema_allows(client, sql) -> None:
    """BIGINT's largest size in 1 ms and in 5 h, a zero and a negative transit: no overflow
    (MySQL error 1690 before), exact bytes, rates exact to 0.0001 B/s, the skew marked."""
    rows = [row(1, "max", T0 + timedelta(hours=1), BIG, 0.001, name="big-fast"),
            row(2, "max", T0 + timedelta(hours=2), BIG, 5 * 3600.0, name="big-slow"),
            row(3, "max", T0 + timedelta(hours=3), 0, 0.0, "EP_UNAVAILABLE", name="zero"),
            row(4, "skew", T0 + timedelta(hours=4), 10, -2.0, name="skewed")]
    insert(sql, *rows)
    csv = export(client, f"{RANGE}&format=csv").data.decode()
    assert f",{BIG},in-1," in csv and csv.count(str(BIG)) == 2
    doc = report_json(client)
    assert doc["summary"]["bytes"] == 2 * BIG + 10  # beyond BIGINT, exact
    rate = doc["users"][0]["rate_bytes_per_second"]
    assert rate["n"] == 2 and rate["max"] == float(BIG * 1000)
    assert close(rate["min"], Fraction(BIG, 5 * 3600), 0.0001)
    transit = doc["summary"]["transit_seconds"]
    assert transit["min"] == -2.0 and transit["max"] == 18000.0 and transit["negative"] == 1
    html = export(client, f"{RANGE}&format=html").get_data(as_text=True)
    assert "End of report." in html and "9.2 EB" in html and "9.2 ZB/s" in html
    skew = re.search(r'data-username="skew">(.*?)</section>', html, re.S)[1]
    assert "\u22122.0 s" in skew and 'class="skew-mark">skew<' in skew
    assert "egress_time before the ingress_time" in skew
    assert fmt.plain(-2.0) in figures(html)["skew"]["transit-minimum"]


def test_control_characters_are_shown_escaped(client, sql) -> None:
    insert(sql, row(1, "ctl", name="nul\x00tab\tnl\nbell\x07del\x7fc1\x85.bin"))
    html = export(client, f"{RANGE}&format=html").get_data(as_text=True)
    assert not re.search("[\x00\x07\x7f\x85]", html)
    cell = re.search(r"<td>(nul.*?)<span class=\"second mono\">", html, re.S)[1]
    codes = re.findall(r'<span class="ctl" title="control character U\+([0-9A-F]{4})">'
                       r"\\x([0-9a-f]{2})</span>", cell)
    assert [c for c, _ in codes] == ["0000", "0009", "000A", "0007", "007F", "0085"]
    assert all(int(c, 16) == int(x, 16) for c, x in codes)
    assert cell.startswith("nul<span") and ".bin" in cell


def test_a_user_with_no_rows_is_named(client, sql) -> None:
    insert(sql, row(1, "someone"))
    html = export(client, f"{RANGE}&username=nobody&format=html").get_data(as_text=True)
    assert "<h1>Transactions report: <span class=\"who\">nobody</span></h1>" in html
    assert "No transfers for <strong>nobody</strong> in this range." in html
    assert "all users" not in html.split("</header>")[0]
    doc = report_json(client, f"{RANGE}&username=nobody")
    assert doc["summary"]["files"] == 0 and doc["users"] == []
    assert doc["summary"]["transit_seconds"]["p50"] is None


def test_reader_keeps_only_the_ranks_it_needs() -> None:
    """Memory per group, never per row: at most min, max and six percentile ranks."""
    values = [(1, b"a", v) for v in range(10_000)]
    reader = FigureReader({b"a": 10_000})
    reader.feed(values)
    reader.finish()
    assert len(reader.groups[b"a"].at) <= 8 and len(reader.everyone.at) <= 8
    spread = reader.everyone.spread(1)
    assert (spread.p50, spread.p90, spread.p99) == (4999.5, 8999.1, 9899.01)


def test_rows_written_while_the_report_reads_do_not_skew_it(client, spread_rows, sql,
                                                            monkeypatch) -> None:
    """A row arriving and rows settling while the statements run: each figure's counts and
    values come from one statement, so every figure is there and exact for the rows that
    statement saw, before or after the change."""
    states = [exact_figures(spread_rows)]
    cells = report_sql.report_cells

    def cells_then_traffic(*args: Any, **kwargs: Any) -> Any:
        found = cells(*args, **kwargs)
        insert(sql, row(900, "ann", T0 + timedelta(hours=3), 5, 0.5))
        with sql.cursor() as cur:
            cur.execute("UPDATE transactions SET egress_time = ingress_time + INTERVAL 1 SECOND "
                        "WHERE egress_time IS NULL LIMIT 5")
            cur.execute("SELECT * FROM transactions")
            states.append(exact_figures(list(cur.fetchall())))
        return found

    monkeypatch.setattr(report_sql, "report_cells", cells_then_traffic)
    doc = report_json(client)
    assert doc["summary"]["files"] == len(spread_rows)
    for shown, figure, step in ((doc["summary"]["transit_seconds"], "transit", 0.0),
                                (doc["summary"]["rate_bytes_per_second"], "rate", 0.0001)):
        assert any(all(close(shown[key], state[figure][key], step)
                       for key in ("n", "min", "max", "mean", "p50", "p90", "p99"))
                   for state in states), figure


def test_a_figure_read_while_the_table_changed_is_read_again(sql, spread_rows) -> None:
    """Counts from the cells, then a row arrives before the stream: the reader sees one value
    too many, and the figure is read again with counts from its own statement."""
    db = Database(make_settings())
    assert db.probe()
    args = (db, T0, T1, "", "table_scan")
    cells: Future[list[tuple]] = Future()
    cells.set_result(report_sql.report_cells(*args, 1800))
    insert(sql, row(901, "ann", T0 + timedelta(hours=3), 5, 0.5))
    reader = gather._read(args, "transit", cells)
    ann = next(c[1] for c in cells.result() if c[0] == "ann")
    assert reader.agrees
    assert reader.groups[ann].count == gather.counts(cells.result(), "transit")[ann] + 1
    assert reader.everyone.seen == sum(r[7] is not None for r in spread_rows) + 1
    db.close()
