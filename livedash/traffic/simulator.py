"""`livedash simulate`'s work: live fake traffic, inserted as it arrives, settled when done.

Design decisions:
- Times are the database's clock (`queries.clock_sql`): ingress_time is "now" at the INSERT,
  egress_time "now" at the UPDATE that settles the row, so transit is measured by the clock the
  dashboard reads and app/DB clock skew plays no part. Per tick (0.1 s): one multi-row INSERT,
  then one `UPDATE ... WHERE transaction_id IN (...)` per (outcome, egress server). A settle
  only touches rows still SUBMITTED, so an admin clear during a run is never undone (INSERT ...
  ON DUPLICATE KEY UPDATE would re-create cleared rows).
- Arrivals come from a token bucket holding at most one second of backlog: after a database
  stall the simulator does not burst; the report line shows the achieved rate.
- A database error during a run is reported once and the run goes on (the pipeline it
  imitates does not stop either): arrivals meanwhile are dropped, due settles are retried.
- A clean stop (Ctrl-C, SIGTERM, --duration) settles every in-flight row at once with its
  planned outcome (egress time = now, a little early), so no row is left SUBMITTED forever.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from heapq import heappop, heappush
from typing import Any

from ..db import Database, DatabaseError
from ..queries import traffic as traffic_sql
from .model import INGRESS_FAILURES, TrafficModel

TICK_S = 0.1
INSERT_CHUNK = 1000
SETTLE_CHUNK = 1000

# A transfer in flight: (due monotonic time, id, final status, egress server). Ids are unique,
# so heap ties never compare the rest.
Pending = tuple[float, str, str, str | None]


@dataclass
class Tally:
    """Rows written so far."""

    inserted: int = 0
    settled: int = 0


class Simulator:
    """Inserts arrivals at a steady rate and settles each one when its transit is over."""

    def __init__(self, db: Database, model: TrafficModel, rate: float,
                 tick_s: float = TICK_S) -> None:
        """A simulator with nothing in flight yet."""
        self.db, self.model, self.rate, self.tick_s = db, model, rate, tick_s
        self.tally = Tally()
        self._pending: list[Pending] = []  # a heap: the next transfer due first

    @property
    def in_flight(self) -> int:
        """Rows inserted as SUBMITTED and not settled yet."""
        return len(self._pending)

    def arrive(self, count: int, now: float) -> None:
        """Insert `count` new transfers; the SUBMITTED ones are scheduled to settle."""
        for done in range(0, count, INSERT_CHUNK):
            transfers = self.model.transfers(min(INSERT_CHUNK, count - done))
            rows = [(t.transaction_id, t.username, t.file_name, t.file_size, t.ingress_server,
                     t.status if t.status in INGRESS_FAILURES else "SUBMITTED")
                    for t in transfers]
            self.tally.inserted += traffic_sql.insert_arrivals(self.db, rows)
            for t in transfers:
                if t.status not in INGRESS_FAILURES:
                    heappush(self._pending,
                             (now + t.transit_s, t.transaction_id, t.status, t.egress_server))

    def settle_due(self, now: float) -> None:
        """Settle every transfer whose transit has run out by `now`."""
        due = []
        while self._pending and self._pending[0][0] <= now:
            due.append(heappop(self._pending))
        self._settle(due)

    def settle_all(self) -> None:
        """Settle everything still in flight (a clean stop leaves no SUBMITTED row behind)."""
        due, self._pending = self._pending, []
        self._settle(due)

    def _settle(self, items: list[Pending]) -> None:
        """One UPDATE per (status, egress server) and SETTLE_CHUNK ids. On a database error the
        items not settled yet go back in the queue (settling one twice is a no-op: the UPDATE
        only touches SUBMITTED rows) and the error is raised."""
        groups: dict[tuple[str, str | None], list[Pending]] = defaultdict(list)
        for item in items:
            groups[(item[2], item[3])].append(item)
        batches = [(key, group[i:i + SETTLE_CHUNK]) for key, group in groups.items()
                   for i in range(0, len(group), SETTLE_CHUNK)]
        for n, ((status, egress), batch) in enumerate(batches):
            try:
                self.tally.settled += traffic_sql.settle_transfers(
                    self.db, [item[1] for item in batch], status, egress)
            except DatabaseError:
                for _, unsettled in batches[n:]:
                    for item in unsettled:
                        heappush(self._pending, item)
                raise

    def run(self, duration: float | None, stop: threading.Event,
            report: Callable[[str], None] | None = None, every: float = 5.0) -> Tally:
        """Tick until `stop` is set or `duration` seconds have passed, then settle the rest."""
        start = last = time.monotonic()
        credit = 0.0
        meter = _Meter(self, start, every, report)
        while not stop.is_set():
            now = time.monotonic()
            if duration is not None and now - start >= duration:
                break
            credit = min(credit + self.rate * (now - last), self.rate + 1.0)
            last, arrivals = now, int(credit)
            credit -= arrivals
            try:
                self.arrive(arrivals, now)
                self.settle_due(now)
            except DatabaseError as exc:  # keep going: the pipeline does not stop either
                meter.failed(str(exc))
            else:
                meter.recovered()
            meter.tick(now)
            stop.wait(max(0.0, self.tick_s - (time.monotonic() - now)))
        self.settle_all()
        return self.tally


class _Meter:
    """Reports the achieved rates every `every` seconds."""

    def __init__(self, sim: Simulator, start: float, every: float,
                 report: Callable[[str], None] | None) -> None:
        """Start counting from `start` (the run's first tick)."""
        self.sim, self.start, self.every, self.report = sim, start, every, report
        self.last_time, self.last = start, Tally()
        self.error: str | None = None

    def tick(self, now: float) -> None:
        """Print a line when the interval is over."""
        if self.report is None or now - self.last_time < self.every:
            return
        seconds, tally = now - self.last_time, self.sim.tally
        self.report(f"{now - self.start:7.1f} s  inserted "
                    f"{(tally.inserted - self.last.inserted) / seconds:8.1f} rows/s  settled "
                    f"{(tally.settled - self.last.settled) / seconds:8.1f} rows/s  "
                    f"in flight {self.sim.in_flight:,}  total {tally.inserted:,}")
        self.last_time, self.last = now, replace(tally)

    def failed(self, message: str) -> None:
        """Say once per distinct error that the database failed and the run goes on."""
        if message != self.error and self.report:
            self.report(f"database error: {message}; retrying every tick (transfers arriving "
                        "meanwhile are dropped, those in flight settle when it is back)")
        self.error = message

    def recovered(self) -> None:
        """Say when a tick succeeds again after an error."""
        if self.error is not None and self.report:
            self.report("database back; carrying on")
        self.error = None


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C / SIGTERM set `stop` (the tick ends, in-flight rows settle) instead of raising in
    the middle of a statement; a second Ctrl-C interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: Any) -> None:
        """First signal: ask the loop to stop; a second Ctrl-C: give up at once."""
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
