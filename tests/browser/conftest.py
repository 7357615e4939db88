"""Browser fixtures: Debian's chromium through Playwright, a real server on a real port.

Every page records console errors, page errors, CSP violations and every request it makes,
so each test can also assert that nothing went wrong on the way.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import SERVER
from tests.servers import LiveServer
from tests.tcpproxy import TcpProxy

CHROMIUM = os.environ.get("LIVEDASH_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
WATCH_CSP = ("document.addEventListener('securitypolicyviolation', e => "
             "(window.__csp = (window.__csp || []).concat(e.violatedDirective + ' ' + "
             "e.blockedURI)));")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Browser]:
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    yield b
    b.close()


@pytest.fixture(scope="session")
def wall_browser(playwright_instance: Any) -> Iterator[Browser]:
    """A browser resolving wall.test to 127.0.0.1: a plain-http, non-secure origin."""
    b = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=[*FLAGS, "--host-resolver-rules=MAP wall.test 127.0.0.1"])
    yield b
    b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, test_database: str) -> Iterator[LiveServer]:
    s = LiveServer(tmp_path_factory.mktemp("server"), "browser")
    yield s
    s.stop(clean=False)


@pytest.fixture
def proxied_server(tmp_path: Path, test_database: str) -> Iterator[tuple[LiveServer, TcpProxy]]:
    """A server whose database connection passes a TcpProxy the test can cut and restore."""
    proxy = TcpProxy((SERVER["host"], SERVER["port"]))
    live = LiveServer(tmp_path, "proxied", MYSQL_PORT=str(proxy.port))
    yield live, proxy
    live.stop(clean=False)
    proxy.close()


@pytest.fixture
def fresh(tmp_path: Path, sql: Any) -> Iterator[Any]:
    """A server started after the test wrote its rows (`fresh(view)` returns it): its first fill
    reads them all, old ones included (a running server's feed reads new rows as they are
    written; rows written into the past reach its figures later, on its re-check budget)."""
    started = []

    def start(view: Watched | None = None) -> LiveServer:
        started.append(LiveServer(tmp_path, f"fresh-{len(started)}"))
        if view is not None:
            view.origin = started[-1].url  # the page's requests go to this server
        return started[-1]

    yield start
    for live in started:
        live.stop(clean=False)


@dataclass
class Watched:
    """A page plus what it did: console errors, page errors, requests."""

    page: Page
    origin: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """No console error, no page error, no CSP violation, no request off the origin."""
        violations = self.page.evaluate("window.__csp || []")
        assert not violations, violations
        assert not self.errors, self.errors
        foreign = [u for u in self.requests
                   if not u.startswith((self.origin, "data:", "blob:"))]
        assert not foreign, foreign


def watch(page: Page, origin: str) -> Watched:
    """Start recording what `page` does."""
    watched = Watched(page, origin)
    page.add_init_script(WATCH_CSP)
    page.on("console", lambda m: m.type == "error" and watched.errors.append(m.text))
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on("request", lambda r: watched.requests.append(r.url))
    page.on("dialog", lambda d: (watched.errors.append("dialog: " + d.message), d.dismiss()))
    return watched


@pytest.fixture
def view(browser: Browser, server: LiveServer, sql: Any) -> Iterator[Watched]:
    """A watched page in a fresh context with clipboard access on the server's origin."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield watch(page, server.url)
    context.close()
