"""Which rows a live table shows, decided in Python for the rows the change feed brings.

The same filters run in SQL when a table is filled (live.latest_rows); here they decide
whether a new or changed row enters a table without asking the database again. Text is
compared the way the table's collation (utf8mb4_unicode_ci) compares it, approximately:
case- and accent-insensitive (NFKD, combining marks dropped, casefolded) and, for equality,
ignoring trailing spaces (PAD SPACE). Where the two could still disagree (rare collation
equivalences), a table's periodic re-read from the database (tableviews.REREAD_S) corrects
the rows within that bound.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from .models import TableKey
from .schema import IN_FLIGHT

Row = tuple[Any, ...]  # COLUMNS order


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Text as the collation compares it (case, accents and trailing spaces ignored)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().rstrip(" ")


def _same(value: str | None, wanted: str) -> bool:
    return value is not None and fold(value) == fold(wanted)


def _starts(value: str, prefix: str) -> bool:
    return fold(value).startswith(fold(prefix))


def matches(key: TableKey, row: Row, now: datetime, stuck_after: float) -> bool:
    """Whether `row` belongs in a table with these filters at `now`."""
    if not key.filtered:
        return True
    tid, user, name, _, ingress_server, ingress_time, egress_server, _, status = row
    if key.username and not _same(user, key.username):
        return False
    if key.statuses and status not in key.statuses:
        return False
    if key.ingress_server and not _same(ingress_server, key.ingress_server):
        return False
    if key.egress_server and not _same(egress_server, key.egress_server):
        return False
    if key.stuck and not (status == IN_FLIGHT
                          and ingress_time < now - timedelta(seconds=stuck_after)):
        return False
    return not key.q or _same(tid, key.q) or _starts(name, key.q) or _starts(user, key.q)
