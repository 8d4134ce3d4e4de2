"""Measure pages: the filtered list and one measure with its status, timeline and statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import Blueprint, abort, render_template

from tracker import vocab
from tracker.clock import today
from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, viewpoint
from tracker.services.facets import Facet, measure_facets
from tracker.services.measures import (
    MeasureFilters,
    countries_in_use,
    get_measure,
    page_measures,
    topics_in_use,
)
from tracker.status import summary
from tracker.web.charts import measure_lineage
from tracker.web.helpers import query_with

bp = Blueprint("measures", __name__, url_prefix="/measures")

# A page lists this many values of a facet (the most frequent); the API gives them all.
FACET_VALUES_SHOWN = 30


@dataclass(frozen=True, slots=True)
class LeftOut:
    """Measures a status filter leaves out that a reader may expect in it, with a link."""

    count: int
    phrase: str
    url: str


def left_out(facets: Sequence[Facet], filters: MeasureFilters) -> list[LeftOut]:
    """What the chosen statuses leave out (vocab.STATES_LEFT_OUT), from the status facet's
    counts, which count every other filter but not the status one."""
    if not filters.states:
        return []
    counts = {
        value.value: value.count
        for facet in facets
        if facet.name == "status"
        for value in facet.values
    }
    notes = []
    for state in dict.fromkeys(
        other for chosen in filters.states for other in vocab.STATES_LEFT_OUT.get(chosen, ())
    ):
        if state in filters.states or not counts.get(state):
            continue
        url = query_with(status=state, page=None)
        notes.append(LeftOut(counts[state], vocab.STATE_PHRASES[state], url))
    return notes


@bp.get("/")
@public
def index() -> str:
    session = get_session()
    view = viewpoint()
    filters = params.measure_filters()
    number, size = params.page()
    found = page_measures(session, filters, view, number, size)
    facets = measure_facets(session, filters, view, limit=FACET_VALUES_SHOWN)
    return render_template(
        "measures/index.html",
        rows=found.rows,
        total=found.total,
        page=found.page,
        pages=found.pages,
        facets=facets,
        left_out=left_out(facets, filters),
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
        # Its lineage holds a relation of its own or none at all: without one, nothing to draw
        # (and no walk through the relations table to find that out).
        lineage=measure_lineage(slug) if found.relations else None,
    )
