"""The report form's JavaScript (suggestions, quick ranges, what the button will do) and the
HTML report's inline style under its own CSP, in Debian's chromium. Downloads, zip and a
bad range: test_reports_browser.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Watched

pytestmark = pytest.mark.browser


def test_form_suggests_users_sets_ranges_and_describes_the_download(view: Watched, server,
                                                                    add_row) -> None:
    for name in ("alice", "albert", "bob"):
        add_row(username=name)
    page = view.page
    page.goto(f"{server.url}/reports")
    page.fill("#username", "al")
    expect(page.locator("#username-options option")).to_have_count(2)
    assert page.eval_on_selector_all("#username-options option",
                                     "os => os.map(o => o.value)") == ["albert", "alice"]
    page.click("[data-range='1']")
    start = datetime.fromisoformat(page.input_value("#start"))
    end = datetime.fromisoformat(page.input_value("#end"))
    assert end - start == timedelta(hours=1) and end.second == 0
    expect(page.locator("#generate-label")).to_have_text("Open HTML report")
    page.check("#format-csv")
    expect(page.locator("#generate-label")).to_have_text("Download .zip (CSV + HTML)")
    expect(page.locator("#export-url")).to_contain_text("username=al&format=csv&format=html")
    view.assert_clean()


def test_html_report_inline_style_is_allowed_by_its_hash(view: Watched, server, add_row) -> None:
    add_row(username="alice")
    page = view.page
    page.goto(f"{server.url}/reports")
    with page.context.expect_page() as opened:
        page.click("#generate")
    report = opened.value
    report.wait_for_load_state()
    expect(report.locator("h1")).to_have_text("Transactions report")
    assert report.evaluate("getComputedStyle(document.querySelector('.st')).color") == (
        "rgb(255, 255, 255)")  # the inline style block applied: its hash is in the CSP
    assert report.evaluate("document.querySelectorAll('img, script').length") == 0
    view.assert_clean()
