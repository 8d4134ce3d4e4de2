"""Measures: ``read`` lists and shows them (filters, statuses, the visibility rule), ``write``
saves one, relates it to another and finds the measures it may duplicate."""

from __future__ import annotations

from tracker.services.measures.read import (
    FACET_NAMES,
    MEASURE_ORDER,
    MeasureFilters,
    MeasurePage,
    MeasureRow,
    MeasureSelection,
    MeasureView,
    RelationView,
    countries_in_use,
    event_warnings,
    filter_clauses,
    get_measure,
    list_measures,
    measures_with_status,
    page_measures,
    recent_events,
    select_measures,
    statuses,
    topic_names,
    topics_in_use,
    visible_topics,
)
from tracker.services.measures.write import (
    SimilarMeasure,
    save_measure,
    save_relation,
    similar_measures,
)

__all__ = [
    "FACET_NAMES",
    "MEASURE_ORDER",
    "MeasureFilters",
    "MeasurePage",
    "MeasureRow",
    "MeasureSelection",
    "MeasureView",
    "RelationView",
    "SimilarMeasure",
    "countries_in_use",
    "event_warnings",
    "filter_clauses",
    "get_measure",
    "list_measures",
    "measures_with_status",
    "page_measures",
    "recent_events",
    "save_measure",
    "save_relation",
    "select_measures",
    "similar_measures",
    "statuses",
    "topic_names",
    "topics_in_use",
    "visible_topics",
]
