"""Reports side by side: the CSV, the HTML report and the JSON report of the same rows, in one
run, with the app as deployed. Results go to docs/benchmarks.md (## Reports).

    python bench/bench_reports.py [--rows 1000000] [--part 300000] [--repeats 2] [--keep]

What it does:
1. Seeds (or reuses) `livedash_bench_reports` like bench_csv_export.py (`livedash seed`,
   200 users over 24 h).
2. For two ranges, the oldest --part rows (the issue's 24-hour report of 300k rows) and the
   whole table, downloads CSV, HTML (default row cap: statistics over every row, 50,000
   listed) and JSON from a fresh `python -m livedash` each (gunicorn, one gthread worker),
   formats alternating, --repeats rounds; the best of each format is compared. Time to the
   first and last byte, size, the app's CPU and its peak RSS (VmHWM: a fresh process each
   time, so each peak is that download's own).
3. Drops the database unless --keep. Exit 1 when an HTML report took more than twice its CSV.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bench.bench_csv_export as export  # noqa: E402
from bench.bench_csv_export import Run  # noqa: E402
from tests.dbsetup import drop_database  # noqa: E402

FORMATS = ("csv", "html", "json")
TARGET_RATIO = 2.0


def measure(rows: int | None, log_dir: Path, repeats: int) -> dict[str, Run]:
    """The best run of each format over the oldest `rows` rows (None: all of them)."""
    start, end = export.bounds(rows)
    best: dict[str, Run] = {}
    for round_ in range(repeats):
        for fmt in FORMATS:
            query = f"start={export.text(start)}&end={export.text(end)}&format={fmt}"
            run = export.app_run(query, log_dir)
            print(f"  round {round_ + 1} {fmt:4}: {run.seconds:6.1f} s (first byte "
                  f"{run.first_s:.1f} s, {run.size / 1e6:,.1f} MB), app CPU {run.cpu_s:.1f} s, "
                  f"peak RSS {run.peak_mb:.0f} MB", flush=True)
            if fmt not in best or run.seconds < best[fmt].seconds:
                best[fmt] = run
    return best


def table(results: dict[str, dict[str, Run]]) -> str:
    """The markdown table for docs/benchmarks.md."""
    lines = ["| rows | format | last byte | first byte | size | app CPU | peak RSS | "
             "÷ CSV |", "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for label, best in results.items():
        csv = best["csv"].seconds
        for fmt in FORMATS:
            run = best[fmt]
            lines.append(f"| {label} | {fmt} | {run.seconds:.1f} s | {run.first_s:.1f} s | "
                         f"{run.size / 1e6:,.1f} MB | {run.cpu_s:.1f} s | {run.peak_mb:.0f} MB "
                         f"| {run.seconds / csv:.2f}x |")
    return "\n".join(lines)


def main() -> int:
    """Seed or reuse, measure both ranges, print the table, drop unless --keep."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--part", type=int, default=300_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    export.prepare(args.rows)
    results: dict[str, dict[str, Run]] = {}
    try:
        with tempfile.TemporaryDirectory() as logs:
            for rows in (args.part, None):
                label = f"{rows or args.rows:,}"
                print(f"{label} rows:", flush=True)
                results[label] = measure(rows, Path(logs), args.repeats)
    finally:
        if not args.keep:
            drop_database(export.admin(), export.DATABASE)
    print("\n" + table(results))
    print(f"\nfinished {datetime.now().isoformat(timespec='seconds')} on {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    worst = max(best["html"].seconds / best["csv"].seconds for best in results.values())
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
