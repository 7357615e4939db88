"""Request values to typed values, or a `ValidationError` whose message is shown to the user.

One rule per value, shared by the JSON API, the Socket.IO `subscribe` event and the pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .queries import STATUSES

WINDOWS = (10, 30, 60)
REFRESHES = (1, 3, 5, 10)
LIMITS = (50, 100, 200)
USERNAME_MAX = 50
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


@dataclass(frozen=True)
class View:
    """What one dashboard shows: the key viewers share in the poller."""

    window: int = 10
    refresh: int = 3
    limit: int = 50
    username: str = ""
    status: str = ""

    @property
    def room(self) -> str:
        """The Socket.IO room name of this view."""
        return f"view:{self.window}:{self.refresh}:{self.limit}:{self.status}:{self.username}"

    @classmethod
    def from_room(cls, room: str) -> View | None:
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
