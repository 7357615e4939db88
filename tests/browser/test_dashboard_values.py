"""Values at their extremes, on screen and on the clipboard (issues 12 and 15): SI units,
exact sizes, copy text that survives any file name, clock skew, "not yet" for SUBMITTED only.

The server sends `file_size` as a number today and as a string of the exact digits once the
live-path rewrite lands (contract); the page takes both. The end-to-end tests use today's
server; `test_exact_sizes_from_a_string` runs the page's own modules in the browser on the
string form.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from livedash.schema import COLUMNS, DASH, EMPTY_STATUS

pytestmark = pytest.mark.browser
ROWS = "#tx-table tbody tr[data-id]"
BIGINT_MAX = 9223372036854775807
MINUS = "\u2212"  # what the page writes: a real minus


def open_page(view, server) -> None:
    """Open the dashboard and wait for the socket (not for figures: with a COMPLETE row of
    BIGINT's maximum size today's server cannot compute the data rate and sends none; the
    chip then rightly stays at "Connecting…")."""
    view.page.goto(f"{server.url}/?refresh=1")
    expect(view.page.locator("#conn-state")).to_have_attribute("data-socket", "connected")


def row(view, tid: str):
    return view.page.locator(f'{ROWS}[data-id="{tid}"]')


def copied_lines(view, tid: str) -> list[str]:
    row(view, tid).locator("button.copy").click()
    expect(view.page.locator("#toasts .toast").last).to_contain_text("Copied")
    return view.page.evaluate("navigator.clipboard.readText()").split("\n")


def test_sizes_in_si_units_with_exact_bytes_in_the_title(view, server, add_row) -> None:
    small = add_row(file_size=1500)
    huge = add_row(file_size=BIGINT_MAX, offset_s=6)
    open_page(view, server)
    size = row(view, small).locator("td.col-size")
    expect(size).to_have_text("1.5 kB")
    expect(size).to_have_attribute("title", "1,500 bytes")
    expect(row(view, huge).locator("td.col-size")).to_have_text("9.2 EB")
    assert "KB" not in view.page.locator("main").inner_text()
    view.assert_clean()


def test_copy_text_survives_newlines_and_tabs_in_a_file_name(view, server, add_row) -> None:
    name = 'two\nlines\tand a tab "quoted"'
    tid = add_row(file_name=name, username="NULL")
    open_page(view, server)
    lines = copied_lines(view, tid)
    assert [line.split(": ", 1)[0] for line in lines] == list(COLUMNS)  # one line per column
    values = dict(line.split(": ", 1) for line in lines)
    assert json.loads(values["file_name"]) == name  # quoted as a JSON string, reads back
    assert json.loads(values["username"]) == "NULL"  # the text NULL is not the SQL NULL
    assert values["transaction_id"] == tid  # plain values stay bare
    assert values["file_size"] == "1000"
    view.assert_clean()


def test_missing_values_copy_as_null(view, server, add_row) -> None:
    tid = add_row(status="SUBMITTED", transit_s=None, egress_server=None)
    open_page(view, server)
    values = dict(line.split(": ", 1) for line in copied_lines(view, tid))
    assert values["egress_server"] == "NULL" and values["egress_time"] == "NULL"
    view.assert_clean()


def test_negative_transit_is_marked_as_clock_skew(view, server, add_row) -> None:
    skewed = add_row(transit_s=-2.0)
    normal = add_row(transit_s=3.0, offset_s=8)
    open_page(view, server)
    transit = row(view, skewed).locator("td.col-transit")
    expect(transit).to_contain_text(f"{MINUS}2.0 s")
    expect(transit).to_contain_text("clock skew")
    expect(transit).to_have_attribute("title", "Clock skew: the egress time is 2.0 s before the "
                                      "ingress time; the servers' clocks disagree")
    expect(row(view, normal).locator("td.col-transit")).to_have_text("3.0 s")
    row(view, skewed).click()
    expect(view.page.locator("#detail .timeline")).to_contain_text(f"{MINUS}2.0 s: clock skew")
    view.assert_clean()


@pytest.mark.parametrize("status", ["TIMEOUT", "BAD_REQUEST", "CD_UNAVAILABLE"])
def test_not_yet_is_for_submitted_only(view, server, add_row, status) -> None:
    failed = add_row(status=status, transit_s=None, egress_server=None)
    flying = add_row(status="SUBMITTED", transit_s=None, egress_server=None, offset_s=8)
    open_page(view, server)
    egress = row(view, failed).locator("td.col-egress")
    expect(egress).to_have_text(DASH)
    expect(egress).to_have_attribute("title", f"No egress: ended as {status}")
    expect(row(view, failed).locator("td.col-transit")).not_to_contain_text("not yet")
    expect(row(view, flying).locator("td.col-egress")).to_have_text("not yet")
    view.assert_clean()


def test_exact_sizes_from_a_string(view, server) -> None:
    """The contract's string form of file_size, through the page's own modules."""
    open_page(view, server)
    result = view.page.evaluate("""async () => {
      const f = await import('/static/js/lib/format.js');
      const r = await import('/static/js/lib/records.js');
      const rec = { transaction_id: 'x', file_size: '9223372036854775807', file_name: 'a' };
      return { bytes: f.bytes(rec.file_size), exact: f.exactBytes(rec.file_size),
               number: f.exactBytes(12345), copy: r.recordText(rec, ['file_size']),
               title: r.sizeInfo(rec).title };
    }""")
    assert result == {"bytes": "9.2 EB", "exact": "9,223,372,036,854,775,807 bytes",
                      "number": "12,345 bytes", "copy": "file_size: 9223372036854775807",
                      "title": "9,223,372,036,854,775,807 bytes"}
    view.assert_clean()


def test_one_dash_for_a_missing_value_everywhere(view, server) -> None:
    """The page's placeholder is the server's (schema.DASH, pages and reports): one
    character, not an en dash in the JS and an em dash on the server."""
    view.page.goto(f"{server.url}/")
    shown = view.page.evaluate("async () => (await import('/static/js/lib/format.js')).DASH")
    assert shown == DASH
    expect(view.page.locator('[data-stat="egress.tps"]')).to_have_text(re.compile("."))
    root = Path(__file__).resolve().parents[2] / "livedash"
    for path in [*(root / "static/js").rglob("*.js"), *(root / "templates").rglob("*.html")]:
        assert "\u2013" not in path.read_text(), f"{path} writes an en dash"


def test_a_status_outside_the_enum_reads_empty_in_the_table_and_the_detail(view, server,
                                                                           add_row, sql) -> None:
    """MySQL stores '' for an invalid ENUM value outside strict mode: it is named, not blank."""
    with sql.cursor() as cur:
        cur.execute("SET SESSION sql_mode = ''")
    try:
        tid = add_row(status="NOT_A_STATUS", transit_s=None, offset_s=0)  # not a late commit
    finally:
        with sql.cursor() as cur:
            cur.execute("SET SESSION sql_mode = DEFAULT")
    view.page.goto(f"{server.url}/?refresh=1&detail={tid}")
    expect(row(view, tid).locator(".badge-text")).to_have_text(EMPTY_STATUS)
    detail = view.page.locator("#detail")
    expect(detail.locator("[data-detail-status] .badge-text")).to_have_text(EMPTY_STATUS)
    expect(detail.locator('[data-field="status"]')).to_have_text(EMPTY_STATUS)
    expect(view.page.locator("#alarms")).to_contain_text("1 transfer with an empty status")
    view.assert_clean()
