"""Demo data: three hardcoded transactions placed relative to now, for a site with no database.

Design decisions:
- The rows are fixed (ids, names, servers, statuses); only their file sizes are drawn at random,
  once per process, so a demo table does not flicker with fake "changes" on every tick.
- Times are anchored to the start of the current minute, so the rows stay inside the 10-minute
  window and change at most once a minute.
- Demo aggregates are built as the same `Group` cells the database returns, so the stats maths
  is exactly the live one.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from .schema import COLUMNS, Group, epoch_minute

_RNG = random.Random()
# (id, user, file, ingress server, ingress offset s, egress server, transit s, status, size range)
_ROWS: tuple[tuple[Any, ...], ...] = (
    ("3f2b8c1e-7a4d-4e0b-9c2a-1d5e6f7a8b90", "alice", "quarterly_report_2026Q3.pdf",
     "ingress-01", 95, "egress-01", 6.4, "COMPLETE", (20_000_000, 80_000_000)),
    ("9a0c4d2f-1b3e-4f5a-8d7c-6e5f4a3b2c1d", "bob", "site-backup.tar.gz",
     "ingress-02", 40, None, None, "SUBMITTED", (500_000_000, 2_000_000_000)),
    ("c7e1a2b3-4d5f-4a6b-9c8d-0e1f2a3b4c5d", "carol", "scan_0042.tiff",
     "ingress-01", 250, "egress-02", 12.0, "EP_UNAVAILABLE", (1_000_000, 9_000_000)),
)
_SIZES = {row[0]: _RNG.randint(*row[8]) for row in _ROWS}


def demo_now(clock: str = "utc") -> datetime:
    """The app's clock standing in for the database's (naive, like DATETIME)."""
    now = datetime.now(timezone.utc) if clock == "utc" else datetime.now().astimezone()
    return now.replace(tzinfo=None, microsecond=(now.microsecond // 1000) * 1000)


def demo_rows(now: datetime) -> list[tuple[Any, ...]]:
    """The demo rows, newest first, as tuples in COLUMNS order."""
    anchor = now.replace(second=0, microsecond=0)
    rows = []
    for tid, user, name, ing, offset, egr, transit, status, _ in _ROWS:
        ingress = anchor - timedelta(seconds=offset) + timedelta(milliseconds=137)
        egress = ingress + timedelta(seconds=transit) if transit is not None else None
        rows.append((tid, user, name, _SIZES[tid], ing, ingress, egr, egress, status))
    return sorted(rows, key=lambda r: r[5], reverse=True)


def demo_latest(now: datetime, limit: int, username: str = "", status: str = "") -> list[tuple]:
    """Demo rows through the same filters the table offers."""
    return [r for r in demo_rows(now)
            if (not username or r[1] == username) and (not status or r[8] == status)][:limit]


def demo_groups(now: datetime, minutes: int) -> list[Group]:
    """The demo rows as aggregate cells, one per row (ingress within the window)."""
    groups = []
    for row in demo_rows(now):
        rec = dict(zip(COLUMNS, row, strict=True))
        age = (now - rec["ingress_time"]).total_seconds()
        if age > minutes * 60:
            continue
        transit = ((rec["egress_time"] - rec["ingress_time"]).total_seconds()
                   if rec["egress_time"] else 0.0)
        rated = transit > 0
        groups.append(Group(epoch_minute(rec["ingress_time"]), rec["status"],
                            rec["ingress_server"], rec["egress_server"], 1, rec["file_size"],
                            rec["file_size"] / transit if rated else 0.0, int(rated)))
    return groups


def demo_usernames(prefix: str = "") -> list[str]:
    """Usernames of the demo rows."""
    return sorted({r[1] for r in _ROWS if r[1].startswith(prefix)})
