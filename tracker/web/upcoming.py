"""What is coming: scheduled events and expiring terms, and pending measures gone quiet."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template, request

from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, viewpoint
from tracker.services.measures import countries_in_use
from tracker.services.upcoming import HORIZON_DAYS, QUIET_DAYS, quiet_measures, upcoming

# The quietest measures listed; a tracker of thousands has thousands of quiet bills.
QUIET_SHOWN = 100

bp = Blueprint("upcoming", __name__)

HORIZONS = (30, 90, 180, 365)


@bp.get("/upcoming/")
@public
def index() -> str:
    session = get_session()
    view = viewpoint()
    as_of = view.as_of
    days_text = request.args.get("days", "").strip()
    if days_text and days_text not in {str(days) for days in HORIZONS}:
        abort(400, description=f"days must be one of {', '.join(map(str, HORIZONS))}.")
    days = int(days_text) if days_text else HORIZON_DAYS
    countries = params.measure_filters().countries
    return render_template(
        "upcoming/index.html",
        items=upcoming(session, view, days, countries),
        quiet=quiet_measures(session, view, QUIET_DAYS, countries, limit=QUIET_SHOWN),
        quiet_shown=QUIET_SHOWN,
        as_of=as_of,
        days=days,
        horizon=as_of + dt.timedelta(days=days),
        horizons=HORIZONS,
        quiet_days=QUIET_DAYS,
        selected_countries=countries,
        countries=countries_in_use(session, view),
    )
