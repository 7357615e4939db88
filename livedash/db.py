"""Database access: pooled PyMySQL connections, one funnel for every statement, consistent
snapshots for the live path, and the database's state that the UI and API report.

Design decisions:
- DBUtils' PooledDB with ``mincached=0`` so building the pool opens nothing: the app starts
  (in demo mode) with the database unreachable.
- Three pools: ``live`` with a short read timeout for dashboard queries (a hung query must not
  freeze the poller), ``report`` with a long one for report downloads and ``admin`` with a
  long one for the admin page and clears, so downloads can never take the connections an
  admin needs to see and clear the table.
- Every connection is autocommit: a long-lived pooled connection inside an open REPEATABLE
  READ transaction would keep seeing the same snapshot and the dashboard would freeze. The
  live path's tick is the one exception, on purpose and bounded: `snapshot()` holds one
  connection in one read-only transaction WITH CONSISTENT SNAPSHOT for the few statements of
  a tick, so they all see the same database state (feed.py relies on it), then commits.
- The state (dbstate.py: demo, up, down, failing) moves with every statement: a lost
  connection marks it down and a circuit breaker makes further statements fail fast with
  `DatabaseDown` while a background probe waits for the server; the first request after a
  quiet outage probes on demand. Once live the app never returns to demo rows: fake figures
  on a NOC screen would mislead.
- `statements` counts every statement sent, so tests and benchmarks can prove sharing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pymysql
import pymysql.cursors
from dbutils.pooled_db import PooledDB
from flask import Flask
from pymysql import converters
from pymysql.constants import FIELD_TYPE

from .config import Settings
from .dbstate import (
    ConnectionLost,
    DatabaseDown,
    DatabaseError,
    DatabaseSlow,
    DbState,
    DbStatus,
    DemoMode,
    describe,
    is_connection_loss,
    is_timeout,
)
from .schema import TABLE

log = logging.getLogger(__name__)

Row = tuple[Any, ...]
Params = Sequence[Any] | dict[str, Any] | None

PROBE_BACKOFF_START = 1.0
PROBE_BACKOFF_CAP_DEMO = 30.0
PROBE_BACKOFF_CAP_DOWN = 2.0
PROBE_ON_DEMAND_AFTER_S = 1.0


def _datetime(text: str) -> datetime | str:
    """A DATETIME value through the C parser: PyMySQL's own is a regular expression, and at
    1000 transfers/s parsing the two times of every row read was a tenth of a live tick.
    What fromisoformat refuses (a zero date, a fraction of other than 3 or 6 digits on
    Python 3.10) goes PyMySQL's way, so the result is always what PyMySQL gives."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return converters.convert_datetime(text)


CONVERSIONS = {**converters.conversions, FIELD_TYPE.DATETIME: _datetime,
               FIELD_TYPE.TIMESTAMP: _datetime}


class Session:
    """Statements on one held connection (a snapshot, or a pooled statement's cursor)."""

    def __init__(self, db: Database, conn: Any, pool: str) -> None:
        self.db, self.settings, self._conn, self._pool = db, db.settings, conn, pool

    def run(self, sql: str, params: Params = None, pool: str | None = None) -> list[Row]:
        """Execute one statement on this connection and return all rows."""
        if self._pool == "live":
            sql = self.db.time_limited(sql)
        with self.db.translated(self._pool):
            cur = self._conn.cursor()
            try:
                self.db.statements += 1
                cur.execute(sql, params)
                return list(cur.fetchall())
            finally:
                cur.close()


class Database:
    """Connection pools plus the demo/up/down/failing state machine."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.forced_demo = settings.demo
        self.status = DbStatus(settings)
        self._lock = threading.Lock()
        self._probe_due = 0.0
        self._last_probe = 0.0
        self._backoff = PROBE_BACKOFF_START
        self._probing = False
        self._first_probe = threading.Lock()
        self._first_probe_done = settings.demo
        self.statements = 0
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
            creator=pymysql, mincached=0, maxcached=s.pool_size, maxconnections=s.pool_size * 2,
            blocking=True, ping=1, setsession=setsession, host=s.mysql_host, port=s.mysql_port,
            user=s.mysql_user, password=s.mysql_password, database=s.mysql_database,
            charset="utf8mb4", autocommit=True, connect_timeout=s.connect_timeout,
            conv=CONVERSIONS,
            read_timeout=read_timeout, write_timeout=read_timeout)

    # -- state -------------------------------------------------------------------------

    def state(self) -> DbState:
        """Current state; also schedules a background probe when one is due.

        The very first call tries the database once, synchronously (bounded by the connect
        timeout), so a process that just started answers live data when it can."""
        self._ensure_first_probe()
        self.probe_if_due()
        return self.status.snapshot()

    def where(self) -> str:
        """Which server, port, database and user the app talks to (log lines, admin page)."""
        return self.status.where()

    def _ensure_first_probe(self) -> None:
        if self._first_probe_done:
            return
        with self._first_probe:
            if not self._first_probe_done:
                log.info("connecting to MySQL at %s", self.where())
                if not self.probe():
                    log.warning("no database yet (%s): serving demo data until it answers",
                                self.status.last_error)

    @property
    def is_demo(self) -> bool:
        """True while demo rows stand in for the database."""
        return self.state().mode == "demo"

    def on_change(self, callback: Callable[[DbState], None]) -> None:
        """Register a callback run (on its own thread) whenever the state changes."""
        self.status.on_change(callback)

    def mark_up(self) -> None:
        """A statement succeeded: the database is reachable."""
        if self.status.mark_up() or self._backoff != PROBE_BACKOFF_START:
            self._backoff = PROBE_BACKOFF_START

    def mark_unreachable(self, exc: BaseException) -> None:
        """A connection could not be made or was lost: down (or still demo)."""
        self.status.mark_unreachable(describe(exc))
        self._probe_due = time.monotonic() + self._backoff

    def mark_failing(self, cause: BaseException | str) -> None:
        """The dashboard's statements fail although the server answers (the poller's call)."""
        self.status.mark_failing(cause if isinstance(cause, str) else describe(cause))

    def mark_working(self) -> None:
        """The dashboard's statements work again (the poller's call after a good tick)."""
        self.status.mark_working()

    # -- probing -----------------------------------------------------------------------

    def probe_if_due(self) -> None:
        """While in demo or down mode, start one background connection attempt when due."""
        if self.forced_demo:
            return
        waiting = not self.status.ever_up or self.status.down
        with self._lock:
            if not waiting or self._probing or time.monotonic() < self._probe_due:
                return
            self._probing = True
        threading.Thread(target=self._probe, name="livedash-db-probe", daemon=True).start()

    def probe(self, table: bool = True) -> bool:
        """One synchronous attempt: connect and (unless `table` is False) touch the table;
        whether it answered. A probe made by the caller counts as the first contact."""
        self._last_probe = time.monotonic()
        try:
            with self._pools["live"].connection() as conn, conn.cursor() as cur:
                cur.execute(f"SELECT 1 FROM {TABLE} LIMIT 1" if table else "SELECT 1")
                cur.fetchall()
        except Exception as exc:  # any failure to reach the table means "not up"
            self._first_probe_done = True
            cap = PROBE_BACKOFF_CAP_DOWN if self.status.ever_up else PROBE_BACKOFF_CAP_DEMO
            self._backoff = min(self._backoff * 2, cap)
            if self.status.ever_up and not is_connection_loss(exc):
                self.mark_failing(exc)  # reachable, but the table is gone: failing, not down
                self.mark_up()
                return False
            self.mark_unreachable(exc)
            return False
        self._first_probe_done = True
        self.mark_up()
        return True

    def _probe(self) -> None:
        try:
            self.probe()
        finally:
            with self._lock:
                self._probing = False

    def _gate(self) -> None:
        """Refuse fast while in demo or down mode, so no caller waits on a dead server; a
        request arriving when no probe ran for a while probes first (the first request after
        an outage need not fail when no dashboard was open to notice the recovery)."""
        state = self.state()
        if state.mode == "down" and time.monotonic() - self._last_probe > PROBE_ON_DEMAND_AFTER_S:
            with self._first_probe:
                if self.status.snapshot().mode == "down":
                    self.probe()
            state = self.status.snapshot()
        if state.mode == "demo":
            raise DemoMode("demo mode: no database connection has been made yet")
        if state.mode == "down":
            since = state.since.isoformat(timespec="seconds") if state.since else "?"
            raise DatabaseDown(f"database unavailable since {since}: {state.error}")

    # -- the funnel ----------------------------------------------------------------------

    @contextmanager
    def translated(self, pool: str) -> Iterator[None]:
        """Driver errors become `DatabaseError`s; a lost connection marks the state down."""
        try:
            yield
        except (pymysql.err.MySQLError, OSError) as exc:
            if is_timeout(exc):
                raise DatabaseSlow(f"the database did not answer within the "
                                   f"{self._timeout(pool):g} s limit") from exc
            if is_connection_loss(exc):
                self.mark_unreachable(exc)
                raise ConnectionLost(describe(exc)) from exc
            raise DatabaseError(describe(exc)) from exc
        self.mark_up()

    def _timeout(self, pool: str) -> float:
        s = self.settings
        return s.read_timeout if pool == "live" else s.report_read_timeout

    @contextmanager
    def _connection(self, pool: str) -> Iterator[Any]:
        """A pooled connection, returned (or dropped when broken) afterwards."""
        self._gate()
        try:
            conn = self._pools[pool].connection()
        except Exception as exc:
            self.mark_unreachable(exc)
            raise ConnectionLost(describe(exc)) from exc
        try:
            yield conn
        finally:
            _close_quietly(conn)

    def run(self, sql: str, params: Params = None, pool: str = "live") -> list[Row]:
        """Execute one statement and return all rows (the only path for buffered reads)."""
        with self._connection(pool) as conn:
            return Session(self, conn, pool).run(sql, params)

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """One live connection in a read-only transaction that sees one consistent snapshot
        of the database for every statement run through the yielded session."""
        with self._connection("live") as conn:
            session = Session(self, conn, "live")
            session.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            session.run("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            yield session  # on an error the pool rolls the connection back (or drops it)
            session.run("COMMIT")

    def time_limited(self, sql: str) -> str:
        """Ask MySQL 8 to stop a dashboard SELECT at the read timeout, so an abandoned query
        does not keep running on the server (MariaDB reads the hint as a comment)."""
        if not sql.startswith("SELECT "):
            return sql
        limit_ms = int(self.settings.read_timeout * 1000)
        return f"SELECT /*+ MAX_EXECUTION_TIME({limit_ms}) */ {sql[7:]}"

    def execute(self, sql: str, params: Params = None, pool: str = "admin") -> int:
        """Execute one write statement and return the affected row count."""
        with self._connection(pool) as conn, self.translated(pool):
            cur = conn.cursor()
            try:
                self.statements += 1
                return int(cur.execute(sql, params))
            finally:
                cur.close()

    def stream(self, sql: str, params: Params = None, batch: int = 2000) -> Iterator[list[Row]]:
        """Yield rows in batches from an unbuffered server-side cursor (reports)."""
        with self._connection("report") as conn:
            with self.translated("report"):
                cur = conn.cursor(pymysql.cursors.SSCursor)
                self.statements += 1
                cur.execute(sql, params)
            try:
                while True:
                    with self.translated("report"):
                        chunk = cur.fetchmany(batch)
                    if not chunk:
                        break
                    yield list(chunk)
            except BaseException:  # closed early (client gone) or the connection failed
                _abandon(cur)
                raise
            cur.close()

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
