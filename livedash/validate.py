"""Request values to typed values, or a `ValidationError` whose message is shown to the user.

One rule per value, shared by the JSON API, the Socket.IO `subscribe` event and the pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from .models import ReportRequest, View
from .schema import STATUSES, USERNAME_MAX

WINDOWS = (10, 30, 60)
REFRESHES = (1, 3, 5, 10)
LIMITS = (50, 100, 200)
DEFAULTS = {"window": 10, "refresh": 3, "limit": 50, "username": "", "status": ""}


class ValidationError(ValueError):
    """A request value is wrong; the message says which and why."""


def _choice(name: str, raw: Any, allowed: tuple[int, ...]) -> int:
    """An integer that must be one of `allowed` (accepts "10" or 10, not 10.5 or True)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise ValidationError(f"{name} must be one of {', '.join(map(str, allowed))}")
    text = str(raw).strip()
    if not text.lstrip("-").isdigit() or len(text) > 6 or int(text) not in allowed:
        raise ValidationError(f"{name} must be one of {', '.join(map(str, allowed))}, "
                              f"got {text[:20]!r}")
    return int(text)


def window(raw: Any) -> int:
    """Stats window in minutes: 10, 30 or 60."""
    return _choice("window", raw, WINDOWS)


def refresh(raw: Any) -> int:
    """Refresh period in seconds: 1, 3, 5 or 10."""
    return _choice("refresh", raw, REFRESHES)


def limit(raw: Any) -> int:
    """Rows in the table: 50, 100 or 200."""
    return _choice("limit", raw, LIMITS)


def username(raw: Any) -> str:
    """A username filter: empty for all, at most 50 characters (the column's size)."""
    if not isinstance(raw, str):
        raise ValidationError("username must be text")
    value = raw.strip()
    if len(value) > USERNAME_MAX:
        raise ValidationError(f"username must be at most {USERNAME_MAX} characters")
    if any(ord(c) < 32 for c in value):
        raise ValidationError("username must not contain control characters")
    return value


def status(raw: Any) -> str:
    """A status filter: empty for all, else one of the table's six statuses."""
    if not isinstance(raw, str):
        raise ValidationError("status must be text")
    value = raw.strip().upper()
    if value and value not in STATUSES:
        raise ValidationError(f"status must be one of {', '.join(STATUSES)} or empty")
    return value


def view_from_room(room: str) -> View | None:
    """The view a room name stands for (None for anything else)."""
    parts = room.split(":", 5)
    if len(parts) != 6 or parts[0] != "view":
        return None
    names = ("window", "refresh", "limit", "status", "username")
    try:
        return view(dict(zip(names, parts[1:], strict=True)))
    except ValidationError:
        return None


_PARSERS = {"window": window, "refresh": refresh, "limit": limit,
            "username": username, "status": status}


def view(data: Any, fields: tuple[str, ...] = tuple(_PARSERS)) -> View:
    """A `View` from a mapping (query string or event payload); missing keys take defaults."""
    if not isinstance(data, Mapping):
        raise ValidationError("expected an object with window, refresh, limit, username, status")
    values = {}
    for name in fields:
        raw = data.get(name, DEFAULTS[name])
        values[name] = _PARSERS[name](DEFAULTS[name] if raw is None else raw)
    return View(**values)


# -- Reports ---------------------------------------------------------------------------------
# One rule per value (start, end, username, format); `report_request` applies them all and
# collects every message by field, so the form can show each next to its input.

REPORT_FORMATS = ("csv", "html")
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?")
_EARLIEST = datetime(1000, 1, 1)  # DATETIME's documented range starts here


class ReportInputError(ValidationError):
    """Bad report parameters: `errors` maps each bad field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def report_time(name: str, raw: Any) -> datetime | None:
    """A range bound as YYYY-MM-DDTHH:MM[:SS[.fff]] (what datetime-local sends), in the
    database clock's zone; None when empty (the caller supplies the default)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    match = _DATETIME.fullmatch(raw.strip()) if isinstance(raw, str) else None
    try:
        if match is None:
            raise ValueError
        *parts, fraction = match.groups()
        moment = datetime(*(int(p or 0) for p in parts),
                          microsecond=int((fraction or "0").ljust(3, "0")) * 1000)
    except ValueError:
        raise ValidationError(f"{name} must be a date and time like 2026-11-28T00:30 "
                              f"(seconds optional), got {str(raw)[:30]!r}") from None
    if moment < _EARLIEST:
        raise ValidationError(f"{name} must be in the year 1000 or later")
    return moment


def report_formats(raw: list[Any]) -> tuple[str, ...]:
    """The chosen formats (csv, html; any case, repeats ignored) in a fixed order."""
    chosen = {str(value).strip().lower() for value in raw}
    unknown = sorted(chosen - set(REPORT_FORMATS))
    if unknown:
        raise ValidationError(f"unknown format {unknown[0][:20]!r}: choose CSV and/or HTML")
    if not chosen:
        raise ValidationError("choose at least one format: CSV and/or HTML")
    return tuple(f for f in REPORT_FORMATS if f in chosen)


def _report_field(errors: dict[str, str], field: str, rule: Callable[[], Any]) -> Any:
    """Apply one rule; a ValidationError becomes the field's message."""
    try:
        return rule()
    except ValidationError as exc:
        errors[field] = str(exc)[:1].upper() + str(exc)[1:]
        return None


def report_request(args: Any, default_end: Callable[[], datetime]) -> ReportRequest:
    """A `ReportRequest` from a query string (a MultiDict: `format` may repeat). Empty bounds
    default to the 24 hours ending at `default_end()` (called only when needed)."""
    errors: dict[str, str] = {}
    start = _report_field(errors, "start", lambda: report_time("start", args.get("start")))
    end = _report_field(errors, "end", lambda: report_time("end", args.get("end")))
    name = _report_field(errors, "username", lambda: username(args.get("username", "")))
    formats = _report_field(errors, "format", lambda: report_formats(args.getlist("format")))
    if "start" not in errors and "end" not in errors:
        end = end or default_end()
        start = start or end - timedelta(hours=24)
        if end <= start:
            errors["end"] = "End must be after the start"
    if errors:
        raise ReportInputError(errors)
    return ReportRequest(start, end, name, formats)
