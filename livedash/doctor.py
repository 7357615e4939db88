"""`livedash doctor`: check what a new install gets wrong, one line per check, and say what to do.

Design decisions:
- Each check gives one line: `ok`, `warn` (works, but read this) or `FAIL` (fix this), with the
  fix in the same line. The exit status is 0 only when nothing failed; warnings pass.
- Checks run in dependency order (settings, connection, table, indexes, privileges, clock,
  Redis); a check whose ground failed says "skipped" rather than adding a second symptom of the
  same cause.
- Every bad setting is reported, not only the first (the app itself stops at the first).
- The connection check uses the driver directly, so it can tell refused, unknown host, access
  denied, unknown database and TLS apart by the server's error number.
- SELECT and DELETE are proven by statements the server accepts but that touch no row (grants
  can come from wildcards and roles, which the grant tables hide); DROP, which TRUNCATE needs,
  cannot be tried without emptying the table, so it is looked up in the grant tables, and its
  absence is a warning: clears then fall back to batched DELETE.
- The clock check says what LIVEDASH_DB_CLOCK means against this server's zone; it warns only
  on evidence, when the newest row lies in the future by the chosen clock.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pymysql

from .config import FIELDS, ConfigError, Settings, load_settings, read_env_file
from .db import Database, DatabaseError
from .queries import doctor as doctor_sql
from .schema import TABLE

# The specification's columns: name, type (integer display widths dropped), nullable.
SPEC_COLUMNS = (
    ("transaction_id", "char(36)", "NO"), ("username", "varchar(50)", "NO"),
    ("file_name", "varchar(255)", "NO"), ("file_size", "bigint", "NO"),
    ("ingress_server", "varchar(100)", "NO"), ("ingress_time", "datetime(3)", "NO"),
    ("egress_server", "varchar(100)", "YES"), ("egress_time", "datetime(3)", "YES"),
    ("status", "enum('BAD_REQUEST','SUBMITTED','COMPLETE','TIMEOUT','EP_UNAVAILABLE',"
               "'CD_UNAVAILABLE')", "NO"))
SPEC_INDEXES = {"PRIMARY": ("transaction_id",), "idx_username": ("username",),
                "idx_status": ("status",), "idx_ingress_time": ("ingress_time",)}
FUTURE_SLACK = timedelta(minutes=1)


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    outcome: str  # ok | warn | FAIL | skipped
    name: str
    message: str

    def line(self) -> str:
        return f"{self.outcome:<7} {self.name}: {self.message}"


def _ok(name: str, message: str) -> Check:
    return Check("ok", name, message)


def _warn(name: str, message: str) -> Check:
    return Check("warn", name, message)


def _fail(name: str, message: str) -> Check:
    return Check("FAIL", name, message)


# -- settings and connection --------------------------------------------------------------------


def check_unknown(env_file: Mapping[str, str]) -> list[Check]:
    """A warning for each name in the .env file that no setting has (a typo is silent)."""
    known = {f.env for f in FIELDS} | {"LIVEDASH_ENV_FILE"}
    return [_warn("settings", f"{name} in the .env file is not a livedash setting (a typo?); "
                              "README lists them all")
            for name in sorted(set(env_file) - known)]


def check_settings(merged: Mapping[str, str]) -> tuple[list[Check], Any]:
    """Every bad variable (one line each), and the settings when all are good."""
    bad = []
    for f in FIELDS:
        try:
            f.parse(f.env, merged.get(f.env, f.default))
        except ConfigError as exc:
            bad.append(_fail("settings", f"{exc}: fix it in .env or the environment"))
    if bad:
        return bad, None
    return [_ok("settings", "every LIVEDASH_* and MYSQL_* value is valid")], load_settings(merged)


_CONNECT_ADVICE = {
    1045: "access denied for {user}: check MYSQL_USER and MYSQL_PASSWORD, and that the user may "
          "connect from this host",
    1044: "{user} may not use database '{db}': GRANT SELECT ON {db}.* TO the user",
    1049: "unknown database '{db}' on {where}: check MYSQL_DATABASE (livedash never creates it)",
    3159: "the server requires TLS (require_secure_transport) and livedash connects without "
          "it: allow plain connections for this user, or connect through a TLS tunnel",
    2026: "the TLS handshake failed: the server's TLS settings do not match the client's",
}


def _connect_failure(exc: BaseException, s: Settings) -> str:
    """What a failed connection means and what to do about it."""
    where = f"{s.mysql_host}:{s.mysql_port}"
    if isinstance(exc, RuntimeError) and "cryptography" in str(exc):
        return ("the server's authentication (caching_sha2_password) needs the 'cryptography' "
                "package: pip install 'PyMySQL[rsa]'")
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    text = str(exc.args[1] if len(exc.args) > 1 else exc)
    if code in _CONNECT_ADVICE:
        return _CONNECT_ADVICE[code].format(user=s.mysql_user, db=s.mysql_database, where=where)
    if code == 2003 and "refused" in text.lower():
        return (f"connection refused by {where}: is the server running and listening there? "
                "check MYSQL_HOST and MYSQL_PORT")
    if code == 2003 and "timed out" in text.lower():
        return f"no answer from {where} (timed out): a firewall, or the wrong MYSQL_HOST"
    if code == 2003:
        return f"cannot reach {where} ({text[:120]}): check MYSQL_HOST and MYSQL_PORT"
    return f"cannot connect to {where}: MySQL error {code}: {text[:160]}"


def check_connection(s: Settings) -> Check:
    """Connect as the app would (same settings, no TLS), then report the server's version."""
    try:
        conn = pymysql.connect(host=s.mysql_host, port=s.mysql_port, user=s.mysql_user,
                               password=s.mysql_password, database=s.mysql_database,
                               connect_timeout=s.connect_timeout, charset="utf8mb4")
    except (pymysql.err.MySQLError, RuntimeError, OSError) as exc:
        return _fail("connection", _connect_failure(exc, s))
    try:
        version = conn.get_server_info()
    finally:
        conn.close()
    return _ok("connection", f"{s.mysql_user}@{s.mysql_host}:{s.mysql_port}/"
                             f"{s.mysql_database} answers (server {version})")


# -- the table ----------------------------------------------------------------------------------


def _normal_type(column_type: str) -> str:
    """COLUMN_TYPE with its type word in lower case and no integer display width (MariaDB
    writes bigint(20)); enum values keep their case."""
    word, rest = re.match(r"([A-Za-z]*)(.*)", column_type, re.S).groups()  # type: ignore[union-attr]
    if word.lower() in ("tinyint", "smallint", "mediumint", "int", "bigint"):
        rest = re.sub(r"^\(\d+\)", "", rest)
    return word.lower() + rest


def check_columns(db: Database) -> Check:
    """The table exists with the specification's columns (names, types, nullability)."""
    found = {name: (_normal_type(kind), null) for name, kind, null in doctor_sql.doctor_columns(db)}
    if not found:
        return _fail("table", f"no table '{TABLE}' in database '{db.settings.mysql_database}': "
                              "create it with the specification's DDL (livedash never does)")
    wrong = [f"{name} is {found[name][0]} {'NULL' if found[name][1] == 'YES' else 'NOT NULL'}"
             f" (expected {kind} {'NULL' if null == 'YES' else 'NOT NULL'})"
             for name, kind, null in SPEC_COLUMNS if name in found and found[name] != (kind, null)]
    missing = [name for name, _, _ in SPEC_COLUMNS if name not in found]
    if missing or wrong:
        parts = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + wrong
        return _fail("table", f"'{TABLE}' differs from the specification: {'; '.join(parts)}: "
                              "ALTER it to the specification's DDL")
    return _ok("table", f"'{TABLE}' has the specification's {len(SPEC_COLUMNS)} columns")


def check_indexes(db: Database) -> Check:
    """The primary key and the three indexes the queries' plans depend on."""
    found = doctor_sql.doctor_indexes(db)
    bad = [name for name, columns in SPEC_INDEXES.items() if found.get(name) != columns]
    if bad:
        fixes = "; ".join(f"{name} on ({', '.join(SPEC_INDEXES[name])})" for name in bad)
        return _fail("indexes", f"missing or different: {fixes}. Without them the dashboard's "
                                f"queries scan the table: CREATE INDEX ... ON {TABLE} as the "
                                "specification does")
    return _ok("indexes", "PRIMARY, idx_username, idx_status and idx_ingress_time are there")


def _denied(try_it: Callable[[], Any]) -> str | None:
    """None when the statement was accepted, else the server's message."""
    try:
        try_it()
    except DatabaseError as exc:
        return str(exc)
    return None


def check_privileges(db: Database) -> Iterator[Check]:
    """SELECT always; DELETE and DROP when the admin page is on."""
    user = db.settings.mysql_user
    refused = _denied(lambda: doctor_sql.doctor_can_select(db))
    if refused:
        yield _fail("privileges", f"{user} may not read '{TABLE}' ({refused}): "
                                  f"GRANT SELECT ON {db.settings.mysql_database}.{TABLE}")
    else:
        yield _ok("privileges", f"{user} may SELECT from '{TABLE}'")
    if not db.settings.admin:
        yield _ok("privileges", "admin is off (LIVEDASH_ADMIN=off): DELETE and DROP not needed")
        return
    refused = _denied(lambda: doctor_sql.doctor_can_delete(db))
    if refused:
        yield _fail("privileges", f"admin is on but {user} may not DELETE ({refused}): GRANT "
                                  "DELETE, or set LIVEDASH_ADMIN=off")
    elif not doctor_sql.doctor_has_drop(db):
        yield _warn("privileges", f"{user} may DELETE but has no DROP grant: 'delete all rows' "
                                  "falls back to batched DELETE (slow on big tables); GRANT "
                                  "DROP for TRUNCATE")
    else:
        yield _ok("privileges", f"{user} may DELETE and DROP (TRUNCATE) for admin clears")


def check_clock(db: Database) -> Check:
    """What LIVEDASH_DB_CLOCK means on this server, and whether the newest row agrees."""
    zone, utc, local, newest = doctor_sql.doctor_clocks(db)
    offset = round((local - utc).total_seconds() / 60)
    clock, now = db.settings.db_clock, (utc if db.settings.db_clock == "utc" else local)
    where = f"the server's zone is {zone} (NOW() is UTC{offset / 60:+g} h)"
    meaning = ("windows compare ingress_time with UTC_TIMESTAMP(): right when the pipeline "
               "writes UTC times" if clock == "utc" else
               "windows compare ingress_time with NOW(): right when the pipeline writes the "
               "server's local times")
    if newest is not None and newest > now + FUTURE_SLACK:
        other = "local" if clock == "utc" else "utc"
        return _warn("clock", f"LIVEDASH_DB_CLOCK={clock}: {meaning}, but the newest row "
                              f"({newest}) lies {newest - now} in the future by that clock; "
                              f"if the pipeline writes {other} times set "
                              f"LIVEDASH_DB_CLOCK={other} ({where})")
    same = " (both settings pick the same now here)" if offset == 0 else ""
    return _ok("clock", f"LIVEDASH_DB_CLOCK={clock}: {meaning}; {where}{same}")


# -- Redis --------------------------------------------------------------------------------------


def check_redis(s: Settings, secret_given: bool) -> Iterator[Check]:
    """When LIVEDASH_MESSAGE_QUEUE is set: Redis answers, and the processes share a key."""
    if not s.message_queue:
        return
    import redis

    client = redis.Redis.from_url(s.message_queue, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        yield _fail("redis", f"LIVEDASH_MESSAGE_QUEUE does not answer ({exc}): start Redis or "
                             "fix the URL, or empty it for a single process")
        return
    finally:
        client.close()
    yield _ok("redis", "LIVEDASH_MESSAGE_QUEUE answers")
    if not secret_given:
        yield _warn("redis", "several processes need the same LIVEDASH_SECRET_KEY (a random "
                             "one per process breaks the admin page's CSRF tokens)")


# -- the command --------------------------------------------------------------------------------


def _database_checks(s: Settings) -> Iterator[Check]:
    """Connection, then the table and what depends on it."""
    connection = check_connection(s)
    yield connection
    if connection.outcome == "FAIL":
        yield Check("skipped", "table", "no connection")
        return
    db = Database(s.replace(demo=False))
    try:
        db.probe(table=False)
        table = check_columns(db)
        yield table
        if table.outcome == "FAIL" and "no table" in table.message:
            yield Check("skipped", "indexes, privileges, clock", "no table")
            return
        yield check_indexes(db)
        yield from check_privileges(db)
        yield check_clock(db)
    except DatabaseError as exc:
        yield _fail("database", f"a check failed: {exc}")
    finally:
        db.close()


def run_checks(environ: Mapping[str, str] | None = None) -> list[Check]:
    """Every check, in order, on .env plus `environ` (default: the real environment)."""
    env_file = read_env_file()
    merged = {**env_file, **(os.environ if environ is None else environ)}
    checks, settings = check_settings(merged)
    checks += check_unknown(env_file)
    if settings is None:
        return [*checks, Check("skipped", "database and redis", "fix the settings first")]
    secret_given = bool(merged.get("LIVEDASH_SECRET_KEY", "").strip())
    return [*checks, *_database_checks(settings), *check_redis(settings, secret_given)]


def doctor_arguments(parser: argparse.ArgumentParser) -> None:
    """`livedash doctor` takes no options: it reads .env and the environment like the app."""


def doctor_command(args: argparse.Namespace) -> int:
    """Print one line per check; exit 0 only when none failed."""
    checks = run_checks()
    for check in checks:
        print(check.line(), flush=True)
    failed = sum(c.outcome == "FAIL" for c in checks)
    print(f"livedash doctor: {failed} problem(s) found" if failed else
          "livedash doctor: all checks passed", flush=True)
    return 1 if failed else 0
