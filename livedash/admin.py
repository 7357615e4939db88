"""Admin: database and app status, and clearing the `transactions` table safely.

Shared by the HTTP views (`livedash/views/admin.py`) and the `admin_clear` socket event
(`livedash/events.py`), so both paths make the same checks in the same order: admin enabled
(LIVEDASH_ADMIN), [socket: same origin and the admin page's CSRF token], not demo / not down,
confirmed, no clear running.

Design decisions:
- A clear runs as a background job (`socketio.start_background_task`): a batched delete of
  millions of rows takes minutes. The job reports after every batch through a callback (the
  `admin_progress` socket event) and stays readable over HTTP (GET /admin/jobs/<id>), so the
  page keeps working when its socket is down. One clear at a time per process (409 else).
- "Delete all" is TRUNCATE (instant whatever the size); when the database user lacks the DROP
  privilege (MySQL error 1142) it falls back to batched DELETE. "Older than" is always batched:
  `BATCH_ROWS` rows a statement, oldest first along idx_ingress_time, so no statement holds its
  locks for long (10,000 rows take 0.5-0.9 s on MariaDB with the table's four indexes).
- Every job first counts its target rows, so progress has a denominator and the result says
  "N of N". TRUNCATE reports that count (rows a writer adds between the count and the TRUNCATE
  go too, uncounted).
- A failure mid-way (the database drops) ends the job as an error saying how many rows were
  deleted before it; a job ends as success only when its last statement succeeded.
- After every job the poller is reset (every viewer gets the new state at its next tick, woken
  at once) and ANALYZE TABLE refreshes information_schema's estimate (MySQL 8 caches it for a
  day otherwise); a failing ANALYZE is harmless.
- The confirmation is the table name typed exactly. A row count is not accepted: the figure on
  the page is an estimate, so typing it back would confirm nothing precise.
- Socket events are accepted only from the app's own origin: the Origin header of the socket's
  handshake must name this host. A handshake without Origin is not a browser's cross-site
  request (browsers send Origin on cross-origin requests and on every WebSocket): it is a
  script or a same-origin page, and is accepted.
- Socket events also need the CSRF token the /admin page carries (`csrf_token` in the payload,
  checked against the session cookie the handshake sent). Authentication is the proxy's, and a
  site protects the /admin pages there; the dashboard's own socket endpoint must stay open to
  every wall screen, so without the token anyone able to open a dashboard could clear the
  table. With it, a socket clear needs a session that could load /admin.
- Audit: each clear is logged (logger `livedash.admin`, INFO) with the user named by the
  upstream proxy (X-Forwarded-User or X-Remote-User), the client address, what was removed and
  when; refusals are logged too.
- Per-status counts (GROUP BY status: a full scan of idx_status, about 0.7 s per million rows)
  and the exact COUNT(*) run on request, never while the page renders; the page asks for them
  by itself when the estimate is at most `AUTO_COUNT_MAX_ROWS`. Counting on page load under a
  time limit was rejected: the limit would hold only on MySQL (the MAX_EXECUTION_TIME hint;
  MariaDB reads it as a comment), and a count cut short shows nothing anyway. On request, the
  admin decides when to pay for the scan and sees how long it took.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request
from flask_socketio import SocketIO
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from . import queries, validate
from .config import Settings
from .db import Database, DatabaseError, get_db
from .poller import NAMESPACE, Poller, get_poller
from .schema import TABLE, mysql_time

log = logging.getLogger(__name__)

CONFIRMATION = TABLE
MODES = ("all", "older_than")
BATCH_ROWS = 10_000
BATCH_PAUSE_S = 0.0
AUTO_COUNT_MAX_ROWS = 1_000_000
JOBS_KEPT = 20
PRIVILEGE_REFUSED = 1142  # ER_TABLEACCESS_DENIED_ERROR: e.g. TRUNCATE without DROP
USER_HEADERS = ("X-Forwarded-User", "X-Remote-User")
DISABLED = "Admin actions are disabled on this server (LIVEDASH_ADMIN=off)."
DEMO = ("Demo mode: the app has not reached the database, so there is nothing to clear or "
        "count. Admin actions work once the database answers.")


class Refused(Exception):
    """An admin action was refused; the message is for the user, `status` the HTTP code."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ClearRequest:
    """What to delete: everything, or the rows with ingress_time < before."""

    mode: str
    before: datetime | None = None

    def describe(self) -> str:
        """What the clear removes, in words (log lines and messages)."""
        if self.before is None:
            return "all rows"
        return f"rows with ingress_time before {_stamp(self.before)}"


@dataclass(frozen=True)
class Requester:
    """Who asked: the user named by the upstream proxy (if any) and the client address."""

    user: str | None
    address: str | None

    def __str__(self) -> str:
        return f"{self.user or 'unnamed user'} from {self.address or 'unknown address'}"


@dataclass
class Job:
    """One clear: its request, its progress and how it ended."""

    id: str
    request: ClearRequest
    who: Requester
    started_at: datetime
    stage: str = "counting"  # counting | deleting | done | failed
    method: str = ""  # truncate | delete
    total: int | None = None
    deleted: int = 0
    batch: int = 0
    error: str | None = None
    finished_at: datetime | None = None
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The `admin_progress` payload and the GET /admin/jobs/<id> answer."""
        end = self.finished_at or datetime.now(timezone.utc)
        return {"job": self.id, "mode": self.request.mode,
                "before": _stamp(self.request.before), "stage": self.stage,
                "method": self.method, "total": self.total, "deleted": self.deleted,
                "done": self.stage in ("done", "failed"), "error": self.error,
                "user": self.who.user,
                "started_at": self.started_at.isoformat(timespec="seconds"),
                "seconds": round((end - self.started_at).total_seconds(), 1)}


Notify = Callable[[Job], None]


def _stamp(moment: datetime | None) -> str | None:
    """A stored time as MySQL prints it (milliseconds), or None."""
    return mysql_time(moment)


# -- checks and parsing -------------------------------------------------------------------------


def check_enabled(settings: Settings) -> None:
    """Refuse (403) every admin action when LIVEDASH_ADMIN=off."""
    if not settings.admin:
        raise Refused(DISABLED, 403)


def check_origin(origin: str | None, host: str) -> None:
    """Refuse (403) a socket whose handshake came from a page of another site."""
    if origin and urlsplit(origin).netloc.lower() != host.lower():
        raise Refused("Admin events are accepted only from this app's own pages "
                      f"(the connection came from {origin[:100]!r}).", 403)


def check_token(data: Any) -> None:
    """Refuse (403) a socket clear without the CSRF token of this session's /admin page."""
    token = data.get("csrf_token") if isinstance(data, Mapping) else None
    try:
        validate_csrf(token if isinstance(token, str) else None)
    except ValidationError as exc:
        raise Refused(f"{exc} Admin events need the csrf_token of the /admin page (its "
                      "csrf-token meta tag), sent from the session that loaded it.",
                      403) from None


def _clean_header(value: str | None) -> str | None:
    """A header value fit for a log line: printable, at most 100 characters, or None."""
    text = "".join(c for c in (value or "") if c.isprintable()).strip()[:100]
    return text or None


def requester(headers: Mapping[str, str], address: str | None) -> Requester:
    """Who is asking, from the proxy's X-Forwarded-User / X-Remote-User headers."""
    users = (_clean_header(headers.get(name)) for name in USER_HEADERS)
    return Requester(next((u for u in users if u), None), _clean_header(address))


def parse_before(raw: Any) -> datetime:
    """The cutoff: a date and time without zone (what datetime-local sends), in the database
    clock; read by the reports' rule for range bounds, so both forms take the same times."""
    try:
        value = validate.report_time("before", raw)
    except validate.ValidationError as exc:
        raise Refused(f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None
    if value is None:
        raise Refused("Give the date and time to delete rows before, e.g. 2026-01-31T00:00.")
    return value


def parse_clear(data: Any) -> ClearRequest:
    """A clear request from a form or an event payload; refused (400) unless confirmed."""
    if not isinstance(data, Mapping):
        raise Refused('Expected an object with "mode", "before" and "confirm".')
    mode = data.get("mode")
    if not isinstance(mode, str) or mode not in MODES:
        raise Refused('The mode must be "all" or "older_than".')
    confirm = data.get("confirm")
    if not isinstance(confirm, str) or confirm.strip() != CONFIRMATION:
        raise Refused(f'Type the table name "{CONFIRMATION}" to confirm. Nothing was deleted.')
    before = parse_before(data.get("before")) if mode == "older_than" else None
    return ClearRequest(mode, before)


def check_database(db: Database) -> None:
    """Refuse while in demo mode (409) or while the database is down (503)."""
    state = db.state()
    if state.mode == "demo":
        raise Refused(DEMO, 409)
    if state.mode == "down":
        raise Refused(f"The database is unavailable ({state.last_error}); nothing was done.",
                      503)


def _check_cutoff(db: Database, request: ClearRequest) -> None:
    """Refuse a cutoff in the future: it would take rows still being written."""
    if request.before is None:
        return
    now = queries.db_now(db)
    if request.before > now:
        raise Refused(f"The cutoff {_stamp(request.before)} is after the database's time now "
                      f"({_stamp(now)}); to remove every row use “Delete all rows”.")


def _error_code(exc: BaseException) -> int | None:
    """The server's error number behind a `DatabaseError`, if any."""
    cause = exc.__cause__
    args = getattr(cause, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


# -- the clear jobs -----------------------------------------------------------------------------


class Clearer:
    """The app's clear jobs: at most one running; the last JOBS_KEPT are kept for lookups."""

    def __init__(self, db: Database, poller: Poller) -> None:
        self.db = db
        self.poller = poller
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._running: Job | None = None

    def job(self, job_id: str) -> Job | None:
        """A kept job by id."""
        with self._lock:
            return self._jobs.get(job_id)

    def latest(self) -> Job | None:
        """The running job, else the last one (the page shows it on load)."""
        with self._lock:
            return self._running or next(reversed(self._jobs.values()), None)

    def start(self, request: ClearRequest, who: Requester, notify: Notify) -> Job:
        """Check the cutoff and that no clear runs, then run this one in the background."""
        _check_cutoff(self.db, request)
        with self._lock:
            running = self._running
            if running is not None:
                raise Refused(f"A clear is already running (job {running.id}, "
                              f"{running.deleted:,} rows deleted so far); wait for it to end.",
                              409)
            job = Job(secrets.token_hex(6), request, who, datetime.now(timezone.utc))
            self._running = job
            self._jobs[job.id] = job
            while len(self._jobs) > JOBS_KEPT:
                self._jobs.popitem(last=False)
        log.info("clear %s started by %s at %s: %s", job.id, who,
                 job.started_at.isoformat(timespec="seconds"), request.describe())
        self.poller.socketio.start_background_task(self._run, job, notify)
        return job

    def _run(self, job: Job, notify: Notify) -> None:
        """The job's body; whatever happens it ends, marked done or failed."""
        try:
            self._clear(job, notify)
        except DatabaseError as exc:
            job.error = _failure(job, exc)
        except Exception:
            log.exception("clear %s failed", job.id)
            job.error = _failure(job, "internal error (see the server log)")
        finally:
            self._finish(job, notify)

    def _clear(self, job: Job, notify: Notify) -> None:
        """Count the target rows, then TRUNCATE or delete in batches."""
        notify(job)
        job.total = queries.admin_count(self.db, job.request.before)
        job.stage = "deleting"
        notify(job)
        if job.request.before is None and self._truncate(job):
            return
        job.method = "delete"
        self._delete_batches(job, notify)

    def _truncate(self, job: Job) -> bool:
        """TRUNCATE; False when the user lacks the privilege (then delete in batches)."""
        job.method = "truncate"
        try:
            queries.admin_truncate(self.db)
        except DatabaseError as exc:
            if _error_code(exc) != PRIVILEGE_REFUSED:
                raise
            log.info("clear %s: TRUNCATE refused (%s); deleting in batches instead", job.id, exc)
            return False
        job.deleted = job.total or 0
        return True

    def _delete_batches(self, job: Job, notify: Notify) -> None:
        """DELETE ... LIMIT BATCH_ROWS until a statement deletes fewer rows than that."""
        batch = job.batch = BATCH_ROWS
        while True:
            affected = queries.admin_delete_batch(self.db, batch, job.request.before)
            job.deleted += affected
            notify(job)
            if affected < batch:
                return
            if BATCH_PAUSE_S > 0:
                self.poller.socketio.sleep(BATCH_PAUSE_S)

    def _finish(self, job: Job, notify: Notify) -> None:
        """Refresh every viewer, log the outcome, then mark the job ended (so anyone who sees
        it ended also finds its audit line), free the slot and tell the requester."""
        job.finished_at = datetime.now(timezone.utc)
        self.poller.reset()
        self._analyze()
        _audit(job)
        job.stage = "failed" if job.error else "done"
        with self._lock:
            self._running = None
        notify(job)  # the last admin_progress goes out before the socket's ack (below)
        job.finished.set()

    def _analyze(self) -> None:
        """Refresh the table statistics; skipped quietly when the database cannot."""
        try:
            queries.admin_analyze(self.db)
        except DatabaseError as exc:
            log.debug("ANALYZE TABLE after a clear failed: %s", exc)


def _failure(job: Job, cause: object) -> str:
    """The message of a failed job: what went wrong and how far it got."""
    if job.method == "truncate":
        return (f"TRUNCATE failed ({cause}); the table may not have been emptied. "
                "Count the rows to check.")
    if job.stage == "counting":
        return f"Stopped before any row was deleted: {cause}"
    total = f" of {job.total:,}" if job.total is not None else ""
    return (f"Stopped after {job.deleted:,}{total} rows were deleted (the batch in flight, up "
            f"to {job.batch:,} more, may have been deleted too): {cause}")


def _audit(job: Job) -> None:
    """The audit line of a finished clear: who, what, when, how many."""
    if job.error:
        log.info("clear %s by %s FAILED after removing %d rows (%s, started %s): %s", job.id,
                 job.who, job.deleted, job.request.describe(),
                 job.started_at.isoformat(timespec="seconds"), job.error)
    else:
        log.info("clear %s by %s removed %d rows (%s, %s, started %s, %.1f s)", job.id,
                 job.who, job.deleted, job.request.describe(), job.method,
                 job.started_at.isoformat(timespec="seconds"), job.as_dict()["seconds"])


_SETUP = threading.Lock()


def get_clearer(app: Flask) -> Clearer:
    """The app's `Clearer`, made on first use."""
    with _SETUP:
        clearer = app.extensions.get("livedash.admin")
        if clearer is None:
            clearer = app.extensions["livedash.admin"] = Clearer(get_db(app), get_poller(app))
        return clearer


def notifier(socketio: SocketIO, sid: Any) -> Notify:
    """A progress callback emitting `admin_progress` to one socket (no-op without one)."""

    def notify(job: Job) -> None:
        if not isinstance(sid, str) or not sid or len(sid) > 64:
            return
        try:
            socketio.emit("admin_progress", job.as_dict(), to=sid, namespace=NAMESPACE)
        except Exception:  # a lost socket must never stop a clear
            log.debug("admin_progress emit failed", exc_info=True)

    return notify


def start_clear(app: Flask, payload: Any, who: Requester, notify: Notify,
                origin: tuple[str | None, str] | None = None) -> Job:
    """Every check in order (enabled, [origin], database, confirmation, none running), then
    start the job. `origin` is (Origin header, host) for socket events, which also need the
    CSRF token in the payload (HTTP requests have theirs checked by CSRFProtect)."""
    try:
        check_enabled(app.config["LIVEDASH"])
        if origin is not None:
            check_origin(*origin)
            check_token(payload)
        clearer = get_clearer(app)
        check_database(clearer.db)
        return clearer.start(parse_clear(payload), who, notify)
    except Refused as exc:
        log.info("clear refused for %s: %s", who, exc)
        raise


def socket_clear(app: Flask, request: Request, payload: Any) -> dict[str, Any]:
    """The `admin_clear` event: refusals ack at once; else the ack waits for the result."""
    notify = notifier(get_poller(app).socketio, getattr(request, "sid", None))
    try:
        job = start_clear(app, payload, requester(request.headers, request.remote_addr), notify,
                          origin=(request.headers.get("Origin"), request.host))
    except Refused as exc:
        return {"ok": False, "error": str(exc), "status": exc.status}
    except DatabaseError as exc:
        return {"ok": False, "error": f"The database is unavailable: {exc}", "status": 503}
    job.finished.wait()
    result: dict[str, Any] = {"ok": job.error is None, "job": job.as_dict()}
    return {**result, "error": job.error} if job.error else result


# -- status -------------------------------------------------------------------------------------


def database_status(db: Database) -> dict[str, Any]:
    """Connection facts (never the password), version, size, estimate and time range."""
    s, state = db.settings, db.state()
    info: dict[str, Any] = {
        "host": s.mysql_host, "port": s.mysql_port, "database": s.mysql_database,
        "user": s.mysql_user, "table": TABLE, "mode": state.mode,
        "down_since": state.as_dict()["down_since"], "error": state.last_error,
        "version": None, "rows_estimate": None, "data_bytes": None, "index_bytes": None,
        "oldest": None, "newest": None, "auto_counts": False}
    if state.mode != "up":
        return info
    try:
        version, oldest, newest = queries.admin_overview(db)
        estimate, data_bytes, index_bytes = queries.admin_table_size(db)
    except DatabaseError as exc:
        return {**info, "error": str(exc)}
    return {**info, "version": version, "rows_estimate": estimate, "data_bytes": data_bytes,
            "index_bytes": index_bytes, "oldest": _stamp(oldest), "newest": _stamp(newest),
            "auto_counts": estimate is not None and estimate <= AUTO_COUNT_MAX_ROWS}


def app_status(db: Database, poller: Poller) -> dict[str, Any]:
    """Live or demo, the poller's tiers, active keys and connected viewers."""
    return {"mode": "demo" if db.is_demo else "live", "db_clock": db.settings.db_clock,
            **poller.status()}


def status(app: Flask) -> dict[str, Any]:
    """Everything the admin page shows, plus the running or last clear job."""
    clearer = get_clearer(app)
    job = clearer.latest()
    return {"database": database_status(clearer.db), "app": app_status(clearer.db,
                                                                       clearer.poller),
            "job": job.as_dict() if job else None}


def _timed(work: Callable[[], Any]) -> tuple[Any, float]:
    """The result of `work` and the seconds it took (rounded to 1 decimal)."""
    started = time.monotonic()
    result = work()
    return result, round(time.monotonic() - started, 1)


def exact_count(db: Database, before_raw: str | None = None) -> dict[str, Any]:
    """COUNT(*) of the table, or of the rows older than a cutoff (on request: a full scan)."""
    check_database(db)
    before = parse_before(before_raw) if before_raw else None
    rows, seconds = _timed(lambda: queries.admin_count(db, before))
    return {"rows": rows, "before": _stamp(before), "seconds": seconds}


def status_counts(db: Database) -> dict[str, Any]:
    """Rows per status (on request: a full scan of idx_status)."""
    check_database(db)
    counts, seconds = _timed(lambda: queries.admin_status_counts(db))
    return {"counts": counts, "seconds": seconds}
