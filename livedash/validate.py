"""Request values to typed values, or a `ValidationError` whose message is shown to the user.

One rule per value, shared by the JSON API, the Socket.IO `subscribe` event and the pages.
Text is refused unless it is valid UTF-8 without control characters and fits its column: a
value the database could never hold matches nothing, and one the driver cannot encode (a lone
surrogate from a JSON payload) must never reach a query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from .models import VIEW_FIELDS, ReportRequest, View
from .numbers import NumberError, parse_number
from .schema import FAILURES, FILE_NAME_MAX, SERVER_MAX, STATUSES, USERNAME_MAX

WINDOWS = (10, 30, 60)
REFRESHES = (1, 3, 5, 10)
LIMITS = (50, 100, 200)


class ValidationError(ValueError):
    """A request value is wrong; the message says which and why."""


def _choice(name: str, raw: Any, allowed: tuple[int, ...]) -> int:
    """An integer that must be one of `allowed` (accepts "10" or 10, not 10.5, True or "²")."""
    try:
        value = parse_number(raw, int, min(allowed), max(allowed))
    except NumberError:
        value = None
    if value not in allowed:
        shown = f", got {str(raw).strip()[:20]!r}" if isinstance(raw, (int, str)) else ""
        raise ValidationError(f"{name} must be one of {', '.join(map(str, allowed))}{shown}")
    return value


def window(raw: Any) -> int:
    """Stats window in minutes: 10, 30 or 60."""
    return _choice("window", raw, WINDOWS)


def refresh(raw: Any) -> int:
    """Refresh period in seconds: 1, 3, 5 or 10."""
    return _choice("refresh", raw, REFRESHES)


def limit(raw: Any) -> int:
    """Rows in the table: 50, 100 or 200."""
    return _choice("limit", raw, LIMITS)


def text(name: str, raw: Any, max_len: int) -> str:
    """Free text a column can hold: valid UTF-8 (no lone surrogates), no control characters,
    at most `max_len` characters (the column's size); surrounding spaces are dropped."""
    if not isinstance(raw, str):
        raise ValidationError(f"{name} must be text")
    value = raw.strip()
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(f"{name} must be valid UTF-8 text") from None
    if len(value) > max_len:
        raise ValidationError(f"{name} must be at most {max_len} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError(f"{name} must not contain control characters")
    return value


def username(raw: Any) -> str:
    """A username filter: empty for all, at most 50 characters (the column's size)."""
    return text("username", raw, USERNAME_MAX)


def server(name: str) -> Callable[[Any], str]:
    """A server-name filter (ingress_server, egress_server): empty for all."""
    return lambda raw: text(name, raw, SERVER_MAX)


def search(raw: Any) -> str:
    """A search: a transaction id, a file-name prefix or a username prefix; empty for none."""
    return text("q", raw, FILE_NAME_MAX)


def status(raw: Any) -> str:
    """A status filter: empty for all, one status, several comma-separated, or `failures`;
    canonical form: the statuses in the table's order, comma-joined."""
    value = text("status", raw, 200).upper()
    chosen: set[str] = set()
    for part in filter(None, (p.strip() for p in value.split(","))):
        if part == "FAILURES":
            chosen.update(FAILURES)
        elif part in STATUSES:
            chosen.add(part)
        else:
            raise ValidationError(f"status must be empty, failures, or any of "
                                  f"{', '.join(STATUSES)} (comma-separated), got {part[:20]!r}")
    return "" if chosen == set(STATUSES) else ",".join(s for s in STATUSES if s in chosen)


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def flag(name: str) -> Callable[[Any], bool]:
    """An on/off value: true/false, or 1/0, yes/no, on/off as text."""

    def parse(raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        word = raw.strip().lower() if isinstance(raw, str) else None
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise ValidationError(f"{name} must be true or false (1 or 0)")

    return parse


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "window": window, "refresh": refresh, "limit": limit, "username": username,
    "status": status, "ingress_server": server("ingress_server"),
    "egress_server": server("egress_server"), "q": search, "stuck": flag("stuck")}
DEFAULTS: dict[str, Any] = View().values()


def view(data: Any, names: tuple[str, ...] = VIEW_FIELDS) -> View:
    """A `View` from a mapping (query string or event payload); missing keys take defaults."""
    if not isinstance(data, Mapping):
        raise ValidationError(f"expected an object with {', '.join(VIEW_FIELDS)}")
    values = {}
    for name in names:
        raw = data.get(name, DEFAULTS[name])
        values[name] = _PARSERS[name](DEFAULTS[name] if raw is None else raw)
    return View(**values)


def field(name: str, raw: Any) -> Any:
    """One view value through its rule (the page falls back to the default field by field)."""
    return _PARSERS[name](raw)


# -- Reports ---------------------------------------------------------------------------------
# One rule per value (start, end, username, format); `report_request` applies them all and
# collects every message by field, so the form can show each next to its input.

DEFAULT_REPORT_SPAN = timedelta(hours=24)  # an empty start: the day before the end
REPORT_FORMATS = ("csv", "html", "json")
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
    """The chosen formats (csv, html, json; any case, repeats ignored) in a fixed order."""
    chosen = {str(value).strip().lower() for value in raw}
    unknown = sorted(chosen - set(REPORT_FORMATS))
    if unknown:
        raise ValidationError(f"unknown format {unknown[0][:20]!r}: choose CSV, HTML or JSON")
    if not chosen:
        raise ValidationError("choose at least one format: CSV, HTML or JSON")
    return tuple(f for f in REPORT_FORMATS if f in chosen)


def report_flag(name: str, raw: Any) -> bool:
    """An opt-in checkbox: absent, empty or 0 is off, 1 (or on) is on."""
    value = "" if raw is None else str(raw).strip().lower()
    if value not in ("", "0", "1", "on"):
        raise ValidationError(f"{name} must be 1 or 0, got {value[:20]!r}")
    return value in ("1", "on")


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
    safe = _report_field(errors, "csv_safe", lambda: report_flag("csv_safe", args.get("csv_safe")))
    if "start" not in errors and "end" not in errors:
        end = end or default_end()
        start = start or end - DEFAULT_REPORT_SPAN
        if end <= start:
            errors["end"] = "End must be after the start"
    if errors:
        raise ReportInputError(errors)
    return ReportRequest(start, end, name, formats, bool(safe))
