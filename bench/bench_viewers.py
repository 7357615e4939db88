"""Live dashboard viewers against the shared poller, the naive polling baseline and window size.

    python bench/bench_viewers.py --database livedash_bench --viewers 1,10,100,500,1000 \\
        --seconds 25 --modes live,naive,windows --json /tmp/bench.json

Needs a table of at least 2M rows (`livedash seed`), aiohttp (`pip install aiohttp`) and a
MariaDB (user statistics); see bench/README.md and docs/benchmarks.md for the procedure.

What it does, per level (a fresh server each time, so peak RSS belongs to that level):
- `live`: N python-socketio AsyncClients (one asyncio process) subscribe round-robin to
  K = min(N, 8) views (windows 10/30/60, limits 50/100/200, a username and a status filter,
  refresh 1 s). A probe row is inserted a few times a second; each viewer timestamps the
  `added` delta that carries it (insert-to-screen latency). Every view keeps a probe on
  screen for more than a refresh at 100 rows/s (unfiltered views show 200 rows; filtered
  ones match a middling user or SUBMITTED), so every viewer should see every probe.
- `naive`: N viewers each poll /api/stats and /api/transactions (same views) every refresh,
  the next pair starting a refresh after the last began, or at once when it took longer.
- `windows`: one viewer on window 10, 30, 60: rows read per tick, against the full-window
  aggregate (`queries.window_groups`) run once as the app's user.
The simulator (`livedash simulate --rate R`) writes in the background for the whole run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import clients
import common
from common import Probes, ProbeWriter

from livedash import queries
from livedash.db import DatabaseError

DRAIN_S = 2.0
NOISE_MAX_S = 60.0


@dataclass
class Run:
    """Options and shared state of one benchmark run."""

    args: argparse.Namespace
    settings: Any
    conn: Any
    username: str
    log_dir: Path
    results: dict[str, Any] = field(default_factory=dict)

    def view_of(self, viewer: int) -> dict[str, Any]:
        """The view of viewer i: round-robin over the keys, refresh from the options."""
        view = common.view_mix(self.username)[viewer % self.args.keys]
        return {**view, "refresh": self.args.refresh}


# -- measuring ----------------------------------------------------------------------------------

async def probe_loop(writer: ProbeWriter, rate: float, stop: asyncio.Event) -> None:
    """Insert probes at about `rate` per second, at random phases against the ticks."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(writer.insert_one)
        except DatabaseError as exc:  # a saturated server: skip this probe, say so
            print(f"bench: probe insert failed: {exc}", file=sys.stderr, flush=True)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), random.uniform(0.5, 1.5) / rate)


def cpu_of(pids: list[int]) -> float:
    """CPU seconds of the benchmark's own processes: this one and its viewer helpers."""
    mine = os.times()
    return mine.user + mine.system + sum(common.process_cpu_s(p) or 0.0 for p in pids)


async def measure(run: Run, server: common.BenchServer, probes: Probes,
                  ticks: Any = lambda: 0, helpers: Sequence[int] = ()) -> dict[str, Any]:
    """Counters over `--seconds` with probes flowing; the last probes get DRAIN_S to arrive."""
    writer = ProbeWriter(run.settings, run.username, probes)
    stop = asyncio.Event()
    prober = asyncio.create_task(probe_loop(writer, run.args.probe_rate, stop))
    try:
        await asyncio.sleep(1.0)
        probes.recording = True
        before, ticks0, cpu0 = await asyncio.to_thread(common.read_counters, run.conn,
                                                       server), ticks(), cpu_of(helpers)
        await asyncio.sleep(run.args.seconds)
        after, ticks1, cpu1 = await asyncio.to_thread(common.read_counters, run.conn,
                                                      server), ticks(), cpu_of(helpers)
        probes.recording = False
        rate = await asyncio.to_thread(common.insert_rate, run.conn, run.args.seconds)
        await asyncio.sleep(run.args.refresh + DRAIN_S)
    finally:
        stop.set()
        await prober
        await asyncio.to_thread(writer.close)
    delta = after.minus(before)
    delta.update(ticks=ticks1 - ticks0, span=(before.at, after.at), client_cpu_s=cpu1 - cpu0,
                 memory=common.memory_mb(server.worker), loadavg=os.getloadavg()[0],
                 insert_rate=rate,
                 poller=(after.healthz or {}).get("poller"), probes=len(probes.committed))
    return delta


def figures(delta: dict[str, Any], latencies: list[float], viewers: int) -> dict[str, Any]:
    """The reported figures from one measured period."""
    seconds, ticks = delta["seconds"], delta["ticks"]

    def per_tick(value: float) -> float | None:
        return value / ticks if ticks else None

    expected = delta["probes"] * viewers
    return {
        "viewers": viewers, "seconds": round(seconds, 1), "ticks": ticks,
        "statements_per_s": (delta["statements"] / seconds
                             if delta["statements"] is not None else None),
        "app_selects_per_s": delta["app"]["SELECT_COMMANDS"] / seconds,
        "com_select_per_s": delta["glob"]["Com_select"] / seconds,
        "app_rows_read_per_tick": per_tick(delta["app"]["ROWS_READ"]),
        "app_rows_read_per_s": delta["app"]["ROWS_READ"] / seconds,
        "handler_reads_per_tick": per_tick(delta["glob"]["handler_reads"]),
        "handler_reads_per_s": delta["glob"]["handler_reads"] / seconds,
        "db_cpu_pct": 100 * delta["app"]["CPU_TIME"] / seconds,
        "latency_p50": common.percentile(latencies, 0.50),
        "latency_p95": common.percentile(latencies, 0.95),
        "latency_max": max(latencies, default=None),
        "delivered_pct": 100 * len(latencies) / expected if expected else None,
        "probes": delta["probes"],
        "server_cpu_pct": 100 * delta["cpu_s"] / seconds if delta["cpu_s"] is not None else None,
        "peak_rss_mb": delta["memory"].get("VmHWM"),
        "client_cpu_pct": 100 * delta["client_cpu_s"] / seconds,
        "loadavg": delta["loadavg"], "insert_rate": delta["insert_rate"],
        "poller": delta["poller"],
    }


# -- the three modes ----------------------------------------------------------------------------

def server_for(run: Run, name: str, viewers: int, **env: str) -> common.BenchServer:
    """A fresh server with a gunicorn thread per viewer plus headroom."""
    return common.start_server(run.settings, run.log_dir, name, tree=run.args.tree,
                               LIVEDASH_THREADS=str(max(64, viewers + 100)), **env)


def stop_server(run: Run, server: common.BenchServer) -> None:
    """Stop the server and end what it left running on the database server."""
    server.live.stop()
    left = common.kill_app_sessions(run.conn)
    run.results.setdefault("sessions_killed", {})[server.live.log_path.stem] = left


async def live_level(run: Run, viewers: int, view_of: Any = None) -> dict[str, Any]:
    """N Socket.IO viewers on one fresh server: statements, rows read, latency, CPU, RSS.
    Viewer 0 (which counts ticks) runs here, the others in `--client-procs` helpers."""
    view_of = view_of or run.view_of
    server = server_for(run, f"live-{viewers}", viewers)
    probes, sightings = Probes(), []
    first = clients.SocketViewer(0, view_of(0), sightings)
    helpers = clients.ViewerProcesses(server.url, [(i, view_of(i)) for i in range(1, viewers)],
                                      run.args.client_procs)
    try:
        async with clients.client_session(1) as session:
            started = time.monotonic()
            await first.connect(session, server.url)
            await helpers.ready()
            connect_s = time.monotonic() - started
            await clients.first_ticks(first)
            await asyncio.sleep(run.args.warmup)
            delta = await measure(run, server, probes, lambda: first.ticks, helpers.pids)
            theirs, disconnects = await helpers.finish()
            disconnects += first.disconnects
            await first.close()
    finally:
        helpers.kill()
        stop_server(run, server)
    result = figures(delta, probes.latencies(sightings + theirs), viewers)
    result.update(keys=len({json.dumps(view_of(i), sort_keys=True) for i in range(viewers)}),
                  connect_s=round(connect_s, 1), disconnects=disconnects)
    return result


async def naive_level(run: Run, viewers: int) -> dict[str, Any]:
    """N polling viewers on one fresh server: what the naive design costs and achieves."""
    timeout = {"LIVEDASH_DB_READ_TIMEOUT": str(run.args.naive_read_timeout)}
    server = server_for(run, f"naive-{viewers}", viewers,
                        **(timeout if run.args.naive_read_timeout else {}))
    probes, sightings = Probes(), []
    pollers = [clients.PollingViewer(i, run.view_of(i), sightings) for i in range(viewers)]
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        async with clients.client_session(viewers) as session:
            tasks += [asyncio.create_task(c.run(session, server.url, stop)) for c in pollers]
            await asyncio.sleep(run.args.warmup)
            delta = await measure(run, server, probes)
            stop.set()
            for task in tasks:  # a pair still waiting counts for nothing now
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for task in tasks:
            task.cancel()
        stop_server(run, server)
    return naive_figures(run, delta, probes.latencies(sightings), pollers)


def naive_figures(run: Run, delta: dict[str, Any], latencies: list[float],
                  pollers: list[clients.PollingViewer]) -> dict[str, Any]:
    """Figures for the polling baseline: pairs achieved against pairs wanted."""
    start, end = delta["span"]
    pairs = [p for c in pollers for p in c.pairs if start <= p[0] <= end]
    durations = [p[1] for p in pairs]
    seconds = delta["seconds"]
    result = figures(delta, latencies, len(pollers))
    statements = delta["app"]["SELECT_COMMANDS"]
    result.update(
        keys=min(len(pollers), run.args.keys), pairs_per_s=len(pairs) / seconds,
        pairs_wanted_per_s=len(pollers) / run.args.refresh,
        pair_p50=common.percentile(durations, 0.5), pair_p95=common.percentile(durations, 0.95),
        failed_pairs=sum(1 for p in pairs if not p[2]),
        statements_per_pair=statements / len(pairs) if pairs else None)
    return result


async def window_level(run: Run, window: int) -> dict[str, Any]:
    """One viewer on `window` (limit 50, no filter): rows read per tick vs the full query."""
    view = {"window": window, "refresh": run.args.refresh, "limit": 50, "username": "",
            "status": ""}
    result = await live_level(run, 1, lambda i: view)
    result.update(window=window, **await asyncio.to_thread(full_query, run, window))
    return result


def full_query(run: Run, window: int, repeats: int = 2) -> dict[str, Any]:
    """Rows read and time of the full-window aggregate, as the app's user (last of repeats)."""
    db = common.open_database(run.settings)
    try:
        for _ in range(repeats):
            before_app, before_glob = common.user_stats(run.conn), common.global_status(run.conn)
            started = time.monotonic()
            queries.window_groups(db, queries.db_now(db), window)
            seconds = time.monotonic() - started
            after_app, after_glob = common.user_stats(run.conn), common.global_status(run.conn)
    finally:
        db.close()
    return {"full_rows_read": after_app["ROWS_READ"] - before_app["ROWS_READ"],
            "full_handler_reads": after_glob["handler_reads"] - before_glob["handler_reads"],
            "full_seconds": seconds}


# -- the report ---------------------------------------------------------------------------------

def pair(a: Any, b: Any, digits: int = 2) -> str:
    """Two figures in one cell, `a / b`."""
    return f"{common.fmt(a, digits)} / {common.fmt(b, digits)}"


def live_table(levels: list[dict[str, Any]]) -> str:
    """Markdown: one row per number of Socket.IO viewers."""
    headers = ["viewers", "keys", "statements/s (app)", "SELECTs/s (app user)",
               "Com_select/s (global)", "rows read/tick (app user)",
               "Handler_read/tick (global)", "latency p50 / p95 / max (s)", "delivered %",
               "server CPU %", "peak RSS MB", "DB CPU % (app user)", "bench client CPU %",
               "rows/s written", "load avg"]
    rows = [[r["viewers"], r["keys"], r["statements_per_s"], r["app_selects_per_s"],
             r["com_select_per_s"], round(r["app_rows_read_per_tick"] or 0),
             round(r["handler_reads_per_tick"] or 0),
             f"{pair(r['latency_p50'], r['latency_p95'])} / {common.fmt(r['latency_max'], 2)}",
             r["delivered_pct"], r["server_cpu_pct"], r["peak_rss_mb"], r["db_cpu_pct"],
             r["client_cpu_pct"], r["insert_rate"], r["loadavg"]] for r in levels]
    return common.markdown_table(headers, rows)


def naive_table(levels: list[dict[str, Any]], per_pair: float | None) -> str:
    """Markdown: one row per number of polling viewers, with what they would need."""
    headers = ["viewers", "request pairs/s done / wanted", "pair time p50 / p95 (s)",
               "failed pairs", "statements/s (app)", "statements/s needed",
               "SELECTs/s (app user)", "Com_select/s (global)", "rows read/s (app user)",
               "latency p50 / p95 (s)", "delivered %", "server CPU %", "peak RSS MB",
               "DB CPU % (app user)", "rows/s written", "load avg"]
    rows = [[r["viewers"], pair(r["pairs_per_s"], r["pairs_wanted_per_s"], 1),
             pair(r["pair_p50"], r["pair_p95"]), r["failed_pairs"], r["statements_per_s"],
             r["viewers"] * per_pair if per_pair else None, r["app_selects_per_s"],
             r["com_select_per_s"], round(r["app_rows_read_per_s"]),
             pair(r["latency_p50"], r["latency_p95"]), r["delivered_pct"],
             r["server_cpu_pct"], r["peak_rss_mb"], r["db_cpu_pct"], r["insert_rate"],
             r["loadavg"]] for r in levels]
    return common.markdown_table(headers, rows)


def window_table(levels: list[dict[str, Any]]) -> str:
    """Markdown: rows read per tick by window, against the full-window query."""
    headers = ["window (min)", "ticks", "rows read/tick (app user)", "Handler_read/tick (global)",
               "statements/tick", "full query: rows read", "full query: seconds",
               "full ÷ incremental", "rows/s written", "load avg"]
    rows = []
    for r in levels:
        per_tick = r["app_rows_read_per_tick"]
        statements = (r["statements_per_s"] * r["seconds"] / r["ticks"]
                      if r["statements_per_s"] is not None and r["ticks"] else None)
        rows.append([r["window"], r["ticks"], round(per_tick or 0),
                     round(r["handler_reads_per_tick"] or 0), statements,
                     int(r["full_rows_read"]), round(r["full_seconds"], 2),
                     r["full_rows_read"] / per_tick if per_tick else None, r["insert_rate"],
                     r["loadavg"]])
    return common.markdown_table(headers, rows)


def statements_per_pair(naive: list[dict[str, Any]]) -> float | None:
    """Statements one request pair costs: the least loaded level showing every view key
    where no pair failed (failed pairs were refused before reaching the database)."""
    usable = [r for r in naive if r["statements_per_pair"] and not r["failed_pairs"]]
    mixed = [r for r in usable if r["keys"] == max(r["keys"] for r in usable)]
    return min(mixed, key=lambda r: r["viewers"])["statements_per_pair"] if mixed else None


def verdict(ok: bool | None) -> str:
    """PASS / FAIL / not measured."""
    return "not measured" if ok is None else ("PASS" if ok else "FAIL")


def targets(run: Run) -> list[str]:
    """Each target of issues 3 and 6 with the measured figure and a verdict."""
    live = {r["viewers"]: r for r in run.results.get("live", [])}
    naive = run.results.get("naive", [])
    refresh = run.args.refresh
    lines = []
    same_keys = sorted(n for n in live if n >= run.args.keys)
    shared = [live[n]["app_selects_per_s"] for n in same_keys]
    if shared:
        spread = max(shared) / min(shared)
        lines.append(f"- SELECTs/s flat over viewers {same_keys} (all on the same "
                     f"{run.args.keys} keys): max/min = {spread:.2f}: {verdict(spread <= 1.25)}")
    if 500 in live:
        p95 = live[500]["latency_p95"]
        lines.append(f"- p95 insert-to-screen at 500 viewers = {common.fmt(p95, 2)} s "
                     f"(target <= {refresh + 0.3:.1f} s): "
                     f"{verdict(None if p95 is None else p95 <= refresh + 0.3)}")
    lines += _naive_target(live, naive, refresh)
    for n, r in sorted(live.items()):
        cpu, rss = r["server_cpu_pct"], r["peak_rss_mb"]
        ok = None if cpu is None or rss is None else cpu < 100 and rss < 500
        lines.append(f"- one process at {n} viewers: CPU {common.fmt(cpu)} %, peak RSS "
                     f"{common.fmt(rss)} MB (target < 100 % and < 500 MB): {verdict(ok)}")
    for r in run.results.get("windows", []):
        if r["window"] == 60 and r["app_rows_read_per_tick"]:
            ratio = r["full_rows_read"] / r["app_rows_read_per_tick"]
            lines.append(f"- rows read per tick, 60-minute window: full ÷ incremental = "
                         f"{ratio:.1f} (target >= 10): {verdict(ratio >= 10)}")
    return lines


def _naive_target(live: dict[int, dict[str, Any]], naive: list[dict[str, Any]],
                  refresh: int) -> list[str]:
    """The 50x target at the largest common level: against what the naive design needs to
    serve its viewers, and what it got through a saturated database."""
    per_pair = statements_per_pair(naive)
    common_levels = sorted(set(live) & {r["viewers"] for r in naive})
    if not common_levels or not per_pair:
        return []
    n = common_levels[-1]
    ours = live[n]
    theirs = next(r for r in naive if r["viewers"] == n)
    needed = n * per_pair / refresh
    return [f"- {n} viewers: shared poller {ours['app_selects_per_s']:.1f} SELECTs/s; the naive "
            f"baseline needs {needed:,.0f}/s ({n} x {per_pair:.1f} statements per request pair "
            f"per {refresh} s) = {needed / ours['app_selects_per_s']:,.0f}x: "
            f"{verdict(needed / ours['app_selects_per_s'] >= 50)}. What it got: "
            f"{theirs['pairs_per_s']:.1f} of {theirs['pairs_wanted_per_s']:,.0f} pairs/s "
            f"({theirs['app_selects_per_s']:.1f} SELECTs/s, {theirs['app_rows_read_per_s']:,.0f}"
            f" rows read/s, DB CPU {theirs['db_cpu_pct']:.0f} %) against the poller's "
            f"{ours['app_rows_read_per_s']:,.0f} rows read/s and DB CPU "
            f"{ours['db_cpu_pct']:.0f} % serving every viewer"]


def report(run: Run, facts: dict[str, Any]) -> str:
    """The whole markdown report."""
    noise = run.results["noise"]
    parts = [f"Run at {facts['now']} UTC on {facts['machine']}; {facts['server']}; table "
             f"{facts['rows']:,} rows, {facts['rows_last_hour']:,} in the last hour; simulator "
             f"{run.args.rate:g} rows/s; probe user `{run.username}`; {run.args.seconds:g} s "
             f"measured per level after {run.args.warmup:g} s warm-up; refresh "
             f"{run.args.refresh} s. With no app running, the server's global counters "
             f"moved by {noise['Com_select']:.1f} Com_select/s and "
             f"{noise['handler_reads']:,.0f} Handler_read/s (simulator and other clients)."]
    if run.results.get("live"):
        parts += ["### Shared poller (Socket.IO viewers)", live_table(run.results["live"])]
    if run.results.get("naive"):
        per_pair = statements_per_pair(run.results["naive"])
        parts += ["### Naive baseline (every viewer polls the JSON API)",
                  naive_table(run.results["naive"], per_pair / run.args.refresh
                              if per_pair else None)]
    if run.results.get("windows"):
        parts += ["### Rows read per tick against window size (one viewer)",
                  window_table(run.results["windows"])]
    parts += ["### Targets", *targets(run)]
    return "\n\n".join(parts)


# -- entry point --------------------------------------------------------------------------------

async def noise_floor(run: Run) -> dict[str, float]:
    """Global Com_select and Handler_read% per second with no app running: the other clients
    of this server (simulator, other test suites) that the global figures include."""
    seconds = min(run.args.seconds, NOISE_MAX_S)  # a long soak level needs no longer floor
    before = common.global_status(run.conn)
    await asyncio.sleep(seconds)
    after = common.global_status(run.conn)
    return {key: (after[key] - before[key]) / seconds for key in ("Com_select", "handler_reads")}


async def settle(run: Run, span: float = 200.0) -> None:
    """Wait until the last `span` seconds hold rows at the simulator's rate: the hot span and
    the window edges must be as full as in steady traffic before anything is measured."""
    if run.args.rate <= 0:
        return
    deadline = time.monotonic() + span + 60
    while await asyncio.to_thread(common.insert_rate, run.conn, span) < 0.9 * run.args.rate:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the simulator does not reach {run.args.rate:g} rows/s")
        print("bench: waiting for steady traffic over the last "
              f"{span:g} s ...", file=sys.stderr, flush=True)
        await asyncio.sleep(10)


async def run_modes(run: Run) -> None:
    """Every requested mode and level, in order; results kept as they come."""
    await settle(run)
    run.results["noise"] = await noise_floor(run)
    plan = {"live": (live_level, run.args.viewers), "naive": (naive_level, run.args.naive),
            "windows": (window_level, run.args.windows)}
    for mode in run.args.modes:
        level_fn, levels = plan[mode]
        for level in levels:
            print(f"bench: {mode} {level} ...", file=sys.stderr, flush=True)
            result = await level_fn(run, level)
            run.results.setdefault(mode, []).append(result)
            print(f"bench: {mode} {level}: {json.dumps(result, default=str)}", file=sys.stderr,
                  flush=True)


def numbers(text: str) -> list[int]:
    """`1,10,100` -> [1, 10, 100]."""
    return [int(part) for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database", default="livedash_bench", help="database to run against")
    p.add_argument("--modes", default="live,naive,windows",
                   type=lambda t: [m for m in t.split(",") if m])
    p.add_argument("--viewers", default="1,10,100,500,1000", type=numbers)
    p.add_argument("--naive", default=None, type=numbers,
                   help="naive baseline levels (default: --viewers)")
    p.add_argument("--windows", default="10,30,60", type=numbers)
    p.add_argument("--keys", default=8, type=int, help="view keys (at most 8)")
    p.add_argument("--refresh", default=1, type=int, choices=(1, 3, 5, 10))
    p.add_argument("--seconds", default=25.0, type=float, help="measured seconds per level")
    p.add_argument("--warmup", default=5.0, type=float, help="seconds before measuring")
    p.add_argument("--rate", default=100.0, type=float,
                   help="simulator rows/s started for the run (0: none, e.g. one runs already)")
    p.add_argument("--probe-rate", default=3.0, type=float, help="probe rows per second")
    p.add_argument("--client-procs", default=2, type=int,
                   help="helper processes for the Socket.IO viewers (viewer 0 stays here)")
    p.add_argument("--naive-read-timeout", default=0, type=float,
                   help="LIVEDASH_DB_READ_TIMEOUT for the naive baseline's server (0: the "
                        "app's default, 10 s; see docs/benchmarks.md)")
    p.add_argument("--username", default="", help="probe user (default: a middling one)")
    p.add_argument("--min-rows", default=2_000_000, type=int, help="refuse smaller tables")
    p.add_argument("--tree", type=Path, default=None,
                   help="serve the app of another checkout (a git worktree of an older commit)")
    p.add_argument("--log-dir", default="/tmp/livedash-bench", type=Path)
    p.add_argument("--json", type=Path, help="also write every figure here")
    p.add_argument("--from-json", type=Path, help="only print the report of a saved --json")
    args = p.parse_args(argv)
    args.naive = args.naive or args.viewers
    args.keys = max(1, min(args.keys, 8))
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the markdown report."""
    args = parse_args(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        args.__dict__.update({k: v for k, v in saved["args"].items() if k != "from_json"})
        print(report(Run(args, None, None, saved["username"], args.log_dir, saved["results"]),
                     saved["facts"]))
        return 0
    settings = common.bench_settings(args.database)
    conn = common.admin_connection(settings, args.database)
    facts = {**common.table_facts(conn), "machine": common.machine()}
    if facts["rows"] < args.min_rows:
        print(f"bench: {args.database} has {facts['rows']:,} rows, fewer than --min-rows "
              f"{args.min_rows:,}; seed it first (see bench/README.md)", file=sys.stderr)
        return 2
    with common.app_user(settings), common.simulator(settings, args.rate, args.log_dir):
        username = args.username or common.pick_username(conn)
        run = Run(args, settings, conn, username, args.log_dir)
        asyncio.run(run_modes(run))
    text = report(run, facts)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"facts": facts, "args": vars(args),
                                         "username": run.username, "results": run.results},
                                        default=str, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
