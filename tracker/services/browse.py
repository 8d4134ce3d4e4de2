"""Paged lists of events, statements, organizations and people, with the measure filters.

The JSON API reads through these (and through measures.page_measures for measures), so that the
visibility rule and the filters mean the same everywhere: an event or a statement is shown when
its measure (for a statement: at least one of its measures) passes the measure filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.models import (
    Event,
    Measure,
    MeasureStatus,
    Organization,
    Person,
    Quote,
    Statement,
    statement_measures,
)
from tracker.services import status_cache
from tracker.services.as_of import event_dated_by, event_order, statement_dated_by, statement_order
from tracker.services.measures import (
    MeasureFilters,
    filter_clauses,
    status_rows,
    statuses,
    visible_organizations,
    visible_people,
    visible_statements,
)
from tracker.services.statements import by_organizations

T = TypeVar("T")


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int


def _page(
    session: Session, query: Select[Any], order: Sequence[Any], page: int, size: int
) -> Page[Any]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.order_by(*order).limit(size).offset((page - 1) * size)))
    return Page(items, total, page, size)


def _matching_measure_ids(
    session: Session, filters: MeasureFilters, as_of: dt.date, include_internal: bool
) -> Select[Any]:
    """The ids of the measures that pass the filters on ``as_of``, their status included."""
    today = clock.today()
    status_cache.refresh(session, today)
    is_today = as_of == today
    clauses = filter_clauses(session, filters, as_of=as_of, by_cached_status=is_today)
    ids = status_rows(include_internal).where(*clauses).with_only_columns(MeasureStatus.measure_id)
    if is_today or not filters.states:
        return ids
    # As of another day a status is derived from the candidate's events, not read from the cache.
    candidates = list(session.scalars(ids))
    by_id = statuses(session, candidates, as_of)
    kept = [i for i in candidates if by_id[i].state in filters.states]
    return select(MeasureStatus.measure_id).where(MeasureStatus.measure_id.in_(kept))


def page_events(
    session: Session,
    filters: MeasureFilters,
    as_of: dt.date,
    include_internal: bool,
    types: Sequence[str] = (),
    measure: str | None = None,
    page: int = 1,
    size: int = 50,
) -> Page[Event]:
    """Events that count by ``as_of`` of the measures that pass the filters on that day,
    newest first (tracker.status's order)."""
    query = (
        select(Event)
        .join(Event.measure)
        .where(event_dated_by(as_of))
        .options(selectinload(Event.measure), selectinload(Event.sources))
    )
    if not include_internal:
        query = query.where(Measure.visibility == "public")
    if filters.active:
        ids = _matching_measure_ids(session, filters, as_of, include_internal)
        query = query.where(Event.measure_id.in_(ids))
    if types:
        query = query.where(Event.type.in_(types))
    if measure:
        query = query.where(Measure.slug == measure)
    return _page(session, query, event_order(newest_first=True), page, size)


def get_event(session: Session, event_id: int, include_internal: bool) -> Event | None:
    """One event, if its measure may be seen."""
    query = (
        select(Event)
        .join(Event.measure)
        .where(Event.id == event_id)
        .options(selectinload(Event.measure), selectinload(Event.sources))
    )
    if not include_internal:
        query = query.where(Measure.visibility == "public")
    return session.scalars(query).first()


STATEMENT_OPTIONS = (
    selectinload(Statement.organization),
    selectinload(Statement.speaker),
    selectinload(Statement.signatories),
    selectinload(Statement.measures),
    selectinload(Statement.quotes).selectinload(Quote.speaker),
    selectinload(Statement.sources),
    selectinload(Statement.reacts_to).selectinload(Event.measure),
)


def page_statements(
    session: Session,
    filters: MeasureFilters,
    as_of: dt.date,
    include_internal: bool,
    organization: str | None = None,
    stances: Sequence[str] = (),
    page: int = 1,
    size: int = 50,
) -> Page[Statement]:
    """Statements made by ``as_of`` about measures that pass the filters on that day, newest
    first."""
    query = (
        visible_statements(include_internal)
        .where(statement_dated_by(as_of))
        .options(*STATEMENT_OPTIONS)
    )
    if filters.active:
        ids = _matching_measure_ids(session, filters, as_of, include_internal)
        about = select(statement_measures.c.statement_id).where(
            statement_measures.c.measure_id.in_(ids)
        )
        query = query.where(Statement.id.in_(about))
    if organization:
        query = query.where(by_organizations([organization], include_internal))
    if stances:
        query = query.where(Statement.stance.in_(stances))
    return _page(session, query, statement_order(newest_first=True), page, size)


def page_organizations(
    session: Session, include_internal: bool, page: int = 1, size: int = 50
) -> Page[Organization]:
    """Organizations by name, the internal ones for signed-in readers only."""
    query = visible_organizations(include_internal)
    return _page(session, query, (Organization.name, Organization.id), page, size)


def page_people(
    session: Session, include_internal: bool, page: int = 1, size: int = 50
) -> Page[Person]:
    """People by name, the internal ones for signed-in readers only."""
    query = visible_people(include_internal).options(selectinload(Person.organization))
    return _page(session, query, (Person.name, Person.id), page, size)
