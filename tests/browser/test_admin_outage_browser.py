"""Admin clear through the UI empties every open dashboard; a database outage shows as a
stale banner with the last figures kept, and clears by itself when the database returns."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import watch

pytestmark = pytest.mark.browser


def test_admin_clear_through_the_ui_empties_the_dashboard(browser, server, add_row, view) -> None:
    for i in range(5):
        add_row(offset_s=10 + i)
    dash = view.page
    dash.goto(f"{server.url}/?refresh=1")
    expect(dash.locator("#tx-table tbody tr[data-id]")).to_have_count(5)
    admin_context = browser.new_context()
    admin = watch(admin_context.new_page(), server.url)
    admin.page.goto(f"{server.url}/admin")
    form = admin.page.locator("form#clear-all")
    button = form.locator("button[type=submit]")
    expect(button).to_be_disabled()
    form.locator("input[name=confirm]").fill("transaction")  # not quite: stays disabled
    expect(button).to_be_disabled()
    form.locator("input[name=confirm]").fill("transactions")
    expect(button).to_be_enabled()
    button.click()
    expect(admin.page.locator("#job")).to_have_attribute("data-state", "done", timeout=10_000)
    expect(admin.page.locator("#job-message")).to_contain_text("5")
    expect(dash.locator("#tx-table tbody tr[data-id]")).to_have_count(0, timeout=5000)
    expect(dash.locator('[data-stat="egress.complete"]')).to_have_text("0")
    admin.assert_clean()
    view.assert_clean()
    admin_context.close()


def test_outage_shows_stale_banner_and_recovers_without_reload(browser, proxied_server,
                                                               add_row) -> None:
    server, proxy = proxied_server
    add_row(status="COMPLETE")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/?refresh=1")
    figure = page.locator('[data-stat="egress.complete"]')
    expect(figure).to_have_text("1")
    banner = page.locator("#stale-banner")
    expect(banner).to_be_hidden()
    proxy.down()
    expect(banner).to_be_visible(timeout=2500)  # within two 1 s ticks
    expect(banner).to_contain_text("unavailable")
    expect(figure).to_have_text("1")  # the last figures stay
    assert page.evaluate("fetch('/api/stats').then(r => r.status)") == 503
    proxy.up()
    expect(banner).to_be_hidden(timeout=5000)
    add_row(offset_s=0, status="COMPLETE")  # an arrival, read as it is written
    expect(figure).to_have_text("2", timeout=3000)
    context.close()
