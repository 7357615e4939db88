"""The report form (`GET /reports`) and the download URL (`GET /reports/export`).

Design decisions:
- Both are GET: a download is idempotent and bookmarkable, changes nothing, and so needs no
  CSRF token (CSRFProtect only guards unsafe methods).
- The form submits to itself (`go=1`): bad input re-renders it with a message next to each
  field (400); good input redirects (303) to the export URL, which is the same for scripts.
  The export URL answers bad input with a plain-text 400 and a database that is down with a
  plain-text 503, never a 500.
- Default range: the 24 hours ending at the database's now (rounded up to the minute); while
  the database is down the form still renders, with the app's clock and a banner.
- Downloads streaming at once are bounded (LIVEDASH_REPORT_STREAMS, `reporting.Slots`): one
  more gets 503 "busy, retry" with Retry-After at once, before any statement runs.
- A stalled client is ended by a send timeout on its socket (LIVEDASH_REPORT_WRITE_TIMEOUT):
  gunicorn's gthread worker writes with blocking `sendall` and no timeout of its own, and
  hands the socket to the app as `environ["gunicorn.socket"]`; `settimeout` makes a write
  that cannot proceed raise, gunicorn closes the response iterable, and the stream drops its
  database connection. gunicorn resets the socket's blocking mode when it reuses the
  connection (keep-alive), so the timeout does not outlive the download.
- The work lives in livedash/reporting/; these views only parse, call and wrap.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import data, demo, reporting, validate
from ..db import DatabaseError
from ..http import db
from ..schema import form_time

bp = Blueprint("reports", __name__)
RETRY_AFTER = 10


def _slots() -> reporting.Slots:
    """The app's download slots (made on first use, sized by LIVEDASH_REPORT_STREAMS)."""
    extensions = current_app.extensions
    if "livedash.report_slots" not in extensions:
        size = current_app.config["LIVEDASH"].report_streams
        extensions.setdefault("livedash.report_slots", reporting.Slots(size))
    return extensions["livedash.report_slots"]


def _write_timeout(environ: dict[str, Any], seconds: float) -> None:
    """End the download when the client takes no data for `seconds` (gunicorn only; the
    development server and the test client have no such socket)."""
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        sock.settimeout(seconds)


def _plain(message: str, status: int) -> Response:
    """A plain-text answer for the download URL (scripts read it; nothing is cached)."""
    return Response(message + "\n", status, mimetype="text/plain",
                    headers={"Cache-Control": "no-store"})


@bp.errorhandler(validate.ValidationError)
def _bad_input(exc: validate.ValidationError) -> Response:
    """400 naming every bad parameter, one per line."""
    errors = getattr(exc, "errors", None) or {"request": str(exc)}
    return _plain("\n".join(f"{name}: {text}" for name, text in errors.items()), 400)


@bp.errorhandler(reporting.Busy)
def _busy(exc: reporting.Busy) -> Response:
    """503 while every download slot is taken: a script retries after Retry-After."""
    response = _plain(f"Report server busy, retry in {RETRY_AFTER} s ({exc}).", 503)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


@bp.errorhandler(DatabaseError)
def _database_error(exc: DatabaseError) -> Response:
    """503 while the database cannot answer (before any byte of the report was sent)."""
    return _plain(f"Report unavailable: {exc}", 503)


def _clock() -> tuple[data.Moment, str | None]:
    """The database's now (or demo clock); the app's clock and the reason when it is down."""
    try:
        return data.moment(db()), None
    except DatabaseError as exc:
        clock = current_app.config["LIVEDASH"].db_clock
        return data.Moment(demo.demo_now(clock), "app"), str(exc)


def _form_values(args: Any, now: datetime) -> dict[str, Any]:
    """What the inputs show: the submitted text, else the defaults."""
    end = reporting.default_end(now)
    chosen = "go" in args or "format" in args
    formats = set(args.getlist("format")) if chosen else {"html"}
    return {"start": args.get("start") or form_time(end - validate.DEFAULT_REPORT_SPAN),
            "end": args.get("end") or form_time(end),
            "username": args.get("username", ""), "formats": formats,
            "csv_safe": args.get("csv_safe") in ("1", "on")}


def _page(at: data.Moment, problem: str | None, errors: dict[str, str]) -> str:
    """The form page with its values, messages and the JS configuration block."""
    config = {"usersUrl": url_for("api.users"), "exportUrl": url_for("reports.export"),
              "now": form_time(at.now),
              "clock": current_app.config["LIVEDASH"].db_clock}
    values = _form_values(request.args, at.now)
    g.csp_style = reporting.report_css_hash()  # the report, opened from a blob, keeps its style
    export_url = url_for("reports.export", _external=True, start=values["start"],
                         end=values["end"], username=values["username"],
                         format=[f for f in validate.REPORT_FORMATS if f in values["formats"]],
                         **({"csv_safe": "1"} if values["csv_safe"] else {}))
    return render_template("reports/form.html", values=values, errors=errors, problem=problem,
                           config=config, export_url=export_url, at=at)


@bp.get("/reports")
def form() -> ResponseReturnValue:
    """The report form; a submission (go=1) is checked here, then sent to the export URL."""
    at, problem = _clock()
    if "go" not in request.args:
        return _page(at, problem, {})
    try:
        req = validate.report_request(request.args, lambda: reporting.default_end(at.now))
    except validate.ReportInputError as exc:
        return _page(at, problem, exc.errors), 400
    if problem:
        return _page(at, problem, {}), 503
    return redirect(url_for("reports.export", **req.query()), 303)


@bp.get("/reports/export")
def export() -> Response:
    """The report file(s) for ?start=&end=&username=&format=csv|html|json (format may repeat)."""
    moment = cache(lambda: data.moment(db()))
    req = validate.report_request(request.args, lambda: reporting.default_end(moment().now))
    settings = current_app.config["LIVEDASH"]
    chunks, download = _held(reporting.ReportContext(db(), moment(), settings,
                                                     current_app.jinja_env), req)
    _write_timeout(request.environ, settings.report_write_timeout)
    return Response(chunks, content_type=download.mimetype, headers=download.headers())


def _held(ctx: reporting.ReportContext, req: Any) -> tuple[reporting.Holding,
                                                             reporting.Download]:
    """The download's chunks holding a slot until the server closes them (Busy when none is
    free; a failure before the first byte gives the slot back at once)."""
    slot = _slots().take()
    try:
        download = reporting.build(ctx, req)
    except BaseException:
        slot.release()
        raise
    return reporting.Holding(download.chunks, slot), download
