"""The home page: measures by country with their status, what happened lately, what is next."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template
from sqlalchemy import func

from tracker.countries import collation_key, country_name
from tracker.db import get_session
from tracker.http.access import public, viewpoint
from tracker.models import MeasureStatus
from tracker.services.as_of import measure_exists
from tracker.services.measures import (
    MeasureFilters,
    MeasureRow,
    list_measures,
    recent_events,
)
from tracker.services.upcoming import quiet_measures, upcoming

bp = Blueprint("home", __name__)

# Up to this many measures the home page lists them all, by country; beyond, it counts them.
LIST_UP_TO = 300
# What the side panel lists, soonest and quietest first (the upcoming page has the rest).
UPCOMING_SHOWN = 15
QUIET_SHOWN = 10


@bp.get("/")
@public
def index() -> str:
    session = get_session()
    view = viewpoint()
    as_of = view.as_of
    counts = dict(
        session.execute(
            view.select(MeasureStatus)
            .where(measure_exists(as_of))
            .with_only_columns(MeasureStatus.country, func.count())
            .group_by(MeasureStatus.country)
        ).all()
    )
    by_country: list[tuple[str, list[MeasureRow]]] = []
    country_counts: list[tuple[str, int]] = []
    if sum(counts.values()) <= LIST_UP_TO:
        rows = list_measures(session, MeasureFilters(), view)
        by_country = [
            (code, list(group)) for code, group in groupby(rows, key=lambda r: r.measure.country)
        ]
    else:
        # Too many to list (a 38 MB page at 100,000 measures): each country with its count,
        # and its page lists them.
        country_counts = sorted(
            counts.items(), key=lambda item: collation_key(country_name(item[0]))
        )
    return render_template(
        "home/index.html",
        by_country=by_country,
        country_counts=country_counts,
        recent=recent_events(session, view),
        upcoming=upcoming(session, view, limit=UPCOMING_SHOWN),
        quiet=quiet_measures(session, view, limit=QUIET_SHOWN),
        as_of=as_of,
    )
