"""The operator's tab: Pause / Resume, rows held under the pointer and keyboard focus, the
transfer detail panel, the UTC / local toggle with its wall clock, the theme (issue 15)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from livedash.tableviews import RECHECK_S
from tests.browser.conftest import watch
from tests.browser.traffic import live_traffic
from tests.servers import LiveServer

pytestmark = pytest.mark.browser
ROWS = "#tx-table tbody tr[data-id]"
ROW_AT = "([x, y]) => document.elementFromPoint(x, y).closest('tr').dataset.id"
TABLE_TOP = "() => [document.querySelector('#tx-table').getBoundingClientRect().top, scrollY]"
ON_COPY = "([x, y]) => Boolean(document.elementFromPoint(x, y).closest('button.copy'))"


def ids(page) -> list[str]:
    return page.eval_on_selector_all(ROWS, "rows => rows.map(r => r.dataset.id)")


def open_page(view, server, query: str = "?refresh=1") -> None:
    view.page.goto(f"{server.url}/{query}")
    expect(view.page.locator("#conn-state")).to_have_attribute("data-state", "live")


def test_pause_holds_the_rows_counts_arrivals_and_resume_catches_up(view, server, add_row) -> None:
    for i in range(3):
        add_row(offset_s=30 + i, username="before")
    open_page(view, server)
    page = view.page
    expect(page.locator(ROWS)).to_have_count(3)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Resume")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("location.search.includes('paused=1')")
    frozen = ids(page)
    total = page.locator('[data-stat="total"]')
    expect(total).to_have_text("3")
    new = [add_row(offset_s=0, username=f"during-{i}") for i in range(4)]
    expect(total).to_have_text("7")  # the stats keep ticking
    expect(page.locator("#hold-note")).to_contain_text("4 new")
    assert ids(page) == frozen  # the rows did not move
    page.get_by_role("button", name="Resume").click()
    expect(page.locator(ROWS)).to_have_count(7)
    assert set(ids(page)[:4]) == set(new)  # caught up: the arrivals on top, newest first
    expect(page.locator("#hold-note")).to_be_hidden()
    assert "paused" not in page.url
    view.assert_clean()


def test_paused_in_the_url_pauses_after_the_first_rows(view, server, add_row) -> None:
    first = add_row(offset_s=20)
    # A view of its own (limit 100): the default view's room may still hold the previous
    # test's rows, deleted under it by the fixture, and a page paused by its URL holds the
    # first rows it is handed.
    open_page(view, server, "?refresh=1&limit=100&paused=1")
    page = view.page
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    assert ids(page) == [first]
    add_row(offset_s=0)  # an arrival: the live path reads rows as they are written
    expect(page.locator("#hold-note")).to_contain_text("1 new")
    assert ids(page) == [first]
    view.assert_clean()


@pytest.fixture
def busy(view, fresh, sql):
    """The page on a table that changes all the time: 12 transfers/s, 1 s refresh. A server
    of its own, started on this traffic: one that served the module's earlier tests would
    still be settling their rows, and an alarm strip coming or going moves the whole table."""
    with live_traffic(rate=12, servers=4, history=200):
        live = fresh(view)
        view.page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                            origin=live.url)
        open_page(view, live)
        view.page.wait_for_function(f"document.querySelectorAll('{ROWS}').length >= 20")
        yield view.page


def test_a_row_under_the_pointer_stays_and_copy_copies_it(view, busy) -> None:
    page = busy
    page.evaluate("document.querySelector('.tx-card').scrollIntoView()")
    row = page.locator(ROWS).first.bounding_box()
    button = page.locator(ROWS).first.locator("button.copy").bounding_box()
    x = button["x"] + button["width"] / 2  # the copy column does not move sideways
    for attempt in range(6):
        # a fixed point on the copy buttons, a few rows down: whatever row is there gets held
        y = row["y"] + row["height"] * (3.5 + attempt)
        page.mouse.move(x, y)
        held = page.evaluate(ROW_AT, [x, y])
        top = page.evaluate(TABLE_TOP)
        page.wait_for_timeout(1500)  # a tick or two of deltas arrives under the pointer
        assert page.evaluate(ROW_AT, [x, y]) == held, (attempt, top, page.evaluate(TABLE_TOP),
                                                      page.inner_text("#hold-note"))
        assert page.evaluate(ON_COPY, [x, y])
        page.evaluate("document.getElementById('toasts').replaceChildren()")
        page.mouse.click(x, y)
        expect(page.locator("#toasts .toast").last).to_contain_text("Copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert f"transaction_id: {held}\n" in copied, (attempt, held, copied)
        page.mouse.move(5, 5)  # leave: the table settles to the newest rows
        expect(page.locator("#hold-note")).to_be_hidden()
    view.assert_clean()


def test_keyboard_focus_holds_its_row_and_enter_opens_the_detail(view, busy) -> None:
    page = busy
    page.keyboard.press("Shift")  # keyboard modality: programmatic focus is :focus-visible
    target = page.locator(ROWS).nth(5)
    target.focus()
    held = page.evaluate("document.activeElement.dataset.id")
    assert page.evaluate("document.activeElement.matches(':focus-visible')")
    page.wait_for_timeout(2500)  # deltas keep arriving
    assert page.evaluate("document.activeElement.dataset.id") == held
    assert page.evaluate("document.activeElement.isConnected")
    page.keyboard.press("Enter")
    detail = page.locator("#detail")
    expect(detail).to_be_visible()
    expect(detail.locator('[data-field="transaction_id"]')).to_have_text(held)
    page.wait_for_function("location.search.includes('detail=')")
    view.assert_clean()


def test_detail_panel_shows_every_column_and_keeps_the_last_copy(view, server, add_row,
                                                                 sql) -> None:
    tid = add_row(username="zoe", file_name="plan.pdf", file_size=1_234_567, offset_s=10,
                  ingress_server="in-7", egress_server="out-3", transit_s=6.4)
    open_page(view, server)
    page = view.page
    page.locator(f'{ROWS}[data-id="{tid}"] td.col-file').click()
    detail = page.locator("#detail")
    expect(detail).to_be_visible()
    assert f"detail={tid}" in page.url
    field = lambda name: detail.locator(f'[data-field="{name}"]')  # noqa: E731
    expect(field("transaction_id")).to_have_text(tid)
    expect(field("file_size")).to_contain_text("1,234,567 bytes")
    expect(field("ingress_server")).to_have_text("in-7")
    expect(field("egress_server")).to_have_text("out-3")
    expect(field("transit_seconds")).to_have_text("6.4 s")
    expect(detail.locator(".timeline")).to_contain_text("6.4 s in transit")
    detail.get_by_role("button", name="Copy record").click()
    assert f"transaction_id: {tid}" in page.evaluate("navigator.clipboard.readText()")
    page.reload()  # the panel is in the URL
    expect(detail).to_be_visible()
    expect(field("username")).to_have_text("zoe")
    with sql.cursor() as cur:
        cur.execute("DELETE FROM transactions WHERE transaction_id = %s", (tid,))
    # a settled row on screen is re-read by key every tableviews.RECHECK_S
    expect(page.locator(ROWS)).to_have_count(0, timeout=(RECHECK_S + 4) * 1000)
    expect(detail.locator("[data-detail-gone]")).to_contain_text("No longer in the live view")
    expect(field("file_name")).to_have_text("plan.pdf")  # the last copy stays
    page.keyboard.press("Escape")
    expect(detail).to_be_hidden()
    assert "detail=" not in page.url
    view.assert_clean()


def test_in_flight_detail_counts_its_age(view, server, add_row) -> None:
    tid = add_row(status="SUBMITTED", transit_s=None, offset_s=42)
    open_page(view, server)
    view.page.locator(f'{ROWS}[data-id="{tid}"]').click()
    flight = view.page.locator("#detail .timeline")
    expect(flight).to_contain_text(re.compile(r"In flight for 4\d\.\d s"))
    expect(view.page.locator('#detail [data-field="egress_time"]')).to_have_text("not yet")
    view.assert_clean()


def stored_time(page, tid: str) -> str:
    return page.locator(f'{ROWS}[data-id="{tid}"] td.col-ingress').inner_text()


def test_utc_local_toggle_moves_the_times_and_the_clock(browser, server, add_row) -> None:
    tid = add_row(offset_s=30)
    context = browser.new_context(timezone_id="Asia/Tokyo")  # UTC+9, no daylight saving
    page = context.new_page()
    watched = watch(page, server.url)
    page.goto(f"{server.url}/?refresh=1")
    clock = page.locator("#wall-clock")
    expect(clock).to_have_text(re.compile(r"^\d\d:\d\d:\d\d UTC$"))  # the default: the db clock
    expect(page.locator(f'{ROWS}[data-id="{tid}"]')).to_be_visible()
    utc = stored_time(page, tid)
    page.get_by_role("button", name="Local").click()
    page.wait_for_function("location.search.includes('tz=local')")
    expect(clock).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    moved = (datetime.strptime(utc, "%H:%M:%S.%f") + timedelta(hours=9)).strftime("%H:%M:%S.%f")
    expect(page.locator(f'{ROWS}[data-id="{tid}"] td.col-ingress')).to_contain_text(moved[:12])
    expect(page.locator("#tx-table thead")).to_contain_text("(local)")
    page.reload()
    local = page.locator('#tz-toggle button[data-tz="local"]')
    expect(local).to_have_attribute("aria-pressed", "true")
    watched.assert_clean()
    context.close()


def test_database_local_clock_keeps_times_as_stored(browser, tmp_path, test_database,
                                                    add_row) -> None:
    tid = add_row(offset_s=30)  # stored with UTC_TIMESTAMP: what matters is that it stays put
    local = LiveServer(tmp_path, "local-clock", LIVEDASH_DB_CLOCK="local")
    try:
        context = browser.new_context(timezone_id="Asia/Tokyo")
        page = context.new_page()
        page.goto(f"{local.url}/?tz=utc")
        expect(page.locator(f'{ROWS}[data-id="{tid}"]')).to_be_visible()
        before = stored_time(page, tid)
        page.get_by_role("button", name="Local").click()
        expect(page.locator("#tx-table thead")).to_contain_text("(as stored)")
        assert stored_time(page, tid) == before
        expect(page.locator("[data-zone-foot]")).to_contain_text("cannot know")
        context.close()
    finally:
        local.stop(clean=False)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_theme_follows_the_system_until_chosen(browser, server, scheme) -> None:
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{server.url}/")
    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", scheme)
    page.emulate_media(color_scheme="dark" if scheme == "light" else "light")
    other = "dark" if scheme == "light" else "light"
    expect(html).to_have_attribute("data-theme", other)  # follows a change of the system's
    page.locator("#theme-toggle").click()  # a choice: the cookie wins from now on
    expect(html).to_have_attribute("data-theme", scheme)
    page.emulate_media(color_scheme=other)
    page.goto(f"{server.url}/")
    expect(html).to_have_attribute("data-theme", scheme)
    page.goto(f"{server.url}/?theme={other}")
    expect(html).to_have_attribute("data-theme", other)
    context.close()
