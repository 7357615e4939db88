"""Arbitrary query strings, form bodies and Socket.IO payloads at every endpoint and event:
never a 5xx, never traceback text, never an unhandled exception in the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livedash import create_app, socketio
from tests.conftest import make_settings

KNOWN = ["window", "refresh", "limit", "username", "status", "prefix", "start", "end",
         "format", "before", "confirm", "mode", "kiosk", "theme", "exact"]
TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["10", "30", "60", "-1", "0", "1e9", "COMPLETE", "", " ", "\x00",
                     "2026-11-29T00:30", "9999-99-99T99:99", "<script>alert(1)</script>",
                     "' OR 1=1 --", "%", "_", "\\", "x" * 5000]),
)
PARAMS = st.dictionaries(st.one_of(st.sampled_from(KNOWN), st.text(min_size=1, max_size=8)),
                         TEXT, max_size=6)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=50),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(KNOWN) | st.text(max_size=5), inner,
                                      max_size=5), max_leaves=12)
HYPOTHESIS = settings(max_examples=60, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


class ErrorLog(logging.Handler):
    """Collects ERROR records from the app's loggers."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def hostile_app(test_database: str) -> Iterator[Any]:
    app = create_app(make_settings(), {"TESTING": False})
    app.extensions["livedash.db"].probe()
    yield app
    app.extensions["livedash.poller"].stop()  # API requests keep a view live for a minute
    app.extensions["livedash.db"].close()


@pytest.fixture
def errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    loggers = [logging.getLogger(name) for name in ("livedash", "flask.app", "werkzeug",
                                                      "socketio", "engineio")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def routes(app: Any, method: str) -> list[str]:
    """Every rule accepting `method`, with path variables filled with a plausible value."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or method not in rule.methods:
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "abc").replace(f"<int:{arg}>", "1")
            path = path.replace(f"<string:{arg}>", "abc")
        found.append(path)
    return sorted(found)


def assert_clean(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.get_data()[:300])
    body = response.get_data()
    assert b"Traceback" not in body and b'File "/' not in body


@HYPOTHESIS
@given(params=PARAMS)
def test_any_query_string_on_any_get_route(hostile_app, errors, params) -> None:
    client = hostile_app.test_client()
    for path in routes(hostile_app, "GET"):
        response = client.get(path, query_string=params)
        assert_clean(response)
        response.close()
    assert not errors.records, errors.records[0].getMessage()


@HYPOTHESIS
@given(form=PARAMS)
def test_any_form_body_on_any_post_route(hostile_app, errors, form) -> None:
    client = hostile_app.test_client()
    for path in routes(hostile_app, "POST"):
        assert_clean(client.post(path, data=form))
        assert_clean(client.post(path, json=form))
    assert not errors.records, errors.records[0].getMessage()


def socket_events(app: Any) -> list[str]:
    """Every event the app handles, plus one it does not."""
    handlers = socketio.server.handlers.get("/", {})
    return sorted({*handlers, "no_such_event"} - {"connect", "disconnect"})


@HYPOTHESIS
@given(payload=JSON)
def test_any_payload_on_any_socket_event(hostile_app, errors, payload) -> None:
    client = socketio.test_client(hostile_app)
    for event in socket_events(hostile_app):
        client.emit(event, payload, callback=event != "no_such_event")
    for message in client.get_received():
        assert "Traceback" not in repr(message["args"])
    client.disconnect()
    assert not errors.records, errors.records[0].getMessage()


def test_oversized_socket_payload_is_refused_not_fatal(hostile_app, errors) -> None:
    client = socketio.test_client(hostile_app)
    ack = client.emit("subscribe", {"username": "u" * 200_000}, callback=True)
    assert ack["ok"] is False
    client.disconnect()
    assert not errors.records
