"""The home page: measures by country with their status, what happened lately, what is next."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template

from tracker import clock
from tracker.db import get_session
from tracker.services.measures import MeasureFilters, list_measures, recent_events
from tracker.services.upcoming import quiet_measures, upcoming
from tracker.web import params
from tracker.web.access import can_see_internal, public

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def index() -> str:
    session = get_session()
    as_of = params.as_of()
    internal = can_see_internal()
    rows = list_measures(session, MeasureFilters(), as_of, internal)
    by_country = [
        (code, list(group)) for code, group in groupby(rows, key=lambda r: r.measure.country)
    ]
    return render_template(
        "home/index.html",
        by_country=by_country,
        recent=recent_events(session, as_of, internal),
        upcoming=upcoming(session, as_of, clock.today(), internal),
        quiet=quiet_measures(session, as_of, clock.today(), internal),
        as_of=as_of,
    )
