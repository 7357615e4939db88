"""Socket.IO handlers. Their docstrings are the socket contract (also in README).

Client -> server
- ``subscribe`` {"window": 10|30|60, "refresh": 1|3|5|10, "limit": 50|100|200,
  "username": "", "status": "" | "COMPLETE" | "TIMEOUT,EP_UNAVAILABLE" | "failures",
  "ingress_server": "", "egress_server": "", "q": "", "stuck": false} (empty string = all;
  missing keys take the defaults; README lists what each filter does). Replaces the client's
  previous subscription. Ack: {"ok": true, "view": {...canonical values..., "key": "<room>"}}
  or {"ok": false, "error": "..."}; an invalid payload also gets an ``error`` event and the
  previous subscription stays as it was.
- ``admin_clear`` {"mode": "all"|"older_than", "before": "2026-01-31T00:00" (older_than only,
  database clock, no zone), "confirm": "transactions", "csrf_token": "<the /admin page's>"}:
  delete every row, or the rows with ingress_time < before. Refused (ack {"ok": false,
  "error": "...", "status": 400|403|409|503}, data untouched) when LIVEDASH_ADMIN=off, when
  the socket's handshake came from another origin or without the session of an /admin page
  whose CSRF token the payload carries, in demo mode, while the database is down or another
  clear runs, or without the exact confirmation. Otherwise ``admin_progress`` events follow
  and the ack arrives when the clear has ended: {"ok": true, "job": {...}}, or {"ok": false,
  "error": "...", "job": {...}} when it failed mid-way (``job.deleted`` says how far it got).

Server -> client
- ``stats``: the /api/stats payload, every tick of the client's refresh tier.
- ``transactions``: first {"view": key, "snapshot": [rows], "as_of"}, then only changes
  {"view": key, "added": [rows], "changed": [rows], "removed": [ids], "as_of"}; nothing when
  nothing changed. ``view`` is the room key of the subscribe ack: a client drops messages of
  another view (one still in flight from before a new subscribe).
- ``health``: {"database": "up"|"down"|"failing"|"demo", "since", "down_since", "error",
  "lag_s", "overdue_s", "slow", "view_errors", "viewers", "build", "queue"} on connect, on
  every database state change, every second while a tick is overdue, and every 5 s.
- ``error``: {"message": "..."} for a refused event.
- ``admin_progress``: to the socket that started a clear (over this event or over HTTP with
  its sid), after each step: {"job", "mode", "before", "stage": "counting"|"deleting"|"done"|
  "failed", "method": "truncate"|"delete", "total", "deleted", "remaining", "done", "error",
  "user", "started_at", "seconds"}; the same object as GET /admin/jobs/<id>. After a failure
  `remaining` is the count of target rows left (null when it could not be counted) and
  `deleted` what that count proves.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import current_app, request
from flask_socketio import SocketIO, emit
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from . import admin, validate
from .clearing import Job, Notify
from .db import DatabaseError
from .poller import NAMESPACE, get_poller
from .registry import view_room

log = logging.getLogger(__name__)


def on_connect(auth: Any = None) -> None:
    """Tell a new client the database state straight away."""
    emit("health", get_poller(current_app).health())


def on_subscribe(payload: Any = None) -> dict[str, Any]:
    """Validate the view and move the client to its room (see module docstring)."""
    try:
        view = validate.view(payload if payload is not None else {})
    except validate.ValidationError as exc:
        emit("error", {"message": str(exc)})
        return {"ok": False, "error": str(exc)}
    get_poller(current_app).subscribe(request.sid, view)
    return {"ok": True, "view": {**view.values(), "key": view_room(view)}}


def on_disconnect(reason: Any = None) -> None:
    """Forget the client's subscription; the last viewer of a view stops its queries."""
    get_poller(current_app).unsubscribe(request.sid)


def on_admin_clear(payload: Any = None) -> dict[str, Any]:
    """Clear the table for an admin (see module docstring); the ack carries the result:
    refusals ack at once, otherwise the ack waits for the job to end."""
    app = current_app._get_current_object()
    who = admin.requester(request.headers, request.remote_addr, app.config["LIVEDASH"])
    try:
        job = admin.start_clear(app, payload, who, progress_to(request.sid),
                                origin=(request.headers.get("Origin"), request.host),
                                check_token=_check_admin_token)
    except admin.Refused as exc:
        return {"ok": False, "error": str(exc), "status": exc.status}
    except DatabaseError as exc:
        return {"ok": False, "error": f"The database is unavailable: {exc}", "status": 503}
    return _job_result(job)


def _check_admin_token(data: Any) -> None:
    """Refuse (403) a socket clear without the CSRF token of this session's /admin page: the
    dashboard's socket endpoint is open to every wall screen, the token ties a clear to a
    session that could load /admin."""
    token = data.get("csrf_token") if isinstance(data, Mapping) else None
    try:
        validate_csrf(token if isinstance(token, str) else None)
    except ValidationError as exc:
        raise admin.Refused(f"{exc} Admin events need the csrf_token of the /admin page (its "
                            "csrf-token meta tag), sent from the session that loaded it.",
                            403) from None


def _job_result(job: Job) -> dict[str, Any]:
    """The ack of a clear that ran: wait for its end, then its outcome."""
    job.finished.wait()
    result: dict[str, Any] = {"ok": job.error is None, "job": job.as_dict()}
    return {**result, "error": job.error} if job.error else result


def progress_to(sid: Any) -> Notify:
    """A clear's progress callback emitting `admin_progress` to one socket (no-op without
    one); the HTTP clear uses it too, with the page's socket id."""
    socketio = current_app.extensions["socketio"]

    def notify(job: Job) -> None:
        if not isinstance(sid, str) or not sid or len(sid) > 64:
            return
        try:
            socketio.emit("admin_progress", job.as_dict(), to=sid, namespace=NAMESPACE)
        except Exception:  # a lost socket must never stop a clear
            log.debug("admin_progress emit failed", exc_info=True)

    return notify


def on_error(exc: Exception) -> None:
    """A handler failed: log it, answer with a message, never a traceback."""
    log.exception("socket handler failed", exc_info=exc)
    emit("error", {"message": "internal error; the server log has details"})


def init_app(socketio: SocketIO) -> None:
    """Register the handlers on the default namespace."""
    socketio.on_event("connect", on_connect)
    socketio.on_event("subscribe", on_subscribe)
    socketio.on_event("disconnect", on_disconnect)
    socketio.on_event("admin_clear", on_admin_clear)
    socketio.on_error_default(on_error)
