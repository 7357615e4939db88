"""Socket.IO test-client helpers shared by the test modules (poller, admin, cluster...)."""

from __future__ import annotations

import time
from typing import Any


def wait_event(client, name: str, predicate=lambda args: True, timeout: float = 6.0) -> Any:
    """The first `name` event whose payload satisfies `predicate`, received within timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in client.get_received():
            if message["name"] == name and predicate(message["args"][0]):
                return message["args"][0]
        time.sleep(0.05)
    raise AssertionError(f"no matching {name!r} event within {timeout} s")


def subscribe(client, **view: Any) -> dict:
    ack = client.emit("subscribe", {"refresh": 1, **view}, callback=True)
    assert ack["ok"], ack
    return ack
