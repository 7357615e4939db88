"""The operator's console, phase 2 (issue 15): the CD column's in-flight, stuck and oldest
figures with the stuck-only table, warn/critical levels with the alarm strip, the change
against the previous window, click-through from cards and server rows, several statuses at
once, the search box, all in the URL and pushed as view keys."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
ROWS = "#tx-table tbody tr[data-id]"


def ids(page) -> set[str]:
    return set(page.eval_on_selector_all(ROWS, "rows => rows.map(r => r.dataset.id)"))


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def open_page(view, server, q: str = "?refresh=1") -> None:
    view.page.goto(f"{server.url}/{q}")
    expect(view.page.locator("#conn-state")).to_have_attribute("data-state", "live")


def card(page, key: str):
    return page.locator(f'[data-figure="{key}"]')


def test_cd_column_shows_in_flight_stuck_and_the_oldest_age(view, server, add_row) -> None:
    stuck = add_row(offset_s=400, status="SUBMITTED", transit_s=None, egress_server=None)
    fresh = add_row(offset_s=5, status="SUBMITTED", transit_s=None, egress_server=None)
    done = add_row(offset_s=3)
    open_page(view, server)
    page = view.page
    expect(page.locator('[data-stat="cd.submitted"]')).to_have_text("2")
    expect(page.locator('[data-stat="cd.stuck"]')).to_have_text("1")
    expect(page.locator('[data-stat="cd.oldest_in_flight_s"]')).to_have_text(
        re.compile(r"^6 m \d\d s$"))
    expect(card(page, "cd.stuck")).to_contain_text("SUBMITTED > 5 m 00 s")
    assert ids(page) == {stuck, fresh, done}
    page.get_by_role("button", name="Stuck only", exact=True).click()
    expect(page.locator(ROWS)).to_have_count(1)
    assert ids(page) == {stuck}
    assert query(page)["stuck"] == "1"
    expect(page.locator("#active-filters")).to_contain_text("Stuck only")
    page.reload()
    stuck_only = page.get_by_role("button", name="Stuck only", exact=True)
    expect(stuck_only).to_have_attribute("aria-pressed", "true")
    expect(page.locator(ROWS)).to_have_count(1)
    card(page, "cd.stuck").click()  # the card toggles the same filter: off again
    expect(page.locator(ROWS)).to_have_count(3)
    assert "stuck" not in query(page)
    view.assert_clean()


def test_levels_show_as_colour_and_word_and_the_alarm_strip_names_them(view, fresh,
                                                                       add_row) -> None:
    add_row(offset_s=8, status="BAD_REQUEST", transit_s=None, egress_server=None)
    add_row(offset_s=400, status="SUBMITTED", transit_s=None, egress_server=None)
    add_row(offset_s=3)
    open_page(view, fresh(view))
    page = view.page
    bad = card(page, "ingress.bad_request")
    expect(bad).to_have_attribute("data-level", "critical")  # 1 of 3: 33 % (critical at 10 %)
    expect(bad.locator("[data-level-word]")).to_have_text("CRITICAL")
    expect(bad.locator("[data-level-word]")).to_be_visible()
    stuck = card(page, "cd.stuck")
    expect(stuck).to_have_attribute("data-level", "warn")  # 1 stuck: warn at 1, critical at 10
    expect(stuck.locator("[data-level-word]")).to_have_text("WARN")
    strip = page.get_by_role("status", name="Alarms")
    expect(strip).to_be_visible()
    items = strip.locator("li")
    expect(items.first).to_contain_text("CRITICAL")  # worst first
    expect(items.first).to_contain_text("BAD_REQUEST 33.3 % of received")
    expect(strip).to_contain_text("1 transfer stuck")
    expect(card(page, "egress.complete")).not_to_have_attribute("data-level", re.compile("."))
    view.assert_clean()


def test_no_alarm_strip_when_nothing_is_wrong(view, fresh, add_row) -> None:
    add_row(offset_s=3)
    open_page(view, fresh(view))
    page = view.page
    expect(page.locator('[data-stat="egress.complete"]')).to_have_text("1")
    expect(card(page, "ingress.bad_request")).not_to_have_attribute("data-level",
                                                                    re.compile("."))
    expect(page.locator("#alarms")).to_be_hidden()
    expect(card(page, "ingress.bad_request").locator("[data-level-word]")).to_be_hidden()


def test_each_card_shows_its_change_against_the_previous_window(view, fresh, add_row) -> None:
    for offset in (700, 710):  # the previous 10 minutes: 2 bad requests, nothing complete
        add_row(offset_s=offset, status="BAD_REQUEST", transit_s=None, egress_server=None)
    for offset in (5, 6, 7):
        add_row(offset_s=offset, status="BAD_REQUEST", transit_s=None, egress_server=None)
    add_row(offset_s=4)
    open_page(view, fresh(view), "?refresh=1&window=10")
    page = view.page
    expect(page.locator('[data-change="ingress.bad_request"]')).to_have_text("▲ 50.0 %")
    expect(page.locator('[data-change="total"]')).to_have_text("▲ 100.0 %")
    expect(page.locator('[data-change="egress.complete"]')).to_have_text("—")  # previous 0
    # in flight has none: the previous window's SUBMITTED rows are the ones still in flight now
    expect(page.locator('[data-change="cd.submitted"]')).to_have_count(0)
    texts = page.eval_on_selector_all("[data-change]", "els => els.map(e => e.textContent)")
    assert not any("Infinity" in t or "NaN" in t for t in texts), texts
    title = page.locator('[data-change="ingress.bad_request"]').get_attribute("title")
    assert "previous 10 min (2)" in title


def test_click_through_from_a_status_card_and_a_server_row(view, fresh, add_row) -> None:
    timeout = add_row(offset_s=9, status="TIMEOUT", transit_s=None, egress_server=None,
                      ingress_server="in-a")
    add_row(offset_s=8, status="COMPLETE", ingress_server="in-b", egress_server="out-x")
    other = add_row(offset_s=7, status="COMPLETE", ingress_server="in-a", egress_server="out-y")
    open_page(view, fresh(view))
    page = view.page
    expect(page.locator(ROWS)).to_have_count(3)
    timeout_card = card(page, "cd.timeout")
    timeout_card.focus()
    page.keyboard.press("Enter")
    expect(page.locator(ROWS)).to_have_count(1)
    assert ids(page) == {timeout} and query(page)["status"] == "TIMEOUT"
    expect(timeout_card).to_have_attribute("aria-pressed", "true")
    timeout_card.click()  # again: every status
    expect(page.locator(ROWS)).to_have_count(3)
    page.locator('[data-breakdown="egress"] tr[data-server="out-y"]').click()
    expect(page.locator(ROWS)).to_have_count(1)
    assert ids(page) == {other} and query(page)["egress_server"] == "out-y"
    expect(page.locator('[data-breakdown="egress"] tr[data-server="out-y"]')).to_have_class(
        re.compile("is-picked"))
    page.locator('[data-breakdown="ingress"] tr[data-server="in-a"]').press("Enter")
    expect(page.locator("#active-filters")).to_contain_text("Ingress server: “in-a”")
    assert query(page)["ingress_server"] == "in-a"
    expect(page.locator(ROWS)).to_have_count(1)
    page.get_by_role("button", name="Clear filters").click()
    expect(page.locator(ROWS)).to_have_count(3)
    expect(page.locator("#active-filters")).to_be_hidden()
    assert not {"status", "ingress_server", "egress_server"} & set(query(page))
    view.assert_clean()


def test_several_statuses_and_failures_only_with_the_keyboard(view, server, add_row) -> None:
    made = {s: add_row(offset_s=5 + i, status=s, transit_s=None, egress_server=None)
            for i, s in enumerate(["TIMEOUT", "EP_UNAVAILABLE", "BAD_REQUEST", "SUBMITTED"])}
    add_row(offset_s=2)
    open_page(view, server)
    page = view.page
    expect(page.locator(ROWS)).to_have_count(5)
    page.locator("#status").focus()
    page.keyboard.press("Enter")
    menu = page.locator("#status-menu")
    expect(menu).to_be_visible()
    menu.get_by_label("TIMEOUT").focus()
    page.keyboard.press("Space")
    menu.get_by_label("EP_UNAVAILABLE").focus()
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"status=TIMEOUT(%2C|,)EP_UNAVAILABLE"))
    expect(page.locator(ROWS)).to_have_count(2)
    assert ids(page) == {made["TIMEOUT"], made["EP_UNAVAILABLE"]}
    expect(page.locator("#status")).to_have_text("TIMEOUT + EP_UNAVAILABLE")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(page.locator("#status")).to_be_focused()
    page.keyboard.press("Enter")
    menu.get_by_role("button", name="Failures only").click()
    expect(page.locator(ROWS)).to_have_count(3)
    assert query(page)["status"] == "failures"
    assert ids(page) == {made["TIMEOUT"], made["EP_UNAVAILABLE"], made["BAD_REQUEST"]}
    page.reload()
    expect(page.locator(ROWS)).to_have_count(3)
    assert query(page)["status"] == "failures"
    expect(page.locator("#status")).to_have_text("Failures only")
    view.assert_clean()


def test_search_finds_by_id_and_by_file_name_prefix(view, server, add_row) -> None:
    wanted = add_row(offset_s=9, file_name="invoice_2026.pdf", username="zoe")
    add_row(offset_s=8, file_name="photo.jpg", username="bob")
    third = add_row(offset_s=7, file_name="inventory.csv", username="bob")
    open_page(view, server)
    page = view.page
    expect(page.locator(ROWS)).to_have_count(3)
    page.locator("#q").type("inv")  # keystrokes: one subscribe after the typing stops
    page.wait_for_url(re.compile(r"[?&]q=inv"))
    expect(page.locator(ROWS)).to_have_count(2)
    assert ids(page) == {wanted, third}
    page.locator("#q").fill(third)
    expect(page.locator(ROWS)).to_have_count(1)
    assert ids(page) == {third}
    page.reload()
    expect(page.locator("#q")).to_have_value(third)
    expect(page.locator(ROWS)).to_have_count(1)
    page.locator("#active-filters button[data-clear='q']").click()
    expect(page.locator(ROWS)).to_have_count(3)
    expect(page.locator("#q")).to_have_value("")
    view.assert_clean()
