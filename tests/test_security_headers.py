"""Security headers on every kind of response."""

from __future__ import annotations

import pytest

from livedash import create_app
from tests.conftest import make_settings

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


def test_pages_have_no_inline_script_or_style(client) -> None:
    html = client.get("/").get_data(as_text=True)
    for fragment in (" onclick=", " onload=", " onerror=", " style=", "javascript:"):
        assert fragment not in html
    scripts = html.split("<script")[1:]
    for tag in scripts:
        head = tag.partition(">")[0]
        assert "src=" in head or 'type="application/json"' in head, f"inline script: {tag[:80]}"
