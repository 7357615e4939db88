"""Report bytes as they stream: the CSV, Jinja output in 64 KB chunks, a zip written on the fly,
and the guards around a download (first chunk made early, failures cut the response).

Design decisions:
- CSV: a direct output of the table: the 9 column names, then one line per row, oldest first,
  values as MySQL shows them, NULL as an empty field, RFC 4180 quoting and CRLF line ends (the
  csv module's default dialect), UTF-8 without a BOM. A complete CSV is exactly that.
- An interrupted CSV is unmistakable: when the rows stop with an error, one last line
  `#LIVEDASH-INCOMPLETE: ...` (never a row: one field, starting with '#') is written and the
  response is then cut without its final chunk, so an HTTP client fails too (curl exit 18).
  The HTML report writes a visible warning the same way (`INCOMPLETE_HTML`).
- Opt-in spreadsheet safety (`neutralise`): a text cell starting with =, +, -, @, tab or CR
  gets a leading apostrophe, so a spreadsheet shows it as text instead of running a formula.
  Off by default: the CSV is the table's data, and a file name starting with '=' is data.
- zip: zipfile on a non-seekable sink writes data descriptors; ZIP64 is forced because the
  sizes are not known in advance.
"""

from __future__ import annotations

import csv
import io
import logging
import queue
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from itertools import chain
from typing import Any, TypeVar

from markupsafe import escape

from ..db import DatabaseError
from ..schema import COLUMNS

log = logging.getLogger("livedash.reports")

T = TypeVar("T")
CHUNK = 64 * 1024
INCOMPLETE = "#LIVEDASH-INCOMPLETE"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TEXT_COLUMNS = tuple(i for i, c in enumerate(COLUMNS)
                      if c in ("transaction_id", "username", "file_name", "ingress_server",
                               "egress_server"))
# In report.html after the table of contents: the first chunk (and the response) can start
# before the row listing's query, which sorts the whole range, has produced a row.
FLUSH = "<!-- end of summary -->"


def _take(buffer: io.StringIO) -> bytes:
    """Empty a text buffer into UTF-8 bytes."""
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def _reason(exc: BaseException) -> str:
    """A one-line cause that is safe to show (DatabaseError messages are)."""
    return str(exc) if isinstance(exc, DatabaseError) else "internal error"


def neutralised(row: Sequence[str | None]) -> list[str | None]:
    """A row whose text cells cannot start a spreadsheet formula (apostrophe prefix)."""
    cells = list(row)
    for i in _TEXT_COLUMNS:
        value = cells[i]
        if value and value.startswith(FORMULA_STARTS):
            cells[i] = "'" + value
    return cells


def csv_chunks(batches: Iterable[Sequence[Sequence[str | None]]],
               neutralise: bool = False) -> Iterator[bytes]:
    """The CSV: header, then each row (values already text; None becomes an empty field)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # excel dialect: RFC 4180 minimal quoting, CRLF line ends
    writer.writerow(COLUMNS)
    rows = 0
    try:
        for batch in batches:
            writer.writerows(map(neutralised, batch) if neutralise else batch)
            rows += len(batch)
            if buffer.tell() >= CHUNK:
                yield _take(buffer)
    except Exception as exc:
        buffer.write(f"{INCOMPLETE}: the report stopped after {rows:,} rows "
                     f"({_reason(exc)}); this file is NOT the whole report\r\n")
        yield _take(buffer)
        raise
    yield _take(buffer)


INCOMPLETE_HTML = ('\n<p class="note note-warn" id="incomplete"><strong>Report incomplete:'
                   "</strong> it stopped here ({reason}); everything below this point is "
                   "missing.</p>\n")


def buffered(pieces: Iterable[str]) -> Iterator[bytes]:
    """Many small strings (Jinja's output) as ~64 KB UTF-8 chunks; FLUSH ends one early.
    A failure writes the visible INCOMPLETE_HTML note before the response is cut."""
    parts: list[str] = []
    size = 0
    try:
        for piece in pieces:
            parts.append(piece)
            size += len(piece)
            if size >= CHUNK or FLUSH in piece:
                yield "".join(parts).encode("utf-8")
                parts, size = [], 0
    except Exception as exc:
        parts.append(INCOMPLETE_HTML.format(reason=escape(_reason(exc))))
        yield "".join(parts).encode("utf-8")
        raise
    yield "".join(parts).encode("utf-8")


class _Sink(io.RawIOBase):
    """A write-only, non-seekable file that keeps what was written until taken."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        """zipfile asks before writing."""
        return True

    def write(self, data: Any) -> int:
        """Keep a copy of the bytes."""
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        """Everything written since the last take."""
        data, self._parts, self.size = b"".join(self._parts), [], 0
        return data


def zip_chunks(members: Sequence[tuple[str, Callable[[], Iterator[bytes]]]],
               when: datetime) -> Iterator[bytes]:
    """A zip archive of the members (name, chunk source), produced as it is written."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, chunks in members:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                for chunk in chunks():
                    member.write(chunk)
                    if sink.size >= CHUNK:
                        yield sink.take()
    yield sink.take()


def guarded(chunks: Iterator[bytes], what: str) -> Iterator[bytes]:
    """Log a failure mid-stream and re-raise it, so the server cuts the response short.
    A database failure is an expected event (one line); anything else is a bug (traceback)."""
    try:
        yield from chunks
    except Exception as exc:
        log.error("%s failed mid-stream (%s); the response is cut so the download fails",
                  what, str(exc) or type(exc).__name__,
                  exc_info=not isinstance(exc, DatabaseError))
        raise


class Prefetch:
    """An iterator of batches read ahead by a thread of its own, at most `depth` batches.

    The HTML report starts its row listing's statement (a sort of the whole range) this way
    while the statistics are read, so the database sorts while the app computes. `close()`
    stops the reader and drops the stream (its connection with it) wherever it is."""

    _DONE: Any = object()

    def __init__(self, batches: Iterable[T], depth: int = 4) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(iter(batches),),
                                        name="livedash-report-listing", daemon=True)
        self._thread.start()

    def _read(self, batches: Iterator[Any]) -> None:
        """Put each batch (then the end, or the error) on the queue until told to stop."""
        try:
            for batch in batches:
                if not self._put(batch):
                    return
            self._put(self._DONE)
        except Exception as exc:  # handed to the consumer, which raises it
            self._put(exc)
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    def _put(self, item: Any) -> bool:
        """Wait for room, checking for a stop; False when stopped."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[Any]:
        while (item := self._queue.get()) is not self._DONE:
            if isinstance(item, Exception):
                raise item
            yield item

    def close(self) -> None:
        """Stop reading and wait for the reader to drop its stream."""
        self._stop.set()
        self._thread.join(timeout=30)


def primed(items: Iterator[T]) -> Iterator[T]:
    """Produce the first item now, so a failure before the first byte is an HTTP error."""
    first = next(items, _END)
    return items if first is _END else chain([first], items)


_END: Any = object()
