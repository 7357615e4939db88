"""The live dashboard page (`GET /`); its data arrives over Socket.IO from the poller.

Design decisions:
- The whole view state lives in the URL (window, refresh, limit, username, status, theme,
  kiosk) so a wall screen is a bookmark. The server renders the controls from it; each bad
  value falls back to its own default (a typo in one parameter does not reset the others).
- No figures are rendered server-side: the first `stats`/`transactions` events fill the page
  within one tick, and the page says "Connecting…" until then.
- Configuration reaches the page's JS through one `<script type="application/json">` block.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from markupsafe import Markup

from .. import validate
from ..models import View
from ..schema import STATUSES

bp = Blueprint("dashboard", __name__)

_TRUE = ("1", "true", "yes", "on")
# One icon per status (sprite ids), used by the template and, via the config block, by the JS.
STATUS_ICONS = {"COMPLETE": "check-circle-2", "SUBMITTED": "send", "TIMEOUT": "hourglass",
                "EP_UNAVAILABLE": "wifi-off", "CD_UNAVAILABLE": "server-cog",
                "BAD_REQUEST": "ban"}
# Icons the page's JS draws (rows, toasts, placeholders): inlined as <symbol id="i-NAME">,
# because Chromium re-fetches an external sprite for elements created later and shows nothing
# when the server is unreachable, exactly when the rows must stay readable.
JS_ICONS = (*STATUS_ICONS.values(), "copy", "filter", "list", "info", "alert-triangle")
SPRITE = Path(__file__).resolve().parent.parent / "static/vendor/lucide-static-1.62.0/sprite.svg"


def _field(name: str) -> Any:
    """One view value from the URL through its validator, or its default when bad."""
    try:
        return getattr(validate, name)(request.args.get(name, validate.DEFAULTS[name]))
    except validate.ValidationError:
        return validate.DEFAULTS[name]


def initial_view() -> View:
    """The view named in the URL, each bad value replaced by its default."""
    return View(**{name: _field(name) for name in validate.DEFAULTS})


@lru_cache(maxsize=1)
def inline_symbols() -> Markup:
    """A hidden <svg> holding the JS_ICONS symbols of the vendored sprite, ids prefixed "i-"."""
    found = re.findall(r'<symbol id="([^"]+)"(.*?</symbol>)', SPRITE.read_text(), re.S)
    symbols = "".join(f'<symbol id="i-{name}"{rest}' for name, rest in found if name in JS_ICONS)
    return Markup(f'<svg class="sprite" aria-hidden="true" hidden>{symbols}</svg>')


def page_options() -> dict[str, Any]:
    """Kiosk flag and the configuration block the page's JS reads."""
    kiosk = request.args.get("kiosk", "").strip().lower() in _TRUE
    settings = current_app.config["LIVEDASH"]
    return {"kiosk": kiosk, "symbols": inline_symbols(), "config": {
        "statuses": list(STATUSES), "icons": STATUS_ICONS, "kiosk": kiosk,
        "dbClock": settings.db_clock, "socketPath": f"{request.script_root}/socket.io",
        "usersUrl": url_for("api.users")}}


@bp.get("/")
def index() -> str:
    """The dashboard: three stat columns and the live table; state lives in the URL."""
    view = initial_view()
    options = page_options()
    options["config"]["view"] = {name: getattr(view, name) for name in validate.DEFAULTS}
    return render_template("dashboard/index.html", view=view, statuses=STATUSES,
                           status_icons=STATUS_ICONS,
                           windows=validate.WINDOWS, refreshes=validate.REFRESHES,
                           limits=validate.LIMITS, **options)
