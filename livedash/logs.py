"""Logging: plain text or one JSON object per line, and a limit on repeated failure lines.

Design decisions:
- `LIVEDASH_LOG_FORMAT=json` makes every line a JSON object: time (UTC, ISO 8601 with
  milliseconds), level, logger, message, every `extra` field of the record (the admin audit
  passes its facts so: user, address, target, deleted...) and, for an exception, `exc` with
  the traceback. gunicorn's own lines go through the same formatter (its `logconfig_dict`),
  so a collector never meets a line it cannot parse. Text (the default) stays one readable
  line per record.
- `OncePerCause` keeps a flood out of the log: a peer sending malformed Socket.IO frames, or a
  Redis outage, would otherwise write a traceback per frame or per tick. On the loggers that
  report such causes it lets one line per cause (logger, message, exception type) through per
  minute, folds the traceback into that line and says how many it held back.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers whose repeated failures are one cause told many times (see OncePerCause).
NOISY_LOGGERS = ("engineio.server", "socketio.server", "livedash.poller", "livedash.cluster")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def formatter(log_format: str) -> logging.Formatter:
    """The formatter LIVEDASH_LOG_FORMAT names."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure(log_format: str, level: str = "info") -> None:
    """Root logging for the command line: one handler on stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("livedash").setLevel(level.upper())


def gunicorn_logconfig(log_format: str) -> dict[str, Any] | None:
    """gunicorn's `logconfig_dict` for JSON lines (None: its own text format)."""
    if log_format != "json":
        return None
    return {"formatters": {"generic": {"()": f"{__name__}.JsonFormatter"}}}


class OncePerCause(logging.Filter):
    """Pass one record per cause per `period` seconds, on one line, counting the rest."""

    MAX_CAUSES = 1000

    def __init__(self, period: float = 60.0, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        super().__init__()
        self.period, self._clock = period, clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """False while this cause was let through less than `period` ago."""
        error = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        key, now = (record.name, str(record.msg), error), self._clock()
        with self._lock:
            last, held = self._seen.get(key, (None, 0))
            if last is not None and now - last < self.period:
                self._seen[key] = (last, held + 1)
                return False
            if len(self._seen) >= self.MAX_CAUSES:
                self._seen.clear()
            self._seen[key] = (now, 0)
        _one_line(record, held, self.period)
        return True


def _one_line(record: logging.LogRecord, held: int, period: float) -> None:
    """Fold the exception into the message and say how many were held back."""
    extra = ""
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        extra += f" ({type(exc).__name__}: {str(exc)[:300]})"
        record.exc_info, record.exc_text = None, None
    if held:
        extra += f" [{held} more like this in the last {period:g} s not logged]"
    if extra:
        record.msg = f"{record.msg}{extra.replace('%', '%%') if record.args else extra}"


def limit_repeats(names: tuple[str, ...] = NOISY_LOGGERS) -> None:
    """Put one `OncePerCause` on each of these loggers (once, however often called)."""
    for name in names:
        target = logging.getLogger(name)
        if not any(isinstance(f, OncePerCause) for f in target.filters):
            target.addFilter(OncePerCause())
