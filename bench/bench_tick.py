"""What one poller tick costs, statement by statement: calls, rows read and time per tick.

    python bench/bench_tick.py --database livedash_bench --views 8 --seconds 30

Runs the app's real `Poller` in this process on the given database (as a SELECT-only user,
with MariaDB's user statistics on: see common.py) with the 8 view keys of bench_viewers.py,
all on one refresh tier, and ticks it every `--refresh` seconds as its tier task would. A
stand-in for Flask-SocketIO takes the emits, so only database work is timed. Every
`livedash.queries` function is wrapped to attribute its rows read (the app user's ROWS_READ
delta; ticks run one statement at a time) and its time to the caller, e.g.
`groups_between <- refresh` (the hot span) or `groups_between <- window` (a window's edge).
The simulator should be writing (`livedash simulate --rate 100`) while this runs.
"""

from __future__ import annotations

import argparse
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
from livedash.poller import Poller
from livedash.validate import view


class QuietSocketIO:
    """Takes the poller's emits and room changes; starts no background task."""

    class Server:
        """The rooms part of python-socketio's server."""

        def enter_room(self, *args: Any, **kwargs: Any) -> None:
            """Rooms do not matter here."""

        def leave_room(self, *args: Any, **kwargs: Any) -> None:
            """Rooms do not matter here."""

    def __init__(self) -> None:
        self.server = self.Server()
        self.emits = 0

    def emit(self, *args: Any, **kwargs: Any) -> None:
        """Count, do not send."""
        self.emits += 1

    def start_background_task(self, *args: Any, **kwargs: Any) -> None:
        """The benchmark drives the ticks itself."""


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
        """Wrap every public statement function of livedash.queries (first argument `db`)."""
        for name, fn in vars(queries).items():
            if inspect.isfunction(fn) and not name.startswith("_") and \
                    list(inspect.signature(fn).parameters)[:1] == ["db"]:
                setattr(queries, name, self.wrap(name, fn))


def tick_table(ledger: Ledger, ticks: int, durations: list[float]) -> str:
    """Markdown: per statement label, per tick; and a total line."""
    rows = sorted(ledger.totals.items(), key=lambda kv: -kv[1][1])
    body = [[label, calls / ticks, round(read / ticks), 1000 * secs / ticks]
            for label, (calls, read, secs) in rows]
    calls, read, secs = (sum(v[i] for v in ledger.totals.values()) for i in range(3))
    body.append(["**total**", calls / ticks, round(read / ticks), 1000 * secs / ticks])
    table = common.markdown_table(["statement <- caller", "calls/tick", "rows read/tick",
                                   "ms/tick"], body)
    p50, p95 = (common.percentile(durations, q) for q in (0.5, 0.95))
    return (f"{table}\n\n{ticks} ticks; tick duration p50 {1000 * p50:.0f} ms, p95 "
            f"{1000 * p95:.0f} ms, max {1000 * max(durations):.0f} ms")


def run(args: argparse.Namespace) -> str:
    """Subscribe the views, fill, then tick for `--seconds` and tabulate."""
    settings = common.bench_settings(args.database)
    admin = common.admin_connection(settings, args.database)
    with common.app_user(settings):
        app_settings = settings.replace(mysql_user=common.APP_USER,
                                        mysql_password=common.APP_PASSWORD)
        db = Database(app_settings)
        db.probe()
        username = args.username or common.pick_username(admin)
        poller = Poller(QuietSocketIO(), db)  # type: ignore[arg-type]
        views = [view({**v, "refresh": args.refresh})
                 for v in common.view_mix(username)[:args.views]]
        for i, v in enumerate(views):
            poller.subscribe(f"viewer-{i}", v)
        poller._tick(views)  # the first fill, not measured
        ledger = Ledger(admin)
        ledger.install()
        durations = tick_loop(poller, views, args.seconds, args.refresh)
        db.close()
    return (f"{len(views)} views (probe user `{username}`), refresh {args.refresh} s\n\n"
            + tick_table(ledger, len(durations), durations))


def tick_loop(poller: Poller, views: list[Any], seconds: float, refresh: int) -> list[float]:
    """Tick on schedule like the tier task (the poller's own `_tick`); durations in seconds."""
    durations = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        poller._tick(views)
        durations.append(time.monotonic() - started)
        time.sleep(max(0.0, started + refresh - time.monotonic()))
    return durations


def main(argv: list[str] | None = None) -> int:
    """Print the per-statement table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database", default="livedash_bench")
    p.add_argument("--views", default=8, type=int, help="how many of the 8 view keys")
    p.add_argument("--refresh", default=1, type=int, choices=(1, 3, 5, 10))
    p.add_argument("--seconds", default=30.0, type=float)
    p.add_argument("--username", default="", help="the filter user (default: a middling one)")
    print(run(p.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
