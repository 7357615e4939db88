"""Render the screenshots in docs/screenshots/ from a live app with simulated traffic.

Usage: python scripts/screenshots.py [--database livedash_shots] [--out docs/screenshots]

Creates (and afterwards drops) its own database from tests/schema.sql, seeds two hours of
history with `livedash seed` over 16 ingress and 16 egress servers, runs `livedash simulate`
at 12 transfers/s while shooting, serves the app with `livedash` on free ports and drives
Debian's chromium through Playwright. Dark and light shots set the system's colour scheme
(the page follows it when no theme was chosen).

Three servers on the same database: "main" (the defaults), "alarms" (tight thresholds, so a
card is at warn and one at critical with the alarm strip) and "demo" (LIVEDASH_DEMO=1). The
failing shot renames the table away while it shoots (and back); the stale shot holds a write
lock on the table so the ticks run late.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pymysql
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.dbsetup import create_database, drop_database  # noqa: E402

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVERS = "16"  # ingress-01..16 and egress-01..16: the wall screen has to cope with many
RATE = "12"  # transfers/s, above the 10/s the wall screen is judged at


def to_table(page: Page) -> None:
    """Scroll the page to the table's card."""
    page.evaluate("document.querySelector('.tx-card').scrollIntoView()")
    page.mouse.move(2, 2)  # away from the rows: none is held under the pointer
    page.wait_for_timeout(300)


def open_detail(page: Page) -> None:
    """Click the newest COMPLETE row: the detail panel with a full timeline."""
    page.locator('#tx-table tbody tr[data-status="COMPLETE"]').first.click()
    to_table(page)


DB: dict[str, pymysql.connections.Connection] = {}


def failing(page: Page) -> None:
    """Rename the table away until the chip says Failing, shoot, rename it back (after)."""
    with DB["conn"].cursor() as cur:
        cur.execute("RENAME TABLE transactions TO transactions_away")
    page.locator('#conn-state[data-state="failing"]').wait_for(timeout=20_000)
    page.wait_for_timeout(3500)  # the statistics blocks say how old they are


def stale(page: Page) -> None:
    """Hold a write lock: the ticks wait, the blocks grow old, the chip says Stale since."""
    with DB["conn"].cursor() as cur:
        cur.execute("LOCK TABLES transactions WRITE")
    page.locator('#conn-state[data-state="stale"]').wait_for(timeout=20_000)
    page.wait_for_timeout(2500)


def restore() -> None:
    """Undo what `failing` and `stale` did (the table back, no lock)."""
    with DB["conn"].cursor() as cur:
        cur.execute("UNLOCK TABLES")
        cur.execute("SHOW TABLES LIKE 'transactions_away'")
        if cur.fetchone():
            cur.execute("RENAME TABLE transactions_away TO transactions")


def pause(page: Page) -> None:
    """Pause the table and let transfers arrive meanwhile."""
    page.get_by_role("button", name="Pause").click()
    to_table(page)
    page.wait_for_timeout(4000)


# name, server, path, viewport, the system's colour scheme, what to do before the shot
SHOTS = [
    ("dashboard-kiosk-1920-dark", "main", "/?kiosk=1&window=30", (1920, 1080), "dark", None),
    ("dashboard-kiosk-1920-light", "main", "/?kiosk=1&window=30", (1920, 1080), "light", None),
    ("dashboard-kiosk-1366-dark", "main", "/?kiosk=1", (1366, 768), "dark", None),
    ("dashboard-kiosk-3840-dark", "main", "/?kiosk=1&window=60", (3840, 2160), "dark", None),
    ("dashboard-kiosk-alarms-1920-dark", "alarms", "/?kiosk=1", (1920, 1080), "dark", None),
    ("dashboard-alarms-1366-light", "alarms", "/", (1366, 768), "light", None),
    ("dashboard-kiosk-demo-1920-dark", "demo", "/?kiosk=1", (1920, 1080), "dark", None),
    ("dashboard-1366-dark", "main", "/?window=10&limit=100", (1366, 768), "dark", None),
    ("dashboard-1366-light", "main", "/?window=10", (1366, 768), "light", None),
    ("dashboard-filtered-1366-dark", "main", "/?status=failures&ingress_server=ingress-03",
     (1366, 768), "dark", to_table),
    ("dashboard-detail-dark", "main", "/?refresh=1", (1366, 768), "dark", open_detail),
    ("dashboard-paused-light", "main", "/?refresh=1", (1366, 768), "light", pause),
    ("dashboard-390-dark", "main", "/", (390, 844), "dark", None),
    ("dashboard-390-light", "main", "/", (390, 844), "light", None),
    ("dashboard-390-table-dark", "main", "/", (390, 844), "dark", to_table),
    ("reports-form", "main", "/reports", (1366, 900), "dark", None),
    ("admin", "main", "/admin", (1366, 900), "dark", None),
    # last: they break the database for a moment (restored after each)
    ("dashboard-kiosk-stale-1920-dark", "main", "/?kiosk=1&refresh=1", (1920, 1080), "dark",
     stale),
    ("dashboard-kiosk-failing-1920-dark", "main", "/?kiosk=1&refresh=1", (1920, 1080), "dark",
     failing),
]
# the servers beside "main": their extra settings
SERVERS_ENV = {"alarms": {"LIVEDASH_ALARM_BAD_REQUEST_PCT": "1.5,5",
                          "LIVEDASH_ALARM_TIMEOUT_PCT": "0.5,1"},
               "demo": {"LIVEDASH_DEMO": "1"}}


def sh(*args: str, env: dict[str, str]) -> None:
    """Run a livedash subcommand, failing loudly."""
    subprocess.run([sys.executable, "-m", "livedash", *args], env=env, check=True)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def on_server(action: Callable[[pymysql.connections.Connection, str], None], name: str) -> None:
    """Run a tests/dbsetup.py action on the local server as root."""
    conn = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    try:
        action(conn, name)
    finally:
        conn.close()


def wait_up(url: str) -> None:
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def shoot(page: Page, url: str, out: Path, name: str,
          action: Callable[[Page], None] | None) -> None:
    page.goto(url)
    page.wait_for_timeout(4000)  # a few ticks: charts drawn, rows in
    try:
        if action:
            action(page)
        page.screenshot(path=str(out / f"{name}.png"), full_page=name.startswith("reports"))
    finally:
        if action in (failing, stale):
            restore()
    print(f"wrote {out / name}.png")


def report_shot(page: Page, base: str, out: Path) -> None:
    end = datetime.now(timezone.utc).replace(tzinfo=None)
    start = end - timedelta(minutes=20)
    fmt = "%Y-%m-%dT%H:%M"
    page.goto(f"{base}/reports/export?start={start.strftime(fmt)}&end={end.strftime(fmt)}"
              "&username=&format=html")
    page.screenshot(path=str(out / "report-html.png"))
    print(f"wrote {out / 'report-html'}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="livedash_shots")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MYSQL_DATABASE": args.database, "LIVEDASH_ENV_FILE": os.devnull,
           "LIVEDASH_THREADS": "32"}
    on_server(create_database, args.database)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        sh("seed", "--rows", "80000", "--hours", "2", "--servers", SERVERS, env=env)
        procs.append(subprocess.Popen([sys.executable, "-m", "livedash", "simulate", "--rate",
                                       RATE, "--servers", SERVERS], env=env,
                                      stdout=subprocess.DEVNULL))
        bases = {}
        for server in ("main", *SERVERS_ENV):
            port = free_port()
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "livedash", "--port", str(port)],
                env={**env, **SERVERS_ENV.get(server, {})}, stderr=subprocess.DEVNULL))
            bases[server] = f"http://127.0.0.1:{port}"
        for base in bases.values():
            wait_up(base)
        DB["conn"] = pymysql.connect(host="127.0.0.1", user="root", database=args.database,
                                     autocommit=True)
        time.sleep(3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            for name, server, path, (width, height), scheme, action in SHOTS:
                page = browser.new_page(viewport={"width": width, "height": height},
                                        color_scheme=scheme)
                shoot(page, bases[server] + path, out, name, action)
                page.close()
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            report_shot(page, bases["main"], out)
            browser.close()
    finally:
        if "conn" in DB:
            DB.pop("conn").close()
        for proc in procs:
            proc.terminate()
            proc.wait(10)
        on_server(drop_database, args.database)


if __name__ == "__main__":
    main()
