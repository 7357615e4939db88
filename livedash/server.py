"""Serving: gunicorn with one gthread worker, a bound on slow request heads, a clean exit.

Design decisions:
- One worker process, many threads (gunicorn's gthread worker): Flask-SocketIO's documented
  production setup in threading mode. Every open dashboard holds a thread for its websocket,
  so LIVEDASH_THREADS caps concurrent viewers.
- gthread gives each connection a thread while it reads the request head, so a client that
  sends half a head and stalls (slowloris) holds a thread for as long as it likes: enough of
  them and /healthz waits behind them. `HeadDeadlineWorker` closes a connection whose head
  (request line and headers) is not complete LIVEDASH_HEAD_TIMEOUT seconds after a thread
  took it up; a watchdog thread shuts the socket down, so the blocked read ends at once and
  gunicorn drops the connection as a client that went away. Bodies and websockets, read after
  the head, have no such limit. A client re-opening connections as fast as they are cut can
  still keep threads busy: the production setting is a reverse proxy (nginx) that reads
  every head before it opens a connection to the app (README, "Serving and capacity").
- On a clean stop (SIGTERM, Ctrl-C) the worker's exit hook gives up the Redis poller lease,
  so another process takes over polling at once instead of after the lease runs out.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from . import logs
from .config import Settings

log = logging.getLogger(__name__)

# gunicorn's gthread worker accepts at most `worker_connections` sockets (default 1000) and keeps
# worker_connections - threads of them idle in keep-alive. Every websocket holds a thread, so
# connections beyond the threads are idle HTTP keep-alives: allow that many again, or a
# LIVEDASH_THREADS above 1000 could never be used and /healthz would wait behind the viewers.
KEEPALIVE_HEADROOM = 2
WATCH_EVERY_S = 0.25


class HeadDeadlineWorker(ThreadWorker):  # type: ignore[misc]
    """gthread, closing connections that take longer than `head_timeout` to send a head."""

    head_timeout = 10.0

    def init_process(self) -> None:
        """Start the watchdog, then gunicorn's loop (which never returns while serving)."""
        self._heads: dict[int, tuple[float, Any]] = {}
        self._heads_lock = threading.Lock()
        threading.Thread(target=self._watch, name="livedash-head-deadline", daemon=True).start()
        super().init_process()

    def handle(self, conn: Any) -> Any:
        """Read a request on a thread, under the head deadline until its head is parsed."""
        with self._heads_lock:
            self._heads[id(conn)] = (time.monotonic() + self.head_timeout, conn)
        try:
            return super().handle(conn)
        finally:
            self._head_read(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        """The head is in: lift the deadline before the app runs (bodies, websockets)."""
        self._head_read(conn)
        return super().handle_request(req, conn)

    def _head_read(self, conn: Any) -> None:
        with self._heads_lock:
            self._heads.pop(id(conn), None)

    def _watch(self) -> None:
        """Shut down every connection past its head deadline (its thread's read then ends)."""
        while True:
            time.sleep(WATCH_EVERY_S)
            now = time.monotonic()
            with self._heads_lock:
                late = [key for key, (due, _) in self._heads.items() if due <= now]
                conns = [self._heads.pop(key)[1] for key in late]
            for conn in conns:
                _cut(conn, self.head_timeout)


def _cut(conn: Any, timeout: float) -> None:
    """End a connection that did not send its request head in time."""
    log.info("closed a connection from %s: no complete request head within %g s",
             conn.client[0] if isinstance(conn.client, tuple) else conn.client, timeout)
    with contextlib.suppress(OSError):  # already gone
        conn.sock.shutdown(socket.SHUT_RDWR)


def _release_lease(server: Any, worker: Any) -> None:
    """gunicorn's worker_exit hook: give up the poller lease (clean shutdown)."""
    from .poller import get_poller

    app = getattr(worker, "wsgi", None)
    try:
        if app is not None and "livedash.poller" in getattr(app, "extensions", {}):
            cluster = get_poller(app).cluster
            cluster.release()
            if cluster.distributed:
                log.info("gave up the poller lease and this process's views (clean stop)")
    except Exception:  # the process is leaving anyway; another one takes over at expiry
        log.warning("could not release the poller lease on exit", exc_info=True)


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """One worker (Flask-SocketIO's threading-mode setup) sized by LIVEDASH_THREADS."""
    worker = type("Worker", (HeadDeadlineWorker,), {"head_timeout": settings.head_timeout})
    options: dict[str, Any] = {
        "bind": f"{settings.host}:{settings.port}", "workers": 1, "worker_class": worker,
        "threads": settings.threads,
        "worker_connections": settings.threads * KEEPALIVE_HEADROOM, "timeout": 60,
        "graceful_timeout": 5, "loglevel": settings.log_level, "errorlog": "-",
        "accesslog": None, "worker_exit": _release_lease}
    logconfig = logs.gunicorn_logconfig(settings.log_format)
    if logconfig is not None:
        options["logconfig_dict"] = logconfig
    return options


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn running `create_app(settings)` with `gunicorn_options(settings)`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        options = gunicorn_options(self.settings)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 24
            options["control_socket_disable"] = True  # one shared path per user clashes
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from . import create_app

        return create_app(self.settings)


def serve(settings: Settings) -> None:
    """Serve until stopped."""
    log.info("serving on http://%s:%s/ (%s threads)", settings.host, settings.port,
             settings.threads)
    Server(settings).run()
