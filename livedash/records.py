"""The one place that turns database rows into what clients see: JSON records for the API and
the socket, and text "as MySQL shows it" for reports (CSV cells, HTML report rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .schema import COLUMNS, iso_ms, mysql_time


def mysql_text(value: Any) -> str | None:
    """A value as the mysql client prints it: DATETIME(3) as '2026-11-29 00:30:00.123',
    numbers and text as themselves, NULL as None (the caller decides how to show it)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return mysql_time(value)
    return str(value)


def mysql_row(row: tuple[Any, ...]) -> tuple[str | None, ...]:
    """Every value of a row through `mysql_text` (the CSV of demo rows)."""
    return tuple(mysql_text(value) for value in row)


def transit_seconds(ingress: datetime, egress: datetime | None) -> float | None:
    """egress_time - ingress_time in seconds (milliseconds kept); None before egress."""
    if egress is None:
        return None
    return round((egress - ingress).total_seconds(), 3)


def row_record(row: tuple[Any, ...]) -> dict[str, Any]:
    """A `transactions` row (in COLUMNS order) as a JSON-ready dict plus transit_seconds.

    file_size travels as a string of the exact integer: a BIGINT exceeds the 2^53 that a
    JSON number survives in JavaScript (proto3's JSON mapping of int64 does the same).
    transit_seconds is negative when egress_time precedes ingress_time (clock skew)."""
    record = dict(zip(COLUMNS, row, strict=True))
    record["file_size"] = str(int(record["file_size"]))
    record["transit_seconds"] = transit_seconds(record["ingress_time"], record["egress_time"])
    record["ingress_time"] = iso_ms(record["ingress_time"])
    record["egress_time"] = iso_ms(record["egress_time"])
    return record
