"""Socket.IO handlers. Their docstrings are the socket contract (also in README).

Client -> server
- ``subscribe`` {"window": 10|30|60, "refresh": 1|3|5|10, "limit": 50|100|200,
  "username": "", "status": ""} (empty string = all; missing keys take the defaults).
  Replaces the client's previous subscription. Ack: {"ok": true, "view": {...}} or
  {"ok": false, "error": "..."}; an invalid payload also gets an ``error`` event and the
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
- ``transactions``: first {"snapshot": [rows], "as_of"}, then only changes
  {"added": [rows], "changed": [rows], "removed": [ids], "as_of"}; nothing when nothing changed.
- ``health``: {"database": "up"|"down"|"demo", "down_since", "error", "lag_s", "viewers"}
  on connect, on every database state change and every few seconds.
- ``error``: {"message": "..."} for a refused event.
- ``admin_progress``: to the socket that started a clear (over this event or over HTTP with
  its sid), after each step: {"job", "mode", "before", "stage": "counting"|"deleting"|"done"|
  "failed", "method": "truncate"|"delete", "total", "deleted", "done", "error", "user",
  "started_at", "seconds"}; the same object as GET /admin/jobs/<id>.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from flask import current_app, request
from flask_socketio import SocketIO, emit

from . import admin, validate
from .poller import get_poller

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
    return {"ok": True, "view": asdict(view)}


def on_disconnect(reason: Any = None) -> None:
    """Forget the client's subscription; the last viewer of a view stops its queries."""
    get_poller(current_app).unsubscribe(request.sid)


def on_admin_clear(payload: Any = None) -> dict[str, Any]:
    """Clear the table for an admin (see module docstring); the ack carries the result."""
    return admin.socket_clear(current_app, request, payload)


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
