"""What a request asks for, once validated: a dashboard view and a report.

Plain frozen dataclasses, built by `validate` from request values and handed to the layers
that do the work; they hold no rules of their own beyond naming and formatting themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .schema import form_time


@dataclass(frozen=True)
class View:
    """What one dashboard shows: the key viewers share in the poller."""

    window: int = 10
    refresh: int = 3
    limit: int = 50
    username: str = ""
    status: str = ""

    @property
    def room(self) -> str:
        """The Socket.IO room name of this view."""
        return f"view:{self.window}:{self.refresh}:{self.limit}:{self.status}:{self.username}"


@dataclass(frozen=True)
class ReportRequest:
    """What one report covers: start <= ingress_time < end, one user or all, which files."""

    start: datetime
    end: datetime
    username: str
    formats: tuple[str, ...]

    def query(self) -> dict[str, Any]:
        """The export URL's parameters for this request (the bookmarkable form)."""
        return {"start": form_time(self.start), "end": form_time(self.end),
                "username": self.username, "format": list(self.formats)}
