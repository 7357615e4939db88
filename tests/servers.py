"""Real `livedash` server processes for tests (gunicorn, a real port), started and killed."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import DB_NAME, SERVER


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`python -m livedash --port N` in its own process group, on the test database."""

    def __init__(self, log_dir: Path, name: str = "server", cwd: Path | None = None,
                 **env: str) -> None:
        """`cwd`: run the livedash of another checkout (benchmarks compare designs)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        environ = {**os.environ, "MYSQL_HOST": SERVER["host"], "MYSQL_PORT": str(SERVER["port"]),
                   "MYSQL_USER": SERVER["user"], "MYSQL_PASSWORD": SERVER["password"],
                   "MYSQL_DATABASE": DB_NAME, "LIVEDASH_THREADS": "64",
                   "LIVEDASH_SECRET_KEY": "test-secret", "LIVEDASH_ENV_FILE": os.devnull, **env}
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "livedash", "--host", "127.0.0.1", "--port", str(self.port)],
            env=environ, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=cwd)
        self.wait_ready()

    def wait_ready(self, timeout: float = 20) -> None:
        """Block until /healthz answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"server not ready: {self.log_path.read_text()[-2000:]}")

    def pids(self) -> set[int]:
        """The gunicorn master and its worker."""
        out = subprocess.run(["pgrep", "-g", str(self.process.pid)], capture_output=True,
                             text=True).stdout
        return {int(p) for p in out.split()}

    def kill(self) -> None:
        """SIGKILL the whole process group: no clean shutdown, like a crashed host."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.log.close()

    def stop(self, clean: bool = True) -> None:
        """SIGTERM and wait (a clean shutdown: up to gunicorn's 5 s graceful timeout while a
        browser keeps a socket open), or with `clean=False` end it at once: for the many
        servers whose shutdown no test looks at."""
        if not clean:
            self.kill()
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@contextlib.contextmanager
def half_sent_requests(url: str, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections, each holding a request head that never ends (slowloris)."""
    host, port = url.removeprefix("http://").split(":")
    held = []
    try:
        for _ in range(count):
            conn = socket.create_connection((host, int(port)), timeout=30)
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            held.append(conn)
        yield held
    finally:
        for conn in held:
            conn.close()
