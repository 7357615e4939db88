"""Static files under a build id: long-cached hashed URLs, old URLs still answered."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

from livedash.assets import LONG_CACHE, STATIC, build_id, compute_build_id, content_hash

IMPORT = re.compile(r"""(?:import|export)\b[^'"]*?from\s+["'](\.{1,2}/[^"']+)["']"""
                    r"""|^\s*import\s+["'](\.{1,2}/[^"']+)["']""", re.MULTILINE)
CSS_URL = re.compile(r"""url\(['"]?(\./[^'")]+)['"]?\)""")


def static_urls(html: str) -> set[str]:
    return {u.split("#")[0] for u in re.findall(r'(?:src|href)="(/static/[^"]+)"', html)}


@pytest.mark.parametrize("page", ["/", "/reports", "/admin"])
def test_every_static_url_carries_the_build_and_is_cached_for_a_year(app: Any, client: Any,
                                                                    page: str) -> None:
    build = build_id(app)
    urls = static_urls(client.get(page).get_data(as_text=True))
    assert urls and all(u.startswith(f"/static/{build}/") for u in urls), urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == LONG_CACHE


def test_relative_imports_and_font_urls_stay_inside_the_build(app: Any, client: Any) -> None:
    build, seen, todo = build_id(app), set(), [f"/static/{build_id(app)}/js/dashboard.js",
                                               f"/static/{build_id(app)}/js/admin.js",
                                               f"/static/{build_id(app)}/vendor/fonts.css"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == LONG_CACHE
        if not url.endswith((".js", ".css")):
            continue  # a font
        pattern = CSS_URL if url.endswith(".css") else IMPORT
        for match in pattern.finditer(response.get_data(as_text=True)):
            target = urljoin(url, next(g for g in match.groups() if g))
            assert target.startswith(f"/static/{build}/"), target
            todo.append(target)
    assert len(seen) > 10  # the module graph and the fonts were walked, not just the entries


def test_old_urls_still_work_but_are_revalidated(app: Any, client: Any) -> None:
    current = client.get(f"/static/{build_id(app)}/css/app.css").get_data()
    for url in ("/static/css/app.css", "/static/0123456789ab/css/app.css"):
        response = client.get(url)
        assert response.status_code == 200 and response.get_data() == current
        assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/nope.css").status_code == 404
    assert client.get(f"/static/{build_id(app)}/../config.py").status_code == 404


def test_healthz_names_the_build(app: Any, client: Any) -> None:
    assert client.get("/healthz").get_json()["build"] == build_id(app)


def test_the_build_id_is_a_hash_of_the_content(tmp_path: Path) -> None:
    copy = tmp_path / "static"
    shutil.copytree(STATIC, copy)
    assert content_hash(copy) == content_hash(STATIC) == compute_build_id()
    (copy / "css" / "app.css").write_text((copy / "css" / "app.css").read_text() + "\n")
    assert content_hash(copy) != content_hash(STATIC)
