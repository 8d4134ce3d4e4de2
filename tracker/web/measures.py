"""Measure pages: the filtered list and one measure with its status, timeline and statements."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from tracker.clock import today
from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, viewpoint
from tracker.services.facets import measure_facets
from tracker.services.measures import countries_in_use, get_measure, page_measures, topics_in_use
from tracker.status import summary
from tracker.web.charts import measure_lineage

bp = Blueprint("measures", __name__, url_prefix="/measures")

# A page lists this many values of a facet (the most frequent); the API gives them all.
FACET_VALUES_SHOWN = 30


@bp.get("/")
@public
def index() -> str:
    session = get_session()
    view = viewpoint()
    filters = params.measure_filters()
    number, size = params.page()
    found = page_measures(session, filters, view, number, size)
    return render_template(
        "measures/index.html",
        rows=found.rows,
        total=found.total,
        page=found.page,
        pages=found.pages,
        facets=measure_facets(session, filters, view, limit=FACET_VALUES_SHOWN),
        filters=filters,
        as_of=view.as_of,
        countries=countries_in_use(session, view),
        topics=topics_in_use(session, view),
    )


@bp.get("/<slug>")
@public
def show(slug: str) -> str:
    view = viewpoint()
    found = get_measure(get_session(), slug, view)
    if found is None:
        abort(404)
    # What is coming is told on today's page only: on a past day's page, the events after it
    # are what happened later, not what was scheduled then.
    scheduled = found.later_events if view.as_of >= today() else []
    return render_template(
        "measures/show.html",
        view=found,
        status_summary=summary(found.status, found.measure.events, scheduled),
        measure=found.measure,
        as_of=view.as_of,
        lineage=measure_lineage(slug),
    )
