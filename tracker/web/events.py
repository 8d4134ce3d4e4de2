"""The events list: every dated step of every measure, with the measure list's filters plus an
event type and a date range, counted up to a cap (tracker.web.capped_lists); its CSV, JSON and
XLSX twins live in tracker.web.exports."""

from __future__ import annotations

from flask import Blueprint

from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, viewpoint
from tracker.services.events import count_events, event_types_in_use, list_events
from tracker.services.measures import countries_in_use, topics_in_use
from tracker.web.capped_lists import capped_list

bp = Blueprint("events", __name__, url_prefix="/events")

PER_PAGE = 100


@bp.get("/")
@public
def index() -> str:
    session = get_session()
    view = viewpoint()
    filters = params.event_filters()
    return capped_list(
        "events/index.html",
        "events",
        PER_PAGE,
        lambda cap: count_events(session, filters, view, cap=cap),
        lambda offset, limit: list_events(session, filters, view, offset, limit),
        filters=filters,
        as_of=view.as_of,
        countries=countries_in_use(session, view),
        topics=topics_in_use(session, view),
        event_types=event_types_in_use(session, view),
    )
