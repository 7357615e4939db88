"""The JSON report (`format=json`): the statistics of the HTML report as one document, for
scripts. The same figures the HTML report shows, unrounded.

Shape (README's "Reports" documents it):
`{"report": {start, end, username, generated, clock, source, bucket_seconds},
  "summary": {figures}, "users": [{"username": ..., figures}, ...]}` where figures are
`files`, `bytes` (exact integers), `statuses` (count per status), `transit_seconds` and
`rate_bytes_per_second` (n, min, max, mean, stddev, p50, p90, p99; null where undefined),
`transit_seconds.negative` (rows with egress before ingress: clock skew).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..data import Moment
from ..models import ReportRequest
from ..schema import iso_ms
from .gather import Gathered
from .statistics import Spread, Summary


def spread(s: Spread) -> dict[str, Any]:
    """One figure's statistics."""
    return {"n": s.n, "min": s.minimum, "max": s.maximum, "mean": s.mean, "stddev": s.stdev,
            "p50": s.p50, "p90": s.p90, "p99": s.p99}


def figures(s: Summary) -> dict[str, Any]:
    """One summary's figures."""
    return {"files": s.files, "bytes": s.bytes, "statuses": s.statuses,
            "transit_seconds": {**spread(s.transit), "negative": s.negative},
            "rate_bytes_per_second": spread(s.rate)}


def document(stats: Gathered, req: ReportRequest, at: Moment, clock: str) -> dict[str, Any]:
    """The whole JSON report."""
    return {"report": {"start": iso_ms(req.start), "end": iso_ms(req.end),
                       "username": req.username or None, "generated": iso_ms(at.now),
                       "clock": clock, "source": at.source, "bucket_seconds": stats.width},
            "summary": figures(stats.total),
            "users": [{"username": u.username, **figures(u)} for u in stats.users]}


def json_chunks(stats: Gathered, req: ReportRequest, at: Moment, clock: str) -> Iterator[bytes]:
    """The document as UTF-8 (small: one entry per user, never per row)."""
    text = json.dumps(document(stats, req, at, clock), ensure_ascii=False, allow_nan=False,
                      indent=1)
    yield (text + "\n").encode("utf-8")
