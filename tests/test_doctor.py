"""`livedash doctor` against the real database and Redis: a healthy install passes, each
thing a new install gets wrong gives its line and a non-zero exit."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from livedash.cli import main
from tests.conftest import DB_NAME, SERVER, connect
from tests.dbsetup import create_database, drop_database
from tests.servers import free_port

OTHER_DB = f"{DB_NAME}_doctor"
USER = f"ld_doc_{os.getpid()}"


def doctor(monkeypatch: pytest.MonkeyPatch, capsys: Any, **env: str) -> tuple[int, list[str]]:
    """Run `livedash doctor` on the test server with these variables; (exit, lines)."""
    base = {"MYSQL_HOST": SERVER["host"], "MYSQL_PORT": str(SERVER["port"]),
            "MYSQL_USER": SERVER["user"], "MYSQL_PASSWORD": SERVER["password"],
            "MYSQL_DATABASE": DB_NAME, "LIVEDASH_ENV_FILE": os.devnull,
            "LIVEDASH_MESSAGE_QUEUE": "", "LIVEDASH_ADMIN": "on"}
    for name, value in {**base, **env}.items():
        monkeypatch.setenv(name, value)
    code = main(["doctor"])
    return code, capsys.readouterr().out.splitlines()


def only(lines: list[str], name: str) -> list[str]:
    return [line for line in lines if line.split(None, 1)[1].startswith(name + ":")]


@pytest.fixture
def other_db(test_database: str) -> Iterator[pymysql.connections.Connection]:
    """A second throwaway database with the spec's table, to break."""
    conn = connect(None)
    create_database(conn, OTHER_DB)
    yield conn
    drop_database(conn, OTHER_DB)
    conn.close()


@pytest.fixture
def user(test_database: str) -> Iterator[Any]:
    """A database user made by the test; call it with the privileges to grant."""
    conn = connect(None)

    def make(privileges: str) -> str:
        with conn.cursor() as cur:
            cur.execute(f"CREATE USER IF NOT EXISTS '{USER}'@'%' IDENTIFIED BY 'pw'")
            if privileges:
                cur.execute(f"GRANT {privileges} ON {DB_NAME}.* TO '{USER}'@'%'")
        return USER

    yield make
    with conn.cursor() as cur:
        cur.execute(f"DROP USER IF EXISTS '{USER}'@'%'")
    conn.close()


def test_a_healthy_install_passes(sql, monkeypatch, capsys) -> None:
    code, lines = doctor(monkeypatch, capsys)
    assert code == 0, lines
    assert [line.split()[0] for line in lines[:-1]] == ["ok"] * (len(lines) - 1)
    assert {line.split()[1] for line in lines[:-1]} >= {
        "settings:", "connection:", "table:", "indexes:", "privileges:", "clock:"}
    assert "LIVEDASH_DB_CLOCK=utc" in only(lines, "clock")[0]
    assert lines[-1] == "livedash doctor: all checks passed"


def test_every_bad_setting_is_named(monkeypatch, capsys) -> None:
    code, lines = doctor(monkeypatch, capsys, MYSQL_PORT="abc", LIVEDASH_DB_CLOCK="mars")
    assert code == 1
    assert any("FAIL" in x and "MYSQL_PORT must be a whole number" in x for x in lines)
    assert any("FAIL" in x and "LIVEDASH_DB_CLOCK must be one of" in x for x in lines)


def test_a_misspelt_name_in_the_env_file_is_a_warning(sql, tmp_path, monkeypatch,
                                                      capsys) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LIVEDASH_THREAD=50\nMYSQL_PORT=" + str(SERVER["port"]) + "\n")
    code, lines = doctor(monkeypatch, capsys, LIVEDASH_ENV_FILE=str(env_file))
    assert code == 0
    assert any(x.startswith("warn") and "LIVEDASH_THREAD in the .env file" in x for x in lines)


@pytest.mark.parametrize(("env", "fragment"), [
    ({"MYSQL_PASSWORD": "wrong-password"}, "access denied for"),
    ({"MYSQL_DATABASE": "livedash_no_such_db"}, "unknown database 'livedash_no_such_db'"),
    ({"MYSQL_PORT": "closed"}, "connection refused by 127.0.0.1:"),
])
def test_connection_failures_say_what_to_fix(test_database, monkeypatch, capsys, env,
                                             fragment) -> None:
    if env.get("MYSQL_PORT") == "closed":
        env = {"MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": str(free_port())}
    code, lines = doctor(monkeypatch, capsys, **env)
    assert code == 1
    assert only(lines, "connection")[0].startswith("FAIL") and fragment in lines[1]


def test_a_missing_table(other_db, monkeypatch, capsys) -> None:
    with other_db.cursor() as cur:
        cur.execute(f"DROP TABLE {OTHER_DB}.transactions")
    code, lines = doctor(monkeypatch, capsys, MYSQL_DATABASE=OTHER_DB)
    assert code == 1
    assert only(lines, "table")[0].startswith("FAIL") and "no table 'transactions'" in lines[2]


@pytest.mark.parametrize(("alter", "check", "fragment"), [
    ("DROP INDEX idx_status", "indexes", "idx_status on (status)"),
    ("DROP INDEX idx_ingress_time", "indexes", "idx_ingress_time on (ingress_time)"),
    ("MODIFY file_size INT NOT NULL", "table", "file_size is int NOT NULL (expected bigint"),
    ("MODIFY egress_time DATETIME(3) NOT NULL", "table", "egress_time is datetime(3) NOT NULL"),
    ("MODIFY ingress_time DATETIME NOT NULL", "table", "ingress_time is datetime NOT NULL"),
    ("DROP COLUMN egress_server", "table", "missing column(s) egress_server"),
])
def test_a_table_unlike_the_specification(other_db, monkeypatch, capsys, alter, check,
                                          fragment) -> None:
    with other_db.cursor() as cur:
        cur.execute(f"ALTER TABLE {OTHER_DB}.transactions {alter}")
    code, lines = doctor(monkeypatch, capsys, MYSQL_DATABASE=OTHER_DB)
    assert code == 1
    line = only(lines, check)[0]
    assert line.startswith("FAIL") and fragment in line, lines


def test_a_user_without_delete_fails_with_admin_on(user, monkeypatch, capsys) -> None:
    name = user("SELECT")
    code, lines = doctor(monkeypatch, capsys, MYSQL_USER=name, MYSQL_PASSWORD="pw")
    assert code == 1
    privileges = only(lines, "privileges")
    assert privileges[0].startswith("ok") and "may SELECT" in privileges[0]
    assert privileges[1].startswith("FAIL") and "may not DELETE" in privileges[1]
    code, lines = doctor(monkeypatch, capsys, MYSQL_USER=name, MYSQL_PASSWORD="pw",
                         LIVEDASH_ADMIN="off")
    assert code == 0 and "DELETE and DROP not needed" in only(lines, "privileges")[1]


def test_a_user_without_drop_is_warned_about_the_fallback(user, monkeypatch, capsys) -> None:
    code, lines = doctor(monkeypatch, capsys, MYSQL_USER=user("SELECT, DELETE"),
                         MYSQL_PASSWORD="pw")
    assert code == 0
    line = only(lines, "privileges")[1]
    assert line.startswith("warn") and "falls back to batched DELETE" in line


def test_a_user_without_any_privilege(user, monkeypatch, capsys) -> None:
    code, lines = doctor(monkeypatch, capsys, MYSQL_USER=user(""), MYSQL_PASSWORD="pw")
    assert code == 1
    line = only(lines, "connection")[0]
    assert line.startswith("FAIL") and f"may not use database '{DB_NAME}'" in line


def test_rows_in_the_future_by_the_clock_are_flagged(sql, add_row, monkeypatch, capsys) -> None:
    add_row(offset_s=-3 * 3600)  # stamped three hours ahead of UTC: a local-time pipeline?
    code, lines = doctor(monkeypatch, capsys)
    line = only(lines, "clock")[0]
    assert code == 0 and line.startswith("warn") and "set LIVEDASH_DB_CLOCK=local" in line


def test_redis_unreachable(sql, monkeypatch, capsys) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    code, lines = doctor(monkeypatch, capsys, LIVEDASH_MESSAGE_QUEUE=url)
    assert code == 1
    assert only(lines, "redis")[0].startswith("FAIL") and "does not answer" in lines[-2]


def test_redis_reachable_passes(sql, monkeypatch, capsys) -> None:
    code, lines = doctor(monkeypatch, capsys, LIVEDASH_MESSAGE_QUEUE="redis://127.0.0.1:6379/0",
                         LIVEDASH_SECRET_KEY="shared")
    assert code == 0 and only(lines, "redis")[0].startswith("ok")
