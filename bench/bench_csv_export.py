"""Report export speed and memory: the app's CSV of 1M rows against the mariadb client, and an
HTML report of 100k rows. Results go to docs/benchmarks.md (## Reports).

    python bench/bench_csv_export.py [--rows 1000000] [--html-rows 100000] [--keep]

What it does, in one run:
1. Creates the database `livedash_bench_reports` (tests/schema.sql) and fills it with `livedash
   seed` (the project's own generator: 200 users, realistic sizes and outcomes over 24 h), or
   reuses it when it already holds exactly --rows rows.
2. Runs the app as deployed (`python -m livedash`: gunicorn, one worker; tests/servers.py) and
   downloads /reports/export with a streaming HTTP client, counting lines; peak RSS is the
   worker's VmHWM from /proc (a fresh server per measurement, so each peak is its own).
3. Runs `mariadb --batch` on the very SELECT the app sends (taken from
   livedash/queries/reports.py, parameters filled in by the driver), output to a pipe that
   is read and thrown away.
   Client and app alternate (client, app, client, app); the best run of each is compared, so a
   cold buffer pool or a noisy neighbour hurts neither side alone.
4. HTML: a range holding exactly --html-rows rows, with LIVEDASH_REPORT_HTML_MAX_ROWS raised
   to list them all; then the whole table with the default cap (statistics over every row,
   50,000 listed): time to the first and the last byte, size, peak RSS.
5. Drops the database unless --keep.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pymysql
import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from livedash.queries import reports as report_sql  # noqa: E402
from tests.conftest import SERVER  # noqa: E402
from tests.dbsetup import create_database, drop_database  # noqa: E402
from tests.servers import LiveServer  # noqa: E402

DATABASE = "livedash_bench_reports"
TARGET_RSS_MB = 150


def admin(database: str | None = None) -> pymysql.connections.Connection:
    """A direct connection for setup and range look-ups (not the app's pool)."""
    return pymysql.connect(**SERVER, database=database, autocommit=True, charset="utf8mb4")


def row_count() -> int | None:
    """Rows in the bench table, or None when the database does not exist."""
    try:
        conn = admin(DATABASE)
    except pymysql.err.OperationalError:
        return None
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM transactions")
        return int(cur.fetchone()[0])


def prepare(rows: int) -> None:
    """Create and seed the bench database unless it already holds exactly `rows` rows."""
    if row_count() == rows:
        print(f"reusing {DATABASE} ({rows:,} rows)", flush=True)
        return
    conn = admin()
    create_database(conn, DATABASE)
    env = {**os.environ, **server_env(), "LIVEDASH_ENV_FILE": os.devnull}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "livedash", "seed", "--rows", str(rows), "--hours",
                    "24", "--seed", "1"], env=env, check=True)
    print(f"seeded {rows:,} rows in {time.perf_counter() - started:.0f} s", flush=True)


def server_env() -> dict[str, str]:
    """The connection settings for the bench database."""
    return {"MYSQL_HOST": SERVER["host"], "MYSQL_PORT": str(SERVER["port"]),
            "MYSQL_USER": SERVER["user"], "MYSQL_PASSWORD": SERVER["password"],
            "MYSQL_DATABASE": DATABASE}


def bounds(rows: int | None = None) -> tuple[datetime, datetime]:
    """A range holding every row, or exactly the `rows` oldest ones."""
    conn = admin(DATABASE)
    with conn.cursor() as cur:
        cur.execute("SELECT MIN(ingress_time), MAX(ingress_time) FROM transactions")
        first, last = cur.fetchone()
        end = last + timedelta(milliseconds=1)
        if rows is not None:
            cur.execute("SELECT ingress_time FROM transactions FORCE INDEX (idx_ingress_time) "
                        "ORDER BY ingress_time LIMIT 1 OFFSET %s", (rows,))
            end = cur.fetchone()[0]
    return first, end


class _Capture:
    """Stands in for Database: records the statement a query function would stream."""

    def stream(self, sql: str, params: Any, batch: int = 0) -> list[Any]:
        self.sql, self.params = sql, params
        return []


def csv_select(start: datetime, end: datetime) -> str:
    """The app's CSV SELECT with its parameters filled in (for the mariadb client)."""
    capture = _Capture()
    report_sql.report_csv_rows(capture, start, end, "", "idx_ingress_time")  # type: ignore[arg-type]
    with admin(DATABASE).cursor() as cur:
        return cur.mogrify(capture.sql, capture.params)


@dataclass
class Run:
    """One timed download."""

    rows: int
    seconds: float
    size: int
    peak_mb: float = 0.0
    cpu_s: float = 0.0  # the app's CPU time (user + system) during the download
    first_s: float = 0.0  # time to the first byte of the body

    @property
    def rate(self) -> float:
        """Rows per second."""
        return self.rows / self.seconds


def client_run(select: str) -> Run:
    """`mariadb --batch -e SELECT` into a pipe we read and discard (it counts the lines)."""
    command = [shutil.which("mariadb") or "mysql", "--batch", "-h", SERVER["host"], "-P",
               str(SERVER["port"]), "-u", SERVER["user"], DATABASE, "-e", select]
    if SERVER["password"]:
        command.insert(1, f"--password={SERVER['password']}")
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE) as proc:
        lines = size = 0
        while block := proc.stdout.read(1 << 20):
            lines += block.count(b"\n")
            size += len(block)
    if proc.returncode:
        raise SystemExit(f"mariadb client failed with exit code {proc.returncode}")
    return Run(lines - 1, time.perf_counter() - started, size)


def cpu_seconds(server: LiveServer) -> float:
    """User + system CPU seconds used so far by the server's processes."""
    total = 0
    for pid in server.pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def peak_mb(server: LiveServer) -> float:
    """The largest VmHWM (peak resident set) among the server's processes, in MB."""
    peak = 0
    for pid in server.pids():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


def app_run(query: str, log_dir: Path, **env: str) -> Run:
    """A fresh app server, one streamed download of /reports/export?<query>, its peak RSS."""
    server = LiveServer(log_dir, f"bench-{time.monotonic_ns()}", **server_env(), **env)
    try:
        wait_until_live(server)
        cpu_before = cpu_seconds(server)
        started = time.perf_counter()
        with requests.get(f"{server.url}/reports/export?{query}", stream=True,
                          timeout=600) as response:
            response.raise_for_status()
            lines = size = 0
            first = 0.0
            for block in response.iter_content(1 << 20):
                first = first or time.perf_counter() - started
                lines += block.count(b"\r\n")
                size += len(block)
        seconds = time.perf_counter() - started
        return Run(lines - 1, seconds, size, peak_mb(server), cpu_seconds(server) - cpu_before,
                   first)
    finally:
        server.stop()


def wait_until_live(server: LiveServer, timeout: float = 30) -> None:
    """Until the app has made its first database contact (before that it serves demo rows)."""
    deadline = time.monotonic() + timeout
    while requests.get(f"{server.url}/healthz", timeout=5).json()["database"] != "up":
        if time.monotonic() > deadline:
            raise SystemExit("the app did not reach the bench database")
        time.sleep(0.2)


def text(moment: datetime) -> str:
    """A bound as the export URL takes it."""
    return moment.isoformat(timespec="milliseconds")


def bench_csv(log_dir: Path, repeats: int) -> tuple[Run, Run]:
    """The best client run and the best app run over the whole table."""
    start, end = bounds()
    select = csv_select(start, end)
    query = f"start={text(start)}&end={text(end)}&format=csv"
    clients, apps = [], []
    for i in range(repeats):
        clients.append(client_run(select))
        print(f"  client run {i + 1}: {clients[-1].rows:,} rows in {clients[-1].seconds:.1f} s "
              f"({clients[-1].rate:,.0f} rows/s)", flush=True)
        apps.append(app_run(query, log_dir))
        print(f"  app run {i + 1}:    {apps[-1].rows:,} rows in {apps[-1].seconds:.1f} s "
              f"({apps[-1].rate:,.0f} rows/s), app CPU {apps[-1].cpu_s:.1f} s, "
              f"peak RSS {apps[-1].peak_mb:.0f} MB", flush=True)
    return max(clients, key=lambda r: r.rate), max(apps, key=lambda r: r.rate)


def bench_html(log_dir: Path, rows: int | None) -> Run:
    """An HTML report listing `rows` rows, or of the whole table with the default row cap."""
    start, end = bounds(rows)
    env = {"LIVEDASH_REPORT_HTML_MAX_ROWS": str(rows)} if rows else {}
    return app_run(f"start={text(start)}&end={text(end)}&format=html", log_dir, **env)


def main() -> int:
    """Seed or reuse, measure, print the summary, drop the database unless --keep."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--html-rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=2, help="client/app pairs (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    prepare(args.rows)
    try:
        with tempfile.TemporaryDirectory() as logs:
            print("CSV export of the whole table:", flush=True)
            client, app = bench_csv(Path(logs), args.repeats)
            print(f"HTML report of {args.html_rows:,} rows:", flush=True)
            html = bench_html(Path(logs), args.html_rows)
            html.rows = args.html_rows
            print("HTML report of the whole table (default row cap):", flush=True)
            whole = bench_html(Path(logs), None)
            whole.rows = args.rows
        report(client, app, html, whole)
        return 0 if app.rate >= client.rate / 2 and app.peak_mb < TARGET_RSS_MB else 1
    finally:
        if not args.keep:
            drop_database(admin(), DATABASE)


def report(client: Run, app: Run, html: Run, whole: Run) -> None:
    """The summary lines that go into docs/benchmarks.md."""
    ratio = app.rate / client.rate
    print(f"\nmariadb --batch: {client.rows:,} rows in {client.seconds:.1f} s = "
          f"{client.rate:,.0f} rows/s ({client.size / 1e6:,.0f} MB of text)")
    print(f"app CSV export:  {app.rows:,} rows in {app.seconds:.1f} s = {app.rate:,.0f} rows/s "
          f"({app.size / 1e6:,.0f} MB), {ratio:.2f}x the client (target >= 0.5x); "
          f"peak RSS {app.peak_mb:.0f} MB (target < {TARGET_RSS_MB} MB); the app's own CPU: "
          f"{app.cpu_s:.1f} s = {app.rows / max(app.cpu_s, 0.01):,.0f} rows per CPU second")
    print(f"app HTML report: {html.rows:,} rows listed in {html.seconds:.1f} s "
          f"(first byte {html.first_s:.1f} s, {html.size / 1e6:,.0f} MB), app CPU "
          f"{html.cpu_s:.1f} s, peak RSS {html.peak_mb:.0f} MB")
    print(f"app HTML report of all {whole.rows:,} rows (default cap): {whole.seconds:.1f} s "
          f"(first byte {whole.first_s:.1f} s, {whole.size / 1e6:,.0f} MB), app CPU "
          f"{whole.cpu_s:.1f} s, peak RSS {whole.peak_mb:.0f} MB")
    print(f"finished {datetime.now().isoformat(timespec='seconds')} on {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    raise SystemExit(main())
