"""The change feed: each tick, what changed in the table since the last one, read once for
every view and window, at a cost that follows the rows that changed.

The table has no updated_at column, so the feed reads what can have changed:

- new rows: `ingress_time >= high_water - overlap` (high water: the last tick's database
  now; the overlap catches commits that land a little after their ingress_time). Rows of that
  range are remembered (`tracked`), so a second sighting is a change or nothing. The overlap
  starts at LIVEDASH_FEED_OVERLAP_S and follows the writers: a new row seen more than half
  the overlap after its ingress_time, or a SUBMITTED row the discovery finds unseen, widens
  it to twice that lateness, and a verification that finds rows the feed never saw doubles
  it (at most OVERLAP_CAP_S); a minute without late rows narrows it by a fifth, back towards
  the setting. Writers whose clocks run behind the database's cost a wider range,
  never missed rows;
- rows in flight: every SUBMITTED row is tracked and re-read by primary key every tick, up
  to IN_FLIGHT_BUDGET rows a tick: beyond that (a pipeline that left a mass of transfers
  stuck) the youngest half of the budget is re-read every tick and the older ones in turn.
  The discovery scan every DISCOVER_S reads every SUBMITTED row through idx_status: it
  finds those the feed never saw (committed late, or written in the past) and those that
  left the state meanwhile;
- settled rows (terminal statuses, older than the overlap) are not re-read each tick. Each
  slice of VERIFY_SLICE_S seconds is re-verified from the database at the ages (after its
  end) in VERIFY_AGES_S, VERIFY_PER_TICK slices a tick at most; a verification replaces the
  slice's statistics with the database's and re-reads the slice's tracked rows. Slices keep
  each statement small (a 10 s slice is 10,000 rows at 1,000 transfers/s).

So a change the feed does not watch (a terminal row edited by hand, a row committed later
after its ingress_time than the overlap) reaches the statistics at the next verification of
its slice: within VERIFY_AGES_S[0] + a tick for a row under that age, within
VERIFY_AGES_S[1] for one under that age; an edit to an older settled row is not re-verified
in its window.

Every statement of a tick runs in one consistent snapshot (`Database.snapshot`), so the rows,
the re-reads and a verification of the same tick agree with each other: a verified slice is
the database's truth at that snapshot, and every tracked row of it is re-read in the same
snapshot. The first fill reads the span (livestats.SPAN_MINUTES) in slices of seconds,
newest first, each sized to about FILL_SLICE_ROWS rows, until FILL_BUDGET_S of a tick is
spent; seconds not filled yet do not count, and the stats say how far the fill has come.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from . import queries
from .livestats import SPAN_MINUTES, LiveStats, epoch_second
from .queries import live
from .schema import EPOCH, IN_FLIGHT
from .stats import Contribution, contribution

OVERLAP_S = 1.0
OVERLAP_CAP_S = 60.0
OVERLAP_SHRINK_EVERY_S = 60.0
IN_FLIGHT_BUDGET = 10_000
DISCOVER_S = 15.0
VERIFY_AGES_S = (120.0, 905.0)  # 5 s apart from the 10 s slices' first: at a 1 s tick
# the two verifications of different slices never fall due in the same tick
VERIFY_SLICE_S = 10
VERIFY_PER_TICK = 2
FILL_SLICE_ROWS = 30_000
FILL_MAX_S = 600
FILL_BUDGET_S = 0.8
NEW_ROWS_CAP = 100_000
MAX_GAP_S = 30.0
PK_CHUNK = 1000

Row = tuple[Any, ...]
_US = timedelta(microseconds=1)


@dataclass
class Tracked:
    """A row the feed watches, as last read, with what it adds to the statistics."""

    row: Row
    second: int
    part: Contribution


def tracked_row(row: Row) -> Tracked:
    _, _, _, size, ingress_server, ingress, egress_server, egress, status = row
    transit = None if egress is None else (egress - ingress) // _US
    return Tracked(row, epoch_second(ingress),
                   contribution(status, ingress_server, egress_server, size, transit))


@dataclass
class Changes:
    """What a tick found for the tables: rows new or changed (current values), rows gone."""

    upserts: dict[str, Row] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    reread: bool = False  # a verification found rows the feed never saw: re-read the tables

    def upsert(self, row: Row) -> None:
        self.removed.discard(row[0])
        self.upserts[row[0]] = row

    def remove(self, tid: str) -> None:
        self.upserts.pop(tid, None)
        self.removed.add(tid)

    def __bool__(self) -> bool:
        return bool(self.upserts or self.removed or self.reread)


@dataclass
class Verification:
    """A filled slice's re-verifications so far (the next is due at VERIFY_AGES_S[passes])."""

    passes: int = 0


class ChangeFeed:
    """The live path's view of the table: statistics, tracked rows, and each tick's changes."""

    def __init__(self, stuck_after: float, clock: Callable[[], float] = time.monotonic,
                 overlap_s: float = OVERLAP_S) -> None:
        self.stuck_after = stuck_after
        self.clock = clock
        self.floor = self.overlap = overlap_s
        self._late_peak = 0.0
        self._late_since = clock()
        self.reset()

    def reset(self) -> None:
        """Forget everything (an admin clear, a long outage): the next tick refills."""
        self.stats = LiveStats()
        self.tracked: dict[str, Tracked] = {}
        self.high_water: datetime | None = None
        self.now: datetime | None = None
        self.verified: dict[int, Verification] = {}
        self.urgent: set[int] = set()
        self.discovered_at = float("-inf")
        self.rows_per_second = 0.0
        self.pending = Changes()
        self._turn = 0

    # -- one tick --------------------------------------------------------------------------

    def read_changes(self, db: queries.Runner) -> Changes:
        """Phase 1 of a tick (in the tick's snapshot): new rows and young in-flight rows.
        Returns what the tables need; the statistics of those rows are applied too."""
        now = queries.db_now(db)
        if self.high_water is not None and (now - self.high_water).total_seconds() > MAX_GAP_S:
            self.reset()  # reading the whole gap in one statement could outlast the timeout
        since = (self.high_water or now) - timedelta(seconds=self.overlap)
        fresh = live.rows_since(db, since, NEW_ROWS_CAP)
        if len(fresh) >= NEW_ROWS_CAP:
            self.reset()
            since = now - timedelta(seconds=self.overlap)
            fresh = live.rows_since(db, since, NEW_ROWS_CAP)
        young = self._in_flight_due(since)
        reread = self._read_ids(db, young)
        changes, self.pending = self.pending, Changes()
        self._note_lateness(fresh)
        self._apply_fresh(fresh, since, changes)
        self._apply_reread(young, reread, changes)
        self.now, self.high_water = now, now
        self._forget_settled(self.since)
        return changes

    @property
    def since(self) -> datetime:
        """Where the next tick's new-rows range starts."""
        assert self.high_water is not None
        return self.high_water - timedelta(seconds=self.overlap)

    def _note_lateness(self, fresh: list[Row]) -> None:
        """Widen the overlap when rows land late; narrow it after a quiet minute."""
        if self.high_water is not None:
            lates = [(self.high_water - r[5]).total_seconds() for r in fresh
                     if r[0] not in self.tracked and r[5] < self.high_water]
            self._late(max(lates, default=0.0))
        if self.clock() - self._late_since >= OVERLAP_SHRINK_EVERY_S:
            if self._late_peak < self.overlap / 4:
                self.overlap = max(self.floor, self.overlap * 0.8)
            self._late_peak, self._late_since = 0.0, self.clock()

    def _late(self, lateness: float) -> None:
        self._late_peak = max(self._late_peak, lateness)
        if self.overlap / 2 < lateness <= OVERLAP_CAP_S:
            self.overlap = min(OVERLAP_CAP_S, max(self.overlap, 2 * lateness))

    def settle(self, db: queries.Runner) -> None:
        """Phase 2 of a tick (same snapshot): fill, verify, discover. Changes for the tables
        found here wait for the next tick's `read_changes`."""
        assert self.now is not None, "read_changes first"
        oldest = epoch_second(self.now) - SPAN_MINUTES * 60
        self.stats.prune(oldest)
        for key in [k for k in self.verified if k < oldest // VERIFY_SLICE_S]:
            del self.verified[key]
        started = self.clock()
        if self.stats.fill_low is None:
            self._fill(db, epoch_second(self.since) // 60 * 60, None)
        self._fill_history(db, oldest, started + FILL_BUDGET_S)
        self._verify_due(db)
        if self.clock() - self.discovered_at >= DISCOVER_S:
            self._discover(db)

    # -- phase 1 ---------------------------------------------------------------------------

    def _in_flight_due(self, since: datetime) -> list[str]:
        """The tracked SUBMITTED rows to re-read this tick (the new-rows range re-reads the
        younger ones): all of them, or within the budget the youngest and a turn of the rest."""
        flying = [(t.row[5], tid) for tid, t in self.tracked.items()
                  if t.row[8] == IN_FLIGHT and t.row[5] < since]
        if len(flying) <= IN_FLIGHT_BUDGET:
            return [tid for _, tid in flying]
        flying.sort(reverse=True)
        half = IN_FLIGHT_BUDGET // 2
        rest = flying[half:]
        start = self._turn % len(rest)
        self._turn = start + half
        turn = (rest + rest)[start:start + half]
        return [tid for _, tid in flying[:half] + turn]

    def _read_ids(self, db: queries.Runner, ids: list[str]) -> dict[str, Row]:
        found: dict[str, Row] = {}
        for i in range(0, len(ids), PK_CHUNK):
            found.update((r[0], r) for r in live.rows_by_ids(db, ids[i:i + PK_CHUNK]))
        return found

    def _apply_fresh(self, fresh: list[Row], since: datetime, changes: Changes) -> None:
        """Rows of the new-rows range: news, changes, and tracked ones that vanished."""
        seen = set()
        for row in fresh:
            seen.add(row[0])
            self._update(row, changes)
        gone = [tid for tid, t in self.tracked.items() if t.row[5] >= since and tid not in seen]
        for tid in gone:
            self._drop(tid, changes)

    def _apply_reread(self, ids: Iterable[str], found: dict[str, Row], changes: Changes) -> None:
        for tid in ids:
            if tid in found:
                self._update(found[tid], changes)
            else:
                self._drop(tid, changes)

    def _update(self, row: Row, changes: Changes) -> None:
        """A row as read now: new to the feed, changed, or the same as before."""
        old = self.tracked.get(row[0])
        if old is not None and old.row == row:
            return
        new = tracked_row(row)
        if old is not None:
            self.stats.add(old.second, old.part, -1)
        self.stats.add(new.second, new.part)
        self.tracked[row[0]] = new
        changes.upsert(row)

    def _drop(self, tid: str, changes: Changes) -> None:
        """A tracked row no longer exists (deleted, or its ingress_time moved away)."""
        old = self.tracked.pop(tid)
        self.stats.add(old.second, old.part, -1)
        changes.remove(tid)

    def _forget_settled(self, since: datetime) -> None:
        """Stop watching terminal rows that the next new-rows range no longer covers."""
        for tid in [tid for tid, t in self.tracked.items()
                    if t.row[8] != IN_FLIGHT and t.row[5] < since]:
            del self.tracked[tid]

    # -- phase 2: fill and verify ------------------------------------------------------------

    def _fill_history(self, db: queries.Runner, oldest: int, deadline: float) -> None:
        """Fill the span newest first, in slices of about FILL_SLICE_ROWS rows: one slice at
        least each tick, more until the time budget is spent."""
        first_slice = True
        while (low := self.stats.fill_low) is not None and low > oldest and (
                first_slice or self.clock() < deadline):
            first_slice = False
            self._fill(db, max(oldest, low - self._slice_seconds()), low)

    def _slice_seconds(self) -> int:
        """Seconds per fill statement: about FILL_SLICE_ROWS rows at the observed rate."""
        if not self.rows_per_second:
            return 60
        return max(VERIFY_SLICE_S, min(FILL_MAX_S, int(FILL_SLICE_ROWS / self.rows_per_second)))

    def _fill(self, db: queries.Runner, first: int, end: int | None) -> None:
        """Read seconds [first, end) (None: open-ended) from the database, with their
        tracked and SUBMITTED rows, and make them the truth of the statistics."""
        start, stop = EPOCH + timedelta(seconds=first), (
            None if end is None else EPOCH + timedelta(seconds=end))
        cells = live.second_groups(db, start, stop)
        upper = stop or datetime.max
        recent = self.since if self.high_water else upper
        ids = [tid for tid, t in self.tracked.items()
               if start <= t.row[5] < min(upper, recent)]
        self._apply_reread(ids, self._read_ids(db, ids), self.pending)
        if self._untracked_in_flight(cells, start, upper):
            for row in self._submitted_between(db, start, stop, cells):
                self._update(row, self.pending)
        before = self.stats.between(first, end) if self.stats.is_filled(first) else None
        self.stats.fill(first, end, cells)
        after = self.stats.between(first, end)
        if before is not None and before != after:
            self.pending.reread = True  # the database held rows or changes the feed missed
            if after.rows > before.rows:  # rows committed later than the overlap: widen it
                self.overlap = min(OVERLAP_CAP_S, 2 * self.overlap)
        self._note_fill(first, end, sum(c[4] for c in cells))

    def _note_fill(self, first: int, end: int | None, rows: int) -> None:
        """The rate seen, and the verifications a fill of this age stands for."""
        now_s = epoch_second(self.now) if self.now else first
        seconds = (end or now_s + 1) - first
        self.rows_per_second = max(self.rows_per_second, rows / max(1, seconds))
        for key in range(first // VERIFY_SLICE_S, (end or now_s) // VERIFY_SLICE_S):
            age = now_s - (key + 1) * VERIFY_SLICE_S
            self.verified[key] = Verification(sum(age >= a for a in VERIFY_AGES_S))
            self.urgent.discard(key)

    def _untracked_in_flight(self, cells: list[tuple[Any, ...]], start: datetime,
                             upper: datetime) -> bool:
        """Whether [start, upper) holds SUBMITTED rows the feed does not track. The cells
        count the range's SUBMITTED rows and every tracked row of it was just read in the
        same snapshot, so equal numbers mean the same rows: reading them (every row in flight,
        through idx_status) would have been a quarter of the reads at 1000 transfers/s."""
        in_database = sum(c[4] for c in cells if c[1] == IN_FLIGHT)
        tracked = sum(1 for t in self.tracked.values()
                      if t.row[8] == IN_FLIGHT and start <= t.row[5] < upper)
        return in_database > tracked

    def _submitted_between(self, db: queries.Runner, start: datetime, stop: datetime | None,
                           cells: list[tuple[Any, ...]]) -> list[Row]:
        """The SUBMITTED rows of a range, through whichever index reads fewer rows."""
        in_range = sum(c[4] for c in cells)
        in_flight = sum(1 for t in self.tracked.values() if t.row[8] == IN_FLIGHT)
        return live.submitted_rows(db, start, stop or datetime.max,
                                      by_time=in_range < in_flight)

    def _verify_due(self, db: queries.Runner) -> None:
        """Re-verify the slices whose next verification age has come (urgent ones first);
        only slices wholly older than the new-rows range (younger ones change every tick)."""
        now_s = epoch_second(self.now)
        settled = epoch_second(self.since - timedelta(seconds=self.overlap)) // VERIFY_SLICE_S
        low = self.stats.fill_low
        if low is not None:
            for key in range(-(-low // VERIFY_SLICE_S), settled):
                self.verified.setdefault(key, Verification())
        due = sorted(self.urgent)
        for key, plan in sorted(self.verified.items()):
            age = now_s - (key + 1) * VERIFY_SLICE_S
            if plan.passes < len(VERIFY_AGES_S) and age >= VERIFY_AGES_S[plan.passes]:
                due.append(key)  # its _fill sets the passes its age has reached
        ready = [k for k in dict.fromkeys(due) if k < settled]
        for key in ready[:VERIFY_PER_TICK]:
            self._fill(db, key * VERIFY_SLICE_S, (key + 1) * VERIFY_SLICE_S)

    def _discover(self, db: queries.Runner) -> None:
        """Every SUBMITTED row: track unknown ones, re-read tracked ones that left or came
        back. Only the keys come from idx_status; whole rows are read for the keys the feed
        does not hold in flight (tracked in-flight rows are re-read every tick anyway)."""
        seen = set(live.submitted_ids(db))
        wanted = [tid for tid in seen
                  if tid not in self.tracked or self.tracked[tid].row[8] != IN_FLIGHT]
        for row in self._read_ids(db, wanted).values():  # the same snapshot: all SUBMITTED
            if row[0] in self.tracked:
                self._update(row, self.pending)
                continue
            second = epoch_second(row[5])
            if self.stats.is_filled(second):
                self.urgent.add(second // VERIFY_SLICE_S)  # written after it was read: verify
                self._late((self.now - row[5]).total_seconds())
            else:
                self._update(row, self.pending)
        left = [tid for tid, t in self.tracked.items()
                if t.row[8] == IN_FLIGHT and tid not in seen]
        self._apply_reread(left, self._read_ids(db, left), self.pending)
        self.discovered_at = self.clock()

    # -- figures of the in-flight set --------------------------------------------------------

    def in_flight(self) -> tuple[int, float | None]:
        """(stuck count, age in seconds of the oldest SUBMITTED row or None)."""
        if self.now is None:
            return 0, None
        times = [t.row[5] for t in self.tracked.values() if t.row[8] == IN_FLIGHT]
        if not times:
            return 0, None
        stuck_before = self.now - timedelta(seconds=self.stuck_after)
        oldest = min(times)
        return sum(t < stuck_before for t in times), (self.now - oldest).total_seconds()
