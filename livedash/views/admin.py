"""The admin page (`GET /admin`) and its actions; the logic lives in `livedash/admin.py`.

Design decisions:
- LIVEDASH_ADMIN=off makes every GET here a 404 (the page does not exist for a wall screen on a
  shared network) and every POST a 403 with a message.
- POSTs need Flask-WTF's CSRF token (form field `csrf_token` or header X-CSRFToken), as every
  POST of the app does, and a clear from a page of another origin is refused (403) as over
  the socket. A clear answers 202 with its job at once; the page follows the job over
  its socket (`admin_progress`, when it sends its `sid`) and GET /admin/jobs/<id>.
- Answers are JSON unless the client prefers HTML (a browser posting the form without
  JavaScript gets a redirect back to the page, or the error page).
- The page itself runs no slow query: counts come from their own GETs, on request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from .. import admin, clearing
from ..db import DatabaseError
from ..events import progress_to
from ..http import db, json_error, json_response
from ..schema import STATUSES
from .dashboard import STATUS_ICONS

bp = Blueprint("admin", __name__)


def _wants_html() -> bool:
    """Whether the client prefers an HTML page to JSON (a form posted without JavaScript)."""
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


@bp.before_request
def _enabled() -> None:
    """LIVEDASH_ADMIN=off: pages 404, actions 403."""
    if not current_app.config["LIVEDASH"].admin:
        if request.method in ("GET", "HEAD"):
            abort(404)
        raise admin.Refused(admin.DISABLED, 403)


@bp.errorhandler(admin.Refused)
def _refused(exc: admin.Refused) -> Response | tuple[str, int]:
    """The refusal's message with its status (400, 403, 409, 503)."""
    if _wants_html():
        return render_template("error.html", code=exc.status, message=str(exc)), exc.status
    return json_error(str(exc), exc.status)


@bp.errorhandler(DatabaseError)
def _database_error(exc: DatabaseError) -> Response | tuple[str, int]:
    """503 while the database cannot answer."""
    return _refused(admin.Refused(f"The database is unavailable: {exc}", 503))


def _page_config() -> dict[str, Any]:
    """The page's JSON config block: the status, the confirmation word and the URLs."""
    return {"status": admin.status(current_app), "confirm": admin.CONFIRMATION,
            "statuses": list(STATUSES), "socketPath": f"{request.script_root}/socket.io",
            "urls": {"status": url_for("admin.status"), "count": url_for("admin.count"),
                     "statusCounts": url_for("admin.status_counts"),
                     "clear": url_for("admin.clear"),
                     "job": url_for("admin.job", job_id="JOB_ID")}}


@bp.get("/admin")
def index() -> str:
    """Status of the database and the app, and the danger zone."""
    config = _page_config()
    return render_template("admin/index.html", config=config, status=config["status"],
                           statuses=STATUSES, status_icons=STATUS_ICONS,
                           batch_rows=f"{clearing.BATCH_ROWS:,}")


@bp.get("/admin/status")
def status() -> Response:
    """The page's figures as JSON (no slow query)."""
    return json_response(admin.status(current_app))


@bp.get("/admin/count")
def count() -> Response:
    """Exact COUNT(*), of all rows or of those older than ?before= (a full scan: on request)."""
    return json_response(admin.exact_count(db(), request.args.get("before")))


@bp.get("/admin/status-counts")
def status_counts() -> Response:
    """Rows per status (a full scan of idx_status: on request)."""
    return json_response(admin.status_counts(db()))


@bp.post("/admin/clear")
def clear() -> Response:
    """Start a confirmed clear: 202 with the job (follow it at /admin/jobs/<id>)."""
    payload = request.form or request.get_json(silent=True) or {}
    who = admin.requester(request.headers, request.remote_addr, current_app.config["LIVEDASH"])
    sid = payload.get("sid") if isinstance(payload, Mapping) else None
    job = admin.start_clear(current_app, payload, who, progress_to(sid),
                            origin=(request.headers.get("Origin"), request.host))
    if _wants_html():
        return redirect(url_for("admin.index", job=job.id), 303)  # type: ignore[return-value]
    return json_response({"job": job.as_dict()}, 202)


@bp.get("/admin/jobs/<job_id>")
def job(job_id: str) -> Response:
    """One clear job's progress or result (the last 20 are kept until a restart)."""
    found = admin.get_clearer(current_app).job(job_id)
    if found is None:
        abort(404, "No such clear job (the last 20 are kept until the server restarts).")
    return json_response(found.as_dict())
