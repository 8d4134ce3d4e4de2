"""Reading measures: lists with filters, one measure with everything around it, statuses.

Every face (pages, exports, API, CLI) reads through these functions, so the visibility rule
(internal records only for signed-in users) and the status rule live in one place each.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.models import (
    Event,
    Measure,
    MeasureStatus,
    Quote,
    Relation,
    Statement,
    Topic,
    measure_topics,
    statement_measures,
)
from tracker.services import status_cache
from tracker.status import Status, derive_status


@dataclass(frozen=True, slots=True)
class MeasureFilters:
    """The filters every measure list shares (pages, exports and API)."""

    countries: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    query: str | None = None
    years: tuple[int, ...] = ()
    """Years of the first recorded event (the "year" facet)."""

    @property
    def active(self) -> bool:
        return bool(
            self.countries or self.kinds or self.states or self.topics or self.query or self.years
        )


@dataclass(slots=True)
class MeasureRow:
    """A measure as lists show it: the record and its status on the day asked."""

    measure: Measure
    status: Status


def visible_measures(include_internal: bool) -> Select[Measure]:
    query = select(Measure)
    if not include_internal:
        query = query.where(Measure.visibility == "public")
    return query


def visible_statements(include_internal: bool) -> Select[Statement]:
    query = select(Statement)
    if not include_internal:
        query = query.where(Statement.visibility == "public")
    return query


def _apply_filters(query: Select[Measure], filters: MeasureFilters) -> Select[Measure]:
    if filters.countries:
        query = query.where(Measure.country.in_(filters.countries))
    if filters.kinds:
        query = query.where(Measure.kind.in_(filters.kinds))
    if filters.topics:
        query = query.where(
            Measure.id.in_(
                select(measure_topics.c.measure_id)
                .join(Topic, Topic.id == measure_topics.c.topic_id)
                .where(Topic.slug.in_(filters.topics))
            )
        )
    if filters.query:
        pattern = f"%{filters.query.lower()}%"
        query = query.where(Measure.title.ilike(pattern) | Measure.slug.ilike(pattern))
    return query


def statuses(session: Session, measure_ids: Iterable[int], as_of: dt.date) -> dict[int, Status]:
    """The status of many measures: from the cache for today, else from all their events."""
    ids = list(measure_ids)
    if as_of == clock.today():
        cached = status_cache.cached_statuses(session, ids, as_of)
        if len(cached) == len(set(ids)):
            return cached
    events: dict[int, list[Event]] = defaultdict(list)
    for chunk in range(0, len(ids), 500):
        query = (
            select(Event)
            .where(Event.measure_id.in_(ids[chunk : chunk + 500]))
            .order_by(Event.date_iso, Event.id)
        )
        for event in session.scalars(query):
            events[event.measure_id].append(event)
    today = clock.today()
    return {measure_id: derive_status(events[measure_id], as_of, today) for measure_id in ids}


def list_measures(
    session: Session, filters: MeasureFilters, as_of: dt.date, include_internal: bool
) -> list[MeasureRow]:
    """Measures matching the filters, by country then title, each with its status."""
    query = _apply_filters(visible_measures(include_internal), filters)
    query = query.options(selectinload(Measure.topics)).order_by(Measure.country, Measure.title)
    measures = list(session.scalars(query))
    by_id = statuses(session, (m.id for m in measures), as_of)
    rows = [MeasureRow(measure, by_id[measure.id]) for measure in measures]
    if filters.states:
        rows = [row for row in rows if row.status.state in filters.states]
    return rows


@dataclass(slots=True)
class RelationView:
    """A relation seen from one measure: "modelled on X" or, from X, "model for Y"."""

    relation: Relation
    other: Measure
    inverse: bool


@dataclass(slots=True)
class MeasureView:
    measure: Measure
    status: Status
    events: list[Event]
    relations: list[RelationView]
    statements: list[Statement]
    hidden_events: int = 0
    hidden_statements: int = 0


def get_measure(
    session: Session, slug: str, as_of: dt.date, include_internal: bool
) -> MeasureView | None:
    """One measure with its events, relations both ways and statements, as of a day."""
    query = visible_measures(include_internal).where(Measure.slug == slug)
    query = query.options(
        selectinload(Measure.topics),
        selectinload(Measure.sources),
        selectinload(Measure.events).selectinload(Event.sources),
        selectinload(Measure.relations).selectinload(Relation.object),
        selectinload(Measure.inverse_relations).selectinload(Relation.subject),
    )
    measure = session.scalars(query).first()
    if measure is None:
        return None
    events = [event for event in measure.events if event.date.start <= as_of]
    relations = [
        RelationView(relation, relation.object, inverse=False)
        for relation in measure.relations
        if include_internal or relation.object.is_public
    ] + [
        RelationView(relation, relation.subject, inverse=True)
        for relation in measure.inverse_relations
        if include_internal or relation.subject.is_public
    ]
    relations.sort(key=lambda view: (view.inverse, view.relation.type, view.other.title))
    statement_query = (
        visible_statements(include_internal)
        # IN over the association's measure_id index; ".any()" made SQLite test every statement.
        .where(
            Statement.id.in_(
                select(statement_measures.c.statement_id).where(
                    statement_measures.c.measure_id == measure.id
                )
            )
        )
        .options(
            selectinload(Statement.organization),
            selectinload(Statement.speaker),
            selectinload(Statement.signatories),
            selectinload(Statement.quotes).selectinload(Quote.speaker),
            selectinload(Statement.sources),
        )
        .order_by(Statement.date_iso, Statement.id)
    )
    all_statements = list(session.scalars(statement_query))
    statements = [s for s in all_statements if s.date.start <= as_of]
    return MeasureView(
        measure=measure,
        status=derive_status(measure.events, as_of, clock.today()),
        events=events,
        relations=relations,
        statements=statements,
        hidden_events=len(measure.events) - len(events),
        hidden_statements=len(all_statements) - len(statements),
    )


def recent_events(
    session: Session, as_of: dt.date, include_internal: bool, limit: int = 8
) -> list[Event]:
    query = (
        select(Event)
        .join(Event.measure)
        .where(Event.date_start <= as_of)
        .options(selectinload(Event.measure))
        .order_by(Event.date_start.desc(), Event.id.desc())
        .limit(limit)
    )
    if not include_internal:
        query = query.where(Measure.visibility == "public")
    return list(session.scalars(query))


def countries_in_use(session: Session, include_internal: bool) -> list[str]:
    # From the status rows' copy of the country: a scan of a covering index, not of measures.
    query = status_rows(include_internal).with_only_columns(MeasureStatus.country).distinct()
    return sorted(session.scalars(query))


def visible_topics(include_internal: bool) -> Select[Topic]:
    """Topics the reader may see: anonymous visitors only those public measures use, since a
    topic only internal measures use is as telling as the measures themselves ("inspections
    of Pamiri NGOs")."""
    if include_internal:
        return select(Topic)
    # A correlated EXISTS per topic stops at its first public measure (an index probe or a
    # few); "topic id IN (the topics of every public measure)" read all of measure_topics,
    # 75 ms a page at 100,000 measures.
    used_publicly = (
        select(measure_topics.c.measure_id)
        .join(Measure, Measure.id == measure_topics.c.measure_id)
        .where(measure_topics.c.topic_id == Topic.id, Measure.visibility == "public")
        .exists()
    )
    return select(Topic).where(used_publicly)


def topics_in_use(session: Session, include_internal: bool) -> Sequence[Topic]:
    """Topics for the filters of lists and charts, by name."""
    return session.scalars(visible_topics(include_internal).order_by(Topic.name)).all()


def measure_query(filters: MeasureFilters, include_internal: bool) -> Select[Measure]:
    """Visible measures matching every filter but the status, which needs their events.

    Exports join it into their own queries (its WHERE clause) so that a download and its page
    apply the same rule.
    """
    return _apply_filters(visible_measures(include_internal), filters)


# -- lists at scale: filters in SQL, one page at a time ----------------------------------------

FACET_NAMES = ("country", "kind", "status", "topic", "year")


def filter_clauses(
    session: Session, filters: MeasureFilters, *, by_cached_status: bool, skip: str | None = None
) -> list[ColumnElement[bool]]:
    """SQL conditions on MeasureStatus (alone, or joined to Measure) for the filters.

    ``skip`` leaves one facet's own filter out, so that its counts show what adding another
    value would give. The status filter is applied here only when ``by_cached_status`` (a view
    of today); as of another day the caller filters by the derived status itself.
    """
    clauses: list[ColumnElement[bool]] = []
    if filters.countries and skip != "country":
        clauses.append(MeasureStatus.country.in_(filters.countries))
    if filters.kinds and skip != "kind":
        clauses.append(MeasureStatus.kind.in_(filters.kinds))
    if filters.topics and skip != "topic":
        clauses.append(
            MeasureStatus.measure_id.in_(
                select(measure_topics.c.measure_id)
                .join(Topic, Topic.id == measure_topics.c.topic_id)
                .where(Topic.slug.in_(filters.topics))
            )
        )
    if filters.years and skip != "year":
        clauses.append(MeasureStatus.first_year.in_(filters.years))
    if filters.states and skip != "status" and by_cached_status:
        clauses.append(status_cache.state_condition(session, filters.states, clock.today()))
    if filters.query:
        # Imported here: the search service builds on this module's visibility rules.
        from tracker.services import search

        matching = search.matching_ids(session, "measures", filters.query)
        clauses.append(MeasureStatus.measure_id.in_(matching) if matching is not None else false())
    return clauses


def status_rows(include_internal: bool) -> Select[MeasureStatus]:
    """The cached status rows of the visible measures: what counts and facets read."""
    query = select(MeasureStatus)
    if not include_internal:
        query = query.where(MeasureStatus.visibility == "public")
    return query


def measures_with_status(include_internal: bool) -> Select[Measure]:
    """Visible measures joined to their cached status (refresh the cache before running it)."""
    query = select(Measure).join(MeasureStatus, MeasureStatus.measure_id == Measure.id)
    if not include_internal:
        query = query.where(MeasureStatus.visibility == "public")
    return query


@dataclass(slots=True)
class MeasurePage:
    rows: list[MeasureRow]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def page_measures(
    session: Session,
    filters: MeasureFilters,
    as_of: dt.date,
    include_internal: bool,
    page: int = 1,
    size: int = 50,
) -> MeasurePage:
    """One page of the measures matching the filters, by country then title, with statuses.

    For today everything is done in SQL on the cached statuses. As of another day the status
    of every candidate must be derived from its events to filter by it, which is correct but
    costs a pass over the candidates' events.
    """
    today = clock.today()
    is_today = as_of == today
    query = measures_with_status(include_internal).where(
        *filter_clauses(session, filters, by_cached_status=is_today)
    )
    order = (Measure.country, Measure.title, Measure.id)
    offset = (page - 1) * size
    if is_today or not filters.states:
        counted = status_rows(include_internal).where(
            *filter_clauses(session, filters, by_cached_status=is_today)
        )
        # Keep the FROM: with no filter at all (a signed-in reader, who sees internal records
        # too) nothing else names the table, and "SELECT count(*)" alone counts one row.
        total = (
            session.scalar(counted.with_only_columns(func.count(), maintain_column_froms=True)) or 0
        )
        measures = list(
            session.scalars(
                query.options(selectinload(Measure.topics))
                .order_by(*order)
                .limit(size)
                .offset(offset)
            )
        )
        by_id = statuses(session, [m.id for m in measures], as_of)
        rows = [MeasureRow(m, by_id[m.id]) for m in measures]
        return MeasurePage(rows, total, page, size)
    ids = list(session.scalars(query.with_only_columns(Measure.id).order_by(*order)))
    by_id = statuses(session, ids, as_of)
    kept = [i for i in ids if by_id[i].state in filters.states]
    chosen = kept[offset : offset + size]
    loaded = {
        m.id: m
        for m in session.scalars(
            select(Measure).where(Measure.id.in_(chosen)).options(selectinload(Measure.topics))
        )
    }
    rows = [MeasureRow(loaded[i], by_id[i]) for i in chosen]
    return MeasurePage(rows, len(kept), page, size)
