"""The live path's database cost against the rows that changed, at production rates.

    python bench/bench_feed.py --database livedash_bench --rates 100,300,1000 \\
        --designs feed,before,naive --before-tree /work/wt/before --seconds 30 \\
        --json bench/results/feed.json

For each rate R: a fresh table holding one hour of history at R (`livedash seed`), the
simulator writing R transfers/s as its own MariaDB user (so its rows inserted and updated
are counted exactly by `userstat`), then for each design a fresh server as the SELECT-only
app user with 8 Socket.IO viewers on the 8 view keys of common.view_mix at refresh 1 s:

- feed: this tree (the change feed);
- before: the design before it (a git worktree of the commit before, `--before-tree`);
- naive: the same 8 views polled over the before tree's JSON API, each a request pair a
  second (every request its own queries: the naive per-viewer poller).

Measured per design: rows read per second by the app user against rows inserted + updated
per second by the simulator (the ratio the target is about), the tick's duration p50/p95
(sampled from /healthz), the app user's database CPU, and from the start: how long until the
60-minute stats are complete (the first `stats` event of window 60 with `complete`; the
before design sends no such flag: its first window-60 event) and the longest statement the
app user ran meanwhile (PROCESSLIST sampled every 0.1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import clients
import common

from tests.dbsetup import create_database, drop_database

SIM_USER, SIM_PASSWORD = "livedash_sim", "bench-sim"
VIEWS = 8


@contextmanager
def sim_user(settings: Any) -> Any:
    """A MariaDB user for the simulator, so its inserts and updates are counted apart."""
    conn = common.admin_connection(settings)
    account = f"'{SIM_USER}'@'127.0.0.1'"
    with conn.cursor() as cur:
        cur.execute(f"DROP USER IF EXISTS {account}")
        cur.execute(f"CREATE USER {account} IDENTIFIED BY %s", (SIM_PASSWORD,))
        cur.execute(f"GRANT SELECT, INSERT, UPDATE ON `{settings.mysql_database}`.* "
                    f"TO {account}")
    try:
        yield settings.replace(mysql_user=SIM_USER, mysql_password=SIM_PASSWORD)
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS {account}")
        conn.close()


def user_row(conn: Any, user: str) -> dict[str, float]:
    with conn.cursor() as cur:
        cur.execute("SELECT ROWS_READ, ROWS_INSERTED, ROWS_UPDATED, CPU_TIME, BUSY_TIME "
                    "FROM information_schema.USER_STATISTICS WHERE USER = %s", (user,))
        row = cur.fetchone() or (0, 0, 0, 0, 0)
    return dict(zip(("read", "inserted", "updated", "cpu", "busy"), map(float, row),
                    strict=True))


class StatsViewer(clients.SocketViewer):
    """A viewer that also notes when the 60-minute stats first arrive complete."""

    def __init__(self, index: int, view: dict[str, Any], started: float) -> None:
        super().__init__(index, view, [])
        self.started = started
        self.complete_s: float | None = None

    def _on_stats(self, payload: dict[str, Any]) -> None:
        super()._on_stats(payload)
        if (self.complete_s is None and payload.get("window_minutes") == 60
                and payload.get("complete", True)):
            self.complete_s = time.monotonic() - self.started


class Watch:
    """/healthz and PROCESSLIST sampled in a thread: tick durations, longest statement."""

    def __init__(self, url: str, settings: Any) -> None:
        self.url = url
        self.conn = common.admin_connection(settings)  # its own: connections are not shared
        self.durations: list[float] = []
        self.longest_ms = 0.0
        self.stop = threading.Event()
        self._ticks = -1
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            with self.conn.cursor() as cur:
                cur.execute("SELECT COALESCE(MAX(TIME_MS), 0) FROM information_schema.PROCESSLIST "
                            "WHERE USER = %s AND COMMAND = 'Query'", (common.APP_USER,))
                self.longest_ms = max(self.longest_ms, float(cur.fetchone()[0]))
            tier = next((t for t in ((common.healthz(self.url, 1.0) or {}).get("poller") or {})
                         .get("tiers", []) if t["period"] == 1), None)
            if tier and tier["ticks"] != self._ticks:
                if self._ticks >= 0:
                    self.durations.append(tier["duration_s"])
                self._ticks = tier["ticks"]
            time.sleep(0.1)

    def reset(self) -> None:
        self.durations, self.longest_ms = [], 0.0

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.conn.close()


def views() -> list[dict[str, Any]]:
    return [{**v, "refresh": 1} for v in common.view_mix("bench.user")]


async def socket_design(run: argparse.Namespace, server: common.BenchServer,
                        watch: Watch) -> dict[str, Any]:
    """8 viewers; wait for complete 60-minute stats, then measure."""
    started = time.monotonic()
    viewers = [StatsViewer(i, v, started) for i, v in enumerate(views())]
    async with clients.client_session(VIEWS) as session:
        await clients.connect_all(viewers, session, server.url)
        deadline = started + run.fill_limit
        while viewers[2].complete_s is None and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        fill = {"complete_s": viewers[2].complete_s, "longest_statement_s":
                watch.longest_ms / 1000}
        await asyncio.sleep(run.warmup)
        measured = await measure(run, watch, lambda: sum(v.ticks for v in viewers))
        for viewer in viewers:
            await viewer.close()
    return {**measured, **fill}


async def naive_design(run: argparse.Namespace, server: common.BenchServer,
                       watch: Watch) -> dict[str, Any]:
    """8 pollers of the JSON API, each a pair a second."""
    pollers = [clients.PollingViewer(i, v, []) for i, v in enumerate(views())]
    stop = asyncio.Event()
    async with clients.client_session(VIEWS) as session:
        tasks = [asyncio.create_task(p.run(session, server.url, stop)) for p in pollers]
        await asyncio.sleep(run.warmup)
        measured = await measure(run, watch, lambda: sum(len(p.pairs) for p in pollers))
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    failed = sum(1 for p in pollers for _, _, ok in p.pairs if not ok)
    return {**measured, "failed_pairs": failed}


async def measure(run: argparse.Namespace, watch: Watch, events: Any) -> dict[str, Any]:
    """Counters over `run.seconds`."""
    app0, sim0, events0 = user_row(run.conn, common.APP_USER), user_row(run.conn, SIM_USER), \
        events()
    watch.reset()
    await asyncio.sleep(run.seconds)
    app, sim = user_row(run.conn, common.APP_USER), user_row(run.conn, SIM_USER)
    seconds = run.seconds
    arrived = common.insert_rate(run.conn, seconds)  # every writer's rows, not just ours
    if arrived > 1.1 * (sim["inserted"] - sim0["inserted"]) / seconds:
        raise RuntimeError(f"another writer is inserting into {run.database} "
                           f"({arrived:.0f} rows/s arrived): the ratio would be wrong")
    read = (app["read"] - app0["read"]) / seconds
    changed = (sim["inserted"] - sim0["inserted"] + sim["updated"] - sim0["updated"]) / seconds
    durations = sorted(watch.durations)
    return {"rows_read_s": read, "rows_changed_s": changed,
            "ratio": read / changed if changed else None,
            "tick_p50_ms": 1000 * common.percentile(durations, 0.5) if durations else None,
            "tick_p95_ms": 1000 * common.percentile(durations, 0.95) if durations else None,
            "ticks": len(durations),
            "db_cpu_pct": 100 * (app["cpu"] - app0["cpu"]) / seconds,
            "events": events() - events0}


def seed(run: argparse.Namespace, rate: int) -> None:
    """A fresh table with one hour of history at `rate`."""
    conn = common.admin_connection(run.settings)
    create_database(conn, run.database)
    conn.close()
    env = {"MYSQL_DATABASE": run.database, "LIVEDASH_ENV_FILE": "/dev/null"}
    subprocess.run([sys.executable, "-m", "livedash", "seed", "--rows", str(rate * 3600),
                    "--hours", "1"], check=True, env={**os.environ, **env},
                   stdout=subprocess.DEVNULL)


def one_design(run: argparse.Namespace, rate: int, design: str) -> dict[str, Any]:
    tree = None if design == "feed" else Path(run.before_tree)
    server = common.start_server(run.settings, run.log_dir, f"{design}-{rate}", tree,
                                 LIVEDASH_THREADS="64")
    watch = Watch(server.url, run.settings)
    try:
        coro = naive_design if design == "naive" else socket_design
        return asyncio.run(coro(run, server, watch))
    finally:
        watch.close()
        server.live.stop()
        common.kill_app_sessions(run.conn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="livedash_bench")
    parser.add_argument("--rates", default="100,300,1000")
    parser.add_argument("--designs", default="feed,before,naive")
    parser.add_argument("--before-tree", default="/work/wt/before")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--fill-limit", type=float, default=120)
    parser.add_argument("--json", default=None)
    run = parser.parse_args(argv)
    run.settings = common.bench_settings(run.database)
    run.log_dir = Path("/tmp/bench-feed")
    results: dict[str, Any] = {"machine": common.machine(), "levels": []}
    with common.app_user(run.settings), sim_user(run.settings) as sim_settings:
        for rate in (int(r) for r in run.rates.split(",")):
            seed(run, rate)
            run.conn = common.admin_connection(run.settings, run.database)
            facts = common.table_facts(run.conn)
            with common.simulator(sim_settings, rate, run.log_dir):
                time.sleep(run.warmup)
                for design in run.designs.split(","):
                    level = one_design(run, rate, design)
                    level.update(rate=rate, design=design, table=facts)
                    results["levels"].append(level)
                    print(json.dumps(level), flush=True)
            run.conn.close()
        drop_database(common.admin_connection(run.settings), run.database)
    if run.json:
        Path(run.json).write_text(json.dumps(results, indent=1))
    print(report(results))
    return 0


def report(results: dict[str, Any]) -> str:
    """The markdown table of docs/benchmarks.md."""
    rows = [[r["rate"], r["design"], r["rows_changed_s"], r["rows_read_s"], r["ratio"],
             r.get("tick_p50_ms"), r.get("tick_p95_ms"), r["db_cpu_pct"],
             r.get("complete_s"), r.get("longest_statement_s"), r.get("failed_pairs")]
            for r in results["levels"]]
    return common.markdown_table(
        ["rate/s", "design", "rows changed/s", "rows read/s (app)", "read ÷ changed",
         "tick p50 ms", "tick p95 ms", "app DB CPU %", "60-min stats complete after s",
         "longest statement while filling s", "failed request pairs"], rows)


if __name__ == "__main__":
    raise SystemExit(main())
