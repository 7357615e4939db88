"""Reports on the real database: exact CSV bytes, HTML statistics against Python's own
arithmetic (percentiles included), per-user sections, range edges, every bad input, demo mode,
outages before and during a download, and the query plans. Extreme values and JSON:
test_reports_figures.py; stalled clients and the download bound: test_reports_streams.py."""

from __future__ import annotations

import base64
import gc
import hashlib
import io
import logging
import random
import re
import statistics
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from html import unescape
from typing import Any

import pytest
import requests

from livedash import create_app, queries, reporting
from livedash.db import Database, DatabaseError
from livedash.queries import reports as report_sql
from livedash.records import mysql_row
from livedash.reporting import listing, streams
from livedash.schema import STATUSES
from tests.conftest import SERVER, connect, live_app, make_settings
from tests.recording import RecordingDatabase, explain
from tests.servers import LiveServer
from tests.tcpproxy import TcpProxy

T0 = datetime(2026, 11, 28, 0, 30)
T1 = datetime(2026, 11, 29, 0, 30)
RANGE = "start=2026-11-28T00:30&end=2026-11-29T00:30"
ms = lambda n: timedelta(milliseconds=n)  # noqa: E731


def insert(sql: Any, *rows: tuple[Any, ...]) -> None:
    """Insert complete rows (COLUMNS order) with their explicit times."""
    with sql.cursor() as cur:
        cur.executemany("INSERT INTO transactions VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)", rows)


def row(n: int, user: str = "alice", at: datetime = T0 + timedelta(hours=1), size: int = 1000,
        transit: float | None = 2.0, status: str = "COMPLETE", name: str = "f.bin") -> tuple:
    """A row with id 00000000-…-<n>, egress `transit` seconds after ingress (None: no egress)."""
    egress = None if transit is None else at + ms(round(transit * 1000))  # DATETIME(3)
    return (f"00000000-0000-4000-8000-{n:012d}", user, name, size, "in-1", at,
            None if egress is None else "out-1", egress, status)


def export(client: Any, query: str) -> Any:
    """GET /reports/export?<query>, read whole and closed (as a server closes a response,
    which gives its download slot back)."""
    response = client.get(f"/reports/export?{query}")
    response.get_data()
    response.close()
    return response


# -- CSV -----------------------------------------------------------------------------------------

def test_csv_is_the_table_in_exact_bytes(client, sql) -> None:
    insert(sql,
           row(1, "alice", T0 + ms(123), 48213377, 6.4, name="plain.pdf"),
           row(2, "bob", T0 + timedelta(hours=2), 5, None, "SUBMITTED", 'a,b "c"\nd.txt'),
           row(3, "zoë", T0 + timedelta(hours=3), 0, 0.5, "EP_UNAVAILABLE", "naïve ☃ 名前.bin"),
           row(4, "carol", T0 + timedelta(hours=4), 7, None, "BAD_REQUEST", "cr\r\nlf"))
    response = export(client, f"{RANGE}&format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv; charset=utf-8")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="transactions_20261128T0030_20261129T0030.csv"')
    assert response.data == (
        "transaction_id,username,file_name,file_size,ingress_server,ingress_time,egress_server,"
        "egress_time,status\r\n"
        "00000000-0000-4000-8000-000000000001,alice,plain.pdf,48213377,in-1,"
        "2026-11-28 00:30:00.123,out-1,2026-11-28 00:30:06.523,COMPLETE\r\n"
        '00000000-0000-4000-8000-000000000002,bob,"a,b ""c""\nd.txt",5,in-1,'
        "2026-11-28 02:30:00.000,,,SUBMITTED\r\n"
        "00000000-0000-4000-8000-000000000003,zoë,naïve ☃ 名前.bin,0,in-1,"
        "2026-11-28 03:30:00.000,out-1,2026-11-28 03:30:00.500,EP_UNAVAILABLE\r\n"
        '00000000-0000-4000-8000-000000000004,carol,"cr\r\nlf",7,in-1,'
        "2026-11-28 04:30:00.000,,,BAD_REQUEST\r\n").encode()


def test_database_text_and_python_formatter_agree(client, sql) -> None:
    """The CSV's values (CAST by the database) equal `records.mysql_row` over the same rows."""
    rng = random.Random(3)
    insert(sql, *(row(i, f"u{i % 3}", T0 + ms(rng.randrange(86_400_000)), rng.randrange(10**12),
                      rng.choice([None, 0.0, 0.001, 12.5]), name=f"n{i}") for i in range(40)))
    body = export(client, f"{RANGE}&format=csv").data
    conn = connect()
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM transactions ORDER BY ingress_time, transaction_id")
        typed = cur.fetchall()
    expected = streams.csv_chunks([[mysql_row(r) for r in typed]])
    assert body == b"".join(expected)


def test_range_edges_and_order(client, sql) -> None:
    """start is in, end is out; oldest first, ties by transaction_id."""
    insert(sql, row(1, at=T0 - ms(1)), row(2, at=T0), row(3, at=T1 - ms(1)), row(4, at=T1),
           row(6, at=T0 + timedelta(hours=5)), row(5, at=T0 + timedelta(hours=5)))
    lines = export(client, f"{RANGE}&format=csv").data.decode().splitlines()[1:]
    assert [int(line.split(",")[0][-3:]) for line in lines] == [2, 5, 6, 3]
    html = export(client, f"{RANGE}&format=html").get_data(as_text=True)
    assert figures(html)["all"]["files"] == "4"
    assert html.count("00000000-0000-4000-8000-00000000000") == 4


def test_username_filter_and_file_name(client, sql) -> None:
    insert(sql, row(1, "alice"), row(2, "bob"), row(3, "ALICE"))
    response = export(client, f"{RANGE}&username=alice&format=csv")
    assert response.headers["Content-Disposition"].endswith(
        'filename="transactions_20261128T0030_20261129T0030_alice.csv"')
    users = [line.split(",")[1] for line in response.data.decode().splitlines()[1:]]
    assert sorted(users) == ["ALICE", "alice"]  # the column's collation: case-insensitive


# -- HTML ----------------------------------------------------------------------------------------

def figures(html: str) -> dict[str, dict[str, str]]:
    """data-value of every data-stat, for the all-users block and each user's section."""
    found = {}
    block = re.search(r'<section aria-labelledby="all-title" id="all">(.*?)</section>', html, re.S)
    found["all"] = dict(re.findall(r'data-stat="([^"]+)" data-value="([^"]*)"', block[1]))
    for m in re.finditer(r'<section class="user" id="user-\d+" data-username="([^"]*)">(.*?)'
                         r"</section>", html, re.S):
        found[unescape(m[1])] = dict(re.findall(r'data-stat="([^"]+)" data-value="([^"]*)"', m[2]))
    return found


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50/p90/p99 by the statistics module's 'inclusive' method: linear interpolation
    between closest ranks, numpy's default (R's type 7)."""
    if len(values) < 2:
        return dict.fromkeys(("p50", "p90", "p99"), values[0] if values else None)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98]}


def python_figures(rows: list[tuple]) -> dict[str, float | None]:
    """The report's figures computed independently, with the statistics module."""
    transits = [((r[7] - r[5]).total_seconds(), r[3]) for r in rows if r[7] is not None]
    rates = [size / t for t, size in transits if t > 0]
    out: dict[str, float | None] = {"files": len(rows), "bytes": sum(r[3] for r in rows)}
    for name, values in (("rate", rates), ("transit", [t for t, _ in transits])):
        out.update({f"{name}-n": len(values), f"{name}-minimum": min(values, default=None),
                    f"{name}-maximum": max(values, default=None),
                    f"{name}-mean": statistics.mean(values) if values else None,
                    f"{name}-stdev": statistics.stdev(values) if len(values) > 1 else None})
        out.update({f"{name}-{k}": v for k, v in percentiles(values).items()})
    for status in STATUSES:
        out[f"status-{status}"] = sum(r[8] == status for r in rows)
    return out


def assert_agree(shown: dict[str, str], expected: dict[str, float | None]) -> None:
    """Every figure matches to one decimal place; undefined ones are empty."""
    for key, value in expected.items():
        if value is None:
            assert shown[key] == "", key
        else:
            assert abs(float(shown[key]) - value) <= 0.05 + 1e-9 * abs(value), (key, shown[key])


@pytest.fixture
def varied_rows(sql) -> list[tuple]:
    """60 rows: three users (one with a single row), all statuses, NULL and zero transits."""
    rng = random.Random(11)
    rows = []
    for i in range(60):
        user = "solo" if i == 0 else rng.choice(["mia", "Ben", "zed"])
        status = rng.choice(STATUSES)
        transit = (None if status in ("BAD_REQUEST", "SUBMITTED")
                   else rng.choice([0.0, 0.001, rng.uniform(0.1, 900)]))
        rows.append(row(i, user, T0 + ms(rng.randrange(86_400_000)),
                        rng.randrange(1, 10**10), transit, status))
    insert(sql, *rows)
    return rows


def test_html_statistics_agree_with_python(client, varied_rows) -> None:
    html = export(client, f"{RANGE}&format=html").get_data(as_text=True)
    shown = figures(html)
    assert_agree(shown["all"], python_figures(varied_rows))
    for user in ("mia", "Ben", "zed", "solo"):
        assert_agree(shown[user], python_figures([r for r in varied_rows if r[1] == user]))
    assert "sample</em> standard deviation (n \u2212 1)" in html
    assert shown["solo"]["rate-stdev"] == "" and "—" in html


def test_html_sections_alphabetical_with_toc(client, sql) -> None:
    insert(sql, row(1, "carol"), row(2, "Émile"), row(3, "alice"), row(4, "Bob"),
           row(5, "alice", T0 + timedelta(hours=7)), row(6, "DAVE"), row(7, "dave"))
    html = export(client, f"{RANGE}&format=html").get_data(as_text=True)
    order = [unescape(u) for u in re.findall(r'<section class="user" id="user-\d+" '
                                             r'data-username="([^"]*)"', html)]
    assert order[:3] == ["alice", "Bob", "carol"] and order[4] == "Émile"
    assert order[3].lower() == "dave"  # 'DAVE' and 'dave' are one user to the collation
    toc = re.findall(r'<li><a href="#(user-\d+)">([^<]*)</a>', html)
    assert [unescape(name) for _, name in toc] == order
    assert [anchor for anchor, _ in toc] == [f"user-{i}" for i in range(1, 6)]
    alice = re.search(r'data-username="alice">(.*?)</section>', html, re.S)[1]
    assert "000000000003" in alice and "000000000005" in alice and "000000000001" not in alice
    dave = re.search(r'data-username="(?:dave|DAVE)">(.*?)</section>', html, re.S)[1]
    assert "000000000006" in dave and "000000000007" in dave
    assert "the table changed" not in html and "End of report." in html


def test_html_summary_leaves_before_the_listing_query(client, sql) -> None:
    """The first chunk ends after the table of contents: the browser shows the statistics while
    the database sorts the rows to list."""
    insert(sql, row(1), row(2, "bob"))
    response = client.get(f"/reports/export?{RANGE}&format=html", buffered=False)
    first = next(iter(response.response)).decode()
    assert first.rstrip().endswith(streams.FLUSH) and 'class="user"' not in first
    response.close()


def test_html_escapes_every_value(client, sql) -> None:
    insert(sql, row(1, '<b id="u">x</b>', name='<script>alert("x")</script>&.bin'))
    response = export(client, f"{RANGE}&format=html")
    html = response.get_data(as_text=True)
    assert "<script" not in html and '<b id="u">' not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;.bin" in html
    assert "&lt;b id=&#34;u&#34;&gt;x&lt;/b&gt;" in html


def test_html_is_inline_with_its_own_csp(client, sql) -> None:
    insert(sql, row(1))
    response = export(client, f"{RANGE}&format=html")
    assert response.headers["Content-Disposition"] == (
        'inline; filename="transactions_20261128T0030_20261129T0030.html"')
    style = re.search(r"<style>(.*?)</style>", response.get_data(as_text=True), re.S)[1]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'; ") and f"style-src 'sha256-{digest}'" in csp
    assert "script-src" not in csp and "<link" not in response.get_data(as_text=True)


def test_html_row_cap_keeps_statistics_whole(sql) -> None:
    insert(sql, *(row(i, "ann" if i < 3 else "cy", T0 + timedelta(minutes=i)) for i in range(8)))
    app = live_app(make_settings(report_html_max_rows=5))
    html = export(app.test_client(), f"{RANGE}&format=html").get_data(as_text=True)
    assert figures(html)["all"]["files"] == "8" and figures(html)["cy"]["files"] == "5"
    assert "lists only the first 5 of\n    8 rows" in html
    assert html.count("00000000-0000-4000-8000-0000000000") == 5
    assert "Listing stopped at the row cap: 2 of 5 rows shown." in html


def test_listing_deals_rows_to_sections_and_counts_strays() -> None:
    """Rows of a group the statistics did not see (written in between) are counted, not shown."""
    rows = [("a1", "a"), ("x1", "x"), ("b1", "b"), ("b2", "b"), ("a2", "a")]
    dealt = listing.Listing([rows[:2], rows[2:]], ["a", "b"], cap=100)
    assert [r[0] for r in dealt.rows(0)] == ["a1"]
    assert [r[0] for r in dealt.rows(1)] == ["b1", "b2"]
    assert dealt.unplaced == 2 and not dealt.stopped


# -- both formats, defaults, form --------------------------------------------------------------

def test_both_formats_make_one_zip(client, sql) -> None:
    insert(sql, row(1), row(2, "bob", name="x,y"))
    response = export(client, f"{RANGE}&format=html&format=csv")
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"].endswith(
        'filename="transactions_20261128T0030_20261129T0030.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert names == ["transactions_20261128T0030_20261129T0030.csv",
                     "transactions_20261128T0030_20261129T0030.html"]
    assert archive.read(names[0]) == export(client, f"{RANGE}&format=csv").data
    assert b"End of report." in archive.read(names[1])


def test_defaults_are_the_last_24_hours_of_the_database_clock(client, add_row) -> None:
    add_row(offset_s=10, username="recent")
    add_row(offset_s=25 * 3600, username="old")
    before = reporting.default_end(queries.db_now(client.application.extensions["livedash.db"]))
    page = client.get("/reports").get_data(as_text=True)
    end = re.search(r'id="end" name="end" value="([^"]+)"', page)[1]
    start = re.search(r'id="start" name="start" value="([^"]+)"', page)[1]
    assert datetime.fromisoformat(end) - datetime.fromisoformat(start) == timedelta(hours=24)
    assert datetime.fromisoformat(end) - before in (timedelta(0), timedelta(minutes=1))
    assert 'id="username" name="username" value=""' in page
    body = export(client, "format=csv").data.decode()
    assert ",recent," in body and ",old," not in body


def test_form_submission_redirects_to_the_export_url(client) -> None:
    response = client.get(f"/reports?go=1&{RANGE}&username=al%20ice&format=csv&format=html")
    assert response.status_code == 303
    assert response.headers["Location"] == (
        "/reports/export?start=2026-11-28T00:30&end=2026-11-29T00:30&username=al+ice"
        "&format=csv&format=html")


BAD = [
    ("start=yesterday&format=csv", "start", "Start must be a date and time"),
    ("start=2026-11-28T25:00&format=csv", "start", "Start must be a date and time"),
    ("end=2026-02-30T00:00&format=csv", "end", "End must be a date and time"),
    ("start=0999-12-31T00:00&format=csv", "start", "year 1000 or later"),
    ("start=2026-11-29T00:30&end=2026-11-28T00:30&format=csv", "end", "after the start"),
    ("start=2026-11-29T00:30&end=2026-11-29T00:30&format=csv", "end", "after the start"),
    (f"{RANGE}", "format", "choose at least one format"),
    (f"{RANGE}&format=pdf", "format", "Unknown format 'pdf'"),
    (f"{RANGE}&format=csv&username={'x' * 51}", "username", "at most 50 characters"),
    (f"{RANGE}&format=csv&username=a%01b", "username", "control characters"),
]


@pytest.mark.parametrize(("query", "field", "message"), BAD)
def test_bad_input_on_the_export_url_is_a_plain_400(client, query, field, message) -> None:
    response = export(client, query)
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert f"{field}: " in response.get_data(as_text=True)
    assert message.lower() in response.get_data(as_text=True).lower()


@pytest.mark.parametrize(("query", "field", "message"), BAD)
def test_bad_input_on_the_form_shows_the_message_by_its_field(client, query, field,
                                                              message) -> None:
    response = client.get(f"/reports?go=1&{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    shown = re.search(rf'<p class="field-error" id="error-{field}" role="alert">(.*?)</p>',
                      page, re.S)
    assert shown and message.lower() in unescape(shown[1]).lower()


# -- demo mode and outages ---------------------------------------------------------------------

def test_demo_mode_reports_on_the_demo_rows(sql) -> None:
    client = create_app(make_settings(demo=True), {"TESTING": True}).test_client()
    body = export(client, "format=csv").data.decode()
    lines = body.split("\r\n")
    assert lines[0].startswith("transaction_id,") and len(lines) == 5 and lines[4] == ""
    html = export(client, "format=html").get_data(as_text=True)
    shown = figures(html)
    assert shown["all"]["files"] == "3" and set(shown) == {"all", "alice", "bob", "carol"}
    assert "Demo data" in html
    assert client.get("/reports").status_code == 200


@pytest.fixture
def proxy(test_database: str) -> Iterator[TcpProxy]:
    p = TcpProxy((SERVER["host"], SERVER["port"]))
    yield p
    p.close()


def test_database_down_before_the_download_is_a_503(proxy, sql) -> None:
    insert(sql, row(1))
    app = live_app(make_settings(mysql_port=proxy.port))
    proxy.down()
    client = app.test_client()
    response = export(client, f"{RANGE}&format=csv")
    assert response.status_code == 503 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("Report unavailable:")
    page = client.get("/reports")
    assert page.status_code == 200 and 'id="report-problem"' in page.get_data(as_text=True)
    assert client.get(f"/reports?go=1&{RANGE}&format=csv").status_code == 503


@pytest.fixture
def many_rows(sql) -> int:
    """30,000 rows of ~330 bytes: far more than the socket buffers between server and app."""
    rows = [row(i, f"user{i % 7}", T0 + ms(i * 100), name="n" * 250) for i in range(30_000)]
    for i in range(0, len(rows), 5000):
        insert(sql, *rows[i:i + 5000])
    return len(rows)


def test_database_lost_mid_stream_fails_the_response(proxy, many_rows, caplog) -> None:
    app = live_app(make_settings(mysql_port=proxy.port))
    response = app.test_client().get(f"/reports/export?{RANGE}&format=csv", buffered=False)
    assert response.status_code == 200
    chunks = iter(response.response)
    received = next(chunks)
    proxy.down()
    with pytest.raises(DatabaseError), caplog.at_level(logging.ERROR):
        for chunk in chunks:
            received += chunk
    assert received.count(b"\r\n") < many_rows + 1
    assert "failed mid-stream" in caplog.text
    app.extensions["livedash.db"].close()
    del response, chunks, app
    gc.collect()  # PyMySQL's dead result objects complain in __del__: let them do it now


def test_abandoned_download_gives_its_connection_back(client, many_rows) -> None:
    """A client that leaves early: the stream's connection is dropped, not drained, and the
    next report gets a fresh one."""
    response = client.get(f"/reports/export?{RANGE}&format=csv", buffered=False)
    next(iter(response.response))
    response.close()
    assert export(client, f"{RANGE}&format=csv").data.count(b"\r\n") == many_rows + 1


def test_real_server_cuts_the_download_when_the_database_goes(proxy, many_rows,
                                                               tmp_path) -> None:
    server = LiveServer(tmp_path, "reports", MYSQL_PORT=str(proxy.port))
    try:
        assert requests.get(f"{server.url}/healthz", timeout=5).json()["database"] in (
            "up", "demo")
        deadline = datetime.now() + timedelta(seconds=10)
        while requests.get(f"{server.url}/healthz", timeout=5).json()["database"] != "up":
            assert datetime.now() < deadline
        response = requests.get(f"{server.url}/reports/export?{RANGE}&format=csv",
                                stream=True, timeout=30)
        assert response.status_code == 200
        parts = response.iter_content(65536)
        received = next(parts)
        proxy.down()
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for part in parts:
                received += part
        assert received.count(b"\r\n") < many_rows + 1
    finally:
        server.stop(clean=False)
    assert "failed mid-stream" in server.log_path.read_text()


# -- query plans and index choice ----------------------------------------------------------------

def test_csv_query_walks_idx_ingress_time_without_sorting(sql) -> None:
    insert(sql, *(row(i, f"u{i % 5}", T0 + timedelta(seconds=i)) for i in range(500)))
    db = RecordingDatabase(make_settings())
    assert db.probe()
    list(report_sql.report_csv_rows(db, T0, T1, "", "idx_ingress_time"))
    conn = connect()
    (plan,) = explain(conn, *db.streamed[-1])
    conn.close()
    assert plan["key"] == "idx_ingress_time" and plan["type"] == "range"
    assert "filesort" not in (plan["extra"] or "")
    db.close()


def test_index_choice_for_one_user(sql) -> None:
    insert(sql, *(row(i, "busy", T0 + timedelta(seconds=i)) for i in range(300)),
           *(row(1000 + i, "rare", T0 + timedelta(hours=2, seconds=i)) for i in range(3)))
    db = Database(make_settings())
    assert db.probe()
    assert report_sql.report_index(db, T0, T1, "rare") == "idx_username"
    narrow = T0 + timedelta(seconds=10)
    assert report_sql.report_index(db, T0, narrow, "busy") == "idx_ingress_time"
    assert report_sql.report_index(db, T0, T1, "") == "idx_ingress_time"
    db.close()


def test_statistics_scan_the_table_when_the_range_holds_much_of_it(sql) -> None:
    """A range read through idx_ingress_time costs a lookup per row: past 1/SCAN_SHARE of the
    table the statistics scan it instead (and the plan says so)."""
    insert(sql, *(row(i, f"u{i % 5}", T0 + timedelta(seconds=i)) for i in range(400)))
    with sql.cursor() as cur:
        cur.execute("ANALYZE TABLE transactions")
        cur.fetchall()
    db = RecordingDatabase(make_settings())
    assert db.probe()
    conn = connect()
    assert report_sql.report_access(db, T0, T1, "idx_ingress_time") == "table_scan"
    narrow = T0 + timedelta(seconds=5)
    assert report_sql.report_access(db, T0, narrow, "idx_ingress_time") == "idx_ingress_time"
    assert report_sql.report_access(db, T0, T1, "idx_username") == "idx_username"
    list(report_sql.report_ordered(db, T0, T1, "", "table_scan", "transit"))
    (plan,) = explain(conn, *db.streamed[-1])
    assert plan["type"] == "ALL" and plan["key"] is None
    list(report_sql.report_ordered(db, T0, T1, "", "table_scan", "transit", counted=True))
    reads = [p for p in explain(conn, *db.streamed[-1]) if p["table"] == "transactions"]
    assert len(reads) == 2 and all(p["type"] == "ALL" and p["key"] is None for p in reads)
    list(report_sql.report_ordered(db, T0, narrow, "", "idx_ingress_time", "rate"))
    reads = [p for p in explain(conn, *db.streamed[-1]) if p["table"] == "transactions"]
    assert all(p["key"] == "idx_ingress_time" and p["type"] == "range" for p in reads)
    conn.close()
    db.close()
