"""The JSON API: /api/stats, /api/transactions, /api/users and /healthz.

The same data as the live dashboard, from the same state: a request keeps its view live for a
minute (poller.API_INTEREST_S), so scripts polling the API cost the shared change feed, not
a window aggregate per request. Documented in README.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from .. import validate
from ..db import DatabaseError
from ..http import db, json_error, json_response
from ..poller import get_poller
from ..records import row_record
from ..schema import iso_ms

bp = Blueprint("api", __name__)


@bp.errorhandler(validate.ValidationError)
def _bad_input(exc: validate.ValidationError) -> Response:
    """400 with the message naming the bad value."""
    return json_error(str(exc), 400)


def unavailable(exc: Exception | None = None) -> Response:
    """503 while the database cannot answer (down, or failing), saying since when and why."""
    state = db().state().as_dict()
    since = state["since"] or "now"
    kind = "failing" if state["database"] == "failing" else "unavailable"
    message = f"database {kind} since {since}: {state['error'] or exc}"
    return json_error(message, 503, database=state["database"], since=state["since"],
                      down_since=state["down_since"])


@bp.errorhandler(DatabaseError)
def _database_error(exc: DatabaseError) -> Response:
    return unavailable(exc)


@bp.errorhandler(TimeoutError)
def _too_slow(exc: TimeoutError) -> Response:
    return unavailable(exc)


def _check_database() -> None:
    """Refuse (503) instead of answering with figures the database no longer backs."""
    if db().state().mode in ("down", "failing"):
        raise DatabaseError(db().state().error or "unavailable")


@bp.get("/api/stats")
def stats() -> Response:
    """Ingress, CD and egress figures for the last 10, 30 or 60 minutes."""
    minutes = validate.window(request.args.get("window", "10"))
    _check_database()
    return json_response(get_poller(current_app).api_stats(minutes))


@bp.get("/api/transactions")
def transactions() -> Response:
    """The newest transactions matching the filters (README lists them)."""
    view = validate.view(request.args, names=(
        "limit", "username", "status", "ingress_server", "egress_server", "q", "stuck"))
    _check_database()
    poller = get_poller(current_app)
    rows, as_of = poller.api_rows(view.table)
    source = poller.sources.current()
    return json_response({"source": source.kind, "as_of": iso_ms(as_of),
                          "rows": [row_record(r) for r in rows]})


@bp.get("/api/users")
def users() -> Response:
    """Usernames starting with ?prefix= (at most 20), for type-ahead filters."""
    prefix = validate.username(request.args.get("prefix", ""))
    return json_response({"users": get_poller(current_app).sources.current().usernames(prefix)})


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: always 200 while the app runs; the database state, the poller's and the
    build id of the static files (a page reloads when it changes)."""
    poller = get_poller(current_app)
    return json_response({**poller.health(), "statements": db().statements,
                          "poller": poller.status()})
