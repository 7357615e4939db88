"""The wall screen (`?kiosk=1`) fits the viewport: no scrolling, whole rows, figures never cut.

Judged as it will be used: 16 ingress and 16 egress servers and 12 transfers/s from the
project's simulator, at the three screen sizes a NOC has (issue 15).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.traffic import live_traffic

pytestmark = pytest.mark.browser

LAYOUT_JS = """() => {
  const inside = (el, box) => {
    const a = el.getBoundingClientRect(), b = box.getBoundingClientRect();
    return a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
  };
  const root = document.documentElement;
  const wrap = document.querySelector('.tx-wrap');
  const rows = [...document.querySelectorAll('#tx-table tbody tr[data-id]')];
  const breakdowns = [...document.querySelectorAll('[data-breakdown]')].map((t) => ({
    name: t.dataset.breakdown, fits: inside(t, t.parentElement),
    rows: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)) }));
  const cut = [...document.querySelectorAll('.figure-value, .mini-table td:not(:first-child)')]
    .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent);
  return {
    scroll: [root.scrollHeight - innerHeight, root.scrollWidth - innerWidth],
    rows: rows.length, whole: rows.filter((r) => inside(r, wrap)).length, breakdowns, cut,
    figureSizes: [...new Set([...document.querySelectorAll('.figure-value')]
      .map((e) => getComputedStyle(e).fontSize))],
    rate: document.querySelector('[data-stat="egress.throughput_bps"]').textContent,
  };
}"""


def count(text: str) -> int:
    return int(text.replace(",", ""))


def assert_busiest_first(breakdown: dict, weight) -> None:
    """Server rows (not the "+K more" row) in non-increasing order of `weight(cells)`."""
    servers = [cells for cells in breakdown["rows"] if not cells[0].startswith("+")]
    weights = [weight(cells) for cells in servers]
    assert weights == sorted(weights, reverse=True), breakdown


@pytest.fixture
def traffic(sql):
    with live_traffic(rate=12, servers=16):
        yield


@pytest.mark.parametrize(("width", "height", "least_rows"), [
    (1366, 768, 10), (1920, 1080, 12), (3840, 2160, 12)])
def test_kiosk_fits_the_screen_with_16_servers(browser, server, traffic, width, height,
                                               least_rows) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{server.url}/?kiosk=1&refresh=1")
    more = page.locator('[data-breakdown="egress"] tr.more')
    expect(more).to_have_text(re.compile(r"^\+\d+ more$"), timeout=15_000)
    page.wait_for_function("n => document.querySelectorAll('#tx-table tbody tr[data-id]')"
                           ".length >= n", arg=least_rows, timeout=15_000)
    facts = page.evaluate(LAYOUT_JS)
    assert facts["scroll"] == [0, 0], facts  # never scrolls, either way
    assert facts["whole"] == facts["rows"] >= least_rows, facts  # whole rows only
    assert facts["cut"] == [], facts  # no figure cut
    assert len(facts["figureSizes"]) == 1, facts  # egress figures as big as the others
    assert facts["rate"].endswith("/s"), facts  # the unit shows
    for breakdown in facts["breakdowns"]:
        assert breakdown["fits"], breakdown
        if breakdown["name"] == "cd":
            continue
        shown = [c for c in breakdown["rows"] if not c[0].startswith("+")]
        rest = int(re.fullmatch(r"\+(\d+) more", breakdown["rows"][-1][0]).group(1))
        assert len(shown) >= 1 and len(shown) + rest == 16, breakdown
    ingress, _, egress = facts["breakdowns"]
    assert_busiest_first(ingress, lambda cells: count(cells[1]))
    assert_busiest_first(egress, lambda cells: count(cells[1]) + count(cells[2]))
    context.close()


def test_escape_leaves_kiosk(view, server, add_row) -> None:
    add_row()
    page = view.page
    page.goto(f"{server.url}/?kiosk=1")
    expect(page.locator("html")).to_have_class(re.compile(r"\bkiosk\b"))
    expect(page.locator("#tx-table tbody tr[data-id]")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bkiosk\b"))
    assert "kiosk" not in page.url
    expect(page.locator("#window")).to_be_visible()
    view.assert_clean()
