"""HTTP helpers shared by the blueprints: JSON responses and error mapping."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from .db import Database, get_db


def db() -> Database:
    """The current app's database."""
    return get_db(current_app)


def json_response(payload: Any, status: int = 200) -> Response:
    """A JSON response that no cache keeps (live figures go stale in seconds)."""
    response = jsonify(payload)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def json_error(message: str, status: int, **extra: Any) -> Response:
    """The API's error shape: {"error": "<what is wrong>", ...}."""
    return json_response({"error": message, **extra}, status)
