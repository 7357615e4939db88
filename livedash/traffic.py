"""Fake but realistic transfers: `livedash simulate` (live traffic) and `livedash seed` (history).

For demos, benchmarks and screenshots; see docs/traffic.md.

Design decisions:
- One row model (`TrafficModel`) serves both commands, so seeded history and live traffic look
  alike: usernames from a pool with Zipf-like popularity (weight 1/rank^1.1: a few busy users,
  a long tail); lognormal file sizes (median 2 MB, sigma 2.3: bytes to tens of GB); transit =
  a lognormal set-up latency + size / a lognormal throughput; outcomes drawn from a mix
  (default 2% BAD_REQUEST, 1% CD_UNAVAILABLE, 3% EP_UNAVAILABLE, 1% TIMEOUT, rest COMPLETE),
  and a transfer whose transit would reach the timeout becomes TIMEOUT (big files time out).
- Ownership: every generated transaction_id is a version-4-shaped UUID whose first group is
  `5151ed00`. "Rows we did not write" is then a range check on the primary key
  (`transaction_id < '5151ed00' OR transaction_id >= '5151ed01'`, LIMIT-capped): a few index
  dives on any table size. Both commands refuse (exit 2) when it finds any, unless --force.
  A foreign id that happens to begin with 5151ed00 (1 in 2^32 for random UUIDs) would pass
  for ours; a marker in username or file_name would collide far more easily and need a scan.
- The random part of an id comes from os.urandom, never from --seed: --seed repeats the
  content, and a second run with the same seed must not collide on the primary key. Live ids
  are otherwise random, like the version-4 UUIDs a real pipeline sends; seed ids are
  `marker-counter-run tag` (see `seed_ids`), which cuts the server's CPU per row by a third.
- Simulator times are the database's clock (`queries.clock_sql`): ingress_time is "now" at the
  INSERT, egress_time "now" at the UPDATE that settles the row, so transit is measured by the
  clock the dashboard reads and app/DB clock skew plays no part. Per tick (0.1 s): one
  multi-row INSERT, then one `UPDATE ... WHERE transaction_id IN (...)` per (outcome, egress
  server). A settle only touches rows still SUBMITTED, so an admin clear during a run is never
  undone (INSERT ... ON DUPLICATE KEY UPDATE would re-create cleared rows).
- Arrivals come from a token bucket holding at most one second of backlog: after a database
  stall the simulator does not burst; the report line shows the achieved rate.
- A database error during a run is reported once and the run goes on (the pipeline it
  imitates does not stop either): arrivals meanwhile are dropped, due settles are retried.
- A clean stop (Ctrl-C, SIGTERM, --duration) settles every in-flight row at once with its
  planned outcome (egress time = now, a little early), so no row is left SUBMITTED forever.
- Seed reads the database clock once and computes every time in Python: ingress times evenly
  spread (with jitter) over [now - H, now) in ascending order, so idx_ingress_time only
  appends; an outcome due after now is clamped to now, so every row is final and none lies in
  the future. Batches of 5000 rows per INSERT (`queries.insert_history` encodes them itself:
  PyMySQL's per-value escaping took 40% of the client's CPU). Two writer threads, each on its
  own connection and its own contiguous half of the rows, insert while the main thread
  generates the next batches (they wait on the socket without holding the GIL): the server's
  work per row is the bottleneck, and one connection only ever uses one core (36 000 rows/s
  with one writer, 56 000 with two on the 2-core test machine).
"""

from __future__ import annotations

import argparse
import bisect
import math
import os
import random
import signal
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from heapq import heappop, heappush
from itertools import accumulate
from typing import Any, NamedTuple

from . import queries
from .cli import command
from .config import Settings
from .db import Database, DatabaseError

MARKER = "5151ed00"
MARKER_END = "5151ed01"  # the smallest string above every id starting with MARKER
FOREIGN_CAP = 10_000
INGRESS_FAILURES = ("BAD_REQUEST", "CD_UNAVAILABLE")
OUTCOMES = ("BAD_REQUEST", "CD_UNAVAILABLE", "EP_UNAVAILABLE", "TIMEOUT", "COMPLETE")
TICK_S = 0.1
INSERT_CHUNK = 1000
SETTLE_CHUNK = 1000

_FIRST = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
          "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
          "xena", "yusuf", "zoe", "amir", "bea", "chen", "dana", "emeka", "farah", "goran", "hana",
          "ines", "jonas", "kofi", "lena", "mateo", "noor", "oskar", "priya", "quinn", "rosa")
_LAST = ("smith", "jones", "garcia", "muller", "rossi", "novak", "kim", "singh", "ali", "silva",
         "dubois", "jansen", "berg", "ivanova", "tanaka", "okafor", "haddad", "kowalski",
         "nguyen", "lopez", "schmidt", "moreau", "costa", "larsen", "wong", "bauer", "petrov",
         "reyes", "fischer", "santos")
_SERVICES = ("svc-backup", "etl-nightly", "scanner-gw", "sap-export", "ftp-bridge",
             "media-ingest", "ci-artifacts", "billing-batch", "dwh-loader", "log-shipper")
_STEMS = ("report", "invoice", "backup", "export", "scan", "ledger", "photo", "dataset",
          "archive", "log", "statement", "payroll", "manifest", "image", "dump", "contract")
# (upper size bound in bytes, extensions typical below it)
_EXTENSIONS = ((100_000, ("txt", "csv", "json", "xml")),
               (10_000_000, ("pdf", "xlsx", "docx", "jpg")),
               (1_000_000_000, ("zip", "tar.gz", "mp4", "parquet")),
               (math.inf, ("iso", "img", "bak", "tar")))
_EXT_BOUNDS = [bound for bound, _ in _EXTENSIONS]


# -- the row model ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Mix:
    """Share (0..1) of each non-COMPLETE outcome; COMPLETE takes the rest."""

    bad_request: float = 0.02
    cd_unavailable: float = 0.01
    ep_unavailable: float = 0.03
    timeout: float = 0.01

    def cumulative(self) -> list[float]:
        """Cumulative weights in OUTCOMES order, for `random.choices`."""
        shares = (self.bad_request, self.cd_unavailable, self.ep_unavailable, self.timeout)
        return list(accumulate([*shares, max(0.0, 1.0 - sum(shares))]))


_MIX_KEYS = {"bad": "bad_request", "bad_request": "bad_request", "cd": "cd_unavailable",
             "cd_unavailable": "cd_unavailable", "ep": "ep_unavailable",
             "ep_unavailable": "ep_unavailable", "timeout": "timeout"}


def parse_mix(text: str) -> Mix:
    """`bad=2,cd=1,ep=3,timeout=1` (percentages; unnamed ones keep their default) -> Mix."""
    changes: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        attr = _MIX_KEYS.get(key.strip().lower())
        if attr is None:
            raise argparse.ArgumentTypeError(
                f"unknown outcome {key.strip()!r} in --mix (use bad, cd, ep, timeout)")
        try:
            changes[attr] = float(value) / 100
        except ValueError:
            raise argparse.ArgumentTypeError(f"--mix {key.strip()} needs a percentage, "
                                             f"got {value!r}") from None
        if not 0 <= changes[attr] <= 1:
            raise argparse.ArgumentTypeError(f"--mix {key.strip()} must be 0 to 100")
    mix = replace(Mix(), **changes)
    if mix.cumulative()[3] > 1.0 + 1e-9:
        raise argparse.ArgumentTypeError("--mix percentages add up to more than 100")
    return mix


@dataclass(frozen=True)
class Profile:
    """The knobs of the traffic model (command-line options)."""

    users: int = 200
    servers: int = 4
    mix: Mix = field(default_factory=Mix)
    timeout_s: float = 60.0
    latency_s: float = 1.0  # median set-up time of a transfer
    throughput_bps: float = 40e6  # median bytes per second once a transfer flows
    size_median: float = 2e6
    size_sigma: float = 2.3
    size_max: int = 50 * 10**9


class Transfer(NamedTuple):
    """One generated transfer with its planned outcome (`status`) and transit time."""

    transaction_id: str
    username: str
    file_name: str
    file_size: int
    ingress_server: str
    egress_server: str | None
    status: str
    transit_s: float


def new_ids(count: int) -> list[str]:
    """`count` fresh marker ids shaped like version-4 UUIDs (random part from os.urandom)."""
    raw = os.urandom(16 * count).hex()
    ids = []
    for i in range(0, 32 * count, 32):
        h = raw[i:i + 32]
        variant = "89ab"[int(h[16], 16) & 3]
        ids.append(f"{MARKER}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}")
    return ids


def seed_ids(run: str, first: int, count: int) -> list[str]:
    """Ids `first`.. of a seed run (`run`: 24 random hex digits): the marker, a 40-bit counter
    from a random base, then a random run tag. A run's ids follow each other in the primary key
    in ingress order, so InnoDB appends instead of splitting random pages, and neighbours differ
    early in the string, so the utf8mb4_unicode_ci comparisons stop early: measured server CPU
    per row 14 us against 19 us with the counter at the end and 21 us with random ids."""
    base = int(run[:9], 16)  # below 2**36: room for 2**40 - 2**36 rows after it
    ids = []
    for n in range(base + first, base + first + count):
        h = f"{n:010x}"
        ids.append(f"{MARKER}-{h[0:4]}-4{h[4:7]}-8{h[7:10]}-{run[12:24]}")
    return ids


def user_pool(count: int, rng: random.Random) -> list[str]:
    """`count` distinct usernames in popularity order (rank 0 busiest), shuffled by `rng`."""
    base = list(_SERVICES) + [f"{first}.{last}" for last in _LAST for first in _FIRST]
    rng.shuffle(base)
    return [base[k % len(base)] + (str(k // len(base)) if k >= len(base) else "")
            for k in range(count)]


def server_names(kind: str, count: int) -> list[str]:
    """`ingress-01`..`ingress-NN` (or egress-)."""
    return [f"{kind}-{n:02d}" for n in range(1, count + 1)]


class TrafficModel:
    """Draws transfers: who, what, how big, through which servers, how it ends and when."""

    def __init__(self, profile: Profile, seed: int | None = None) -> None:
        """Draw the user pool once (its order is the popularity rank) and precompute weights."""
        self.profile = profile
        self._rng = random.Random(seed)
        self._users = user_pool(profile.users, self._rng)
        weights = [1 / (rank + 1) ** 1.1 for rank in range(profile.users)]
        self._user_cw = list(accumulate(weights))
        self._mix_cw = profile.mix.cumulative()
        self._ingress = server_names("ingress", profile.servers)
        self._egress = server_names("egress", profile.servers)
        self._size_mu = math.log(profile.size_median)
        self._latency_mu = math.log(profile.latency_s)
        self._throughput_mu = math.log(profile.throughput_bps)

    def transfers(self, count: int, ids: list[str] | None = None) -> list[Transfer]:
        """`count` new transfers (batched draws: the seeder needs tens of thousands a second);
        random marker ids unless `ids` are given."""
        r = self._rng
        columns = zip(ids or new_ids(count),
                      r.choices(self._users, cum_weights=self._user_cw, k=count),
                      r.choices(OUTCOMES, cum_weights=self._mix_cw, k=count),
                      r.choices(self._ingress, k=count), r.choices(self._egress, k=count),
                      r.choices(_STEMS, k=count), strict=True)
        return [self._transfer(*values) for values in columns]

    def _transfer(self, tid: str, user: str, outcome: str, ingress: str, egress: str,
                  stem: str) -> Transfer:
        """One transfer: size and name, then when and how it ends."""
        r, p = self._rng, self.profile
        size = max(1, min(p.size_max, int(math.exp(r.gauss(self._size_mu, p.size_sigma)))))
        exts = _EXTENSIONS[bisect.bisect_left(_EXT_BOUNDS, size)][1]
        name = f"{stem}_{int(r.random() * 100_000):05d}.{exts[int(r.random() * len(exts))]}"
        if outcome in INGRESS_FAILURES:
            return Transfer(tid, user, name, size, ingress, None, outcome, 0.0)
        transit = math.exp(r.gauss(self._latency_mu, 0.6))
        if outcome == "COMPLETE":
            transit += size / math.exp(r.gauss(self._throughput_mu, 0.5))
        if outcome == "TIMEOUT" or transit >= p.timeout_s:
            return Transfer(tid, user, name, size, ingress, None, "TIMEOUT", p.timeout_s)
        return Transfer(tid, user, name, size, ingress, egress, outcome, transit)



# -- seeding ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SeedResult:
    """What a seed run wrote and how fast."""

    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        """Rows per second."""
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def history_rows(transfers: list[Transfer], first: int, start: datetime, step_s: float,
                 now: datetime, rng: random.Random) -> list[tuple[Any, ...]]:
    """Rows (COLUMNS order) for transfers number `first`.. of a run: row i arrives at a random
    moment of slot i of the span, so ingress times ascend; outcomes due after now end now.
    Times are sent as millisecond text: what DATETIME(3) keeps on MySQL and MariaDB alike, and
    several times cheaper for the driver to escape than datetime objects."""
    rows = []
    for i, t in enumerate(transfers, first):
        ingress = start + timedelta(seconds=(i + rng.random()) * step_s)
        egress = (min(ingress + timedelta(seconds=t.transit_s), now).isoformat(" ", "milliseconds")
                  if t.egress_server else None)
        rows.append((t.transaction_id, t.username, t.file_name, t.file_size, t.ingress_server,
                     ingress.isoformat(" ", "milliseconds"), t.egress_server, egress, t.status))
    return rows


def seed_batches(rows: int, batch: int, parts: int) -> Iterator[tuple[int, int]]:
    """(first row, count) of each INSERT: the rows split into `parts` contiguous ranges, one
    per writer, taken in turn, so each writer appends at its own place in every index instead
    of all of them contending for the same last pages."""
    size = -(-rows // parts)
    for offset in range(0, size, batch):
        for part in range(parts):
            first, end = part * size + offset, min(rows, (part + 1) * size)
            if first < end:
                yield first, min(batch, end - first)


class _Progress:
    """Counts the rows written and prints a line every 2 seconds."""

    def __init__(self, total: int, report: Callable[[str], None] | None) -> None:
        """Start the clock."""
        self.total, self.report, self.done = total, report, 0
        self.began = self.last = time.perf_counter()

    def add(self, count: int) -> None:
        """Count an INSERT that finished; report when due."""
        self.done += count
        now = time.perf_counter()
        if self.report and now - self.last >= 2:
            self.last = now
            self.report(f"{self.done:,} / {self.total:,} rows "
                        f"({self.done / (now - self.began):,.0f} rows/s)")


def seed(db: Database, model: TrafficModel, rows: int, hours: float, batch: int = 5000,
         report: Callable[[str], None] | None = None, seed_value: int | None = None,
         writers: int = 2) -> SeedResult:
    """Insert `rows` final rows with ingress times spread over the last `hours` hours, through
    `writers` connections (the server's insert work is the bottleneck: one connection uses
    one core)."""
    now = queries.db_now(db)
    span_s = hours * 3600
    start, step_s, rng = now - timedelta(seconds=span_s), span_s / rows, random.Random(seed_value)
    run, progress = os.urandom(12).hex(), _Progress(rows, report)
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="livedash-seed") as pool:
        in_flight: deque[Future[int]] = deque()
        for first, count in seed_batches(rows, batch, writers):
            chunk = history_rows(model.transfers(count, seed_ids(run, first, count)), first,
                                 start, step_s, now, rng)
            while len(in_flight) >= writers:
                progress.add(in_flight.popleft().result())
            in_flight.append(pool.submit(queries.insert_history, db, chunk))
        while in_flight:
            progress.add(in_flight.popleft().result())
    return SeedResult(rows, time.perf_counter() - progress.began)


# -- live simulation -------------------------------------------------------------------------

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
            self.tally.inserted += queries.insert_arrivals(self.db, rows)
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
                self.tally.settled += queries.settle_transfers(
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


# -- safety and the commands -----------------------------------------------------------------

class Refused(Exception):
    """The target database holds rows these tools did not write (and --force was not given)."""


def where(settings: Settings) -> str:
    """The target named for messages: database, host and port (never the password)."""
    return f"database '{settings.mysql_database}' on {settings.mysql_host}:{settings.mysql_port}"


def connect(settings: Settings) -> Database:
    """A Database that has made contact (demo mode does not apply to these tools)."""
    db = Database(settings.replace(demo=False))
    if not db.probe():
        db.close()
        raise DatabaseError(db.state().last_error or "no answer")
    return db


def check_ownership(db: Database, force: bool, report: Callable[[str], None]) -> None:
    """Raise `Refused` when the table has rows without the marker, unless `force`."""
    count = queries.foreign_row_count(db, MARKER, MARKER_END, FOREIGN_CAP)
    if not count:
        return
    amount = f"at least {count:,}" if count >= FOREIGN_CAP else f"{count:,}"
    what = (f"{where(db.settings)} has {amount} row{'s' if count > 1 else ''} not written by "
            f"livedash (their transaction_id does not start with {MARKER}-)")
    if not force:
        raise Refused(f"refusing to write: {what}; pass --force to write there anyway")
    report(f"warning: {what}; writing anyway (--force)")


def _printer(name: str) -> Callable[[str], None]:
    """Progress lines on stdout, prefixed with the command, flushed at once."""
    return lambda line: print(f"livedash {name}: {line}", flush=True)


def _run_tool(name: str, settings: Settings, force: bool,
              work: Callable[[Database, Callable[[str], None]], None]) -> int:
    """Connect, check ownership, work; failures become one line on stderr and an exit code
    (2 refused, 1 database error, 130 interrupted). Rows already written stay: they carry
    the marker, so a later run accepts them and the admin clear removes them."""

    def fail(text: str) -> None:
        """One line on stderr naming the command."""
        print(f"livedash {name}: {text}", file=sys.stderr)

    try:
        db = connect(settings)
    except DatabaseError as exc:
        fail(f"cannot connect to {where(settings)}: {exc}")
        return 1
    try:
        check_ownership(db, force, _printer(name))
        work(db, _printer(name))
        return 0
    except Refused as exc:
        fail(str(exc))
        return 2
    except DatabaseError as exc:
        fail(f"database error on {where(settings)}: {exc}")
        return 1
    except KeyboardInterrupt:
        fail("interrupted")
        return 130
    finally:
        db.close()


def _number(kind: type, low: float, high: float) -> Callable[[str], Any]:
    """An argparse type: a number of `kind` within [low, high], else a clear message."""

    def parse(raw: str) -> Any:
        """The value, or argparse's usage error with the reason."""
        try:
            value = kind(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {raw!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, got {raw}")
        return value

    return parse


def _model_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by simulate and seed: the shape of the traffic and --force."""
    add = parser.add_argument
    add("--users", metavar="N", type=_number(int, 1, 1_000_000), default=200,
        help="size of the username pool (Zipf-like popularity; default 200)")
    add("--servers", metavar="N", type=_number(int, 1, 99), default=4,
        help="ingress-01..N and egress-01..N (default 4)")
    add("--mix", metavar="SHARES", type=parse_mix, default=Mix(),
        help="outcome percentages, e.g. bad=2,cd=1,ep=3,timeout=1 (the default); "
             "COMPLETE takes the rest")
    add("--timeout", metavar="S", type=_number(float, 0.1, 86_400), default=60.0,
        help="seconds after which a transfer ends as TIMEOUT (default 60)")
    add("--latency", metavar="S", type=_number(float, 0.001, 3600), default=1.0,
        help="median set-up seconds of a transfer (lognormal; default 1)")
    add("--throughput", metavar="MB/S", type=_number(float, 0.001, 1e6), default=40.0,
        help="median MB/s once a transfer flows (lognormal; default 40)")
    add("--seed", metavar="X", type=int, default=None,
        help="random seed for the content (ids stay unique)")
    add("--force", action="store_true",
        help="write even though the table has rows livedash did not write")


def profile_from(args: argparse.Namespace) -> Profile:
    """The traffic model the options describe."""
    return Profile(users=args.users, servers=args.servers, mix=args.mix,
                   timeout_s=args.timeout, latency_s=args.latency,
                   throughput_bps=args.throughput * 1e6)


def _with_arguments(add: Callable[[argparse.ArgumentParser], None]) -> Callable[[Any], Any]:
    """Attach `.arguments` before `@command` registers the function (it reads it then)."""

    def attach(run: Any) -> Any:
        """Set the attribute and hand the function on."""
        run.arguments = add
        return run

    return attach


def _simulate_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `livedash simulate`."""
    parser.add_argument("--rate", metavar="R", type=_number(float, 0.1, 100_000), default=100.0,
                        help="new transfers per second (default 100)")
    parser.add_argument("--duration", metavar="S", type=_number(float, 0.1, 10**7), default=None,
                        help="stop after this many seconds (default: run until Ctrl-C)")
    parser.add_argument("--report-every", metavar="S", type=_number(float, 0.5, 3600), default=5.0,
                        help="seconds between progress lines (default 5)")
    _model_arguments(parser)


def _seed_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `livedash seed`."""
    parser.add_argument("--rows", metavar="N", type=_number(int, 1, 10**9), required=True,
                        help="how many rows to insert")
    parser.add_argument("--hours", metavar="H", type=_number(float, 0.001, 87_600), default=24.0,
                        help="spread ingress times over this many past hours (default 24)")
    parser.add_argument("--batch", metavar="N", type=_number(int, 1, 50_000), default=5000,
                        help="rows per INSERT statement (default 5000)")
    parser.add_argument("--writers", metavar="N", type=_number(int, 1, 16), default=2,
                        help="connections inserting in parallel (default 2)")
    _model_arguments(parser)


@command("simulate", "write live fake traffic to the database (demos, benchmarks)")
@_with_arguments(_simulate_arguments)
def simulate_command(args: argparse.Namespace, settings: Settings) -> int:
    """`livedash simulate`: run the simulator until Ctrl-C or --duration."""

    def work(db: Database, say: Callable[[str], None]) -> None:
        """Run until stopped, with Ctrl-C/SIGTERM turned into a clean stop."""
        sim = Simulator(db, TrafficModel(profile_from(args), args.seed), args.rate)
        say(f"writing {args.rate:g} transfers/s to {where(settings)}; Ctrl-C stops")
        stop = threading.Event()
        with stop_on_signals(stop):
            tally = sim.run(args.duration, stop, say, args.report_every)
        say(f"stopped: {tally.inserted:,} rows inserted, {tally.settled:,} settled")

    return _run_tool("simulate", settings, args.force, work)


@command("seed", "bulk-load fake history into the database (demos, benchmarks)")
@_with_arguments(_seed_arguments)
def seed_command(args: argparse.Namespace, settings: Settings) -> int:
    """`livedash seed`: insert --rows rows spread over the last --hours hours."""

    def work(db: Database, say: Callable[[str], None]) -> None:
        """Seed and print the achieved rate."""
        model = TrafficModel(profile_from(args), args.seed)
        result = seed(db, model, args.rows, args.hours, args.batch, say, args.seed,
                      args.writers)
        say(f"{result.rows:,} rows over {args.hours:g} h into {where(settings)} in "
            f"{result.seconds:.1f} s ({result.rate:,.0f} rows/s)")

    return _run_tool("seed", settings, args.force, work)
