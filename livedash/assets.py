"""Static files under a build id: `/static/<build>/js/dashboard.js`, cached for a year.

Design decisions:
- The build id is a content hash of every file under livedash/static/ (paths and bytes), made
  once at start-up: the same files give the same id on every process of a cluster, and any
  change gives a new one.
- The id is a path segment, not a per-file query string: the ES modules import each other by
  relative path (`./lib/format.js`), and fonts.css names its fonts relatively too. Under
  `/static/<build>/` those relative URLs resolve inside the same build by themselves, so no
  file is ever combined with a file of another release; a query string on the entry module
  would leave every import it makes unversioned.
- Hashed URLs are `Cache-Control: public, max-age=31536000, immutable`: their content can
  never change. `url_for('static', filename=...)` builds them, so templates need no change.
- Old URLs keep working: an unhashed `/static/<path>` is served `no-cache` (a browser
  revalidates it each time), and a URL of another build (a page loaded before a deploy)
  is served the current file, also `no-cache`, so an immutable cache never keeps a file under
  a build id it does not belong to. Pages notice a new build through `build_id(app)` (in
  /healthz and the `health` event) and reload.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from flask import Flask, Response, current_app, send_from_directory

STATIC = Path(__file__).resolve().parent / "static"
LONG_CACHE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
BUILD_LENGTH = 12
_BUILD_SEGMENT = re.compile(rf"[0-9a-f]{{{BUILD_LENGTH}}}/")


def content_hash(folder: Path) -> str:
    """A hash of every file under `folder` (relative paths and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:BUILD_LENGTH]


@functools.cache
def compute_build_id() -> str:
    """livedash/static/'s content hash, made once per process (the files do not change under
    a running server)."""
    return content_hash(STATIC)


def build_id(app: Flask) -> str:
    """This app's build id (the hash in its static URLs)."""
    return app.extensions["livedash.build"]


def _serve(filename: str, cache_control: str) -> Response:
    """A file of livedash/static/ with the given caching (404 if there is none)."""
    response = send_from_directory(STATIC, filename, max_age=0, conditional=True)
    response.headers["Cache-Control"] = cache_control
    return response


def _hashed(filename: str) -> Response:
    """`/static/<build>/<filename>`: the current build's file, cached for a year."""
    return _serve(filename, LONG_CACHE)


def _unhashed(filename: str) -> Response:
    """`/static/<filename>`, or a URL of another build: the current file, revalidated."""
    current = build_id(current_app)
    if _BUILD_SEGMENT.match(filename) and not filename.startswith(current):
        filename = filename[BUILD_LENGTH + 1:]
    return _serve(filename, REVALIDATE)


def init_app(app: Flask) -> None:
    """Serve livedash/static/ under the build id; `url_for('static', ...)` builds those URLs.
    The app must be made with `static_folder=None` (this module serves the files)."""
    build = app.extensions["livedash.build"] = compute_build_id()
    app.add_url_rule(f"/static/{build}/<path:filename>", endpoint="static",
                     view_func=_hashed)
    app.add_url_rule("/static/<path:filename>", endpoint="static_unhashed",
                     view_func=_unhashed)
