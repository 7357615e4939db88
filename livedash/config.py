"""Settings: `.env` first, then the real environment on top, validated once at start-up.

Design decisions:
- Every setting is declared once in `FIELDS` with its parser, default and help text; the
  `.env.example` file and the README table are checked against this list by a test, so a
  documented variable can never drift from the code.
- A bad value raises `ConfigError` naming the variable; the CLI prints that one line and
  exits 2 instead of a traceback.
- The password is kept out of `repr()` and out of every log line.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dotenv import dotenv_values


class ConfigError(ValueError):
    """A setting has a value the app cannot use; the message names the variable."""


def _int(low: int, high: int) -> Callable[[str, str], int]:
    """Parser for an integer within [low, high]."""

    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
        return value

    return parse


def _float(low: float, high: float) -> Callable[[str, str], float]:
    """Parser for a number of seconds within [low, high]."""

    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {raw!r}") from None
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
        return value

    return parse


def _choice(*options: str) -> Callable[[str, str], str]:
    """Parser for one of a fixed set of words (case-insensitive)."""

    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise ConfigError(f"{name} must be one of {', '.join(options)}, got {raw!r}")
        return value

    return parse


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(name: str, raw: str) -> bool:
    """Parser for on/off style flags."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be on or off (1/0, true/false, yes/no), got {raw!r}")


def _text(max_len: int = 255) -> Callable[[str, str], str]:
    """Parser for free text with a length cap."""

    def parse(name: str, raw: str) -> str:
        if len(raw) > max_len:
            raise ConfigError(f"{name} is longer than {max_len} characters")
        return raw

    return parse


def _name(name: str, raw: str) -> str:
    """Parser for a MySQL identifier (database name): it is quoted into DDL-free SQL."""
    value = raw.strip()
    if not value or len(value) > 64 or not all(c.isalnum() or c in "_$" for c in value):
        raise ConfigError(
            f"{name} must be a plain MySQL identifier (letters, digits, _), got {raw!r}")
    return value


def _queue_url(name: str, raw: str) -> str:
    """Parser for an optional message-queue URL (redis:// or rediss://)."""
    value = raw.strip()
    if value and not value.startswith(("redis://", "rediss://")):
        raise ConfigError(f"{name} must be a redis:// URL or empty, got {raw!r}")
    return value


@dataclass(frozen=True)
class Field:
    """One environment variable: its parser, default and the sentence that documents it."""

    env: str
    attr: str
    parse: Callable[[str, str], Any]
    default: str
    help: str


FIELDS: tuple[Field, ...] = (
    Field("MYSQL_HOST", "mysql_host", _text(), "127.0.0.1",
          "Database server host name or address."),
    Field("MYSQL_PORT", "mysql_port", _int(1, 65535), "3306", "Database server TCP port."),
    Field("MYSQL_USER", "mysql_user", _text(80), "root", "Database user (read access is enough "
          "for the dashboard and reports; DELETE/DROP for the admin clear)."),
    Field("MYSQL_PASSWORD", "mysql_password", _text(), "",
          "Database password. Never logged or shown."),
    Field("MYSQL_DATABASE", "mysql_database", _name, "dashboard", "Database holding the "
          "`transactions` table."),
    Field("LIVEDASH_DB_CLOCK", "db_clock", _choice("utc", "local"), "utc", "How ingress_time is "
          "stored: `utc` compares with UTC_TIMESTAMP(3), `local` with NOW(3)."),
    Field("LIVEDASH_DEMO", "demo", _bool, "0", "Force demo mode (3 hardcoded rows, no database)."),
    Field("LIVEDASH_HOST", "host", _text(), "127.0.0.1", "Address the server listens on."),
    Field("LIVEDASH_PORT", "port", _int(1, 65535), "8000", "Port the server listens on."),
    Field("LIVEDASH_THREADS", "threads", _int(4, 10000), "600", "gunicorn threads in the single "
          "worker. Each open dashboard holds one thread, so this caps concurrent viewers."),
    Field("LIVEDASH_DB_CONNECT_TIMEOUT", "connect_timeout", _float(0.5, 60), "3",
          "Seconds to wait for a database connection."),
    Field("LIVEDASH_DB_READ_TIMEOUT", "read_timeout", _float(1, 600), "10", "Seconds a dashboard "
          "query may take before it is abandoned (PyMySQL has no limit by default)."),
    Field("LIVEDASH_REPORT_READ_TIMEOUT", "report_read_timeout", _float(1, 3600), "300",
          "Seconds a report or admin statement may wait for the server."),
    Field("LIVEDASH_DB_POOL_SIZE", "pool_size", _int(1, 200), "8", "Most pooled database "
          "connections the app keeps open."),
    Field("LIVEDASH_ADMIN", "admin", _bool, "on", "`off` hides the admin page and refuses every "
          "admin action (for wall screens on shared networks)."),
    Field("LIVEDASH_FRAME_ANCESTORS", "frame_ancestors", _text(), "'self'", "CSP frame-ancestors "
          "value: who may embed the pages, e.g. `'self' https://wall.example`."),
    Field("LIVEDASH_MESSAGE_QUEUE", "message_queue", _queue_url, "", "redis:// URL shared by "
          "several app processes; empty for a single process."),
    Field("LIVEDASH_REPORT_HTML_MAX_ROWS", "report_html_max_rows", _int(0, 10_000_000), "50000",
          "Rows listed in an HTML report before the listing stops (statistics still cover all)."),
    Field("LIVEDASH_SECRET_KEY", "secret_key", _text(200), "", "Signs CSRF tokens; a random one "
          "is made per start when empty (set it when running several processes)."),
    Field("LIVEDASH_LOG_LEVEL", "log_level", _choice("debug", "info", "warning", "error"), "info",
          "Logging level."),
)


@dataclass(frozen=True)
class Settings:
    """Typed, validated settings; build with `load_settings()`."""

    mysql_host: str
    mysql_port: int
    mysql_user: str
    mysql_password: str = field(repr=False)
    mysql_database: str
    db_clock: str
    demo: bool
    host: str
    port: int
    threads: int
    connect_timeout: float
    read_timeout: float
    report_read_timeout: float
    pool_size: int
    admin: bool
    frame_ancestors: str
    message_queue: str
    report_html_max_rows: int
    secret_key: str = field(repr=False)
    log_level: str

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (tests and the CLI's --host/--port)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Settings(**values)


def read_env_file(path: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Values from the `.env` file (LIVEDASH_ENV_FILE or ./.env); missing file gives {}."""
    target = Path(path or os.environ.get("LIVEDASH_ENV_FILE") or Path.cwd() / ".env")
    if not target.is_file():
        return {}
    return {k: v for k, v in dotenv_values(target).items() if v is not None}


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | os.PathLike[str] | None = None
) -> Settings:
    """Merge .env and the environment (environment wins), parse and validate every field."""
    merged: dict[str, str] = read_env_file(env_file)
    merged.update(os.environ if environ is None else environ)
    values = {f.attr: f.parse(f.env, merged.get(f.env, f.default)) for f in FIELDS}
    if not values["secret_key"]:
        values["secret_key"] = secrets.token_hex(32)
    return Settings(**values)
