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
- The work lives in livedash/reports.py; these views only parse, call and wrap.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import data, demo, reports, validate
from ..db import DatabaseError
from ..http import db
from ..schema import form_time

bp = Blueprint("reports", __name__)


def _plain(message: str, status: int) -> Response:
    """A plain-text answer for the download URL (scripts read it; nothing is cached)."""
    return Response(message + "\n", status, mimetype="text/plain",
                    headers={"Cache-Control": "no-store"})


@bp.errorhandler(validate.ValidationError)
def _bad_input(exc: validate.ValidationError) -> Response:
    """400 naming every bad parameter, one per line."""
    errors = getattr(exc, "errors", None) or {"request": str(exc)}
    return _plain("\n".join(f"{name}: {text}" for name, text in errors.items()), 400)


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
    end = reports.default_end(now)
    chosen = "go" in args or "format" in args
    formats = set(args.getlist("format")) if chosen else {"html"}
    return {"start": args.get("start") or form_time(end - timedelta(hours=24)),
            "end": args.get("end") or form_time(end),
            "username": args.get("username", ""), "formats": formats}


def _page(at: data.Moment, problem: str | None, errors: dict[str, str]) -> str:
    """The form page with its values, messages and the JS configuration block."""
    config = {"usersUrl": url_for("api.users"), "exportUrl": url_for("reports.export"),
              "now": form_time(at.now),
              "clock": current_app.config["LIVEDASH"].db_clock}
    values = _form_values(request.args, at.now)
    export_url = url_for("reports.export", _external=True, start=values["start"],
                         end=values["end"], username=values["username"],
                         format=[f for f in validate.REPORT_FORMATS if f in values["formats"]])
    return render_template("reports/form.html", values=values, errors=errors, problem=problem,
                           config=config, export_url=export_url, at=at)


@bp.get("/reports")
def form() -> ResponseReturnValue:
    """The report form; a submission (go=1) is checked here, then sent to the export URL."""
    at, problem = _clock()
    if "go" not in request.args:
        return _page(at, problem, {})
    try:
        req = validate.report_request(request.args, lambda: reports.default_end(at.now))
    except validate.ReportInputError as exc:
        return _page(at, problem, exc.errors), 400
    if problem:
        return _page(at, problem, {}), 503
    return redirect(url_for("reports.export", **req.query()), 303)


@bp.get("/reports/export")
def export() -> Response:
    """The report file(s) for ?start=&end=&username=&format=csv|html (format may repeat)."""
    moment = cache(lambda: data.moment(db()))
    req = validate.report_request(request.args, lambda: reports.default_end(moment().now))
    ctx = reports.ReportContext(db(), moment(), current_app.config["LIVEDASH"],
                                current_app.jinja_env)
    download = reports.build(ctx, req)
    return Response(download.chunks, content_type=download.mimetype, headers=download.headers())
