"""Every visible text keeps at least 4.5:1 contrast (WCAG AA) in both themes, measured in the
browser from the computed colours (tests/browser/contrast.py): the dashboard in its states
(every status, new and changed highlights, a hovered row, paused, the detail panel, kiosk,
warn and critical cards with the alarm strip, the status picker open, active filters),
the reports form and the admin page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from livedash.schema import STATUSES
from tests.browser.contrast import low_contrast

pytestmark = pytest.mark.browser
THEMES = ["dark", "light"]
ROWS = "#tx-table tbody tr[data-id]"


@pytest.fixture
def rows(add_row) -> None:
    for i, status in enumerate(STATUSES):
        done = status in ("COMPLETE", "EP_UNAVAILABLE")
        add_row(offset_s=10 + i, status=status, transit_s=1.5 if done else None,
                egress_server="out-1" if done else None)
    add_row(offset_s=5, transit_s=-2.0)  # the clock-skew marker
    # stuck (a WARN card); with one row of each status every failure share is CRITICAL, so
    # the alarm strip shows both levels
    add_row(offset_s=400, status="SUBMITTED", transit_s=None, egress_server=None)


SETTLED = ("() => document.getAnimations().every((a) => a.playState !== 'running'"
           " || a.effect.getTiming().iterations === Infinity)")


def measured(page, state: str) -> list[dict]:
    """What fails in `state`, once transitions have ended (a colour mid-way is no state)."""
    page.wait_for_function(SETTLED)
    return [{**found, "state": state} for found in low_contrast(page)]


def mark_rows(page, cls: str) -> None:
    page.eval_on_selector_all(ROWS, "(rows, cls) => rows.forEach((r) => r.classList.add(cls))", cls)


@pytest.mark.parametrize("theme", THEMES)
def test_dashboard_text_contrast(browser, rows, fresh, theme) -> None:
    server = fresh()  # after the rows: its first fill reads the old (stuck) one too
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(f"{server.url}/?theme={theme}&refresh=1")
    expect(page.locator(ROWS)).to_have_count(len(STATUSES) + 2)
    expect(page.locator("#conn-state")).to_have_attribute("data-state", "live")
    found = measured(page, "as loaded")
    page.locator(ROWS).nth(2).hover()
    found += measured(page, "hovered row")
    page.mouse.move(5, 5)
    for cls in ("row-new", "row-changed"):
        mark_rows(page, cls)
        found += measured(page, cls)
        page.eval_on_selector_all(ROWS, "(rows, c) => rows.forEach((r) => r.classList.remove(c))",
                                  cls)
    expect(page.locator("#alarms")).to_be_visible()
    expect(page.locator('#stats [data-level="warn"]')).to_have_count(1)
    found += measured(page, "levels and alarms")
    page.click("#status")
    found += measured(page, "status picker open")
    page.locator("#status-menu").get_by_label("TIMEOUT").check()
    page.mouse.click(5, 5)
    page.locator('[data-breakdown="ingress"] tr[data-server]').first.click()
    expect(page.locator("#active-filters")).to_be_visible()
    found += measured(page, "filtered")
    page.get_by_role("button", name="Clear filters").click()
    expect(page.locator(ROWS)).to_have_count(len(STATUSES) + 2)
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#hold-note")).to_be_visible()
    found += measured(page, "paused")
    page.locator(ROWS).first.click()
    expect(page.locator("#detail")).to_be_visible()
    found += measured(page, "detail panel")
    page.goto(f"{server.url}/?theme={theme}&kiosk=1")
    expect(page.locator(ROWS)).to_have_count(len(STATUSES) + 2)
    found += measured(page, "kiosk")
    assert found == [], "\n".join(map(str, found))
    context.close()


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("path", ["/reports", "/admin"])
def test_other_pages_text_contrast(browser, server, rows, theme, path) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}{path}?theme={theme}")
    page.wait_for_load_state("networkidle")
    assert measured(page, path) == []
    context.close()
