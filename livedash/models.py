"""What a request asks for, once validated: a dashboard view and a report.

Plain frozen dataclasses, built by `validate` from request values and handed to the layers
that do the work. A `View` splits in two: what its table shows (`TableKey`: limit and row
filters, shared by every window and refresh rate) and how its stats are cut (window,
refresh), so the live path reads one table per `TableKey` and one stats payload per window.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from .schema import form_time


@dataclass(frozen=True)
class TableKey:
    """Which rows a live table holds: the newest `limit` rows matching every filter.

    `status` is the canonical comma-joined list of statuses in the table's order ("" = all);
    `q` searches a transaction id (exact), a file-name prefix or a username prefix; `stuck`
    keeps only SUBMITTED rows older than LIVEDASH_STUCK_AFTER.
    """

    limit: int = 50
    username: str = ""
    status: str = ""
    ingress_server: str = ""
    egress_server: str = ""
    q: str = ""
    stuck: bool = False

    @property
    def statuses(self) -> tuple[str, ...]:
        """The status filter as a tuple (empty: every status)."""
        return tuple(self.status.split(",")) if self.status else ()

    @property
    def filtered(self) -> bool:
        """Whether any filter narrows the rows (else the table is simply the newest rows)."""
        return any((self.username, self.status, self.ingress_server, self.egress_server,
                    self.q, self.stuck))


@dataclass(frozen=True)
class View(TableKey):
    """What one dashboard shows: the key viewers share in the poller (its table's key plus
    how its stats are cut)."""

    window: int = 10
    refresh: int = 3

    @property
    def table(self) -> TableKey:
        """The table part of this view (views differing only in window/refresh share it)."""
        return TableKey(**{f.name: getattr(self, f.name) for f in fields(TableKey)})

    def values(self) -> dict[str, Any]:
        """Every field by name, in VIEW_FIELDS order (the subscribe ack, the URL state)."""
        return {name: getattr(self, name) for name in VIEW_FIELDS}


# The stats cut first, then the table's key: the order of room keys and of messages.
VIEW_FIELDS = ("window", "refresh", *(f.name for f in fields(TableKey)))


@dataclass(frozen=True)
class ReportRequest:
    """What one report covers: start <= ingress_time < end, one user or all, which files;
    `neutralise`: CSV text cells that could start a spreadsheet formula get an apostrophe."""

    start: datetime
    end: datetime
    username: str
    formats: tuple[str, ...]
    neutralise: bool = False

    def query(self) -> dict[str, Any]:
        """The export URL's parameters for this request (the bookmarkable form)."""
        query: dict[str, Any] = {"start": form_time(self.start), "end": form_time(self.end),
                                 "username": self.username, "format": list(self.formats)}
        if self.neutralise:
            query["csv_safe"] = "1"
        return query
