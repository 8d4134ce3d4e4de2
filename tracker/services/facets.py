"""Facet counts for measure lists and search: by country, kind, status, topic and year.

Each facet counts the measures that match every filter except its own, so that its values show
what choosing one more would give (values of one facet combine with "or", facets with "and"),
and a value already chosen is always listed so that it can be removed.

- **status** is the state of tracker.status (``Status.state``, labels in vocab.STATES) on the
  day viewed: for today it comes from the status cache; as of another day it is derived from
  the events of every candidate measure, so the counts are right for that day.
- **year** is the year of a measure's earliest recorded event (usually its drafting or
  introduction); a measure with no events has none.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import clock, vocab
from tracker.countries import country_name
from tracker.models import MeasureStatus, Topic, measure_topics
from tracker.services import status_cache
from tracker.services.measures import (
    FACET_NAMES,
    MeasureFilters,
    filter_clauses,
    statuses,
    topic_names,
)
from tracker.viewpoint import Viewpoint

FACET_LABELS = {
    "country": "Country",
    "kind": "Kind",
    "status": "Status",
    "topic": "Topic",
    "year": "Year",
}


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class Facet:
    name: str
    """The query parameter it filters by: country, kind, status, topic, year."""
    label: str
    values: list[FacetValue]

    @property
    def chosen(self) -> list[str]:
        """The values selected now, for links that add or remove one."""
        return [value.value for value in self.values if value.selected]


def selected_values(filters: MeasureFilters, name: str) -> tuple[str, ...]:
    """The values of one facet's filter, as strings (the query parameter's values)."""
    values: dict[str, Iterable[Any]] = {
        "country": filters.countries,
        "kind": filters.kinds,
        "status": filters.states,
        "topic": filters.topics,
        "year": filters.years,
    }
    return tuple(str(value) for value in values[name])


def _labeller(
    session: Session, name: str, values: Iterable[str], view: Viewpoint
) -> Callable[[str], str]:
    if name == "country":
        return country_name
    if name == "kind":
        return lambda code: vocab.MEASURE_KINDS.get(code, code)
    if name == "status":
        return lambda code: vocab.STATES.get(code, code)
    if name == "topic":
        names = topic_names(session, values, view)
        return lambda slug: names.get(slug, slug)
    return str


def _facet(
    session: Session,
    name: str,
    counts: Counter[str],
    filters: MeasureFilters,
    view: Viewpoint,
    limit: int | None = None,
) -> Facet:
    chosen = selected_values(filters, name)
    for value in chosen:
        counts.setdefault(value, 0)
    label = _labeller(session, name, counts, view)
    if name == "year":
        ordered = sorted(counts, key=lambda value: value, reverse=True)
    else:
        ordered = sorted(counts, key=lambda value: (-counts[value], label(value)))
    if limit is not None and len(ordered) > limit:
        kept = set(ordered[:limit]) | set(chosen)
        ordered = [value for value in ordered if value in kept]
    values = [FacetValue(v, label(v), counts[v], v in chosen) for v in ordered]
    return Facet(name, FACET_LABELS[name], values)


def _grouped_today(
    session: Session, name: str, filters: MeasureFilters, today: dt.date, view: Viewpoint
) -> Counter[str]:
    query = view.select(MeasureStatus).where(
        *filter_clauses(session, filters, as_of=today, by_cached_status=True, skip=name)
    )
    column: Any
    if name == "topic":
        query = query.join(
            measure_topics, measure_topics.c.measure_id == MeasureStatus.measure_id
        ).join(Topic, Topic.id == measure_topics.c.topic_id)
        column = Topic.slug
    else:
        column = {
            "country": MeasureStatus.country,
            "kind": MeasureStatus.kind,
            "status": MeasureStatus.state,
            "year": MeasureStatus.first_year,
        }[name]
    derived = status_cache.prepare(session, clock.today()) if name == "status" else {}
    if derived:
        # Stale rows count by the status derived just now, the others by the cached one.
        stale = query.where(MeasureStatus.measure_id.in_(list(derived)))
        counted = Counter(
            derived[measure_id].state
            for measure_id in session.scalars(stale.with_only_columns(MeasureStatus.measure_id))
        )
        query = query.where(status_cache.fresh_row(clock.today()))
    else:
        counted = Counter()
    grouped = query.with_only_columns(column, func.count()).group_by(column)
    counted.update({str(value): count for value, count in session.execute(grouped) if value})
    return counted


def _grouped_as_of(
    session: Session, filters: MeasureFilters, as_of: dt.date, view: Viewpoint
) -> dict[str, Counter[str]]:
    """Every facet for a past (or future) day: the status of each candidate is derived."""
    unfiltered = replace(filters, countries=(), kinds=(), states=(), topics=(), years=())
    query = view.select(MeasureStatus).where(
        *filter_clauses(session, unfiltered, as_of=as_of, by_cached_status=False)
    )
    columns = (
        MeasureStatus.measure_id,
        MeasureStatus.country,
        MeasureStatus.kind,
        MeasureStatus.first_year,
    )
    rows = session.execute(query.with_only_columns(*columns)).all()
    ids = [row[0] for row in rows]
    by_id = statuses(session, ids, as_of)
    topics: dict[int, set[str]] = defaultdict(set)
    for chunk in range(0, len(ids), 500):
        pairs = session.execute(
            select(measure_topics.c.measure_id, Topic.slug)
            .join(Topic, Topic.id == measure_topics.c.topic_id)
            .where(measure_topics.c.measure_id.in_(ids[chunk : chunk + 500]))
        )
        for measure_id, slug in pairs:
            topics[measure_id].add(slug)
    records = [
        {
            "country": {row[1]},
            "kind": {row[2]},
            "year": {str(row[3])} if row[3] is not None else set(),
            "status": {by_id[row[0]].state},
            "topic": topics[row[0]],
        }
        for row in rows
    ]
    counts: dict[str, Counter[str]] = {}
    for name in FACET_NAMES:
        others = {
            other: set(selected_values(filters, other)) for other in FACET_NAMES if other != name
        }
        counter: Counter[str] = Counter()
        for record in records:
            if all(not wanted or record[other] & wanted for other, wanted in others.items()):
                counter.update(record[name])
        counts[name] = counter
    return counts


def measure_facets(
    session: Session,
    filters: MeasureFilters,
    view: Viewpoint,
    limit: int | None = None,
) -> list[Facet]:
    """The five facets of the measures matching ``filters`` on the reader's day; with
    ``limit``, only that many values of each (the most frequent, and those chosen)."""
    as_of = view.as_of
    today = clock.today()
    if as_of == today:
        counts = {name: _grouped_today(session, name, filters, today, view) for name in FACET_NAMES}
    else:
        counts = _grouped_as_of(session, filters, as_of, view)
    return [_facet(session, name, counts[name], filters, view, limit) for name in FACET_NAMES]
