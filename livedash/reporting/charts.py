"""The HTML report's charts, drawn on the server as inline SVG: transfers per status over
time, throughput over time and the transit-time distribution.

Design decisions:
- Inline SVG keeps the report one self-contained file: it opens offline, prints, and needs no
  script (the report's CSP allows none). Colours come from report.css classes (`c-<STATUS>`),
  so the statuses look the same in the charts, the tables and print.
- Every chart scales with a viewBox (width 100% of its box), has axis labels with units, a
  <title> and an aria-label that says what it shows; labels are text nodes, escaped, with
  control characters made visible like every value (figures.visible).
- Y axes start at 0 and end at a round number; the time axis has one bucket per bar, its
  width named on the axis ("transfers per 30 min").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

from ..schema import STATUSES
from .figures import count, rate, unit_of
from .statistics import BINS, Summary
from .timeline import bucket_start, buckets, tick_label, width_text

# statistics.TRANSIT_EDGES after 0 in words: the lower edges of the bins after "0".
_BIN_EDGES = ("10 ms", "30 ms", "0.1 s", "0.3 s", "1 s", "3 s", "10 s", "30 s", "1 min",
              "3 min", "10 min", "30 min", "1 h", "3 h")


@dataclass(frozen=True)
class Frame:
    """A chart's size and plot area (SVG user units; the viewBox scales them to the page)."""

    width: int = 720
    height: int = 210
    left: int = 64
    right: int = 12
    top: int = 12
    bottom: int = 42

    @property
    def plot_width(self) -> float:
        """Width of the plot area."""
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        """Height of the plot area."""
        return self.height - self.top - self.bottom


WIDE = Frame(height=200)
HALF = Frame(width=360, height=190, left=52)
SMALL = Frame(width=360, height=170, left=52, bottom=40)


@dataclass(frozen=True)
class Axis:
    """Where the report's time axis starts, its bucket width and bucket count."""

    start: datetime
    end: datetime
    width: int

    @property
    def count(self) -> int:
        """Number of buckets."""
        return buckets(self.start, self.end, self.width)


def nice_max(value: float, whole: bool = False) -> tuple[float, float]:
    """A round top for an axis and its tick step (1, 2 or 5 times a power of ten; at least 1
    for counts)."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0) if whole else step
    return step * math.ceil(value / step), step


def _tick(value: float) -> str:
    """A short tick label: 0, 0.5, 12, 1,500, 40k, 1.5M (the axis label names the unit)."""
    if abs(value) >= 1e6:
        return _digits(value / 1e6) + "M"
    if abs(value) >= 1e4:
        return _digits(value / 1e3) + "k"
    return _digits(value)


def _digits(value: float) -> str:
    """A number without trailing zeros, thousands separated."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, label: str, anchor: str = "middle", css: str = "") -> str:
    """An escaped text label."""
    cls = f' class="{css}"' if css else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{cls}>'
            f"{escape(label)}</text>")


def _svg(frame: Frame, title: str, body: list[str]) -> Markup:
    """The chart element: scalable, titled, with an accessible name."""
    label = escape(title)
    return Markup(f'<svg class="chart" viewBox="0 0 {frame.width} {frame.height}" role="img" '
                  f'aria-label="{label}" xmlns="http://www.w3.org/2000/svg"><title>{label}'
                  f'</title>{"".join(body)}</svg>')


def _y_axis(frame: Frame, top: float, step: float, label: str,
            fmt: Callable[[float], str]) -> list[str]:
    """Grid lines, tick labels and the rotated axis label."""
    parts = []
    ticks = round(top / step)
    for i in range(ticks + 1):
        y = frame.top + frame.plot_height * (1 - i / ticks)
        parts.append(f'<line class="grid" x1="{frame.left}" x2="{frame.width - frame.right}" '
                     f'y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(_text(frame.left - 5, y + 3.5, fmt(step * i), "end", "tick"))
    middle = frame.top + frame.plot_height / 2
    parts.append(f'<text class="axis" transform="translate(11 {middle:.1f}) rotate(-90)" '
                 f'text-anchor="middle">{escape(label)}</text>')
    return parts


def _time_ticks(frame: Frame, axis: Axis, label: str) -> list[str]:
    """About six time labels under the bars, and the axis label."""
    n = axis.count
    every = max(1, math.ceil(n / (6 if frame is WIDE else 4)))
    span = (axis.end - axis.start).total_seconds()
    parts = []
    for b in range(0, n, every):
        x = frame.left + frame.plot_width * b / n
        parts.append(f'<line class="axis-line" x1="{x:.1f}" x2="{x:.1f}" '
                     f'y1="{frame.height - frame.bottom}" y2="{frame.height - frame.bottom + 4}"/>')
        parts.append(_text(x, frame.height - frame.bottom + 15,
                           tick_label(bucket_start(axis.start, axis.width, b), span), "start",
                           "tick"))
    parts.append(_text(frame.left + frame.plot_width / 2, frame.height - 4, label, css="axis"))
    return parts


def _bar(x: float, y: float, w: float, h: float, css: str, tip: str) -> str:
    """One bar (or stacked part), with its exact figure as a tooltip."""
    return (f'<rect class="{css}" x="{x:.2f}" y="{y:.2f}" width="{max(w, 0.5):.2f}" '
            f'height="{h:.2f}"><title>{escape(tip)}</title></rect>')


def status_chart(summary: Summary, axis: Axis, frame: Frame = WIDE) -> Markup:
    """Transfers per status per time bucket, stacked."""
    per = width_text(axis.width)
    totals = [sum(p[:len(STATUSES)]) for p in summary.series.values()]
    top, step = nice_max(max(totals, default=0), whole=True)
    slot = frame.plot_width / axis.count
    body = _y_axis(frame, top, step, f"transfers per {per}", _tick)
    for bucket, point in summary.series.items():
        base = frame.top + frame.plot_height
        when = tick_label(bucket_start(axis.start, axis.width, bucket), 0)
        for status, n in zip(STATUSES, point, strict=False):
            if not n:
                continue
            h = frame.plot_height * n / top
            base -= h
            body.append(_bar(frame.left + slot * bucket + slot * 0.1, base, slot * 0.8, h,
                             f"c-{status}", f"{when}: {count(n)} {status}"))
    body += _time_ticks(frame, axis, f"ingress time, bars of {per}")
    return _svg(frame, f"Transfers per status per {per}", body)


def throughput_chart(summary: Summary, axis: Axis, frame: Frame = WIDE) -> Markup:
    """Bytes of completed transfers per second, per time bucket (by ingress time)."""
    values = {b: p[len(STATUSES)] / axis.width for b, p in summary.series.items()}
    scale, unit = unit_of(max(values.values(), default=0))
    top, step = (v * scale for v in nice_max(max(values.values(), default=0) / scale))
    slot = frame.plot_width / axis.count
    body = _y_axis(frame, top, step, f"throughput, {unit}/s", lambda v: _tick(v / scale))
    base = frame.top + frame.plot_height
    for bucket, value in values.items():
        if value:
            h = frame.plot_height * value / top
            when = tick_label(bucket_start(axis.start, axis.width, bucket), 0)
            body.append(_bar(frame.left + slot * bucket + slot * 0.1, base - h, slot * 0.8, h,
                             "c-throughput", f"{when}: {rate(value)}"))
    body += _time_ticks(frame, axis, f"ingress time, average over {width_text(axis.width)}")
    return _svg(frame, "Throughput of completed transfers over time", body)


def bin_labels() -> list[str]:
    """The histogram's bin names: below zero, then each bin by its lower edge."""
    return ["< 0", "0", *_BIN_EDGES]


def transit_chart(summary: Summary, frame: Frame = WIDE) -> Markup:
    """How many transfers took how long: fixed bins, roughly three per decade."""
    bins: Sequence[int] = summary.histogram or [0] * BINS
    top, step = nice_max(max(bins, default=0), whole=True)
    slot = frame.plot_width / len(bins)
    body = _y_axis(frame, top, step, "transfers", _tick)
    labels = bin_labels()
    base = frame.top + frame.plot_height
    for i, n in enumerate(bins):
        x = frame.left + slot * i
        if n:
            h = frame.plot_height * n / top
            css = "c-skew" if i == 0 else "c-transit"
            body.append(_bar(x + slot * 0.1, base - h, slot * 0.8, h, css,
                             f"{_bin_range(i)}: {count(n)} transfers"))
        if frame is WIDE or i % 2 == 0:
            body.append(_text(x + slot / 2, base + 14, labels[i], css="tick"))
    body.append(_text(frame.left + frame.plot_width / 2, frame.height - 4,
                      "transit time (bin's lower edge; < 0: clock skew)", css="axis"))
    return _svg(frame, "Transit-time distribution", body)


def _bin_range(i: int) -> str:
    """A bin's range in words, for its tooltip."""
    labels = bin_labels()
    if i == 0:
        return "below 0 s (clock skew)"
    if i == len(labels) - 1:
        return f"{labels[i]} and more"
    return f"{labels[i]} to {labels[i + 1]}"
