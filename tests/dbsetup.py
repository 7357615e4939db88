"""A throwaway database holding the specification's `transactions` table (tests/schema.sql).

Shared by the test fixtures, the benchmarks and the screenshot script: each needs a database
shaped exactly like production, and the app itself never creates or alters the table.
"""

from __future__ import annotations

from pathlib import Path

import pymysql

SCHEMA = Path(__file__).with_name("schema.sql")


def create_database(conn: pymysql.connections.Connection, name: str) -> None:
    """(Re)create database `name` with the spec's table; `conn` is left using it."""
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        cur.execute(f"USE {name}")
        cur.execute(SCHEMA.read_text())


def drop_database(conn: pymysql.connections.Connection, name: str) -> None:
    """Drop database `name` if it exists."""
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
