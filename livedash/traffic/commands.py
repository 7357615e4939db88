"""The `simulate` and `seed` commands: options, the ownership check, one line per failure.

Design decisions:
- Both commands refuse (exit 2) to write into a table holding rows without the marker ids
  (model.py), unless --force: a few index dives on the primary key tell, on any table size.
- Every failure is one line on stderr naming the command, with an exit code (2 refused,
  1 database error, 130 interrupted). Rows already written stay: they carry the marker, so a
  later run accepts them and the admin clear removes them.
- The commands are plain functions listed in `livedash/cli.py`'s command table; nothing here
  registers itself.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..config import Settings
from ..db import Database, DatabaseError
from ..numbers import NumberError, parse_number
from ..queries import traffic as traffic_sql
from .model import MARKER, MARKER_END, Mix, Profile, TrafficModel
from .seeder import seed
from .simulator import Simulator, stop_on_signals

FOREIGN_CAP = 10_000


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
    count = traffic_sql.foreign_row_count(db, MARKER, MARKER_END, FOREIGN_CAP)
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
    """An argparse type: a number of `kind` within [low, high] (the shared strict rule)."""

    def parse(raw: str) -> Any:
        """The value, or argparse's usage error with the reason."""
        try:
            return parse_number(raw, kind, kind(low), kind(high))
        except NumberError as exc:
            raise argparse.ArgumentTypeError(f"{exc}, got {raw!r}") from None

    return parse


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


def simulate_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `livedash simulate`."""
    parser.add_argument("--rate", metavar="R", type=_number(float, 0.1, 100_000), default=100.0,
                        help="new transfers per second (default 100)")
    parser.add_argument("--duration", metavar="S", type=_number(float, 0.1, 10**7), default=None,
                        help="stop after this many seconds (default: run until Ctrl-C)")
    parser.add_argument("--report-every", metavar="S", type=_number(float, 0.5, 3600), default=5.0,
                        help="seconds between progress lines (default 5)")
    _model_arguments(parser)


def seed_arguments(parser: argparse.ArgumentParser) -> None:
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
