"""`livedash doctor`'s statements: what the table looks like, what the user may do.

Read-only look-ups in information_schema, plus two statements that touch no row: a privilege
is proven by a statement the server accepts (grants can come from wildcards and roles)."""

from __future__ import annotations

from datetime import datetime

from ..db import Database
from ..schema import TABLE


def doctor_columns(db: Database) -> list[tuple[str, str, str]]:
    """(name, COLUMN_TYPE, IS_NULLABLE) of the table's columns in DDL order ([] if none)."""
    sql = ("SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS "
           "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION")
    return [(str(n), str(t), str(z)) for n, t, z in db.run(sql, (TABLE,), pool="admin")]


def doctor_indexes(db: Database) -> dict[str, tuple[str, ...]]:
    """Index name -> its columns in order."""
    sql = ("SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
           "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY INDEX_NAME, SEQ_IN_INDEX")
    indexes: dict[str, tuple[str, ...]] = {}
    for name, column in db.run(sql, (TABLE,), pool="admin"):
        indexes[str(name)] = (*indexes.get(str(name), ()), str(column))
    return indexes


def doctor_can_select(db: Database) -> None:
    """Raise unless the user may SELECT from the table (reads no row)."""
    db.run(f"SELECT 1 FROM {TABLE} LIMIT 0", pool="admin")


def doctor_can_delete(db: Database) -> None:
    """Raise unless the user may DELETE from the table (the statement deletes no row)."""
    db.execute(f"DELETE FROM {TABLE} WHERE 1 = 0", pool="admin")


def doctor_has_drop(db: Database) -> bool:
    """Whether a grant of the current user (global, on the database or on the table) gives
    DROP, which TRUNCATE needs. Grants through roles are not seen here."""
    grantee = ("CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', "
               "SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')")
    sql = (f"SELECT COUNT(*) FROM (SELECT PRIVILEGE_TYPE, GRANTEE FROM "
           f"information_schema.USER_PRIVILEGES UNION ALL SELECT PRIVILEGE_TYPE, GRANTEE FROM "
           f"information_schema.SCHEMA_PRIVILEGES WHERE DATABASE() LIKE TABLE_SCHEMA UNION ALL "
           f"SELECT PRIVILEGE_TYPE, GRANTEE FROM information_schema.TABLE_PRIVILEGES WHERE "
           f"DATABASE() LIKE TABLE_SCHEMA AND TABLE_NAME = %s) AS grants "
           f"WHERE PRIVILEGE_TYPE = 'DROP' AND GRANTEE = {grantee}")
    return int(db.run(sql, (TABLE,), pool="admin")[0][0]) > 0


def doctor_clocks(db: Database) -> tuple[str, datetime, datetime, datetime | None]:
    """The session time zone, UTC_TIMESTAMP(3), NOW(3) and the newest ingress_time."""
    sql = ("SELECT IF(@@session.time_zone = 'SYSTEM', CONCAT('SYSTEM, ', @@system_time_zone), "
           f"@@session.time_zone), UTC_TIMESTAMP(3), NOW(3), "
           f"(SELECT MAX(ingress_time) FROM {TABLE})")
    zone, utc, local, newest = db.run(sql, pool="admin")[0]
    return str(zone), utc, local, newest
