"""Database access: pooled PyMySQL connections, one funnel for every statement, and the
database's state (demo, up, down since T) that the UI and API report.

Design decisions:
- DBUtils' PooledDB with ``mincached=0`` so building the pool opens nothing: the app starts
  (in demo mode) with the database unreachable.
- Three pools: ``live`` with a short read timeout for dashboard queries (a hung query must not
  freeze a poller thread), ``report`` with a long one for report downloads and ``admin`` with
  a long one for the admin page and clears, so downloads can never take the connections an
  admin needs to see and clear the table.
- Every connection is autocommit: a long-lived pooled connection inside an open REPEATABLE
  READ transaction would keep seeing the same snapshot and the dashboard would freeze.
- State machine: *demo* until the first successful connection, then *up*; a failed statement
  moves to *down* (a circuit breaker: further statements fail fast with `DatabaseDown`
  instead of each waiting for a timeout) and a background probe brings it back to *up*.
  Once live the app never returns to demo rows: fake figures on a NOC screen would mislead.
- `statements` counts every statement sent, so tests and benchmarks can prove sharing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pymysql
import pymysql.cursors
from dbutils.pooled_db import PooledDB
from flask import Flask

from .config import Settings

log = logging.getLogger(__name__)

Row = tuple[Any, ...]

PROBE_BACKOFF_START = 1.0
PROBE_BACKOFF_CAP_DEMO = 30.0
PROBE_BACKOFF_CAP_DOWN = 2.0


class DatabaseError(RuntimeError):
    """A statement failed; the message is safe to show (no SQL, no password)."""


class DatabaseDown(DatabaseError):
    """The database is known to be unreachable; raised without touching the network."""


class DemoMode(DatabaseError):
    """No database connection has been made since start (or demo is forced)."""


@dataclass(frozen=True)
class DbState:
    """A snapshot of the database state for banners, /healthz and the `health` event."""

    mode: str  # "demo" | "up" | "down"
    down_since: datetime | None
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON form, times in ISO 8601 UTC."""
        since = self.down_since.isoformat(timespec="seconds") if self.down_since else None
        return {"database": self.mode, "down_since": since, "error": self.last_error}


# Server error codes that mean "cannot talk to the database" rather than "bad statement".
_CONNECTION_CODES = {1040, 1042, 1043, 1044, 1045, 1049, 1053, 1077, 1129, 1130, 1152, 1159,
                     1161, 1927, 4031}


def _is_connection_loss(exc: BaseException) -> bool:
    """Whether a driver error means the server is unreachable (so the state goes down)."""
    if isinstance(exc, (pymysql.err.InterfaceError, OSError)):
        return True
    if isinstance(exc, pymysql.err.OperationalError) and exc.args:
        code = exc.args[0]
        return not isinstance(code, int) or code >= 2000 or code in _CONNECTION_CODES
    return False


def _describe(exc: BaseException) -> str:
    """A one-line, password-free description of a driver error."""
    if isinstance(exc, pymysql.err.MySQLError) and exc.args:
        code = exc.args[0]
        text = str(exc.args[1]) if len(exc.args) > 1 else ""
        if not code and not text:
            return "connection to the database was lost"
        return f"MySQL error {code}: {text}".strip()
    return type(exc).__name__


class Database:
    """Connection pools plus the demo/up/down state machine."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.forced_demo = settings.demo
        self._lock = threading.Lock()
        self._ever_up = False
        self._down_since: datetime | None = None
        self._last_error: str | None = None
        self._probe_due = 0.0
        self._backoff = PROBE_BACKOFF_START
        self._probing = False
        self._first_probe = threading.RLock()
        self._first_probe_started = self._first_probe_done = settings.demo
        self.statements = 0
        self._listeners: list[Callable[[DbState], None]] = []
        self._pools = {
            "live": self._make_pool(settings.read_timeout),
            # A report streams from an unbuffered cursor: the server must wait for a slow
            # client (net_write_timeout defaults to 60 s) as long as we wait for the server.
            "report": self._make_pool(settings.report_read_timeout, [
                f"SET SESSION net_write_timeout = {int(settings.report_read_timeout)}"]),
            "admin": self._make_pool(settings.report_read_timeout),
        }

    def _make_pool(self, read_timeout: float, setsession: list[str] | None = None) -> PooledDB:
        """A lazy pool: no connection is opened until a statement needs one."""
        s = self.settings
        return PooledDB(
            creator=pymysql,
            mincached=0,
            maxcached=s.pool_size,
            maxconnections=s.pool_size * 2,
            blocking=True,
            ping=1,
            setsession=setsession,
            host=s.mysql_host,
            port=s.mysql_port,
            user=s.mysql_user,
            password=s.mysql_password,
            database=s.mysql_database,
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=s.connect_timeout,
            read_timeout=read_timeout,
            write_timeout=read_timeout,
        )

    # -- state -------------------------------------------------------------------------

    def state(self) -> DbState:
        """Current mode; also schedules a background probe when one is due.

        The very first call tries the database once, synchronously (bounded by the connect
        timeout), so a process that just started answers live data when it can."""
        if not self._first_probe_done:
            with self._first_probe:  # re-entrant: the probe's listeners ask for the state
                if not self._first_probe_started:
                    self._first_probe_started = True
                    self.probe()
                self._first_probe_done = True
        self.probe_if_due()
        with self._lock:
            if self.forced_demo or not self._ever_up:
                return DbState("demo", None, self._last_error)
            if self._down_since is not None:
                return DbState("down", self._down_since, self._last_error)
            return DbState("up", None, None)

    @property
    def is_demo(self) -> bool:
        """True while demo rows stand in for the database."""
        return self.state().mode == "demo"

    def is_up(self) -> bool:
        """True when the last contact with the database succeeded."""
        return self.state().mode == "up"

    def on_change(self, callback: Callable[[DbState], None]) -> None:
        """Register a callback run (outside the lock) whenever the mode changes."""
        self._listeners.append(callback)

    def _notify(self) -> None:
        state = self.state()
        for callback in list(self._listeners):
            try:
                callback(state)
            except Exception:  # a listener must never break the data path
                log.exception("database state listener failed")

    def _mark_up(self) -> None:
        with self._lock:
            changed = not self._ever_up or self._down_since is not None
            self._ever_up = True
            self._down_since = None
            self._last_error = None
            self._backoff = PROBE_BACKOFF_START
        if changed:
            log.info("database is up (%s:%s/%s)", self.settings.mysql_host,
                     self.settings.mysql_port, self.settings.mysql_database)
            self._notify()

    def _mark_failed(self, exc: BaseException) -> None:
        message = _describe(exc)
        with self._lock:
            changed = self._ever_up and self._down_since is None
            if self._ever_up and self._down_since is None:
                self._down_since = datetime.now(timezone.utc)
            self._last_error = message
            self._probe_due = time.monotonic() + self._backoff
        if changed:
            log.warning("database is down: %s", message)
            self._notify()

    def probe_if_due(self) -> None:
        """While in demo or down mode, start one background connection attempt when due."""
        if self.forced_demo:
            return
        with self._lock:
            waiting = not self._ever_up or self._down_since is not None
            if not waiting or self._probing or time.monotonic() < self._probe_due:
                return
            self._probing = True
        threading.Thread(target=self._probe, name="livedash-db-probe", daemon=True).start()

    def probe(self) -> bool:
        """One synchronous connection attempt; returns whether the database answered."""
        try:
            with self._pools["live"].connection() as conn, conn.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchall()
        except Exception as exc:  # any failure to reach the server means "not up"
            with self._lock:
                cap = PROBE_BACKOFF_CAP_DOWN if self._ever_up else PROBE_BACKOFF_CAP_DEMO
                self._backoff = min(self._backoff * 2, cap)
            self._mark_failed(exc)
            return False
        self._mark_up()
        return True

    def _probe(self) -> None:
        try:
            self.probe()
        finally:
            with self._lock:
                self._probing = False

    def _gate(self) -> None:
        """Refuse fast while in demo or down mode, so no caller waits on a dead server."""
        mode = self.state().mode
        if mode == "demo":
            raise DemoMode("demo mode: no database connection has been made yet")
        if mode == "down":
            since = self._down_since.isoformat(timespec="seconds") if self._down_since else "?"
            raise DatabaseDown(f"database unavailable since {since}: {self._last_error}")

    # -- the funnel ----------------------------------------------------------------------

    @contextmanager
    def _cursor(self, pool: str, cursor_class: type | None = None) -> Iterator[Any]:
        """A cursor on a pooled connection; driver errors become `DatabaseError`."""
        self._gate()
        try:
            conn = self._pools[pool].connection()
        except Exception as exc:
            self._mark_failed(exc)
            raise DatabaseError(_describe(exc)) from exc
        try:
            cur = conn.cursor(cursor_class) if cursor_class else conn.cursor()
            try:
                yield cur
            finally:
                cur.close()
        except (pymysql.err.MySQLError, OSError) as exc:
            if _is_connection_loss(exc):
                self._mark_failed(exc)
            raise DatabaseError(_describe(exc)) from exc
        finally:
            _close_quietly(conn)

    def run(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None,
            pool: str = "live") -> list[Row]:
        """Execute one statement and return all rows (the only path for buffered reads)."""
        if pool == "live":
            sql = self._time_limited(sql)
        with self._cursor(pool) as cur:
            self.statements += 1
            cur.execute(sql, params)
            rows = list(cur.fetchall())
        self._mark_up()
        return rows

    def _time_limited(self, sql: str) -> str:
        """Ask MySQL 8 to stop a dashboard SELECT at the read timeout, so an abandoned query
        does not keep running on the server (MariaDB reads the hint as a comment)."""
        if not sql.startswith("SELECT "):
            return sql
        limit_ms = int(self.settings.read_timeout * 1000)
        return f"SELECT /*+ MAX_EXECUTION_TIME({limit_ms}) */ {sql[7:]}"

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None,
                pool: str = "admin") -> int:
        """Execute one write statement and return the affected row count."""
        with self._cursor(pool) as cur:
            self.statements += 1
            affected = cur.execute(sql, params)
        self._mark_up()
        return int(affected)

    def stream(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None,
               batch: int = 2000) -> Iterator[list[Row]]:
        """Yield rows in batches from an unbuffered server-side cursor (reports)."""
        with self._cursor("report", pymysql.cursors.SSCursor) as cur:
            self.statements += 1
            cur.execute(sql, params)
            self._mark_up()
            try:
                while chunk := cur.fetchmany(batch):
                    yield list(chunk)
            except BaseException:  # closed early (client gone) or the connection failed
                _abandon(cur)
                raise

    def close(self) -> None:
        """Close every pooled connection (tests, shutdown)."""
        for pool in self._pools.values():
            pool.close()


def _abandon(cur: Any) -> None:
    """Drop the connection of an unfinished unbuffered result. Closing the cursor normally
    makes PyMySQL read the rest of the result (a million rows for an abandoned download) and,
    after a lost connection, leaves objects that raise in __del__. The pool reconnects."""
    raw = getattr(cur, "_cursor", cur)  # DBUtils wraps the driver's cursor
    result = getattr(raw, "_result", None)
    if result is not None:
        result.unbuffered_active = False
    connection = getattr(raw, "connection", None)
    if connection is not None:
        connection._force_close()


def _close_quietly(conn: Any) -> None:
    """Return a connection to the pool; a broken one is simply dropped."""
    try:
        conn.close()
    except Exception:
        log.debug("closing a broken connection failed", exc_info=True)


def init_app(app: Flask, settings: Settings) -> Database:
    """Attach a `Database` to the app; nothing is connected yet."""
    database = Database(settings)
    app.extensions["livedash.db"] = database
    return database


def get_db(app: Flask) -> Database:
    """The app's `Database`."""
    return app.extensions["livedash.db"]
