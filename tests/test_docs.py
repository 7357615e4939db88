"""Documentation that must not drift from the code: README commands, API, socket contract."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from livedash import create_app
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def readme_commands() -> list[str]:
    """The commands in README's sh code blocks."""
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(c for c in readme_commands() if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_readme_has_the_install_and_run_command() -> None:
    assert "pip install -e . && livedash" in readme_commands()


@pytest.mark.parametrize("event", ["subscribe", "stats", "transactions", "health", "error"])
def test_socket_events_are_documented(event: str) -> None:
    assert f"`{event}`" in README


def documented(route: str, text: str = README) -> bool:
    """Whether `text` names the route as code: `GET /route`, `/route` or `/route?query`."""
    return re.search(rf"`(?:GET )?{re.escape(route)}(?:\?[^`]*)?`", text) is not None


def test_the_route_check_needs_the_route_itself() -> None:
    text = "See `/static/x.css` and `GET /api/stats?window=10`; /healthz in prose."
    assert documented("/api/stats", text)
    assert not documented("/", text)  # a path that merely starts with / is not "/"
    assert not documented("/healthz", text)  # not named as code
    assert not documented("/api", text)


def test_every_public_route_is_documented(sql) -> None:
    app = create_app(make_settings(demo=True), {"TESTING": True})
    routes = {r.rule for r in app.url_map.iter_rules()
              if not r.endpoint.startswith("static") and "GET" in r.methods
              and "<" not in r.rule}
    assert {"/", "/healthz", "/admin", "/reports"} <= routes
    missing = sorted(r for r in routes if not documented(r))
    assert not missing, f"README does not document {missing}"


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run([ruff, "check", "livedash", "tests", "bench", "wsgi.py"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
