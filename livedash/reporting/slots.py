"""A bound on the report downloads streaming at once (LIVEDASH_REPORT_STREAMS).

Design decisions:
- A download holds report connections for as long as its client reads (a stalled client for
  the whole write timeout), so downloads beyond the bound are refused at once ("busy, retry",
  503 with Retry-After) instead of queueing for a connection and hanging every later export.
- The slot is taken before the report's first statement and given back when the response
  iterable is closed, which the WSGI server does after the last chunk, after a failed write
  and when the client goes away; a class with `close()` rather than a generator, because an
  unstarted generator's `finally` never runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator


class Busy(RuntimeError):
    """Every report slot is taken."""


class Slots:
    """At most `size` downloads at once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self.in_use = 0

    def take(self) -> Slot:
        """A slot, or Busy when none is free (never waits)."""
        if not self._free.acquire(blocking=False):
            raise Busy(f"all {self.size} report downloads are in use")
        with self._lock:
            self.in_use += 1
        return Slot(self)

    def _give_back(self) -> None:
        with self._lock:
            self.in_use -= 1
        self._free.release()


class Slot:
    """One taken slot; `release` is idempotent."""

    def __init__(self, slots: Slots) -> None:
        self._slots = slots
        self._held = True

    def release(self) -> None:
        """Give the slot back (once)."""
        if self._held:
            self._held = False
            self._slots._give_back()


class Holding:
    """A response iterable that keeps its slot until the server closes it."""

    def __init__(self, chunks: Iterator[bytes], slot: Slot) -> None:
        self._chunks = chunks
        self._slot = slot

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        """Close the stream (drops an unread result's connection), then free the slot."""
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        finally:
            self._slot.release()
