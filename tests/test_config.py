"""Configuration: validation messages, the password kept private, documentation in sync."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gunicorn.config import Config

from livedash import create_app
from livedash.cli import main
from livedash.config import FIELDS, ConfigError, load_settings
from livedash.server import HeadDeadlineWorker, gunicorn_options
from tests.conftest import SERVER, make_settings
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("MYSQL_PORT", "abc", "MYSQL_PORT must be a whole number"),
    ("MYSQL_PORT", "70000", "MYSQL_PORT must be between"),
    ("LIVEDASH_DB_CLOCK", "mars", "LIVEDASH_DB_CLOCK must be one of utc, local"),
    ("LIVEDASH_DEMO", "maybe", "LIVEDASH_DEMO must be on or off"),
    ("MYSQL_DATABASE", "x; DROP", "MYSQL_DATABASE must be a plain MySQL identifier"),
    ("LIVEDASH_MESSAGE_QUEUE", "amqp://x", "LIVEDASH_MESSAGE_QUEUE must be a redis:// URL"),
])
def test_bad_values_name_the_variable(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        load_settings({name: value}, env_file="/nonexistent")


def test_cli_prints_one_line_and_exits_2(monkeypatch, capsys) -> None:
    monkeypatch.setenv("MYSQL_PORT", "not-a-port")
    assert main(["--port", "8123"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["livedash: configuration error: MYSQL_PORT must be a whole number, "
                   "got 'not-a-port'"]


def test_env_file_then_environment_wins(tmp_path) -> None:
    env = tmp_path / ".env"
    env.write_text("MYSQL_HOST=db.internal\nMYSQL_PORT=3307\n")
    settings = load_settings({"MYSQL_PORT": "3310"}, env_file=env)
    assert settings.mysql_host == "db.internal" and settings.mysql_port == 3310
    assert settings.mysql_database == "dashboard"


def test_password_never_in_repr() -> None:
    settings = load_settings({"MYSQL_PASSWORD": "s3cr3t-pw"}, env_file="/nonexistent")
    assert "s3cr3t-pw" not in repr(settings)


SECRET = "pw-s3cr3t-value"


def test_a_bad_password_setting_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"MYSQL_PASSWORD": SECRET * 30}, env_file="/nonexistent")
    assert "MYSQL_PASSWORD" in str(raised.value) and SECRET not in str(raised.value)


@pytest.mark.parametrize("failure", ["refused", "access denied"])
def test_password_not_shown_in_connection_errors(sql, failure: str) -> None:
    port = free_port() if failure == "refused" else SERVER["port"]
    app = create_app(make_settings(mysql_password=SECRET, mysql_port=port), {"TESTING": True})
    database = app.extensions["livedash.db"]
    assert not database.probe()  # the error happened...
    error = database.state().last_error
    assert error and ("refused" in error.lower() or "denied" in error.lower()), error
    client = app.test_client()
    for path in ("/healthz", "/admin/status", "/api/stats", "/admin"):
        assert SECRET not in client.get(path).get_data(as_text=True), path  # ...and is not shown
    database.close()


def test_env_example_documents_every_variable() -> None:
    text = (ROOT / ".env.example").read_text()
    missing = [f.env for f in FIELDS if not re.search(rf"^#?\s*{f.env}=", text, re.M)]
    assert not missing, f".env.example lacks {missing}"


def test_readme_documents_every_variable() -> None:
    text = (ROOT / "README.md").read_text()
    missing = [f.env for f in FIELDS if f"`{f.env}`" not in text]
    assert not missing, f"README.md lacks {missing}"


@pytest.mark.parametrize("threads", ["600", "1500"])
def test_gunicorn_accepts_a_connection_per_thread_plus_keepalives(threads: str) -> None:
    # gunicorn's default worker_connections (1000) would cap viewers below LIVEDASH_THREADS
    settings = load_settings(env_file="/dev/null", environ={"LIVEDASH_THREADS": threads})
    cfg = Config()
    for key, value in gunicorn_options(settings).items():
        cfg.set(key, value)
    assert cfg.workers == 1 and issubclass(cfg.worker_class, HeadDeadlineWorker)
    assert cfg.threads == int(threads) and cfg.worker_connections > cfg.threads


def test_version_prints_the_installed_version(capsys) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"livedash {version('livedash')}"
