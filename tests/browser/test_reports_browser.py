"""The reports form in the browser: CSV, HTML and both (a zip); hostile values stay text; the
report is generated in the page (progress, Cancel, errors by their fields, a warning for a name
that matches no one)."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
HOSTILE_NAME = "<img src=x onerror=alert(1)>.bin"


def fill_form(page, server, csv: bool, html: bool) -> None:
    page.goto(f"{server.url}/reports")
    page.locator("#format-csv").set_checked(csv)
    page.locator("#format-html").set_checked(html)


def generate_download(page) -> tuple[str, bytes]:
    """Click Generate and return the download's suggested file name and its bytes."""
    with page.expect_download() as info:
        page.click("#generate")
    download = info.value
    with open(download.path(), "rb") as f:
        return download.suggested_filename, f.read()


def test_csv_download(view, server, add_row) -> None:
    tid = add_row(username="csv-user", file_name="a,b.txt")
    fill_form(view.page, server, csv=True, html=False)
    name, body = generate_download(view.page)
    assert name.endswith(".csv")
    text = body.decode("utf-8")
    assert text.startswith("transaction_id,username,file_name,file_size,ingress_server,"
                           "ingress_time,egress_server,egress_time,status\r\n")
    assert tid in text and '"a,b.txt"' in text
    view.assert_clean()


def test_html_report_opens_in_a_tab_with_hostile_values_as_text(view, server, add_row) -> None:
    add_row(username="html-user", file_name=HOSTILE_NAME)
    fill_form(view.page, server, csv=False, html=True)
    with view.page.context.expect_page() as info:
        view.page.click("#generate")
    page = info.value
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("html-user")
    expect(page.locator("body")).to_contain_text(HOSTILE_NAME)
    assert page.locator("img").count() == 0
    assert page.url.startswith("blob:")  # fetched by the form, opened from memory
    assert page.evaluate("getComputedStyle(document.querySelector('.st')).color") == (
        "rgb(255, 255, 255)")  # the report's style applies: the form's policy admits its hash
    expect(view.page.locator("#report-ready")).to_be_visible()
    expect(view.page.locator("#open-report")).to_be_visible()
    view.assert_clean()
    page.close()


def test_both_formats_give_one_zip(view, server, add_row) -> None:
    add_row(username="zip-user")
    fill_form(view.page, server, csv=True, html=True)
    name, body = generate_download(view.page)
    assert name.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(body))
    with archive:
        names = sorted(archive.namelist())
        assert [n.rsplit(".", 1)[1] for n in names] == ["csv", "html"]
        assert b"zip-user" in archive.read(names[0])
        assert b"zip-user" in archive.read(names[1])
    view.assert_clean()


def test_bad_range_shows_the_message_next_to_the_field(view, server) -> None:
    page = view.page
    page.goto(f"{server.url}/reports?start=2026-11-29T10:00&end=2026-11-29T09:00"
              "&format=csv&go=1")
    expect(page.locator("#error-end")).to_be_visible()
    errors = [e for e in view.errors if "400" not in e]  # the page itself answers 400
    assert not errors, errors


def test_html_only_validation_error_shows_on_the_form(view, server) -> None:
    """With HTML alone nothing opens elsewhere: the message is next to its field."""
    page = view.page
    page.goto(f"{server.url}/reports")
    page.fill("#start", "2026-11-29T10:00")
    page.fill("#end", "2026-11-29T09:00")
    page.locator("#format-csv").set_checked(False)
    page.locator("#format-html").set_checked(True)
    page.click("#generate")
    expect(page.locator("#error-end")).to_be_visible()
    expect(page.locator("#error-end")).to_contain_text("End must be after the start")
    assert len(page.context.pages) == 1 and "/reports" in page.url
    errors = [e for e in view.errors if "400" not in e]  # the fetch itself answers 400
    assert not errors, errors


def test_generating_shows_progress_and_can_be_cancelled(view, server, add_row, sql) -> None:
    """A table locked by another session holds the report: the form says it is generating,
    counts the seconds, and Cancel ends it."""
    add_row(username="slow")
    page = view.page
    page.goto(f"{server.url}/reports")
    page.locator("#format-json").set_checked(True)
    page.locator("#format-html").set_checked(False)
    with sql.cursor() as cur:
        cur.execute("LOCK TABLES transactions WRITE")
    try:
        page.click("#generate")
        expect(page.locator("#progress")).to_be_visible()
        expect(page.locator("#elapsed")).not_to_have_text("0 s", timeout=15000)
        expect(page.locator("#generate")).to_be_disabled()
        page.click("#cancel")
        expect(page.locator("#report-failed")).to_contain_text("Cancelled")
        expect(page.locator("#progress")).to_be_hidden()
        expect(page.locator("#generate")).to_be_enabled()
    finally:
        with sql.cursor() as cur:
            cur.execute("UNLOCK TABLES")
    view.errors.clear()  # the aborted fetch is logged by the browser


def test_a_name_that_matches_no_one_is_warned_about(view, server, add_row) -> None:
    add_row(username="alice")
    page = view.page
    page.goto(f"{server.url}/reports")
    page.fill("#username", "nobody")
    expect(page.locator("#username-warning")).to_be_visible()
    expect(page.locator("#username-warning")).to_contain_text("No user named “nobody”")
    page.fill("#username", "ALICE")  # the collation: case does not matter
    expect(page.locator("#username-warning")).to_be_hidden()
    view.assert_clean()
