"""The JSON API: /api/stats, /api/transactions, /api/users and /healthz.

Same data as the live dashboard, for scripts and other clients; documented in README.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from .. import data, validate
from ..db import DatabaseError
from ..http import db, json_error, json_response
from ..poller import get_poller
from ..records import row_record
from ..schema import iso_ms
from ..stats import window_stats

bp = Blueprint("api", __name__)


@bp.errorhandler(validate.ValidationError)
def _bad_input(exc: validate.ValidationError) -> Response:
    """400 with the message naming the bad value."""
    return json_error(str(exc), 400)


@bp.errorhandler(DatabaseError)
def _database_error(exc: DatabaseError) -> Response:
    """503 while the database cannot answer, saying since when."""
    state = db().state().as_dict()
    since = state["down_since"] or "now"
    message = f"database unavailable since {since}: {state['error'] or exc}"
    return json_error(message, 503, database=state["database"], down_since=state["down_since"])


@bp.get("/api/stats")
def stats() -> Response:
    """Ingress, CD and egress figures for the last 10, 30 or 60 minutes."""
    minutes = validate.window(request.args.get("window", "10"))
    at = data.moment(db())
    return json_response(window_stats(data.groups(db(), at, minutes), minutes, at.now, at.source))


@bp.get("/api/transactions")
def transactions() -> Response:
    """The newest transactions, optionally filtered by username and status."""
    view = validate.view(request.args, fields=("limit", "username", "status"))
    at = data.moment(db())
    rows = data.latest(db(), at, view.limit, view.username, view.status)
    return json_response({"source": at.source, "as_of": iso_ms(at.now),
                          "rows": [row_record(r) for r in rows]})


@bp.get("/api/users")
def users() -> Response:
    """Usernames starting with ?prefix= (at most 20), for type-ahead filters."""
    prefix = validate.username(request.args.get("prefix", ""))
    return json_response({"users": data.usernames(db(), prefix)})


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: always 200 while the app runs; the database state and the poller's."""
    poller = get_poller(current_app).status()
    return json_response({**db().state().as_dict(), "statements": db().statements,
                          "poller": poller})
