"""Every SQL statement the app sends, one named function each, all through `Database.run`
(or a `Session` of one consistent snapshot: both have `run`), one module per concern:
`live` (the change feed, the tables, the JSON API), `traffic` (simulator and seeder),
`admin` (status and clearing), `reports`, `doctor`; this module holds what they share.

Design decisions (plans measured on MariaDB 10.11 with 1M+ rows; see docs/query-plans.md):
- "now" is always the database's clock (`UTC_TIMESTAMP(3)` or `NOW(3)`), read once per tick
  and passed back as a parameter, so every query of a tick agrees and app/DB clock skew
  cannot shift a window.
- The live path reads only what can have changed (feed.py): a short `idx_ingress_time` range
  of new rows, rows by primary key, SUBMITTED rows by `idx_status`, and per-second aggregates
  of one slice of minutes at a time (`FORCE INDEX (idx_ingress_time)`: left alone, the
  optimizer picks `idx_status` for `GROUP BY status` and scans the whole index).
- Arithmetic: sums of file_size are DECIMAL (SUM of BIGINT: exact, no overflow); a rate term
  is DECIMAL too (`RATE_SQL`: file_size widened before `* 1000000`, which overflowed BIGINT
  above ~9.2 TB), one expression for the live path and the reports.
- "Latest N" with a filter picks its index from a bounded, index-only probe: a value matching
  at most sqrt(N * table rows) rows (`rare_limit`) is read through its own index and sorted
  (cheap however old the rows are); a common value walks `idx_ingress_time` backwards and
  stops after N matches. Filters no index serves (servers, the file-name search) look through
  the newest `SCAN_CAP` rows only, so a typo can never scan the whole table.
- Only constants chosen from fixed sets (the clock function, an index name) are formatted into
  SQL text; every value from a request is a parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from ..schema import COLUMNS, TABLE

RARE_LIMIT = 1000
CLOCKS = {"utc": "UTC_TIMESTAMP(3)", "local": "NOW(3)"}
INDEXES = {"username": "idx_username", "status": "idx_status"}
SELECT_ROWS = f"SELECT {', '.join(COLUMNS)} FROM {TABLE}"
TRANSIT_US_SQL = "TIMESTAMPDIFF(MICROSECOND, ingress_time, egress_time)"  # BIGINT: no overflow
# A row's data rate in bytes/s, NULL unless the transit is positive. file_size is widened to
# DECIMAL first (BIGINT `* 1000000` overflows above 9.22 TB: MySQL error 1690); the quotient
# keeps 4 decimals and up to 26 digits (9.2 EB in 1 ms), exactly; DOUBLE would keep 16. The
# live path turns its sums into floats, the reports sum them exactly.
RATE_SQL = (f"CASE WHEN egress_time > ingress_time THEN "
            f"CAST(file_size AS DECIMAL(19,0)) * 1000000 / {TRANSIT_US_SQL} END")
Row = tuple[Any, ...]


class Runner(Protocol):
    """What runs a statement: the `Database` (pooled) or a snapshot `Session`."""

    settings: Any

    def run(self, sql: str, params: Any = None, pool: str = "live") -> list[Row]: ...


def clock_sql(clock: str) -> str:
    """The SQL expression for the database's notion of now."""
    return CLOCKS[clock]


def db_now(db: Runner) -> datetime:
    """The database's current time (milliseconds kept)."""
    return db.run(f"SELECT {clock_sql(db.settings.db_clock)}")[0][0]


def like_prefix(text: str) -> str:
    """A LIKE pattern matching what starts with `text` literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def table_rows_estimate(db: Runner) -> int:
    """InnoDB's row-count estimate for the table (statistics, no scan)."""
    rows = db.run("SELECT COALESCE(MAX(TABLE_ROWS), 0) FROM information_schema.TABLES "
                  "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s", (TABLE,))
    return int(rows[0][0])


def rare_limit(limit: int, table_rows: int) -> int:
    """Most matches for which reading a filter's own index and sorting beats walking
    idx_ingress_time backwards: both cost one row lookup per row read, m for the former and
    about limit * table_rows / m for the latter, so they break even at sqrt(limit * rows)."""
    return max(RARE_LIMIT, min(100_000, int((limit * max(table_rows, 1)) ** 0.5)))


def match_count(db: Runner, column: str, values: Sequence[str],
                cap: int = RARE_LIMIT + 1) -> int:
    """How many rows have column IN values, counting no further than `cap` (index-only)."""
    index = INDEXES[column]
    keys = ", ".join(["%s"] * len(values))
    sql = (f"SELECT COUNT(*) FROM (SELECT 1 FROM {TABLE} FORCE INDEX ({index}) "
           f"WHERE {column} IN ({keys}) LIMIT %s) AS probe")
    return int(db.run(sql, [*values, cap])[0][0])
