"""Report downloads under pressure, on the real database and a real server: the bound on
downloads at once (503 "busy, retry"), stalled clients ended by the write timeout while the
admin page keeps answering, an interrupted CSV that says so, and the spreadsheet opt-in."""

from __future__ import annotations

import socket
import time
from typing import Any

import requests

from livedash.reporting.streams import INCOMPLETE
from tests import test_reports
from tests.conftest import live_app, make_settings
from tests.servers import LiveServer
from tests.test_reports import RANGE, export, insert, row

many_rows = test_reports.many_rows  # fixtures shared with test_reports.py
proxy = test_reports.proxy

STALLED = 5


def stalled_download(url: str, path: str) -> socket.socket:
    """A client that asks for a download and never reads it (a tiny receive buffer)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    return sock


def wait_for(check: Any, what: str, seconds: float = 90) -> Any:
    """Poll until check() gives something other than None or False (ordering and eventual
    arrival, not a time limit)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result is not None and result is not False:
            return result
        time.sleep(0.3)
    raise AssertionError(f"never happened: {what}")


def answer(url: str, status: int) -> requests.Response | None:
    """The response to GET url when it has this status, else None."""
    response = requests.get(url, timeout=60)
    return response if response.status_code == status else None


def answer_head(sock: socket.socket) -> str:
    """The status code the server answered with, peeked (the data stays unread)."""
    sock.settimeout(60)
    return sock.recv(12, socket.MSG_PEEK).decode()[9:12]


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server still sends, until it closes the connection."""
    sock.settimeout(30)
    received = b""
    while chunk := sock.recv(1 << 20):
        received += chunk
    return received


def test_stalled_downloads_are_bounded_and_ended(many_rows, tmp_path) -> None:
    """Five clients that never read (pool size 2): beyond the bound they get 503 at once,
    the admin page answers, the write timeout ends the stalled ones, and exports work again."""
    server = LiveServer(tmp_path, "stalled", LIVEDASH_DB_POOL_SIZE="2",
                        LIVEDASH_REPORT_STREAMS="2", LIVEDASH_REPORT_WRITE_TIMEOUT="6")
    url = f"{server.url}/reports/export?{RANGE}&format=csv"
    try:
        wait_for(lambda: requests.get(f"{server.url}/healthz", timeout=10).json()["database"]
                 == "up", "database up")
        socks = [stalled_download(server.url, f"/reports/export?{RANGE}&format=csv")
                 for _ in range(STALLED)]
        heads = [answer_head(s) for s in socks]  # every one answered before anyone else asks
        assert sorted(heads) == ["200"] * 2 + ["503"] * (STALLED - 2)
        busy = wait_for(lambda: answer(url, 503),
                        "a busy answer while the stalled downloads hold both slots")
        assert busy.headers["Retry-After"] == "10" and "busy, retry" in busy.text
        status = requests.get(f"{server.url}/admin/status", timeout=30)
        assert status.status_code == 200
        whole = wait_for(lambda: answer(url, 200),
                         "an export once the write timeout ended the stalled clients")
        assert whole.content.count(b"\r\n") == many_rows + 1
        cut = [read_until_closed(s) for s in socks]
        assert all(not body.endswith(b"0\r\n\r\n") for body, head in zip(cut, heads, strict=True)
                   if head == "200")  # the stalled downloads were cut: no final chunk
        for s in socks:
            s.close()
    finally:
        server.stop(clean=False)


def test_downloads_beyond_the_bound_get_busy(sql) -> None:
    insert(sql, *(row(i) for i in range(3)))
    app = live_app(make_settings(report_streams=1))
    client = app.test_client()
    first = client.get(f"/reports/export?{RANGE}&format=csv", buffered=False)
    next(iter(first.response))
    busy = export(client, f"{RANGE}&format=html")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "10"
    assert busy.mimetype == "text/plain" and "busy, retry" in busy.get_data(as_text=True)
    first.close()
    assert export(client, f"{RANGE}&format=json").status_code == 200
    assert export(client, f"{RANGE}&format=csv").status_code == 200  # slots came back
    app.extensions["livedash.db"].close()


def test_formula_prefixes_are_neutralised_only_when_asked(client, sql) -> None:
    insert(sql, row(1, "=user", name="=HYPERLINK(\"x\")"), row(2, "bob", name="+1.bin"),
           row(3, "@at", name="-minus"), row(4, "tab", name="\tx"), row(5, "cr", name="\rx"),
           row(6, "ok", name="plain=fine"))
    plain = export(client, f"{RANGE}&format=csv").data.decode()
    assert ',"=HYPERLINK(""x"")",' in plain and ",+1.bin," in plain and ",plain=fine," in plain
    safe = export(client, f"{RANGE}&format=csv&csv_safe=1").data.decode()
    for text in ("'=user", ",\"'=HYPERLINK(\"\"x\"\")\",", ",'+1.bin,", "'@at", ",'-minus,",
                 ",'\tx,", "\"'\rx\"", ",plain=fine,"):
        assert text in safe, text
    assert safe.count("\r\n") == plain.count("\r\n")
    bad = export(client, f"{RANGE}&format=csv&csv_safe=maybe")
    assert bad.status_code == 400 and "csv_safe" in bad.get_data(as_text=True)


def test_an_interrupted_csv_says_so(proxy, many_rows) -> None:
    """The last line of a cut CSV is the INCOMPLETE marker, never a clean row boundary."""
    app = live_app(make_settings(mysql_port=proxy.port))
    response = app.test_client().get(f"/reports/export?{RANGE}&format=csv", buffered=False)
    chunks = iter(response.response)
    received = next(chunks)
    proxy.down()
    try:
        for chunk in chunks:
            received += chunk
    except Exception:  # the stream's database error ends the response
        pass
    last = received.rstrip(b"\r\n").rsplit(b"\r\n", 1)[-1].decode()
    assert last.startswith(f"{INCOMPLETE}: the report stopped after ")
    assert "NOT the whole report" in last
    app.extensions["livedash.db"].close()
