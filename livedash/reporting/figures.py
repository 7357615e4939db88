"""The one formatter of report figures: numbers, bytes, rates, durations, shares, and text
with its control characters made visible. The HTML report, its charts and the form's notes
all write figures through these functions, so one value reads the same everywhere.

Design decisions:
- Units are SI (1 kB = 1000 B), spelled B, kB, MB, GB, TB, PB, EB, ZB, YB: BIGINT's largest
  file_size is 9.2 EB and a rate can reach 9.2 ZB/s (9.2 EB in one millisecond).
- One decimal place, rounded half away from zero (`stats.round1`, as the dashboard).
- A negative transit time (egress before ingress: clock skew between servers) is written with
  a real minus sign; the template marks it, it is never passed off as a normal figure.
- Control characters (Unicode category Cc: U+0000-U+001F and U+007F-U+009F, e.g. NUL, tab,
  newline) in any text from the table are shown as `\\xNN` in a marked span, one rule for
  every value: a file name holding a NUL or a newline is visibly not a plain name.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from markupsafe import Markup, escape

from ..schema import DASH, mysql_time
from ..stats import round1

Real = float | int | Decimal | Fraction
UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
MINUS = "\u2212"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def number(value: Real | None) -> str:
    """One decimal place with thousands separators (a real minus sign), or a dash."""
    if value is None:
        return DASH
    text = f"{round1(float(value)):,.1f}"
    return MINUS + text[1:] if text.startswith("-") else text


def count(value: int) -> str:
    """A whole number with thousands separators."""
    return f"{value:,}"


def human_bytes(value: Real | None, suffix: str = "") -> str:
    """SI units, one decimal place: 532 B, 48.2 MB, 9.2 EB; rates end in /s."""
    if value is None:
        return DASH
    scaled, unit = float(value), 0
    while abs(scaled) >= 999.95 and unit < len(UNITS) - 1:
        scaled, unit = scaled / 1000, unit + 1
    if unit == 0 and not suffix:
        return f"{round(scaled):,} B"
    return f"{number(scaled)} {UNITS[unit]}{suffix}"


def unit_of(value: float) -> tuple[float, str]:
    """The SI unit human_bytes would write `value` in, and its size in bytes (chart axes
    write every tick in the unit of the axis' top)."""
    scale, unit = 1.0, 0
    while abs(value) / scale >= 999.95 and unit < len(UNITS) - 1:
        scale, unit = scale * 1000, unit + 1
    return scale, UNITS[unit]


def rate(value: Real | None) -> str:
    """A data rate: 12.3 MB/s."""
    return human_bytes(value, "/s")


def seconds(value: Real | None) -> str:
    """A duration: 6.4 s, 12.5 min or 3.2 h above an hour's worth of minutes; negative kept."""
    if value is None:
        return DASH
    size = abs(float(value))
    if size >= 3600 * 1.5:
        return f"{number(float(value) / 3600)} h"
    if size >= 90:
        return f"{number(float(value) / 60)} min"
    return f"{number(value)} s"


def percent(part: int, total: int) -> str:
    """part/total as a percentage with one decimal place."""
    return f"{number(part * 100 / total)} %" if total else DASH


def plain(value: Real | None) -> str:
    """One decimal place, no separators or units (machine-readable data-value attributes)."""
    return "" if value is None else f"{round1(float(value)):.1f}"


def visible(value: str | None) -> str | Markup:
    """Text with every control character shown as a marked \\xNN (escaped HTML); other text
    is returned as is, for the template's autoescape."""
    if value is None:
        return DASH
    return value if not _CONTROL.search(value) else visible_html(value)


def visible_html(value: str | None) -> Markup:
    """`visible` as escaped HTML in one step (the row listing writes its cells itself)."""
    if value is None:
        return Markup(DASH)
    if not _CONTROL.search(value):
        return escape(value)
    return Markup(_CONTROL.sub(_control_mark, str(escape(value))))


def _control_mark(match: re.Match[str]) -> str:
    """The visible form of one control character."""
    code = ord(match[0])
    return f'<span class="ctl" title="control character U+{code:04X}">\\x{code:02x}</span>'


FIGURES = {"number": number, "count": count, "human_bytes": human_bytes, "rate": rate,
           "seconds": seconds, "percent": percent, "plain": plain, "visible": visible,
           "mysql_time": mysql_time, "dash": DASH}
