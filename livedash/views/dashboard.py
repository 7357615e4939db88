"""The live dashboard page (`GET /`); its data arrives over Socket.IO from the poller."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from .. import validate
from ..queries import STATUSES

bp = Blueprint("dashboard", __name__)


def _initial_view() -> validate.View:
    """The view named in the URL, falling back to defaults for any bad value."""
    try:
        return validate.view(request.args)
    except validate.ValidationError:
        return validate.View()


@bp.get("/")
def index() -> str:
    """The dashboard: three stat columns and the live table; state lives in the URL."""
    return render_template("dashboard/index.html", view=_initial_view(), statuses=STATUSES,
                           windows=validate.WINDOWS, refreshes=validate.REFRESHES,
                           limits=validate.LIMITS)
