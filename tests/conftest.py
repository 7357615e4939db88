"""Fixtures: a throwaway database on the real server, the app, its clients and a row factory.

Each test run creates `livedash_test_<pid>` from the specification's DDL and drops it at the
end; each test starts with an empty table. There is no skip: without the database the run
fails, as CI requires.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pymysql
import pytest

from livedash import create_app, socketio
from livedash.config import Settings, load_settings
from livedash.poller import Poller
from tests.dbsetup import create_database, drop_database

SERVER = {
    "host": os.environ.get("LIVEDASH_TEST_MYSQL_HOST", "127.0.0.1"),
    "port": int(os.environ.get("LIVEDASH_TEST_MYSQL_PORT", "3306")),
    "user": os.environ.get("LIVEDASH_TEST_MYSQL_USER", "root"),
    "password": os.environ.get("LIVEDASH_TEST_MYSQL_PASSWORD", ""),
}
DB_NAME = f"livedash_test_{os.getpid()}"


def connect(database: str | None = DB_NAME) -> pymysql.connections.Connection:
    """A direct autocommit connection for test setup and checks (not the app's pool)."""
    return pymysql.connect(**SERVER, database=database, autocommit=True, charset="utf8mb4")


@pytest.fixture(autouse=True)
def stop_pollers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stop every app's background tasks after each test: an app a test made and left (an
    API request keeps its poller ticking for a minute) must not query the next test's
    database or talk to its sockets."""
    made: list[Poller] = []
    real = Poller.__init__

    def record(self: Poller, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(Poller, "__init__", record)
    yield
    for poller in made:
        poller.stop()


@pytest.fixture(scope="session")
def test_database() -> Iterator[str]:
    """Create the throwaway database with the spec's table; drop it after the run."""
    try:
        admin = connect(None)
    except pymysql.err.OperationalError as exc:
        pytest.fail(f"the test database server at {SERVER['host']}:{SERVER['port']} is not "
                    f"reachable ({exc}); start MariaDB (see README)", pytrace=False)
    create_database(admin, DB_NAME)
    try:
        yield DB_NAME
    finally:
        drop_database(admin, DB_NAME)
        admin.close()


@pytest.fixture
def sql(test_database: str) -> Iterator[pymysql.connections.Connection]:
    """A direct connection to the test database, emptied before the test."""
    conn = connect()
    with conn.cursor() as cur:
        cur.execute("TRUNCATE TABLE transactions")
    yield conn
    conn.close()


def make_settings(**overrides: Any) -> Settings:
    """Settings for the test database; keyword arguments override fields."""
    env = {"MYSQL_HOST": SERVER["host"], "MYSQL_PORT": str(SERVER["port"]),
           "MYSQL_USER": SERVER["user"], "MYSQL_PASSWORD": SERVER["password"],
           "MYSQL_DATABASE": DB_NAME, "LIVEDASH_SECRET_KEY": "test-secret",
           "LIVEDASH_DB_CONNECT_TIMEOUT": "2", "LIVEDASH_DB_READ_TIMEOUT": "5"}
    return load_settings(env, env_file=os.devnull).replace(**overrides)


@pytest.fixture
def settings(sql: pymysql.connections.Connection) -> Settings:
    """Settings pointing at the (emptied) test database."""
    return make_settings()


def live_app(settings: Settings, **config: Any) -> Any:
    """An app that has already made its first database contact (so it is live, not demo)."""
    app = create_app(settings, {"TESTING": True, "WTF_CSRF_ENABLED": False, **config})
    db = app.extensions["livedash.db"]
    assert db.probe(), "the app could not reach the test database"
    return app


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    """The app on the test database, live."""
    application = live_app(settings)
    yield application
    application.extensions["livedash.poller"].stop()
    application.extensions["livedash.db"].close()


@pytest.fixture
def client(app: Any) -> Any:
    """Flask's test client."""
    return app.test_client()


@pytest.fixture
def socket_client(app: Any) -> Iterator[Any]:
    """A Flask-SocketIO test client connected to the app."""
    sc = socketio.test_client(app)
    yield sc
    if sc.is_connected():
        sc.disconnect()


RowFactory = Callable[..., str]


@pytest.fixture
def add_row(sql: pymysql.connections.Connection) -> RowFactory:
    """Insert a row `offset_s` seconds before the database's now; returns its id.

    transit_s sets egress_time = ingress_time + transit_s (None leaves egress NULL).
    """

    def add(offset_s: float = 5, status: str = "COMPLETE", username: str = "alice",
            file_size: int = 1000, transit_s: float | None = 2.0,
            file_name: str = "file.bin", ingress_server: str = "in-1",
            egress_server: str | None = "out-1", transaction_id: str | None = None) -> str:
        tid = transaction_id or str(uuid.uuid4())
        egress_sql = ("NULL" if transit_s is None else
                      "(@t + INTERVAL %(transit_us)s MICROSECOND)")
        with sql.cursor() as cur:
            cur.execute("SET @t = UTC_TIMESTAMP(3) - INTERVAL %(offset_us)s MICROSECOND",
                        {"offset_us": int(offset_s * 1_000_000)})
            cur.execute(
                "INSERT INTO transactions VALUES (%(id)s, %(user)s, %(name)s, %(size)s, %(ing)s,"
                f" @t, %(egr)s, {egress_sql}, %(status)s)",
                {"id": tid, "user": username, "name": file_name, "size": file_size,
                 "ing": ingress_server, "egr": None if transit_s is None else egress_server,
                 "transit_us": int((transit_s or 0) * 1_000_000), "status": status})
        return tid

    return add
