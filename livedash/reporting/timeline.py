"""The report's time axis: how wide a chart bucket is for a range, and how its ticks read.

A range is cut into at most `MAX_BUCKETS` buckets of a round width (1 s ... 1 day, then whole
days), counted from the range's start, so bucket k covers [start + k*w, start + (k+1)*w).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

MAX_BUCKETS = 60
_ROUND = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
          86400)


def bucket_seconds(start: datetime, end: datetime) -> int:
    """The smallest round width that cuts [start, end) into at most MAX_BUCKETS buckets."""
    span = max((end - start).total_seconds(), 1)
    for width in _ROUND:
        if span / width <= MAX_BUCKETS:
            return width
    return 86400 * math.ceil(span / 86400 / MAX_BUCKETS)


def buckets(start: datetime, end: datetime, width: int) -> int:
    """How many buckets of `width` seconds [start, end) needs."""
    return max(1, math.ceil((end - start).total_seconds() / width))


def bucket_start(start: datetime, width: int, bucket: int) -> datetime:
    """The first instant of a bucket."""
    return start + timedelta(seconds=width * bucket)


def width_text(width: int) -> str:
    """A bucket width in words: 30 min, 2 h, 1 day."""
    for unit, name in ((86400, "day"), (3600, "h"), (60, "min")):
        if width % unit == 0:
            count = width // unit
            return f"{count} {name}{'s' if name == 'day' and count > 1 else ''}"
    return f"{width} s"


def tick_label(moment: datetime, span_seconds: float) -> str:
    """A time-axis tick: HH:MM within two days, else the date (and hour when it is not 0)."""
    if span_seconds <= 2 * 86400:
        return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")
    return moment.strftime("%m-%d" if moment.hour == 0 and moment.minute == 0
                           else "%m-%d %H:%M")
