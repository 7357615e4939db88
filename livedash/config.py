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

from .numbers import NumberError, parse_number
from .proxies import Network, parse_networks


class ConfigError(ValueError):
    """A setting has a value the app cannot use; the message names the variable."""


def _bounded(kind: type, low: float, high: float) -> Callable[[str, str], Any]:
    """Parser for a number of `kind` within [low, high] (the shared strict rule)."""

    def parse(name: str, raw: str) -> Any:
        try:
            return parse_number(raw, kind, kind(low), kind(high))
        except NumberError as exc:
            raise ConfigError(f"{name} {exc}, got {raw!r}") from None

    return parse


def _int(low: int, high: int) -> Callable[[str, str], int]:
    """Parser for an integer within [low, high]."""
    return _bounded(int, low, high)


def _float(low: float, high: float) -> Callable[[str, str], float]:
    """Parser for a number of seconds within [low, high]."""
    return _bounded(float, low, high)


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


def _levels(name: str, raw: str) -> tuple[float, float] | None:
    """Parser for a warn,critical pair of thresholds (e.g. "5,10"), or "off"."""
    value = raw.strip().lower()
    if value in ("", "off", "none"):
        return None
    parts = [p.strip() for p in value.split(",")]
    try:
        warn, critical = (float(p) for p in parts) if len(parts) == 2 else (None, None)
    except ValueError:
        warn = critical = None
    if warn is None or critical is None or min(warn, critical) < 0:
        raise ConfigError(f"{name} must be two numbers 'warn,critical' (e.g. 5,10) or off, "
                          f"got {raw!r}")
    return warn, critical


def _networks(name: str, raw: str) -> tuple[Network, ...]:
    """Parser for a comma-separated list of addresses and CIDR networks (may be empty)."""
    try:
        return parse_networks(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc} (give addresses or CIDR networks, comma-separated)"
                          ) from None


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
    Field("LIVEDASH_HEAD_TIMEOUT", "head_timeout", _float(1, 300), "10", "Seconds a client may "
          "take to send a request's head (request line and headers) before its connection is "
          "closed: bounds slow-header (slowloris) clients, each of which holds a thread. A "
          "reverse proxy in front is the production setting (see Serving)."),
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
    Field("LIVEDASH_REPORT_STREAMS", "report_streams", _int(1, 100), "3", "Report downloads "
          "served at once; more get 503 \"busy, retry\" with Retry-After. Each holds up to 3 "
          "report connections while it runs: keep it below LIVEDASH_DB_POOL_SIZE."),
    Field("LIVEDASH_REPORT_WRITE_TIMEOUT", "report_write_timeout", _float(1, 3600), "30",
          "Seconds a report download may wait for its client to take the next 64 KB before "
          "the download is ended (a stalled client must not hold a database connection)."),
    Field("LIVEDASH_SECRET_KEY", "secret_key", _text(200), "", "Signs CSRF tokens; a random one "
          "is made per start when empty (set it when running several processes)."),
    Field("LIVEDASH_FEED_OVERLAP_S", "feed_overlap_s", _float(0.1, 60), "1", "Seconds a "
          "writer's commit may land after its ingress_time and still be seen at the next tick "
          "(the live path widens it by itself when rows land later; see README)."),
    Field("LIVEDASH_STUCK_AFTER", "stuck_after", _int(10, 7 * 86400), "300", "Seconds after "
          "which a SUBMITTED transfer counts as stuck (the CD column, alarms, the stuck filter)."),
    Field("LIVEDASH_ALARM_BAD_REQUEST_PCT", "alarm_bad_request_pct", _levels, "5,10", "Warn and "
          "critical share (% of received in the window) of BAD_REQUEST, or off."),
    Field("LIVEDASH_ALARM_CD_UNAVAILABLE_PCT", "alarm_cd_unavailable_pct", _levels, "2,5",
          "Warn and critical share of CD_UNAVAILABLE (% of received), or off."),
    Field("LIVEDASH_ALARM_EP_UNAVAILABLE_PCT", "alarm_ep_unavailable_pct", _levels, "5,10",
          "Warn and critical share of EP_UNAVAILABLE (% of received), or off."),
    Field("LIVEDASH_ALARM_TIMEOUT_PCT", "alarm_timeout_pct", _levels, "2,5", "Warn and "
          "critical share of TIMEOUT (% of received), or off."),
    Field("LIVEDASH_ALARM_STUCK", "alarm_stuck", _levels, "1,10", "Warn and critical number "
          "of stuck transfers (SUBMITTED for longer than LIVEDASH_STUCK_AFTER), or off."),
    Field("LIVEDASH_ALARM_UNKNOWN_STATUS", "alarm_unknown_status", _levels, "1,100", "Warn "
          "and critical number of transfers with an empty status (the ENUM's error value, "
          "stored for an invalid status outside strict SQL mode), or off."),
    Field("LIVEDASH_ALARM_TPS_BELOW", "alarm_tps_below", _levels, "off", "Warn and critical "
          "floor of egress transactions per second (warn below the first, critical below the "
          "second, e.g. 1,0.1), or off."),
    Field("LIVEDASH_ALARM_NO_INGRESS_S", "alarm_no_ingress_s", _levels, "60,300", "Warn and "
          "critical seconds without any new ingress, or off."),
    Field("LIVEDASH_LOG_LEVEL", "log_level", _choice("debug", "info", "warning", "error"), "info",
          "Logging level."),
    Field("LIVEDASH_LOG_FORMAT", "log_format", _choice("text", "json"), "text", "`text`: one "
          "readable line per record; `json`: one JSON object per line (time, level, logger, "
          "message and the record's extra fields, e.g. the admin audit's)."),
    Field("LIVEDASH_TRUSTED_PROXIES", "trusted_proxies", _networks, "", "Addresses or CIDR "
          "networks of the reverse proxies in front of the app, comma-separated, e.g. "
          "`127.0.0.1, 10.0.0.0/24`. Only their X-Forwarded-User / X-Remote-User (the user in "
          "the admin audit), X-Forwarded-For and X-Forwarded-Proto are believed; empty: none."),
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
    head_timeout: float
    connect_timeout: float
    read_timeout: float
    report_read_timeout: float
    pool_size: int
    admin: bool
    frame_ancestors: str
    message_queue: str
    report_html_max_rows: int
    report_streams: int
    report_write_timeout: float
    secret_key: str = field(repr=False)
    feed_overlap_s: float
    stuck_after: int
    alarm_bad_request_pct: tuple[float, float] | None
    alarm_cd_unavailable_pct: tuple[float, float] | None
    alarm_ep_unavailable_pct: tuple[float, float] | None
    alarm_timeout_pct: tuple[float, float] | None
    alarm_stuck: tuple[float, float] | None
    alarm_unknown_status: tuple[float, float] | None
    alarm_tps_below: tuple[float, float] | None
    alarm_no_ingress_s: tuple[float, float] | None
    log_level: str
    log_format: str
    trusted_proxies: tuple[Network, ...]

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
