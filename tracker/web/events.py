"""The events list: every dated step of every measure, with the measure list's filters plus an
event type and a date range; its CSV, JSON and XLSX twins live in tracker.web.exports."""

from __future__ import annotations

from flask import Blueprint, render_template

from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, viewpoint
from tracker.services.events import count_events, event_types_in_use, list_events
from tracker.services.measures import countries_in_use, topics_in_use

bp = Blueprint("events", __name__, url_prefix="/events")

PER_PAGE = 100
# Past this many matches the page says "more than" instead of counting them all.
COUNT_CAP = 10_000


@bp.get("/")
@public
def index() -> str:
    session = get_session()
    view = viewpoint()
    filters = params.event_filters()
    page, _ = params.page(default_size=PER_PAGE, max_size=PER_PAGE)
    total = count_events(session, filters, view, cap=COUNT_CAP)
    events = list_events(session, filters, view, (page - 1) * PER_PAGE, PER_PAGE)
    pages, more = params.pages_of(page, total, len(events), PER_PAGE, COUNT_CAP)
    return render_template(
        "events/index.html",
        events=events,
        total=total,
        more=more,
        count_cap=COUNT_CAP,
        page=page,
        pages=pages,
        filters=filters,
        as_of=view.as_of,
        countries=countries_in_use(session, view),
        topics=topics_in_use(session, view),
        event_types=event_types_in_use(session, view),
    )
