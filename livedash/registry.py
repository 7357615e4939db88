"""Who watches what: the subscription registry, the only part of the live path that socket
handlers touch.

Design decisions:
- A viewer (a Socket.IO sid) watches one `View`. Viewers of the same view share one room
  (`view_room`), and viewers of the same window and refresh rate share a stats room
  (`stats_room`): the poller reads and sends once per room, whatever the number of viewers.
- Room names carry the whole view, URL-encoded, so another process (several processes share
  views through Redis) can turn a room name back into the view (`view_of_room`), and any
  username or search text is safe inside it.
- Everything here runs under one lock and does no I/O; the socket rooms themselves are
  entered and left by the poller, which owns the Socket.IO server.
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qsl, urlencode

from . import validate
from .models import VIEW_FIELDS, View

VIEW_PREFIX = "view?"


def view_room(view: View) -> str:
    """The Socket.IO room of a view's table (one room per distinct view)."""
    values = view.values()
    values["stuck"] = int(values["stuck"])
    return VIEW_PREFIX + urlencode([(name, values[name]) for name in VIEW_FIELDS])


def stats_room(window: int, refresh: int) -> str:
    """The room of everybody who gets one window's stats every `refresh` seconds."""
    return f"stats:{refresh}:{window}"


def view_of_room(room: str) -> View | None:
    """The view a room name stands for (None for anything else, or an invalid view)."""
    if not room.startswith(VIEW_PREFIX):
        return None
    try:
        return validate.view(dict(parse_qsl(room[len(VIEW_PREFIX):], keep_blank_values=True)))
    except validate.ValidationError:
        return None


class Registry:
    """Socket ids and the views they watch."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._views: dict[str, View] = {}
        self._viewers: dict[View, set[str]] = {}

    def subscribe(self, sid: str, view: View) -> View | None:
        """`sid` watches `view` from now on; returns the view it watched before, if any."""
        with self.lock:
            old = self.unsubscribe(sid)
            self._views[sid] = view
            self._viewers.setdefault(view, set()).add(sid)
            return old

    def unsubscribe(self, sid: str) -> View | None:
        """`sid` watches nothing any more (disconnect); returns what it watched."""
        with self.lock:
            view = self._views.pop(sid, None)
            if view is not None:
                viewers = self._viewers[view]
                viewers.discard(sid)
                if not viewers:
                    del self._viewers[view]
            return view

    def views(self) -> set[View]:
        """Every view watched by a viewer of this process."""
        with self.lock:
            return set(self._viewers)

    def view_of(self, sid: str) -> View | None:
        with self.lock:
            return self._views.get(sid)

    def watched(self, view: View) -> bool:
        with self.lock:
            return view in self._viewers

    @property
    def viewers(self) -> int:
        with self.lock:
            return len(self._views)
