"""Admin requests: the checks every clear passes, who asked, and the status the page shows.

Shared by the HTTP views (`livedash/views/admin.py`) and the `admin_clear` socket event
(`livedash/events.py`), so both paths make the same checks in the same order: admin enabled
(LIVEDASH_ADMIN), same origin, [socket: the admin page's CSRF token; HTTP: Flask-WTF's],
not demo / not down, confirmed, cutoff not in the future, no clear running. The job itself
is `livedash/clearing.py`.

Design decisions:
- The confirmation is the table name typed exactly. A row count is not accepted: the figure on
  the page is an estimate, so typing it back would confirm nothing precise.
- Clears are accepted only from the app's own origin, over HTTP and Socket.IO alike: the
  Origin header (of the POST, or of the socket's handshake) must name this host. A request
  without Origin is not a browser's cross-site request (browsers send Origin on cross-origin
  requests, on every POST and on every WebSocket): it is a script, and is accepted.
- Who asked: the user a trusted proxy names (`livedash/proxies.py`), else only the peer
  address; a header sent straight to the app is anybody's word and never reaches the audit.
- Per-status counts (GROUP BY status: a full scan of idx_status) and the exact COUNT(*) run on
  request, never while the page renders; the page asks for them by itself when the estimate
  is at most `AUTO_COUNT_MAX_ROWS`. Counting on page load under a time limit was rejected: the
  limit would hold only on MySQL (the MAX_EXECUTION_TIME hint; MariaDB reads it as a comment),
  and a count cut short shows nothing anyway. On request, the admin decides when to pay for
  the scan and sees how long it took (scan speeds: docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from . import proxies, queries, validate
from .clearing import Busy, Clearer, ClearRequest, Job, Notify, Requester
from .config import Settings
from .db import Database, DatabaseError, get_db
from .poller import Poller, get_poller
from .queries import admin as admin_sql
from .schema import TABLE, mysql_time

log = logging.getLogger(__name__)

CONFIRMATION = TABLE
MODES = ("all", "older_than")
AUTO_COUNT_MAX_ROWS = 1_000_000
DISABLED = "Admin actions are disabled on this server (LIVEDASH_ADMIN=off)."
DEMO = ("Demo mode: the app has not reached the database, so there is nothing to clear or "
        "count. Admin actions work once the database answers.")


class Refused(Exception):
    """An admin action was refused; the message is for the user, `status` the HTTP code."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# -- checks and parsing -------------------------------------------------------------------------


def check_enabled(settings: Settings) -> None:
    """Refuse (403) every admin action when LIVEDASH_ADMIN=off."""
    if not settings.admin:
        raise Refused(DISABLED, 403)


def check_origin(origin: str | None, host: str) -> None:
    """Refuse (403) a clear sent by a page of another site (HTTP POST or socket handshake)."""
    if origin and urlsplit(origin).netloc.lower() != host.lower():
        raise Refused("Admin actions are accepted only from this app's own pages "
                      f"(the request came from {origin[:100]!r}).", 403)


def requester(headers: Mapping[str, str], peer: str | None, settings: Settings) -> Requester:
    """Who is asking: the user a trusted proxy named, and the client's address."""
    trusted = settings.trusted_proxies
    return Requester(proxies.forwarded_user(headers, peer, trusted),
                     proxies.client_address(headers, peer, trusted))


def parse_before(raw: Any) -> datetime:
    """The cutoff: a date and time without zone (what datetime-local sends), in the database
    clock; read by the reports' rule for range bounds, so both forms take the same times."""
    try:
        value = validate.report_time("before", raw)
    except validate.ValidationError as exc:
        raise Refused(f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None
    if value is None:
        raise Refused("Give the date and time to delete rows before, e.g. 2026-01-31T00:00.")
    return value


def parse_clear(data: Any) -> ClearRequest:
    """A clear request from a form or an event payload; refused (400) unless confirmed."""
    if not isinstance(data, Mapping):
        raise Refused('Expected an object with "mode", "before" and "confirm".')
    mode = data.get("mode")
    if not isinstance(mode, str) or mode not in MODES:
        raise Refused('The mode must be "all" or "older_than".')
    confirm = data.get("confirm")
    if not isinstance(confirm, str) or confirm.strip() != CONFIRMATION:
        raise Refused(f'Type the table name "{CONFIRMATION}" to confirm. Nothing was deleted.')
    before = parse_before(data.get("before")) if mode == "older_than" else None
    return ClearRequest(mode, before)


def check_database(db: Database) -> None:
    """Refuse while in demo mode (409) or while the database is down (503)."""
    state = db.state()
    if state.mode == "demo":
        raise Refused(DEMO, 409)
    if state.mode == "down":
        raise Refused(f"The database is unavailable ({state.last_error}); nothing was done.",
                      503)


def _check_cutoff(db: Database, request: ClearRequest) -> None:
    """Refuse a cutoff in the future: it would take rows still being written."""
    if request.before is None:
        return
    now = queries.db_now(db)
    if request.before > now:
        raise Refused(f"The cutoff {mysql_time(request.before)} is after the database's time "
                      f"now ({mysql_time(now)}); to remove every row use “Delete all rows”.")


# -- starting a clear ---------------------------------------------------------------------------


def get_clearer(app: Flask) -> Clearer:
    """The app's clear jobs (made by `create_app`)."""
    return app.extensions["livedash.clearer"]


def start_clear(app: Flask, payload: Any, who: Requester, notify: Notify,
                origin: tuple[str | None, str],
                check_token: Callable[[Any], None] | None = None) -> Job:
    """Every check in order (enabled, origin, [token], database, confirmation, cutoff, none
    running), then start the job. `origin` is (Origin header, host); `check_token` is the
    socket's CSRF check (CSRFProtect checks the HTTP requests' before the view runs)."""
    try:
        check_enabled(app.config["LIVEDASH"])
        check_origin(*origin)
        if check_token is not None:
            check_token(payload)
        clearer = get_clearer(app)
        check_database(clearer.db)
        request = parse_clear(payload)
        _check_cutoff(clearer.db, request)
        try:
            return clearer.start(request, who, notify)
        except Busy as exc:
            raise Refused(str(exc), 409) from None
    except Refused as exc:
        log.info("clear refused for %s: %s", who, exc,
                 extra={"audit": "clear", "outcome": "refused", "user": who.user,
                        "address": who.address})
        raise


# -- status -------------------------------------------------------------------------------------


def database_status(db: Database) -> dict[str, Any]:
    """Connection facts (never the password), version, size, estimate and time range."""
    s, state = db.settings, db.state()
    info: dict[str, Any] = {
        "host": s.mysql_host, "port": s.mysql_port, "database": s.mysql_database,
        "user": s.mysql_user, "table": TABLE, "mode": state.mode,
        "down_since": state.as_dict()["down_since"], "error": state.last_error,
        "version": None, "rows_estimate": None, "data_bytes": None, "index_bytes": None,
        "oldest": None, "newest": None, "auto_counts": False}
    if state.mode != "up":
        return info
    try:
        version, oldest, newest = admin_sql.admin_overview(db)
        estimate, data_bytes, index_bytes = admin_sql.admin_table_size(db)
    except DatabaseError as exc:
        return {**info, "error": str(exc)}
    return {**info, "version": version, "rows_estimate": estimate, "data_bytes": data_bytes,
            "index_bytes": index_bytes, "oldest": mysql_time(oldest),
            "newest": mysql_time(newest),
            "auto_counts": estimate is not None and estimate <= AUTO_COUNT_MAX_ROWS}


def app_status(db: Database, poller: Poller) -> dict[str, Any]:
    """Live or demo, the poller's tiers, active keys and connected viewers."""
    return {"mode": "demo" if db.is_demo else "live", "db_clock": db.settings.db_clock,
            **poller.status()}


def status(app: Flask) -> dict[str, Any]:
    """Everything the admin page shows, plus the running or last clear job."""
    db, job = get_db(app), get_clearer(app).latest()
    return {"database": database_status(db), "app": app_status(db, get_poller(app)),
            "job": job.as_dict() if job else None}


def _timed(work: Callable[[], Any]) -> tuple[Any, float]:
    """The result of `work` and the seconds it took (rounded to 1 decimal)."""
    started = time.monotonic()
    result = work()
    return result, round(time.monotonic() - started, 1)


def exact_count(db: Database, before_raw: str | None = None) -> dict[str, Any]:
    """COUNT(*) of the table, or of the rows older than a cutoff (on request: a full scan)."""
    check_database(db)
    before = parse_before(before_raw) if before_raw else None
    rows, seconds = _timed(lambda: admin_sql.admin_count(db, before))
    return {"rows": rows, "before": mysql_time(before), "seconds": seconds}


def status_counts(db: Database) -> dict[str, Any]:
    """Rows per status (on request: a full scan of idx_status)."""
    check_database(db)
    counts, seconds = _timed(lambda: admin_sql.admin_status_counts(db))
    return {"counts": counts, "seconds": seconds}
