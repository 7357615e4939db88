"""livedash: a realtime dashboard over the `transactions` table of a file-transfer pipeline.

`create_app()` builds the Flask app; `socketio` is the one Socket.IO server it serves.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from . import assets, events, logs, metrics, poller, proxies
from . import db as db_module
from .clearing import Clearer
from .cluster import make_cluster
from .config import Settings, load_settings
from .http import json_error
from .views import admin as admin_page
from .views import api as api_routes
from .views import dashboard as dashboard_page
from .views import reports as reports_page

socketio = SocketIO()
csrf = CSRFProtect()

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, test_config: dict[str, Any] | None = None
               ) -> Flask:
    """Build the app from settings (default: .env + environment)."""
    settings = settings or load_settings()
    app = Flask(__name__, static_folder=None)  # livedash/assets.py serves static/
    assets.init_app(app)
    app.config.update(SECRET_KEY=settings.secret_key, LIVEDASH=settings,
                      WTF_CSRF_TIME_LIMIT=None, MAX_CONTENT_LENGTH=1_000_000,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True)
    app.session_interface = ProxyAwareSessions()
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.update(test_config or {})
    logging.getLogger("livedash").setLevel(settings.log_level.upper())
    logs.limit_repeats()
    csrf.init_app(app)
    socketio.init_app(app, async_mode="threading",
                      message_queue=settings.message_queue or None,
                      channel=f"livedash:{settings.mysql_database}",
                      max_http_buffer_size=100_000, logger=False, engineio_logger=False)
    database = db_module.init_app(app, settings)
    poller.init_app(app, socketio, database, make_cluster(settings), assets.build_id(app))
    app.extensions["livedash.clearer"] = Clearer(
        database, socketio.start_background_task, lambda: poller.get_poller(app).reset(),
        socketio.sleep)
    events.init_app(socketio)
    _register_blueprints(app)
    _register_errors(app)
    app.after_request(_security_headers)
    app.context_processor(lambda: {"settings": settings, "db_state": database.state(),
                                   "nav_links": _nav_links(app, settings)})
    return app


# Every blueprint, with its menu entry (endpoint, label, icon) when it has a page of its own.
BLUEPRINTS = ((dashboard_page.bp, ("dashboard.index", "Dashboard", "layout-dashboard")),
              (reports_page.bp, ("reports.form", "Reports", "file-text")),
              (admin_page.bp, ("admin.index", "Admin", "settings")),
              (api_routes.bp, None),
              (metrics.bp, None))


def _nav_links(app: Flask, settings: Settings) -> list[tuple[str, str, str]]:
    """Menu entries for the pages this app has (admin hidden with LIVEDASH_ADMIN=off)."""
    return [link for _, link in BLUEPRINTS if link is not None
            and (settings.admin or not link[0].startswith("admin."))]


def _register_blueprints(app: Flask) -> None:
    """Register each blueprint of BLUEPRINTS (one per file in livedash/views/)."""
    for blueprint, _ in BLUEPRINTS:
        app.register_blueprint(blueprint)


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz")) or request.accept_mimetypes.best == (
        "application/json")


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> tuple[str, int] | Response:
        message = "The form expired or did not come from this site; reload the page and retry."
        if _wants_json():
            return json_error(message, 400)
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[str, int] | Response:
        code = exc.code or 500
        if _wants_json():
            return json_error(exc.description or exc.name, code)
        return render_template("error.html", code=code, message=exc.description), code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[str, int] | Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        message = "Internal error; the server log has the details."
        if _wants_json():
            return json_error(message, 500)
        return render_template("error.html", code=500, message=message), 500


class ProxyAwareSessions(SecureCookieSessionInterface):
    """The session cookie (it carries the CSRF secret): SameSite=Lax always, Secure when the
    browser's connection is https: the request's own scheme, or the X-Forwarded-Proto of a
    trusted proxy (LIVEDASH_TRUSTED_PROXIES), never the header of anybody else."""

    def get_cookie_secure(self, app: Flask) -> bool:
        settings: Settings = app.config["LIVEDASH"]
        return bool(app.config["SESSION_COOKIE_SECURE"]) or proxies.is_https(
            request.headers, request.remote_addr, settings.trusted_proxies, request.scheme)


def _security_headers(response: Response) -> Response:
    """Strict CSP (no inline anything), nosniff, referrer policy, configurable framing.

    A response that already carries its own CSP keeps it: the standalone HTML report sets a
    stricter one (default-src 'none') that admits only its inline style block, by hash. A
    view may admit one more style source by hash (`g.csp_style`): the reports form opens the
    HTML report it fetched as a blob, which inherits the form's policy.
    """
    settings: Settings = current_app.config["LIVEDASH"]
    host = request.host
    style = " ".join(("'self'", g.get("csp_style", ""))).strip()
    response.headers.setdefault("Content-Security-Policy", (
        f"default-src 'self'; script-src 'self'; style-src {style}; img-src 'self' data:; "
        f"font-src 'self'; connect-src 'self' ws://{host} wss://{host}; object-src 'none'; "
        f"base-uri 'self'; form-action 'self'; frame-ancestors {settings.frame_ancestors}"
    ))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store" if response.mimetype.startswith(
        ("application/json", "text/html")) else "public, max-age=3600")
    return response
