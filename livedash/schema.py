"""The vocabulary of the `transactions` table, shared by every layer above it.

It imports nothing of livedash, so SQL (`queries`), statistics (`stats`), demo rows, records
and validation all build on the same names without pulling each other in:

- the table, its columns (in DDL order) and its six statuses;
- the status groups the dashboard is built on (which statuses are ingress failures, egress
  outcomes, failures at all);
- minute keys: whole minutes since 1970-01-01 00:00 of a stored time (no zone: the database
  clock setting says which zone that is);
- the one set of time formatters: a stored DATETIME(3) as ISO 8601 with milliseconds (JSON),
  as the mysql client prints it (CSV, reports, copy text), and as the report form writes a
  bound (URLs and file names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

TABLE = "transactions"
COLUMNS = (
    "transaction_id", "username", "file_name", "file_size", "ingress_server",
    "ingress_time", "egress_server", "egress_time", "status",
)
STATUSES = ("BAD_REQUEST", "SUBMITTED", "COMPLETE", "TIMEOUT", "EP_UNAVAILABLE", "CD_UNAVAILABLE")
IN_FLIGHT = "SUBMITTED"
INGRESS = ("BAD_REQUEST", "CD_UNAVAILABLE")  # refused at ingress (the left column)
EGRESS = ("COMPLETE", "EP_UNAVAILABLE")  # reached egress: guaranteed to have an egress_time
FAILURES = ("BAD_REQUEST", "CD_UNAVAILABLE", "EP_UNAVAILABLE", "TIMEOUT")
USERNAME_MAX = 50  # VARCHAR(50)
FILE_NAME_MAX = 255
SERVER_MAX = 100
TRANSACTION_ID_LENGTH = 36  # CHAR(36)
DASH = "—"  # shown for a missing value, on every page and in every report
EMPTY_STATUS = "(empty)"  # shown for a status of '' (the ENUM's error value, stats.UNKNOWN)

EPOCH = datetime(1970, 1, 1)


def epoch_minute(moment: datetime) -> int:
    """Whole minutes since 1970-01-01 00:00 (as stored, no zone): the bucket key."""
    return int((moment - EPOCH).total_seconds() // 60)


def minute_start(minute: int) -> datetime:
    """The first instant of an epoch minute."""
    return EPOCH + timedelta(minutes=minute)


@dataclass(frozen=True)
class Group:
    """One aggregate cell: rows of one wall-clock minute, status and server pair."""

    bucket: int  # epoch minute of ingress_time
    status: str
    ingress_server: str
    egress_server: str | None
    count: int
    bytes: int
    rate_sum: float  # sum over rows with transit > 0 of file_size / transit seconds
    rate_count: int


def iso_ms(value: datetime | None) -> str | None:
    """ISO 8601 with milliseconds, as stored (no zone): every time in JSON."""
    return value.isoformat(timespec="milliseconds") if value is not None else None


def mysql_time(value: datetime | None) -> str | None:
    """A DATETIME(3) as the mysql client prints it: '2026-11-29 00:30:00.123'."""
    return value.isoformat(sep=" ", timespec="milliseconds") if value is not None else None


def form_time(moment: datetime, compact: bool = False) -> str:
    """A range bound as the report form and URL write it (2026-11-28T00:30), or compact for
    file names (20261128T0030); seconds and milliseconds are added only when set."""
    layout, colon = ("%Y%m%dT%H%M", "") if compact else ("%Y-%m-%dT%H:%M", ":")
    text = moment.strftime(layout)
    if moment.second or moment.microsecond:
        text += colon + moment.strftime("%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text
