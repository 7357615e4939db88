"""The admin page in the real browser: its socket is lib/socket.js's, its requests go through
lib/api.js, and a clear's progress arrives over that socket."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_clear_reports_progress_over_the_pages_socket(view: Any, server: Any,
                                                        add_row: Any) -> None:
    for i in range(3):
        add_row(offset_s=100 + i)
    frames: list[str] = []
    page = view.page
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    posts: list[dict[str, Any]] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(
        {"url": r.url, "headers": r.headers, "body": r.post_data or ""}))
    page.goto(f"{server.url}/admin")
    expect(page.locator('[data-field="db-mode"]').first).to_have_text("connected")
    page.wait_for_function("() => document.querySelector('#count-exact') !== null")
    form = page.locator("form#clear-all")
    form.locator("input[name=confirm]").fill("transactions")
    form.locator("button[type=submit]").click()
    expect(page.locator("#job")).to_have_attribute("data-state", "done", timeout=10_000)
    expect(page.locator("#job-message")).to_contain_text("removed 3 rows")
    clear = next(p for p in posts if p["url"].endswith("/admin/clear"))
    assert clear["headers"]["accept"] == "application/json" and clear["headers"]["x-csrftoken"]
    assert 'name="sid"' in clear["body"]  # the page's socket was connected: progress to it
    progress = [json.loads(f[f.index("["):])[1] for f in frames if '"admin_progress"' in f]
    assert progress and progress[-1]["done"] and progress[-1]["deleted"] == 3
    view.assert_clean()
