"""Security headers on every kind of response."""

from __future__ import annotations

import pytest

from livedash import create_app
from livedash.proxies import parse_networks
from tests.conftest import make_settings
from tests.pages import Page, assert_no_inline_code

PAGES = ["/", "/api/stats", "/healthz", "/nope", "/static/css/app.css"]


@pytest.mark.parametrize("path", PAGES)
def test_strict_csp_and_friends(client, path: str) -> None:
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["script-src"] == ["'self'"]
    assert "ws://localhost" in directives["connect-src"]
    assert directives["frame-ancestors"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_frame_ancestors_is_configurable(sql) -> None:
    app = create_app(make_settings(frame_ancestors="'self' https://wall.example"),
                     {"TESTING": True})
    csp = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://wall.example" in csp


@pytest.mark.parametrize("path", ["/", "/reports", "/admin", "/no-such-page"])
def test_pages_have_no_inline_script_or_style(client, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.mimetype == "text/html"
    assert_no_inline_code(Page(response.get_data(as_text=True)))


def session_cookie(app, **headers: str) -> str:
    """The Set-Cookie header of the session cookie /admin sets (it carries the CSRF secret)."""
    response = app.test_client().get("/admin", headers=headers)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers
    return cookies[0]


@pytest.mark.parametrize(("trusted", "headers", "secure"), [
    ("", {}, False),
    ("", {"X-Forwarded-Proto": "https"}, False),  # anybody can send that header
    ("10.0.0.0/8", {"X-Forwarded-Proto": "https"}, False),  # the test client is 127.0.0.1
    ("127.0.0.1", {"X-Forwarded-Proto": "https"}, True),
    ("127.0.0.1", {"X-Forwarded-Proto": "http"}, False),
])
def test_the_session_cookie_is_lax_and_secure_only_behind_a_trusted_https_proxy(
        sql, trusted: str, headers: dict[str, str], secure: bool) -> None:
    app = create_app(make_settings(trusted_proxies=parse_networks(trusted), demo=True),
                     {"TESTING": True})
    cookie = session_cookie(app, **headers)
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert "samesite=lax" in cookie.lower().replace(" ", "") and "httponly" in attributes
    assert ("secure" in attributes) is secure
