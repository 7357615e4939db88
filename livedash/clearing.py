"""The clear job: empty the `transactions` table, or the rows older than a cutoff, safely.

It knows nothing of Flask, Socket.IO or the poller: it takes the database, a way to run a task
in the background, a progress callback per job and an "it was cleared" callback, and the
transports (livedash/admin.py for HTTP, livedash/events.py for Socket.IO) wire them.

Design decisions:
- A clear runs as a background job: a batched delete of millions of rows takes minutes. The
  job reports after every batch through its progress callback and stays readable by id, so a
  page keeps working when its socket is down. One clear at a time per process (409 else).
- "Delete all" is TRUNCATE (instant whatever the size); when the database user lacks the DROP
  privilege (MySQL error 1142) it falls back to batched DELETE. "Older than" is always batched:
  `BATCH_ROWS` rows a statement, oldest first along idx_ingress_time, so no statement holds its
  locks for long (timings in docs/benchmarks.md).
- Every job first counts its target rows, so progress has a denominator and the result says
  "N of N". TRUNCATE reports that count (rows a writer adds between the count and the TRUNCATE
  go too, uncounted).
- After a failure the job counts what is left (retrying the connection a few times) and
  reports what is known, not what was assumed: a statement cut on its way back may still have
  run on the server (a DELETE batch committed, a TRUNCATE done). Only when that count fails
  too does the message give the bounds it can vouch for.
- After every job the "cleared" callback runs (the poller re-reads at once) and ANALYZE TABLE
  refreshes information_schema's estimate (MySQL 8 caches it for a day otherwise); a failing
  ANALYZE is harmless.
- Audit: every start and end is logged (logger `livedash.admin`, INFO) with who asked, what
  was removed and when; the fields are also passed as `extra`, for JSON logs.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .db import Database, DatabaseError
from .queries import admin as admin_sql
from .schema import mysql_time

log = logging.getLogger("livedash.admin")

BATCH_ROWS = 10_000
BATCH_PAUSE_S = 0.0
JOBS_KEPT = 20
RECOUNT_TRIES = 5
RECOUNT_PAUSE_S = 1.0
PRIVILEGE_REFUSED = 1142  # ER_TABLEACCESS_DENIED_ERROR: e.g. TRUNCATE without DROP


class Busy(Exception):
    """Another clear is running; the message says which."""


@dataclass(frozen=True)
class ClearRequest:
    """What to delete: everything, or the rows with ingress_time < before."""

    mode: str
    before: datetime | None = None

    def describe(self) -> str:
        """What the clear removes, in words (log lines and messages)."""
        if self.before is None:
            return "all rows"
        return f"rows with ingress_time before {mysql_time(self.before)}"


@dataclass(frozen=True)
class Requester:
    """Who asked: the user named by a trusted proxy (if any) and the client address."""

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
    remaining: int | None = None  # counted after a failure; None when that count failed too
    batch: int = 0
    error: str | None = None
    finished_at: datetime | None = None
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The `admin_progress` payload and the GET /admin/jobs/<id> answer."""
        end = self.finished_at or datetime.now(timezone.utc)
        return {"job": self.id, "mode": self.request.mode,
                "before": mysql_time(self.request.before), "stage": self.stage,
                "method": self.method, "total": self.total, "deleted": self.deleted,
                "remaining": self.remaining, "done": self.stage in ("done", "failed"),
                "error": self.error, "user": self.who.user,
                "started_at": self.started_at.isoformat(timespec="seconds"),
                "seconds": round((end - self.started_at).total_seconds(), 1)}


Notify = Callable[[Job], None]
StartTask = Callable[..., Any]


class Clearer:
    """The app's clear jobs: at most one running; the last JOBS_KEPT are kept for lookups."""

    def __init__(self, db: Database, start_task: StartTask, on_cleared: Callable[[], None],
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.db = db
        self._start_task, self._on_cleared, self._sleep = start_task, on_cleared, sleep
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
        """Run this clear in the background; `Busy` while another one runs."""
        with self._lock:
            running = self._running
            if running is not None:
                raise Busy(f"A clear is already running (job {running.id}, "
                           f"{running.deleted:,} rows deleted so far); wait for it to end.")
            job = Job(secrets.token_hex(6), request, who, datetime.now(timezone.utc))
            self._running = job
            self._jobs[job.id] = job
            while len(self._jobs) > JOBS_KEPT:
                self._jobs.popitem(last=False)
        log.info("clear %s started by %s at %s: %s", job.id, who,
                 job.started_at.isoformat(timespec="seconds"), request.describe(),
                 extra=_audit_fields(job, "started"))
        self._start_task(self._run, job, notify)
        return job

    def _run(self, job: Job, notify: Notify) -> None:
        """The job's body; whatever happens it ends, marked done or failed."""
        try:
            self._clear(job, notify)
        except DatabaseError as exc:
            self._failed(job, str(exc))
        except Exception:
            log.exception("clear %s failed", job.id)
            self._failed(job, "internal error (see the server log)")
        finally:
            self._finish(job, notify)

    def _clear(self, job: Job, notify: Notify) -> None:
        """Count the target rows, then TRUNCATE or delete in batches."""
        notify(job)
        job.total = admin_sql.admin_count(self.db, job.request.before)
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
            admin_sql.admin_truncate(self.db)
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
            affected = admin_sql.admin_delete_batch(self.db, batch, job.request.before)
            job.deleted += affected
            notify(job)
            if affected < batch:
                return
            if BATCH_PAUSE_S > 0:
                self._sleep(BATCH_PAUSE_S)

    def _failed(self, job: Job, cause: str) -> None:
        """Count what is left, then say what is known of how far the job got."""
        if job.stage != "counting":
            job.remaining = self._count_left(job)
            if job.remaining is not None and job.total is not None:
                job.deleted = max(job.deleted, job.total - job.remaining)
        job.error = failure_message(job, cause)

    def _count_left(self, job: Job) -> int | None:
        """The rows the clear still targets, on a fresh connection (None if unreachable)."""
        for attempt in range(RECOUNT_TRIES):
            if attempt:
                self._sleep(RECOUNT_PAUSE_S)
            if self.db.probe():
                try:
                    return admin_sql.admin_count(self.db, job.request.before)
                except DatabaseError as exc:
                    log.info("clear %s: counting what is left failed: %s", job.id, exc)
        return None

    def _finish(self, job: Job, notify: Notify) -> None:
        """Refresh every viewer, log the outcome, then mark the job ended (so anyone who sees
        it ended also finds its audit line), free the slot and tell the requester."""
        job.finished_at = datetime.now(timezone.utc)
        self._on_cleared()
        self._analyze()
        _audit(job)
        job.stage = "failed" if job.error else "done"
        with self._lock:
            self._running = None
        notify(job)  # the last progress report goes out before anyone waiting is woken
        job.finished.set()

    def _analyze(self) -> None:
        """Refresh the table statistics; skipped quietly when the database cannot."""
        try:
            admin_sql.admin_analyze(self.db)
        except DatabaseError as exc:
            log.debug("ANALYZE TABLE after a clear failed: %s", exc)


def _error_code(exc: BaseException) -> int | None:
    """The server's error number behind a `DatabaseError`, if any."""
    args = getattr(exc.__cause__, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def failure_message(job: Job, cause: str) -> str:
    """What went wrong and what is known of how far the job got."""
    if job.stage == "counting":
        return f"Stopped before any row was deleted: {cause}"
    if job.remaining is not None:
        left = "the table is now empty" if job.remaining == 0 and job.request.before is None \
            else f"{job.remaining:,} of the targeted rows are left"
        return (f"Stopped: {cause}. Counted afterwards: {left}, so {job.deleted:,} rows were "
                "deleted.")
    if job.method == "truncate":
        return (f"TRUNCATE failed ({cause}) and the rows left could not be counted: the table "
                "may or may not have been emptied. Count the rows to check.")
    return (f"Stopped after {job.deleted:,} rows were deleted for sure ({cause}); the rows left "
            f"could not be counted, and the batch in flight (up to {job.batch:,} more) may "
            "have been deleted too. Count the rows to check.")


def _audit_fields(job: Job, outcome: str) -> dict[str, Any]:
    """The audit line's facts as log `extra` fields (JSON logs carry them as keys)."""
    return {"audit": "clear", "job": job.id, "outcome": outcome, "user": job.who.user,
            "address": job.who.address, "target": job.request.describe(),
            "method": job.method or None, "total": job.total, "deleted": job.deleted,
            "remaining": job.remaining, "started_at": job.started_at.isoformat("T", "seconds")}


def _audit(job: Job) -> None:
    """The audit line of a finished clear: who, what, when, how many."""
    started = job.started_at.isoformat(timespec="seconds")
    if job.error:
        known = ("counted afterwards" if job.remaining is not None
                 else "at least, the rest uncounted")
        log.info("clear %s by %s FAILED after removing %d rows (%s; %s, started %s): %s",
                 job.id, job.who, job.deleted, known, job.request.describe(), started,
                 job.error, extra=_audit_fields(job, "failed"))
    else:
        log.info("clear %s by %s removed %d rows (%s, %s, started %s, %.1f s)", job.id,
                 job.who, job.deleted, job.request.describe(), job.method, started,
                 job.as_dict()["seconds"], extra=_audit_fields(job, "done"))
