"""Render the screenshots in docs/screenshots/ from a live app with simulated traffic.

Usage: python scripts/screenshots.py [--database livedash_shots] [--out docs/screenshots]

Creates (and afterwards drops) its own database from tests/schema.sql, seeds two hours of
history with `livedash seed` over 16 ingress and 16 egress servers, runs `livedash simulate`
at 12 transfers/s while shooting, serves the app with `livedash` on a free port and drives
Debian's chromium through Playwright. Dark and light shots set the system's colour scheme
(the page follows it when no theme was chosen).
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


def pause(page: Page) -> None:
    """Pause the table and let transfers arrive meanwhile."""
    page.get_by_role("button", name="Pause").click()
    to_table(page)
    page.wait_for_timeout(4000)


# name, path, viewport, the system's colour scheme, what to do before the shot
SHOTS = [
    ("dashboard-kiosk-1920-dark", "/?kiosk=1&window=30", (1920, 1080), "dark", None),
    ("dashboard-kiosk-1920-light", "/?kiosk=1&window=30", (1920, 1080), "light", None),
    ("dashboard-kiosk-1366-dark", "/?kiosk=1", (1366, 768), "dark", None),
    ("dashboard-kiosk-3840-dark", "/?kiosk=1&window=60", (3840, 2160), "dark", None),
    ("dashboard-1366-dark", "/?window=10&limit=100", (1366, 768), "dark", None),
    ("dashboard-1366-light", "/?window=10", (1366, 768), "light", None),
    ("dashboard-detail-dark", "/?refresh=1", (1366, 768), "dark", open_detail),
    ("dashboard-paused-light", "/?refresh=1", (1366, 768), "light", pause),
    ("dashboard-390-dark", "/", (390, 844), "dark", None),
    ("dashboard-390-light", "/", (390, 844), "light", None),
    ("dashboard-390-table-dark", "/", (390, 844), "dark", to_table),
    ("reports-form", "/reports", (1366, 900), "dark", None),
    ("admin", "/admin", (1366, 900), "dark", None),
]


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
    if action:
        action(page)
    page.screenshot(path=str(out / f"{name}.png"), full_page=name.startswith("reports"))
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
    port = free_port()
    env = {**os.environ, "MYSQL_DATABASE": args.database, "LIVEDASH_ENV_FILE": os.devnull,
           "LIVEDASH_THREADS": "32"}
    on_server(create_database, args.database)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        sh("seed", "--rows", "80000", "--hours", "2", "--servers", SERVERS, env=env)
        procs.append(subprocess.Popen([sys.executable, "-m", "livedash", "simulate", "--rate",
                                       RATE, "--servers", SERVERS], env=env,
                                      stdout=subprocess.DEVNULL))
        procs.append(subprocess.Popen([sys.executable, "-m", "livedash", "--port", str(port)],
                                      env=env, stderr=subprocess.DEVNULL))
        base = f"http://127.0.0.1:{port}"
        wait_up(base)
        time.sleep(3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            for name, path, (width, height), scheme, action in SHOTS:
                page = browser.new_page(viewport={"width": width, "height": height},
                                        color_scheme=scheme)
                shoot(page, base + path, out, name, action)
                page.close()
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            report_shot(page, base, out)
            browser.close()
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
        on_server(drop_database, args.database)


if __name__ == "__main__":
    main()
