"""What one tick of the live path costs, statement by statement: calls, rows read, time.

    python bench/bench_tick.py --database livedash_bench --seconds 60

Runs the app's real `LiveSource` (change feed + table views) in this process on the given
database, as the SELECT-only app user with MariaDB's user statistics on (common.py), with
the table keys of the 8 views of bench_viewers.py, ticking every `--refresh` seconds as the
scheduler would. Every function of `livedash.queries.live` and `queries.db_now` is wrapped
to charge its rows read (the app user's ROWS_READ delta: this process is the user's only
client, one statement at a time) and its time to '<statement> <- <caller>', e.g.
`second_groups <- _fill` (a verification or a fill slice) or `rows_since <- read_changes`.
The simulator should be writing (`livedash simulate --rate R`) while this runs; the first
fill is waited out and not measured. The rows the simulator changed meanwhile are read from
the table (rows inserted in the period, plus as many settles).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import inspect
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

from livedash import queries
from livedash.db import Database
from livedash.payload import stats_payload
from livedash.queries import live
from livedash.source import LiveSource
from livedash.validate import view


class Ledger:
    """Per caller-labelled statement: calls, rows read and seconds since the last reset."""

    def __init__(self, admin: Any) -> None:
        self.admin = admin
        self.totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])

    def wrap(self, name: str, fn: Any) -> Any:
        """`fn` timed and charged to '<name> <- <caller>'."""
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            label = f"{name} <- {sys._getframe(1).f_code.co_name}"
            before = common.user_stats(self.admin)["ROWS_READ"]
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds = time.perf_counter() - started
                entry = self.totals[label]
                entry[0] += 1
                entry[1] += common.user_stats(self.admin)["ROWS_READ"] - before
                entry[2] += seconds
        return timed

    def install(self) -> None:
        """Wrap the live path's statement functions (first argument `db`)."""
        for module in (live, queries):
            for name, fn in list(vars(module).items()):
                if inspect.isfunction(fn) and not name.startswith("_") and \
                        fn.__module__ == module.__name__ and \
                        list(inspect.signature(fn).parameters)[:1] == ["db"]:
                    setattr(module, name, self.wrap(name, fn))


def tick_table(ledger: Ledger, ticks: int, durations: list[float], changed: float) -> str:
    """Markdown: per statement label, per tick; a total line; read ÷ changed."""
    rows = sorted(ledger.totals.items(), key=lambda kv: -kv[1][1])
    body = [[label, calls / ticks, round(read / ticks), 1000 * secs / ticks]
            for label, (calls, read, secs) in rows]
    calls, read, secs = (sum(v[i] for v in ledger.totals.values()) for i in range(3))
    body.append(["**total**", calls / ticks, round(read / ticks), 1000 * secs / ticks])
    table = common.markdown_table(["statement <- caller", "calls/tick", "rows read/tick",
                                   "ms/tick"], body)
    p50, p95 = (common.percentile(durations, q) for q in (0.5, 0.95))
    return (f"{table}\n\n{ticks} ticks; tick duration p50 {1000 * p50:.0f} ms, p95 "
            f"{1000 * p95:.0f} ms, max {1000 * max(durations):.0f} ms; rows changed "
            f"{changed:,.0f}/tick, read ÷ changed {read / ticks / changed:.2f}")


def tick(source: LiveSource, keys: set[Any]) -> float:
    """One tick as the scheduler runs it (payloads of the three windows included)."""
    started = time.monotonic()
    with source.ticking(keys):
        pass
    for window in (10, 30, 60):
        stats_payload(source, window, source.settings)
    return time.monotonic() - started


def changed_rows(admin: Any, seconds: float) -> float:
    """Rows the simulator changed in the last `seconds`: arrivals, and as many settles."""
    return 2 * common.insert_rate(admin, seconds) * seconds


def run(args: argparse.Namespace) -> str:
    """Fill, then tick for `--seconds` and tabulate."""
    settings = common.bench_settings(args.database)
    admin = common.admin_connection(settings, args.database)
    with common.app_user(settings):
        db = Database(settings.replace(mysql_user=common.APP_USER,
                                       mysql_password=common.APP_PASSWORD))
        db.probe()
        username = args.username or common.pick_username(admin)
        keys = {view({**v, "refresh": args.refresh}).table
                for v in common.view_mix(username)[:args.views]}
        source = LiveSource(db, db.settings)
        tick(source, keys)
        while not stats_payload(source, 60, db.settings)["previous"]["complete"]:
            tick(source, keys)  # the first fill, not measured
        ledger = Ledger(admin)
        ledger.install()
        profile = cProfile.Profile() if args.profile else None
        durations, started = [], time.monotonic()
        while time.monotonic() - started < args.seconds:
            begun = time.monotonic()
            if profile is not None:
                profile.enable()
            durations.append(tick(source, keys))
            if profile is not None:
                profile.disable()
            time.sleep(max(0.0, begun + args.refresh - time.monotonic()))
        if profile is not None:
            profile.dump_stats(args.profile)
        changed = changed_rows(admin, time.monotonic() - started) / len(durations)
        db.close()
    return (f"{len(keys)} tables (filter user `{username}`), refresh {args.refresh} s, "
            f"overlap at the end {source.feed.overlap:.2f} s\n\n"
            + tick_table(ledger, len(durations), durations, changed))


def main(argv: list[str] | None = None) -> int:
    """Print the per-statement table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database", default="livedash_bench")
    p.add_argument("--views", default=8, type=int, help="how many of the 8 view keys")
    p.add_argument("--refresh", default=1, type=int, choices=(1, 3, 5, 10))
    p.add_argument("--seconds", default=60.0, type=float)
    p.add_argument("--username", default="", help="the filter user (default: a middling one)")
    p.add_argument("--profile", type=Path, default=None,
                   help="write a cProfile of the measured ticks here (pstats format; the "
                        "statement wrappers' user-statistics reads are in it too)")
    print(run(p.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
