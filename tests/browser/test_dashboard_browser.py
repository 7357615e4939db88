"""The live dashboard as a person sees it, in Debian's chromium."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from livedash.schema import STATUSES
from tests.browser.conftest import Watched, watch

pytestmark = pytest.mark.browser
HOSTILE_NAME = "<img src=x onerror=alert(1)>.bin"
HOSTILE_USER = '"><script>alert(2)</script>'


def rows(view: Watched):
    return view.page.locator("#tx-table tbody tr[data-id]")


def open_dashboard(view: Watched, server, query: str = "") -> None:
    view.page.goto(f"{server.url}/{query}")
    expect(view.page.locator("#conn-state")).to_have_attribute("data-socket", "connected")


def test_renders_stat_columns_and_rows(view, server, add_row) -> None:
    add_row(status="BAD_REQUEST", transit_s=None, egress_server=None)
    add_row(status="COMPLETE", file_size=2_000_000)
    open_dashboard(view, server)
    for column in ("#col-ingress", "#col-cd", "#col-egress"):
        expect(view.page.locator(column)).to_be_visible()
    expect(view.page.locator('[data-stat="ingress.bad_request"]')).to_have_text("1")
    expect(view.page.locator('[data-stat="egress.complete"]')).to_have_text("1")
    expect(rows(view)).to_have_count(2)
    view.assert_clean()


def test_controls_update_the_view_and_the_url_and_reload_restores(view, server, add_row) -> None:
    add_row(username="ann", status="COMPLETE")
    add_row(username="ben", status="TIMEOUT", transit_s=None)
    open_dashboard(view, server)
    page = view.page
    page.select_option("#window", "30")
    page.select_option("#refresh", "1")
    page.select_option("#limit", "100")
    page.click("#status")
    page.locator("#status-menu").get_by_label("TIMEOUT").check()
    page.mouse.click(5, 300)  # outside: the picker closes
    expect(page.locator("#status-menu")).to_be_hidden()
    expect(rows(view)).to_have_count(1)
    expect(rows(view).first).to_have_attribute("data-status", "TIMEOUT")
    page.fill("#username", "ben")
    page.press("#username", "Enter")
    page.wait_for_function("location.search.includes('username=ben')")
    query = parse_qs(urlparse(page.url).query)
    expected = {"window": "30", "refresh": "1", "limit": "100", "status": "TIMEOUT",
                "username": "ben"}
    assert {k: v[0] for k, v in query.items()}.items() >= expected.items()
    page.reload()
    expect(page.locator("#window")).to_have_value("30")
    expect(page.locator("#refresh")).to_have_value("1")
    expect(page.locator("#limit")).to_have_value("100")
    expect(page.locator("#status")).to_have_text("TIMEOUT")
    expect(page.locator("#status-menu").get_by_label("TIMEOUT")).to_be_checked()
    expect(page.locator("#username")).to_have_value("ben")
    expect(rows(view)).to_have_count(1)
    view.assert_clean()


def test_insert_appears_and_update_changes_in_place(view, server, add_row, sql) -> None:
    add_row(status="COMPLETE")
    open_dashboard(view, server, "?refresh=1")
    expect(rows(view)).to_have_count(1)
    tid = add_row(status="SUBMITTED", transit_s=None, offset_s=0.5)
    row = view.page.locator(f'#tx-table tr[data-id="{tid}"]')
    expect(row).to_have_attribute("data-status", "SUBMITTED")
    expect(rows(view).first).to_have_attribute("data-id", tid)  # newest first
    row.evaluate("el => { el.dataset.mark = 'same-node'; }")
    with sql.cursor() as cur:
        cur.execute("UPDATE transactions SET status='COMPLETE', egress_server='out-2', "
                    "egress_time=UTC_TIMESTAMP(3) WHERE transaction_id=%s", (tid,))
    expect(row).to_have_attribute("data-status", "COMPLETE")
    assert row.get_attribute("data-mark") == "same-node"  # updated in place, not re-rendered
    expect(rows(view)).to_have_count(2)
    view.assert_clean()


def test_statuses_differ_by_colour_and_label(view, server, add_row) -> None:
    for i, status in enumerate(STATUSES):
        done = status in ("COMPLETE", "EP_UNAVAILABLE")
        add_row(offset_s=10 + i, status=status, transit_s=1.0 if done else None)
    open_dashboard(view, server)
    expect(rows(view)).to_have_count(6)
    colours, labels = set(), {}
    for status in STATUSES:
        row = view.page.locator(f'#tx-table tr[data-status="{status}"]')
        colours.add(row.evaluate(
            "el => [...el.querySelectorAll('*')].concat(el).map(e => "
            "getComputedStyle(e)).map(s => s.color + s.backgroundColor + "
            "s.borderLeftColor).join('|')"))
        labels[status] = row.inner_text()
        assert row.locator("svg").count() >= 1
    assert len(colours) == 6
    for status, text in labels.items():
        assert status.replace("_", " ").lower() in text.replace("_", " ").lower()
    view.assert_clean()


def test_hostile_values_stay_text(view, server, add_row) -> None:
    tid = add_row(file_name=HOSTILE_NAME, username=HOSTILE_USER)
    open_dashboard(view, server)
    row = view.page.locator(f'#tx-table tr[data-id="{tid}"]')
    expect(row).to_contain_text(HOSTILE_NAME)
    expect(row).to_contain_text(HOSTILE_USER)
    assert view.page.locator("#tx-table img").count() == 0
    row.locator("button.copy").click()
    expect(view.page.locator("#toasts .toast").first).to_be_visible()
    copied = view.page.evaluate("navigator.clipboard.readText()")
    assert HOSTILE_NAME in copied and HOSTILE_USER in copied
    view.assert_clean()  # no dialog opened, no CSP violation


def test_copy_puts_the_whole_record_on_the_clipboard(view, server, add_row) -> None:
    tid = add_row(username="zoe", file_name="a b,c.txt", file_size=12345,
                  ingress_server="in-7", egress_server="out-3", status="EP_UNAVAILABLE")
    open_dashboard(view, server)
    view.page.locator(f'#tx-table tr[data-id="{tid}"] button.copy').click()
    expect(view.page.locator("#toasts .toast").first).to_be_visible()
    copied = view.page.evaluate("navigator.clipboard.readText()")
    for value in (tid, "zoe", "a b,c.txt", "12345", "in-7", "out-3", "EP_UNAVAILABLE"):
        assert value in copied
    assert copied.count("\n") >= 8  # all nine columns
    view.assert_clean()


def test_copy_works_from_a_non_secure_origin(wall_browser, view, server, add_row) -> None:
    tid = add_row(username="wall-user", file_name="wall.dat")
    context = wall_browser.new_context()
    page = context.new_page()
    wall_origin = server.url.replace("127.0.0.1", "wall.test")
    wall = watch(page, wall_origin)
    page.goto(wall_origin + "/")
    assert page.evaluate("window.isSecureContext") is False
    assert page.evaluate("typeof navigator.clipboard") == "undefined"
    page.locator(f'#tx-table tr[data-id="{tid}"] button.copy').click()
    expect(page.locator("#toasts .toast").first).to_contain_text("opied")
    pasted = paste_in(page)
    assert "wall-user" in pasted and "wall.dat" in pasted and tid in pasted
    wall.assert_clean()
    context.close()


def paste_in(page) -> str:
    """What a paste into a fresh textarea on `page` yields (reads the real clipboard)."""
    page.evaluate("() => { const t = document.createElement('textarea');"
                  " t.id = 'paste-here'; document.body.append(t); t.focus(); }")
    page.keyboard.press("Control+V")
    return page.eval_on_selector("#paste-here", "t => t.value")


def test_no_foreign_requests_and_no_console_errors_in_kiosk(view, server, add_row) -> None:
    add_row()
    open_dashboard(view, server, "?kiosk=1&theme=light")
    expect(rows(view)).to_have_count(1)
    assert view.page.locator("#window").is_hidden()
    view.assert_clean()
