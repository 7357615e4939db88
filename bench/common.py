"""Shared pieces of the benchmarks: the database side, the server process, counters, probes.

Design decisions:
- The app under test is a real `python -m livedash` process (tests/servers.py `LiveServer`,
  reused as it is), so gunicorn, threads and Socket.IO are measured as deployed.
- The server connects as its own MySQL user (`APP_USER`, SELECT only), and MariaDB's user
  statistics (`userstat`) give that user's SELECT count, rows read and CPU exactly, while other
  engineers' test suites run on the same server. The global `Com_select` and `Handler_read%`
  deltas are reported too, with their noise. `AppUser` turns `userstat` back to what it was
  and drops the user when the run ends.
- Probe rows go through the same `traffic_sql.insert_arrivals` / `settle_transfers` as the
  simulator, with marker ids from `traffic.new_ids`, so `livedash seed` / `simulate` still see
  the table as theirs on a rerun. The SQL written here is only measurement SQL (status
  counters, user management): the app's statements stay in livedash/queries/.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymysql

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from livedash import traffic  # noqa: E402
from livedash.config import Settings, load_settings  # noqa: E402
from livedash.db import Database  # noqa: E402
from livedash.queries import traffic as traffic_sql  # noqa: E402
from tests.servers import LiveServer  # noqa: E402

APP_USER = "livedash_bench"
APP_PASSWORD = "bench-only-select"
PROBE_PREFIX = "bench-probe-"
HANDLER_READS = ("Handler_read_first", "Handler_read_key", "Handler_read_last",
                 "Handler_read_next", "Handler_read_prev", "Handler_read_rnd",
                 "Handler_read_rnd_next")
USER_COLUMNS = ("ROWS_READ", "SELECT_COMMANDS", "CPU_TIME", "BUSY_TIME")
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def bench_settings(database: str) -> Settings:
    """MYSQL_HOST/PORT/USER/PASSWORD from the environment (no .env), on `database`."""
    return load_settings(env_file=os.devnull).replace(mysql_database=database, demo=False)


def admin_connection(settings: Settings, database: str | None = None
                     ) -> pymysql.connections.Connection:
    """A plain autocommit connection as the configured (admin) user, for counters and setup."""
    return pymysql.connect(host=settings.mysql_host, port=settings.mysql_port,
                           user=settings.mysql_user, password=settings.mysql_password,
                           database=database, autocommit=True, charset="utf8mb4")


def one_value(conn: pymysql.connections.Connection, sql: str, params: Any = None) -> Any:
    """The first column of the first row of a measurement query."""
    with conn.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return row[0] if row else None


@contextmanager
def app_user(settings: Settings) -> Iterator[None]:
    """A SELECT-only user for the app with `userstat` on; both undone at the end."""
    conn = admin_connection(settings)
    host = "127.0.0.1" if settings.mysql_host in ("127.0.0.1", "localhost") else "%"
    account = f"'{APP_USER}'@'{host}'"
    was_on = one_value(conn, "SELECT @@GLOBAL.userstat")
    with conn.cursor() as cur:
        cur.execute(f"DROP USER IF EXISTS {account}")
        cur.execute(f"CREATE USER {account} IDENTIFIED BY %s", (APP_PASSWORD,))
        cur.execute(f"GRANT SELECT ON `{settings.mysql_database}`.* TO {account}")
        cur.execute("SET GLOBAL userstat = 1")
    try:
        yield
    finally:
        kill_app_sessions(conn)
        with conn.cursor() as cur:
            cur.execute(f"SET GLOBAL userstat = {1 if was_on else 0}")
            cur.execute(f"DROP USER IF EXISTS {account}")
        conn.close()


def kill_app_sessions(conn: pymysql.connections.Connection) -> int:
    """End every session of the app user: a statement the app abandoned at its read timeout
    keeps running on the server, and must not outlive its level (or load the next one)."""
    with conn.cursor() as cur:
        cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s", (APP_USER,))
        ids = [row[0] for row in cur.fetchall()]
        for session in ids:
            with contextlib.suppress(pymysql.err.OperationalError):  # it ended meanwhile
                cur.execute(f"KILL CONNECTION {int(session)}")
    return len(ids)


def table_facts(conn: pymysql.connections.Connection) -> dict[str, Any]:
    """Rows in the table and in its last hour (the 60-minute window), and the clock."""
    now = one_value(conn, "SELECT UTC_TIMESTAMP(3)")
    total = one_value(conn, "SELECT COUNT(*) FROM transactions")
    hour = one_value(conn, "SELECT COUNT(*) FROM transactions FORCE INDEX (idx_ingress_time) "
                           "WHERE ingress_time >= UTC_TIMESTAMP(3) - INTERVAL 60 MINUTE")
    return {"rows": int(total), "rows_last_hour": int(hour), "now": str(now),
            "server": one_value(conn, "SELECT VERSION()")}


def insert_rate(conn: pymysql.connections.Connection, seconds: float) -> float:
    """Rows per second that arrived over the last `seconds` (what the simulator achieved)."""
    count = one_value(conn, "SELECT COUNT(*) FROM transactions FORCE INDEX (idx_ingress_time) "
                            "WHERE ingress_time >= UTC_TIMESTAMP(3) - INTERVAL %s MICROSECOND",
                      (int(seconds * 1_000_000),))
    return int(count) / seconds


def pick_username(conn: pymysql.connections.Connection, rank: int = 8) -> str:
    """A user of middling traffic in the last minutes: filtered views see probes for long."""
    with conn.cursor() as cur:
        cur.execute("SELECT username, COUNT(*) AS n FROM transactions "
                    "FORCE INDEX (idx_ingress_time) "
                    "WHERE ingress_time >= UTC_TIMESTAMP(3) - INTERVAL 5 MINUTE "
                    "GROUP BY username ORDER BY n DESC LIMIT %s", (rank + 1,))
        users = [r[0] for r in cur.fetchall()]
    return users[min(rank, len(users) - 1)] if users else "bench.user"


def view_mix(username: str) -> list[dict[str, Any]]:
    """The 8 view keys viewers are spread over: windows 10/30/60, limits 50/100/200, a
    username and a status filter. Each keeps a probe row by `username` on screen for more
    than a second at 100 rows/s (unfiltered views show 200 rows), so every viewer sees every
    probe whatever the tick's phase."""
    def view(window: int, limit: int, user: str = "", status: str = "") -> dict[str, Any]:
        return {"window": window, "limit": limit, "username": user, "status": status}
    return [view(10, 200), view(30, 200), view(60, 200), view(10, 50, username),
            view(30, 100, username), view(60, 50, username, "SUBMITTED"),
            view(30, 200, "", "SUBMITTED"), view(60, 100, username)]


# -- counters ----------------------------------------------------------------------------------

@dataclass
class Counters:
    """One reading of everything that is compared before and after a measured period."""

    at: float
    app: dict[str, float]
    glob: dict[str, float]
    cpu_s: float | None
    healthz: dict[str, Any] | None

    def minus(self, before: Counters) -> dict[str, Any]:
        """Deltas since `before` (None where a side could not be read)."""
        def diff(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
            return {k: a.get(k, 0) - b.get(k, 0) for k in a}
        statements = None
        if self.healthz and before.healthz:
            statements = self.healthz["statements"] - before.healthz["statements"]
        cpu = None if self.cpu_s is None or before.cpu_s is None else self.cpu_s - before.cpu_s
        return {"seconds": self.at - before.at, "app": diff(self.app, before.app),
                "glob": diff(self.glob, before.glob), "cpu_s": cpu, "statements": statements}


def global_status(conn: pymysql.connections.Connection) -> dict[str, float]:
    """Com_select and the Handler_read% counters of the whole server."""
    with conn.cursor() as cur:
        cur.execute("SHOW GLOBAL STATUS WHERE Variable_name = 'Com_select' "
                    "OR Variable_name LIKE 'Handler_read%'")
        values = {name: float(value) for name, value in cur.fetchall()}
    values["handler_reads"] = sum(values.get(k, 0.0) for k in HANDLER_READS)
    return values


def user_stats(conn: pymysql.connections.Connection) -> dict[str, float]:
    """The app user's statistics: rows read, SELECTs, CPU and busy seconds on the server."""
    with conn.cursor() as cur:
        cur.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM information_schema.USER_STATISTICS "
                    "WHERE USER = %s", (APP_USER,))
        row = cur.fetchone()
    return {k: float(v) for k, v in zip(USER_COLUMNS, row or [0] * len(USER_COLUMNS),
                                         strict=True)}


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def memory_mb(pid: int) -> dict[str, float]:
    """Peak (VmHWM) and current (VmRSS) resident memory in MB."""
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                found[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return found


def healthz(url: str, timeout: float = 3.0) -> dict[str, Any] | None:
    """The app's /healthz (statement counter, poller tiers), or None when it does not answer."""
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=timeout) as answer:
            return json.load(answer)
    except OSError:
        return None


def read_counters(conn: pymysql.connections.Connection, server: BenchServer) -> Counters:
    """Every counter at once; /healthz first, since it may time out (gunicorn accepts no
    more connections than `worker_connections`, 1000, and each viewer holds one)."""
    health = healthz(server.url, timeout=1.0)
    return Counters(time.monotonic(), user_stats(conn), global_status(conn),
                    process_cpu_s(server.worker), health)


# -- the server and the simulator --------------------------------------------------------------

@dataclass
class BenchServer:
    """A running livedash process connected as the app user."""

    live: LiveServer
    worker: int

    @property
    def url(self) -> str:
        """Base URL."""
        return self.live.url


def start_server(settings: Settings, log_dir: Path, name: str, tree: Path | None = None,
                 **env: str) -> BenchServer:
    """`python -m livedash` (of `tree`, another checkout, when given) on the bench database as
    APP_USER; returns it and its worker pid."""
    log_dir.mkdir(parents=True, exist_ok=True)
    live = LiveServer(log_dir, name, cwd=tree, MYSQL_HOST=settings.mysql_host,
                      MYSQL_PORT=str(settings.mysql_port), MYSQL_USER=APP_USER,
                      MYSQL_PASSWORD=APP_PASSWORD, MYSQL_DATABASE=settings.mysql_database,
                      LIVEDASH_LOG_LEVEL="warning", **env)
    workers = live.pids() - {live.process.pid}
    state = (healthz(live.url) or {}).get("database")
    if len(workers) != 1 or state != "up":
        live.stop()
        raise RuntimeError(f"server not usable: workers {sorted(workers)}, database {state} "
                           f"(log: {live.log_path})")
    return BenchServer(live, workers.pop())


@contextmanager
def simulator(settings: Settings, rate: float, log_dir: Path) -> Iterator[None]:
    """`livedash simulate --rate R` in the background for the whole run (rate 0: none)."""
    if rate <= 0:
        yield
        return
    env = {**os.environ, "MYSQL_HOST": settings.mysql_host, "MYSQL_PORT": str(settings.mysql_port),
           "MYSQL_USER": settings.mysql_user, "MYSQL_PASSWORD": settings.mysql_password,
           "MYSQL_DATABASE": settings.mysql_database, "LIVEDASH_ENV_FILE": os.devnull}
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "simulate.log").open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "livedash", "simulate", "--rate",
                                 str(rate), "--report-every", "10"], env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            time.sleep(3)
            if proc.poll() is not None:
                raise RuntimeError(f"simulator exited: {(log_dir / 'simulate.log').read_text()}")
            yield
        finally:
            proc.terminate()
            proc.wait(30)


# -- probes: marked rows whose trip to the screen is timed -------------------------------------

@dataclass
class Probes:
    """Commit times of the probe rows inserted during the measured period."""

    committed: dict[str, float] = field(default_factory=dict)
    recording: bool = False

    def latencies(self, sightings: list[tuple[int, str, float]]) -> list[float]:
        """Insert-to-screen seconds: each viewer's first sighting of each measured probe."""
        first: dict[tuple[int, str], float] = {}
        for viewer, tid, when in sightings:
            if tid in self.committed and when < first.get((viewer, tid), float("inf")):
                first[(viewer, tid)] = when
        return [when - self.committed[tid] for (_, tid), when in first.items()]


class ProbeWriter:
    """Inserts one probe row at a time (a real arrival) and settles it a few seconds later."""

    SETTLE_AFTER_S = 5.0

    def __init__(self, settings: Settings, username: str, probes: Probes) -> None:
        self.db = traffic.connect(settings)
        self.username = username
        self.probes = probes
        self.pending: list[tuple[float, str]] = []
        self.count = 0

    def insert_one(self) -> None:
        """Insert a probe now; record its commit time when the measured period is on."""
        self.count += 1
        tid = traffic.new_ids(1)[0]
        if self.probes.recording:  # provisional, for a sighting racing the INSERT's return
            self.probes.committed[tid] = time.time()
        traffic_sql.insert_arrivals(self.db, [(
            tid, self.username, f"{PROBE_PREFIX}{self.count}.bin",
            random.randint(10_000, 50_000_000), "ingress-01", "SUBMITTED")])
        committed = time.time()
        if tid in self.probes.committed:
            self.probes.committed[tid] = committed
        self.pending.append((committed, tid))
        self.settle(committed - self.SETTLE_AFTER_S)

    def settle(self, before: float) -> None:
        """COMPLETE the probes inserted before `before` (all with float('inf'))."""
        due = [tid for at, tid in self.pending if at <= before]
        if due:
            traffic_sql.settle_transfers(self.db, due, "COMPLETE", "egress-01")
            self.pending = [(at, tid) for at, tid in self.pending if at > before]

    def close(self) -> None:
        """Settle what is left and disconnect."""
        self.settle(float("inf"))
        self.db.close()


# -- figures and tables ------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1), interpolating between the two nearest values; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def fmt(value: Any, digits: int = 1) -> str:
    """A table cell: numbers rounded with thousands separators, None as n/a."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    """CPU count and model, for the report."""
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU")
    return f"{os.cpu_count()} cores ({model}), Python {sys.version.split()[0]}"


def open_database(settings: Settings) -> Database:
    """A Database for running app queries as the app user (full-window comparisons)."""
    return traffic.connect(settings.replace(mysql_user=APP_USER, mysql_password=APP_PASSWORD))
