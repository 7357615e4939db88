"""Real traffic for browser tests: `livedash seed` and `livedash simulate` on the test database.

The wall screen has to be judged as it will be used: many servers and a steady stream of
transfers. This runs the project's own seeder and simulator (docs/traffic.md) on the test
database (emptied by the `sql` fixture first, so they accept it) and stops the simulator at
the end of the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import DB_NAME, SERVER


def _env() -> dict[str, str]:
    return {**os.environ, "MYSQL_HOST": SERVER["host"], "MYSQL_PORT": str(SERVER["port"]),
            "MYSQL_USER": SERVER["user"], "MYSQL_PASSWORD": SERVER["password"],
            "MYSQL_DATABASE": DB_NAME, "LIVEDASH_ENV_FILE": os.devnull}


@contextmanager
def live_traffic(rate: float = 12, servers: int = 16, history: int = 3000) -> Iterator[None]:
    """`history` rows over the last 12 minutes, then `rate` transfers/s until the block ends."""
    command = [sys.executable, "-m", "livedash"]
    seeded = subprocess.run([*command, "seed", "--rows", str(history), "--hours", "0.2",
                             "--servers", str(servers)], env=_env(), capture_output=True,
                            text=True)
    assert seeded.returncode == 0, f"livedash seed failed: {seeded.stderr[-2000:]}"
    proc = subprocess.Popen([*command, "simulate", "--rate", str(rate), "--servers", str(servers),
                             "--latency", "0.3", "--report-every", "60"], env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(30)
