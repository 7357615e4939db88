"""The dashboard page as the server renders it: hooks, view state from the URL, no inline code.

The live behaviour (socket, deltas, copy) is proven in a real browser under tests/browser/;
these tests pin what the HTML promises before any JS runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from livedash import create_app
from livedash.schema import FAILURES, STATUSES
from tests.conftest import make_settings
from tests.pages import Page, assert_no_inline_code

STATIC = Path(__file__).resolve().parent.parent / "livedash" / "static"


def page(client: Any, query: str = "", **kwargs: Any) -> Page:
    """GET the dashboard with a query string; assert 200 and parse it."""
    response = client.get(f"/{query}", **kwargs)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


HOOKS = ("stats", "tx-table", "window", "refresh", "limit", "username", "status",
         "theme-toggle", "kiosk-toggle", "conn-state", "updated-ago", "stale-banner", "toasts",
         "demo-banner", "tx-empty", "tx-row-template", "users-list", "wall-clock", "tz-toggle",
         "pause", "hold-note", "detail", "q", "stuck", "status-menu", "alarms", "active-filters",
         "clear-filters")
STATS = ("ingress.bad_request", "ingress.cd_unavailable", "cd.submitted", "cd.timeout",
         "egress.complete", "egress.ep_unavailable", "egress.throughput_bps",
         "egress.avg_rate_bps", "egress.tps", "total", "cd.stuck", "cd.oldest_in_flight_s",
         "ingress.last_ingress_s")


def test_page_has_every_hook_tests_and_scripts_rely_on(client: Any) -> None:
    doc = page(client)
    for element_id in HOOKS:
        doc.by_id(element_id)
    stats = {attrs.get("data-stat") for _, attrs in doc.tags if "data-stat" in attrs}
    assert stats == set(STATS)
    breakdowns = {attrs.get("data-breakdown") for _, attrs in doc.tags if "data-breakdown" in attrs}
    assert breakdowns == {"ingress", "cd", "egress"}
    assert {a.get("id") for t, a in doc.tags if t == "canvas"} == {
        "chart-ingress", "chart-cd", "chart-egress"}


DEFAULT_VIEW = {"window": 10, "refresh": 3, "limit": 50, "username": "", "status": "",
                "ingress_server": "", "egress_server": "", "q": "", "stuck": False}


def status_boxes(doc: Page) -> list[dict[str, Any]]:
    """The status picker's checkboxes (attributes), in document order."""
    return [a for t, a in doc.tags if t == "input" and a.get("name") == "status"]


def checked_statuses(doc: Page) -> list[str]:
    return [a["value"] for a in status_boxes(doc) if "checked" in a]


def test_defaults_without_query(client: Any) -> None:
    doc = page(client)
    assert doc.selected("window") == ["10"]
    assert doc.selected("refresh") == ["3"]
    assert doc.selected("limit") == ["50"]
    assert checked_statuses(doc) == []
    assert doc.by_id("username")[1].get("value") == ""
    assert doc.config()["view"] == DEFAULT_VIEW
    assert "hidden" in doc.by_id("stale-banner")[1]


def test_view_state_comes_from_the_url(client: Any) -> None:
    doc = page(client, "?window=30&refresh=5&limit=100&username=bob&status=timeout")
    assert doc.selected("window") == ["30"]
    assert doc.selected("refresh") == ["5"]
    assert doc.selected("limit") == ["100"]
    assert checked_statuses(doc) == ["TIMEOUT"]
    assert doc.by_id("username")[1].get("value") == "bob"
    assert doc.config()["view"] == {**DEFAULT_VIEW, "window": 30, "refresh": 5, "limit": 100,
                                    "username": "bob", "status": "TIMEOUT"}


@pytest.mark.parametrize(("query", "expected"), [
    ("?window=7", {"window": 10}),
    ("?window=abc&limit=200", {"window": 10, "limit": 200}),
    ("?refresh=2&window=60", {"refresh": 3, "window": 60}),
    ("?refresh=3.5", {"refresh": 3}),
    ("?limit=-50", {"limit": 50}),
    ("?limit=99999999999999999999", {"limit": 50}),
    ("?status=NOPE&limit=100", {"status": "", "limit": 100}),
    ("?username=" + "x" * 51, {"username": ""}),
    ("?username=%01bob", {"username": ""}),
    ("?window=&refresh=&limit=", {}),
])
def test_bad_url_values_fall_back_one_by_one(client: Any, query: str,
                                             expected: dict[str, Any]) -> None:
    view = {**DEFAULT_VIEW, **expected}
    assert page(client, query).config()["view"] == view


def test_several_statuses_and_failures_from_the_url(client: Any) -> None:
    doc = page(client, "?status=failures")
    assert checked_statuses(doc) == [s for s in STATUSES if s in FAILURES]
    doc = page(client, "?status=ep_unavailable,TIMEOUT")
    assert checked_statuses(doc) == ["TIMEOUT", "EP_UNAVAILABLE"]


def test_every_status_is_offered_with_all(client: Any) -> None:
    doc = page(client)
    assert [a["value"] for a in status_boxes(doc)] == list(STATUSES)
    quick = [a.get("data-status-set") for t, a in doc.tags if "data-status-set" in a]
    assert quick == ["", "failures"]
    assert set(doc.config()["icons"]) == set(STATUSES)


@pytest.mark.parametrize("query", ["", "?kiosk=1&theme=light", "?username=%3Cscript%3E"])
def test_no_inline_script_or_style(client: Any, query: str) -> None:
    assert_no_inline_code(page(client, query))


def test_error_page_has_no_inline_code_either(client: Any) -> None:
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert_no_inline_code(Page(response.get_data(as_text=True)))


def test_scripts_load_chart_before_the_page_module(client: Any) -> None:
    doc = page(client)
    sources = [(a.get("type"), a.get("src")) for a, _ in doc.scripts if a.get("src")]
    chart = next(i for i, (_, src) in enumerate(sources) if "chart.umd" in (src or ""))
    module = next(i for i, (_, src) in enumerate(sources) if (src or "").endswith("dashboard.js"))
    assert chart < module
    assert sources[module][0] == "module"
    assert sources[chart][0] is None  # classic script: sets window.Chart


@pytest.mark.parametrize("evil", ['"><script>alert(1)</script>', "<img src=x onerror=alert(1)>",
                                  "</script><script>alert(1)//"])
def test_hostile_username_stays_text(client: Any, evil: str) -> None:
    response = client.get("/", query_string={"username": evil})
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    doc = Page(html)
    assert doc.by_id("username")[1].get("value") == evil
    assert doc.config()["view"]["username"] == evil


@pytest.mark.parametrize(("query", "cookie", "theme"), [
    ("", None, "dark"),
    ("?theme=light", None, "light"),
    ("?theme=dark", "light", "dark"),
    ("", "light", "light"),
    ("?theme=purple", None, "dark"),
    ("", "<evil>", "dark"),
])
def test_theme_from_url_then_cookie_then_dark(client: Any, query: str, cookie: str | None,
                                              theme: str) -> None:
    if cookie is not None:
        client.set_cookie("livedash_theme", cookie)
    doc = page(client, query)
    assert doc.tags[0] == ("html", doc.tags[0][1])
    assert doc.tags[0][1]["data-theme"] == theme
    chosen = query in ("?theme=light", "?theme=dark") or cookie == "light"
    assert ("data-theme-auto" not in doc.tags[0][1]) is chosen  # else the system's preference
    assert doc.by_id("theme-toggle")[1]["aria-pressed"] == ("true" if theme == "light" else "false")


@pytest.mark.parametrize(("query", "kiosk"), [
    ("?kiosk=1", True), ("?kiosk=true", True), ("?kiosk=0", False), ("", False),
    ("?kiosk=banana", False),
])
def test_kiosk_flag(client: Any, query: str, kiosk: bool) -> None:
    doc = page(client, query)
    assert ("kiosk" in (doc.tags[0][1].get("class") or "").split()) is kiosk
    assert doc.config()["kiosk"] is kiosk


def test_demo_banner_follows_the_database_state(client: Any) -> None:
    assert "hidden" in page(client).by_id("demo-banner")[1]
    demo = create_app(make_settings(demo=True), {"TESTING": True})
    assert "hidden" not in page(demo.test_client()).by_id("demo-banner")[1]


def test_referenced_static_files_exist(client: Any) -> None:
    doc = page(client)
    urls = [a.get("src") or a.get("href") for t, a in doc.tags if t in ("script", "link")]
    urls += [a.get("href") for t, a in doc.tags if t == "use"]
    for url in {u.split("#")[0] for u in urls if u and u.startswith("/static/")}:
        assert client.get(url).status_code == 200, url


def test_module_imports_resolve() -> None:
    """Every relative ES module import under static/js points at a file that exists."""
    pattern = re.compile(r"""^\s*(?:import|export)\b[^'"]*?from\s+["'](\.{1,2}/[^"']+)["']"""
                         r"""|^\s*import\s+["'](\.{1,2}/[^"']+)["']""", re.MULTILINE)
    modules = list((STATIC / "js").rglob("*.js"))
    assert modules
    for module in modules:
        for match in pattern.finditer(module.read_text()):
            target = (module.parent / (match.group(1) or match.group(2))).resolve()
            assert target.is_file(), f"{module.name} imports missing {target}"


def test_icons_the_js_draws_are_inlined(client: Any) -> None:
    """Status icons (and every local <use href="#i-...">) have an inline symbol in the page."""
    doc = page(client)
    symbols = {a.get("id") for t, a in doc.tags if t == "symbol"}
    for icon in doc.config()["icons"].values():
        assert f"i-{icon}" in symbols, icon
    local = {a["href"][1:] for t, a in doc.tags if t == "use" and a.get("href", "").startswith("#")}
    assert local and local <= symbols


def test_config_carries_the_vocabulary_the_js_must_not_copy(client: Any) -> None:
    from livedash import validate
    from livedash.schema import COLUMNS, FAILURES

    config = page(client).config()
    assert config["defaults"] == validate.DEFAULTS
    assert config["choices"] == {"window": list(validate.WINDOWS),
                                 "refresh": list(validate.REFRESHES),
                                 "limit": list(validate.LIMITS)}
    assert config["columns"] == list(COLUMNS)
    assert config["statuses"] == list(STATUSES)
    assert config["failures"] == list(FAILURES)


def test_no_js_module_copies_the_defaults_or_the_columns() -> None:
    """urlstate.js and table.js used to carry copies of validate.DEFAULTS and COLUMNS."""
    for module in (STATIC / "js").rglob("*.js"):
        text = module.read_text()
        assert "window: 10, refresh: 3" not in text, module.name
        assert not re.search(r'"ingress_server",\s*"ingress_time"', text), module.name
        assert "minutes_ago" not in text, module.name


def test_figure_cards_come_from_the_table_of_figures(client: Any) -> None:
    from livedash.views.dashboard import FIGURES

    doc = page(client)
    kinds = {a["data-stat"]: a.get("data-kind") for t, a in doc.tags if "data-stat" in a}
    for figures in FIGURES.values():
        for figure in figures:
            assert kinds[figure.key] == figure.kind
