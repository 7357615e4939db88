"""What is true about the database right now, and what a driver error means.

Design decisions:
- Four states: *demo* until the first successful contact (with the reason it has not been
  reached), *up*, *down* (cannot connect), and *failing* (connected, but the dashboard's
  statements fail: table missing, privilege revoked...; set and cleared by the poller from
  each tick's outcome). A statement that runs past its time limit is *slow*
  (`DatabaseSlow`), not down: the poller shows it as lag. Each change is logged once, at
  WARNING (INFO for the good news), with its cause.
- Error texts: `error` is the server's own message with the database user and host taken
  out (it reaches every viewer); `detail` keeps them for the admin page. Neither ever holds
  SQL or the password.
- Listeners run on a thread of their own, after the change, outside every lock of the
  caller's: the change may happen deep inside a statement or a probe, under locks a listener
  could need (one that reads the state, a tick waiting on the first probe).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pymysql

from .config import Settings

log = logging.getLogger("livedash.db")


class DatabaseError(RuntimeError):
    """A statement failed; the message is safe to show (no SQL, no password)."""


class ConnectionLost(DatabaseError):
    """The server could not be reached, or the connection broke (the state goes down)."""


class DatabaseDown(ConnectionLost):
    """The database is known to be unreachable; raised without touching the network."""


class DatabaseSlow(DatabaseError):
    """A statement ran past its time limit (the database answers, but too slowly)."""


class DemoMode(DatabaseError):
    """No database connection has been made since start (or demo is forced)."""


@dataclass(frozen=True)
class DbState:
    """A snapshot of the database state for banners, /healthz and the `health` event."""

    mode: str  # "demo" | "up" | "down" | "failing"
    since: datetime | None
    error: str | None  # safe for every viewer: no user, no host
    detail: str | None = None  # the full text, for the admin page

    @property
    def down_since(self) -> datetime | None:
        """When the database went down (None unless down)."""
        return self.since if self.mode == "down" else None

    @property
    def last_error(self) -> str | None:
        """The full error text (admin page, logs)."""
        return self.detail or self.error

    def as_dict(self) -> dict[str, Any]:
        """Public JSON form (no user or host), times in ISO 8601 UTC."""
        since = self.since.isoformat(timespec="seconds") if self.since else None
        down = since if self.mode == "down" else None
        return {"database": self.mode, "since": since, "down_since": down, "error": self.error}


# Server error codes that mean "cannot talk to the database" rather than "bad statement".
_CONNECTION_CODES = {1040, 1042, 1043, 1044, 1045, 1049, 1053, 1077, 1129, 1130, 1152, 1159,
                     1161, 1927, 4031}
# Statement time limits: MySQL 8's MAX_EXECUTION_TIME, MariaDB's max_statement_time.
_TIMEOUT_CODES = {3024, 1969}
_ACCOUNT = re.compile(r"'[^']*'@'[^']*'")


def _code(exc: BaseException) -> int | None:
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def is_timeout(exc: BaseException) -> bool:
    """Whether a driver error is a statement running past its limit (read timeout)."""
    if _code(exc) in _TIMEOUT_CODES:
        return True
    return _code(exc) == 2013 and "timed out" in str(exc)


def is_connection_loss(exc: BaseException) -> bool:
    """Whether a driver error means the server is unreachable (so the state goes down)."""
    if is_timeout(exc):
        return False
    if isinstance(exc, (pymysql.err.InterfaceError, OSError)):
        return True
    if isinstance(exc, pymysql.err.OperationalError) and exc.args:
        code = exc.args[0]
        return not isinstance(code, int) or code >= 2000 or code in _CONNECTION_CODES
    return False


def describe(exc: BaseException) -> str:
    """A one-line, password-free description of a driver error."""
    if isinstance(exc, pymysql.err.MySQLError) and exc.args:
        code = exc.args[0]
        text = str(exc.args[1]) if len(exc.args) > 1 else ""
        if not code and not text:
            return "connection to the database was lost"
        return f"MySQL error {code}: {text}".strip()
    return str(exc) or type(exc).__name__


def public_text(text: str | None, settings: Settings) -> str | None:
    """An error text without the database user and host (for every viewer)."""
    if text is None:
        return None
    text = _ACCOUNT.sub("the configured user", text)
    for secret in {settings.mysql_user, settings.mysql_host} - {""}:
        text = re.sub(rf"(?<![\w.-]){re.escape(secret)}(?![\w.-])", "…", text)
    return text


class DbStatus:
    """The state machine; the `Database` moves it, everybody else reads `snapshot()`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.forced_demo = settings.demo
        self.lock = threading.Lock()
        self.ever_up = False
        self.down = False
        self.last_error: str | None = None
        self._since: datetime | None = None
        self._failing: tuple[str, str] | None = None  # (public, detail) while failing
        self._listeners: list[Callable[[DbState], None]] = []

    def where(self) -> str:
        """Which server, port, database and user the app talks to (log lines, admin page)."""
        s = self.settings
        return f"{s.mysql_host}:{s.mysql_port}, database {s.mysql_database}, user {s.mysql_user}"

    def snapshot(self) -> DbState:
        """The state now."""
        with self.lock:
            if self.forced_demo:
                return DbState("demo", None, "demo mode is forced (LIVEDASH_DEMO)")
            if not self.ever_up:
                return DbState("demo", None, self._public(self.last_error), self.last_error)
            if self.down:
                return DbState("down", self._since, self._public(self.last_error),
                               self.last_error)
            if self._failing:
                return DbState("failing", self._since, *self._failing)
            return DbState("up", self._since, None)

    def _public(self, text: str | None) -> str | None:
        return public_text(text, self.settings)

    def on_change(self, callback: Callable[[DbState], None]) -> None:
        """Register a callback run (on its own thread) whenever the state changes."""
        self._listeners.append(callback)

    def _changed(self, message: str, *args: Any, level: int = logging.WARNING) -> None:
        """Log a state change once and tell the listeners (see the module docstring)."""
        log.log(level, message, *args)
        state = self.snapshot()
        if self._listeners:
            threading.Thread(target=self._tell, args=(state,), name="livedash-db-state",
                             daemon=True).start()

    def _tell(self, state: DbState) -> None:
        for callback in list(self._listeners):
            try:
                callback(state)
            except Exception:  # a listener must never break the data path
                log.exception("database state listener failed")

    def mark_up(self) -> bool:
        """A statement succeeded: the database is reachable. True when that is news."""
        with self.lock:
            changed = not self.ever_up or self.down
            if changed:
                self._since = datetime.now(timezone.utc)
            self.ever_up, self.down, self.last_error = True, False, None
        if changed:
            self._changed("database is up (%s)", self.where(), level=logging.INFO)
        return changed

    def mark_unreachable(self, message: str) -> None:
        """A connection could not be made or was lost: down (or still demo)."""
        with self.lock:
            changed = self.ever_up and not self.down
            if changed:
                self.down, self._since = True, datetime.now(timezone.utc)
            self.last_error = message
        if changed:
            self._changed("database is down: %s", message)

    def mark_failing(self, detail: str) -> None:
        """The dashboard's statements fail although the server answers."""
        with self.lock:
            if not self.ever_up or self.down or (self._failing and self._failing[1] == detail):
                return
            if self._failing is None:
                self._since = datetime.now(timezone.utc)
            self._failing = (self._public(detail) or detail, detail)
        self._changed("database statements are failing: %s", detail)

    def mark_working(self) -> None:
        """The dashboard's statements work again."""
        with self.lock:
            if self._failing is None:
                return
            self._failing, self._since = None, datetime.now(timezone.utc)
        self._changed("database statements work again (%s)", self.where(), level=logging.INFO)
