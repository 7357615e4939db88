"""What the dashboard costs the browser: main-thread busy share and memory, in kiosk mode.

    python bench/bench_dashboard_renderer.py [--seconds 60] [--rate 12] [--servers 16]
        [--size 1920x1080] [--path '/?kiosk=1'] [--memory-minutes 60] [--url URL] [--json FILE]

Without --url it builds its own scene: a scratch database `livedash_renderer_bench` from
tests/schema.sql, an hour of history (`livedash seed --servers N`), `livedash simulate --rate R
--servers N` writing for the whole run, and a `livedash` server on a free port; everything is
dropped at the end. With --url it measures a server that is already running (e.g. an older
checkout, for a before/after).

Debian's chromium (headless, through Playwright) opens the page at the given size and, after a
warm-up, reads Chromium's own performance counters over the DevTools protocol
(`Performance.getMetrics`): the busy share of the renderer's main thread is the growth of
TaskDuration over the growth of Timestamp, split into script, style recalculation and layout.
Memory is the JS heap after a forced garbage collection (`HeapProfiler.collectGarbage`), with
the DOM node and listener counts, at the start and then every ten minutes for
--memory-minutes (0: no memory run).

Wall-clock shares depend on what else the machine runs (the task durations include time the
thread waited for a core): the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pymysql  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.dbsetup import create_database, drop_database  # noqa: E402
from tests.servers import LiveServer  # noqa: E402

SCRATCH = "livedash_renderer_bench"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
WARM_UP_S = 15
MEMORY_EVERY_S = 600


def livedash(*args: str, database: str, **popen: Any) -> subprocess.Popen[bytes]:
    """A `python -m livedash` subcommand on `database` (root on the local server)."""
    env = {**os.environ, "MYSQL_DATABASE": database, "LIVEDASH_ENV_FILE": os.devnull}
    return subprocess.Popen([sys.executable, "-m", "livedash", *args], env=env, **popen)


@contextmanager
def scene(rate: float, servers: int) -> Iterator[str]:
    """Scratch database, history, live traffic and a server; yields the server's URL."""
    admin = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    create_database(admin, SCRATCH)
    logs = Path(tempfile.mkdtemp(prefix="renderer-bench-"))
    traffic = str(servers)
    procs: list[subprocess.Popen[bytes]] = []
    server = None
    try:
        seed = livedash("seed", "--rows", str(int(rate * 3600)), "--hours", "1",
                        "--servers", traffic, database=SCRATCH)
        if seed.wait() != 0:
            raise SystemExit("livedash seed failed")
        procs.append(livedash("simulate", "--rate", str(rate), "--servers", traffic,
                              "--report-every", "60", database=SCRATCH,
                              stdout=(logs / "simulate.log").open("w"), stderr=subprocess.STDOUT))
        server = LiveServer(logs, "renderer", MYSQL_DATABASE=SCRATCH, LIVEDASH_THREADS="16",
                            LIVEDASH_LOG_LEVEL="warning")
        yield server.url
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
        if server:
            server.stop()
        drop_database(admin, SCRATCH)
        admin.close()


def metrics(cdp: Any) -> dict[str, float]:
    """Chromium's performance counters of the page, by name."""
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def busy(cdp: Any, seconds: float) -> dict[str, float]:
    """Main-thread shares over `seconds`: total busy, script, style, layout (0..1)."""
    start = metrics(cdp)
    time.sleep(seconds)
    end = metrics(cdp)
    wall = end["Timestamp"] - start["Timestamp"]
    share = {name: (end[key] - start[key]) / wall for name, key in (
        ("busy", "TaskDuration"), ("script", "ScriptDuration"),
        ("style", "RecalcStyleDuration"), ("layout", "LayoutDuration"))}
    return {**share, "seconds": wall, "style_recalcs_per_s": (end["RecalcStyleCount"]
                                                               - start["RecalcStyleCount"]) / wall}


def memory(cdp: Any) -> dict[str, float]:
    """JS heap after a full GC (MB), DOM nodes, event listeners."""
    cdp.send("HeapProfiler.collectGarbage")
    m = metrics(cdp)
    return {"heap_mb": m["JSHeapUsedSize"] / 1e6, "nodes": m["Nodes"],
            "listeners": m["JSEventListeners"]}


def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Open the page, warm up, measure the busy share, then follow memory if asked."""
    width, height = (int(v) for v in args.size.split("x"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(url + args.path)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        time.sleep(WARM_UP_S)
        result: dict[str, Any] = {"url": url + args.path, "size": args.size,
                                  "load_before": os.getloadavg()[0]}
        result["memory"] = [{"minute": 0, **memory(cdp)}]
        result["renderer"] = busy(cdp, args.seconds)
        result["load_after"] = os.getloadavg()[0]
        print(report_line(result), flush=True)
        end = time.monotonic() + args.memory_minutes * 60
        while time.monotonic() < end:
            time.sleep(min(MEMORY_EVERY_S, max(0.0, end - time.monotonic())))
            sample = {"minute": round((args.memory_minutes * 60 - (end - time.monotonic())) / 60),
                      **memory(cdp)}
            result["memory"].append(sample)
            print(f"  memory at {sample['minute']:>3} min: heap {sample['heap_mb']:.1f} MB, "
                  f"{sample['nodes']:.0f} nodes, {sample['listeners']:.0f} listeners", flush=True)
        browser.close()
    return result


def report_line(r: dict[str, Any]) -> str:
    """The figures in one line."""
    b, m = r["renderer"], r["memory"][0]
    return (f"{r['size']} {r['url']}: main thread {b['busy']:.1%} busy over {b['seconds']:.0f} s "
            f"(script {b['script']:.1%}, style {b['style']:.1%}, layout {b['layout']:.1%}; "
            f"{b['style_recalcs_per_s']:.1f} style recalcs/s); heap after GC "
            f"{m['heap_mb']:.1f} MB, {m['nodes']:.0f} nodes; "
            f"load average {r['load_before']:.1f} -> {r['load_after']:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="busy-share window (60)")
    parser.add_argument("--rate", type=float, default=12, help="simulated transfers/s (12)")
    parser.add_argument("--servers", type=int, default=16, help="ingress and egress servers (16)")
    parser.add_argument("--size", default="1920x1080", help="viewport (1920x1080)")
    parser.add_argument("--path", default="/?kiosk=1", help="page and query (/?kiosk=1)")
    parser.add_argument("--memory-minutes", type=float, default=0,
                        help="follow the heap this long after the busy window (0: not)")
    parser.add_argument("--url", help="measure this running server instead of building a scene")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.url:
        result = measure(args.url.rstrip("/"), args)
    else:
        with scene(args.rate, args.servers) as url:
            result = measure(url, args)
    result.update(rate=args.rate, servers=args.servers)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
