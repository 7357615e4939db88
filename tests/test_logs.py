"""Log lines: JSON objects on request, and one line per repeated cause per minute."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from livedash import logs


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO, logging.Handler]]:
    """A logger of its own writing to a buffer (nothing else sees it)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("livedash.test_logs")
    logger.handlers[:] = [handler]
    logger.propagate, logger.level = False, logging.INFO
    yield logger, stream, handler
    logger.handlers.clear()
    logger.filters.clear()


def test_json_lines_carry_time_level_logger_message_and_extra_fields(captured) -> None:
    logger, stream, handler = captured
    handler.setFormatter(logs.formatter("json"))
    logger.info("clear %s by %s removed %d rows", "ab12", "carol", 2,
                extra={"audit": "clear", "user": "carol", "deleted": 2, "remaining": None})
    try:
        raise ValueError("bad \"quote\"\nnew line")
    except ValueError:
        logger.exception("it failed: %s", "ünïcode")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "clear ab12 by carol removed 2 rows"
    assert first["level"] == "INFO" and first["logger"] == "livedash.test_logs"
    assert first["time"].endswith("Z") and "T" in first["time"]
    assert (first["audit"], first["user"], first["deleted"], first["remaining"]) == (
        "clear", "carol", 2, None)
    assert second["level"] == "ERROR" and second["message"] == "it failed: ünïcode"
    assert "ValueError: bad \"quote\"" in second["exc"]


def test_text_is_the_default_and_one_line(captured) -> None:
    logger, stream, handler = captured
    handler.setFormatter(logs.formatter("text"))
    logger.warning("database is down: %s", "refused")
    line = stream.getvalue()
    assert line.count("\n") == 1 and "WARNING livedash.test_logs: database is down: refused" in line


def fail(logger: logging.Logger, message: str, error: Exception) -> None:
    try:
        raise error
    except Exception:
        logger.warning(message, exc_info=True)


def test_a_repeated_cause_is_one_line_a_minute(captured) -> None:
    logger, stream, _ = captured
    clock = [0.0]
    logger.addFilter(logs.OncePerCause(60, clock=lambda: clock[0]))
    for _ in range(500):  # a Redis outage: the same failure every tick
        fail(logger, "message queue unreachable; not polling", ConnectionError("refused"))
    fail(logger, "message queue unreachable; not polling", TimeoutError("slow"))  # other cause
    clock[0] = 61.0
    fail(logger, "message queue unreachable; not polling", ConnectionError("refused"))
    lines = stream.getvalue().splitlines()
    assert lines == [
        "message queue unreachable; not polling (ConnectionError: refused)",
        "message queue unreachable; not polling (TimeoutError: slow)",
        "message queue unreachable; not polling (ConnectionError: refused) [499 more like "
        "this in the last 60 s not logged]"]


def test_messages_with_arguments_survive_the_folding(captured) -> None:
    logger, stream, _ = captured
    logger.addFilter(logs.OncePerCause())
    try:
        raise KeyError("100%")
    except KeyError:
        logger.error("%s handler error", "message", exc_info=True)
    assert stream.getvalue().strip() == "message handler error (KeyError: '100%')"


def test_malformed_socketio_frames_do_not_flood_the_log(app: Any, caplog) -> None:
    # a client sending frames that are not Socket.IO packets, over and over
    from livedash import socketio

    client = socketio.test_client(app)
    caplog.set_level(logging.INFO)
    eio = socketio.server.eio
    for _ in range(200):
        eio._trigger_event("message", client.eio_sid, "2garbage[", run_async=False)
    client.disconnect()
    lines = [r for r in caplog.records if r.name in ("engineio.server", "socketio.server")]
    assert 1 <= len(lines) <= 2 and all(r.exc_info is None for r in lines)


def test_the_app_limits_the_loggers_that_report_outages_and_bad_frames(app: Any) -> None:
    for name in ("engineio.server", "socketio.server", "livedash.poller", "livedash.cluster"):
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, logs.OncePerCause) for f in filters) == 1, name
