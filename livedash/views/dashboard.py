"""The live dashboard page (`GET /`); its data arrives over Socket.IO from the poller.

Design decisions:
- The whole view state lives in the URL (window, refresh, limit and the table's filters q,
  username, status, ingress_server, egress_server, stuck; and the page-only keys kiosk,
  theme, paused, tz, detail) so a wall screen is a bookmark. The server
  renders the controls from it; each bad value falls back to its own default (a typo in one
  parameter does not reset the others).
- No figures are rendered server-side: the first `stats`/`transactions` events fill the page
  within one tick, and the page says "Connecting…" until then.
- Configuration reaches the page's JS through one `<script type="application/json">` block,
  and it carries the vocabulary the JS would otherwise copy: the view defaults and allowed
  choices (validate), the table's columns and statuses (schema). One source of meaning.
- The stat cards are built from one table of figures (FIGURES): the template loops over it
  and the JS finds each card by its key, which is also the figure's path in the `stats`
  payload (and the key of its level when the server sends levels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from markupsafe import Markup

from .. import alarms, validate
from ..assets import build_id
from ..models import View
from ..schema import COLUMNS, DASH, EMPTY_STATUS, FAILURES, FILE_NAME_MAX, STATUSES, USERNAME_MAX

bp = Blueprint("dashboard", __name__)

_TRUE = ("1", "true", "yes", "on")
# One icon per status (sprite ids), used by the template and, via the config block, by the JS.
STATUS_ICONS = {"COMPLETE": "check-circle-2", "SUBMITTED": "send", "TIMEOUT": "hourglass",
                "EP_UNAVAILABLE": "wifi-off", "CD_UNAVAILABLE": "server-cog",
                "BAD_REQUEST": "ban"}
# Icons the page's JS draws (rows, toasts, placeholders, the detail panel): inlined as
# <symbol id="i-NAME">, because Chromium re-fetches an external sprite for elements created
# later and shows nothing when the server is unreachable, exactly when the rows must stay
# readable.
JS_ICONS = (*STATUS_ICONS.values(), "copy", "filter", "list", "info", "alert-triangle",
            "clock", "x", "shield-alert")
SPRITE = Path(__file__).resolve().parent.parent / "static/vendor/lucide-static-1.62.0/sprite.svg"


@dataclass(frozen=True)
class Figure:
    """One stat card: `key` is its path in the stats payload; `kind` picks its formatter
    (count, rate in bytes/s, per-second figure, age in seconds); `note` is "share" (its share
    of received), "stuck" (the stuck threshold), another figure's key shown with `note_label`
    (short form, the words a wall screen drops), or plain text (dropped on a wall screen).
    A status card filters the table to its status when clicked; `filter` names another view
    key and value for a card without a status."""

    key: str
    label: str
    icon: str
    kind: str = "count"
    status: str = ""
    note: str = "share"
    note_label: tuple[str, str] = ("", "")
    filter: tuple[str, str] = ("", "")  # (view key, value) a click on the card filters to
    change: bool = True  # show the change against the previous window

    @property
    def click(self) -> tuple[str, str]:
        """The view key and value a click on this card filters the table to, if any."""
        return ("status", self.status) if self.status else self.filter


FIGURES = {
    "ingress": (
        Figure("ingress.bad_request", "Bad request", STATUS_ICONS["BAD_REQUEST"],
               status="BAD_REQUEST"),
        Figure("ingress.cd_unavailable", "CD unavailable", STATUS_ICONS["CD_UNAVAILABLE"],
               status="CD_UNAVAILABLE"),
        Figure("total", "Received", "arrow-down-to-line", note="all statuses"),
        Figure("ingress.last_ingress_s", "Last ingress", "clock", kind="age",
               note="since the newest row"),
    ),
    "cd": (
        # no change: the previous window's SUBMITTED rows are those still in flight now (stuck
        # ones), not what was in flight then
        Figure("cd.submitted", "In flight", STATUS_ICONS["SUBMITTED"], status="SUBMITTED",
               change=False),
        Figure("cd.timeout", "Timeout", STATUS_ICONS["TIMEOUT"], status="TIMEOUT"),
        Figure("cd.stuck", "Stuck", "alert-triangle", note="stuck", filter=("stuck", "true")),
        Figure("cd.oldest_in_flight_s", "Oldest in flight", "hourglass", kind="age",
               note="oldest SUBMITTED"),
    ),
    "egress": (
        Figure("egress.complete", "Complete", STATUS_ICONS["COMPLETE"], status="COMPLETE",
               note=""),
        Figure("egress.ep_unavailable", "EP unavailable", STATUS_ICONS["EP_UNAVAILABLE"],
               status="EP_UNAVAILABLE", note=""),
        Figure("egress.throughput_bps", "Data rate", "gauge", kind="rate",
               note="egress.avg_rate_bps", note_label=("avg", " per transfer")),
        Figure("egress.tps", "Transactions / s", "activity", kind="tps",
               note="all egress outcomes"),
    ),
}


def _field(name: str) -> Any:
    """One view value from the URL through its validator, or its default when bad."""
    try:
        return validate.field(name, request.args.get(name, validate.DEFAULTS[name]))
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


def vocabulary() -> dict[str, Any]:
    """What the JS must not copy: view defaults and choices, columns, statuses and groups."""
    return {"defaults": dict(validate.DEFAULTS), "columns": list(COLUMNS),
            "choices": {"window": list(validate.WINDOWS), "refresh": list(validate.REFRESHES),
                        "limit": list(validate.LIMITS)},
            "statuses": list(STATUSES), "failures": list(FAILURES), "icons": STATUS_ICONS,
            "emptyStatus": EMPTY_STATUS,
            "maxLength": {"username": USERNAME_MAX, "q": FILE_NAME_MAX}}


def page_options() -> dict[str, Any]:
    """Kiosk flag and the configuration block the page's JS reads."""
    kiosk = request.args.get("kiosk", "").strip().lower() in _TRUE
    settings = current_app.config["LIVEDASH"]
    return {"kiosk": kiosk, "symbols": inline_symbols(), "config": {
        **vocabulary(), "kiosk": kiosk, "dbClock": settings.db_clock,
        "socketPath": f"{request.script_root}/socket.io", "usersUrl": url_for("api.users"),
        "thresholds": alarms.thresholds(settings), "stuckAfter": settings.stuck_after,
        "build": build_id(current_app)}}


@bp.get("/")
def index() -> str:
    """The dashboard: three stat columns and the live table; state lives in the URL."""
    view = initial_view()
    options = page_options()
    options["config"]["view"] = {name: getattr(view, name) for name in validate.DEFAULTS}
    return render_template("dashboard/index.html", view=view, statuses=STATUSES, dash=DASH,
                           status_icons=STATUS_ICONS, figures=FIGURES,
                           windows=validate.WINDOWS, refreshes=validate.REFRESHES,
                           limits=validate.LIMITS, **options)
