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
from tracker.services.measures import (
    MeasureFilters,
    filter_clauses,
    status_rows,
    visible_statements,
)
from tracker.services.statements import hidden_from_public

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
    clauses = filter_clauses(session, filters, by_cached_status=as_of == clock.today())
    return status_rows(include_internal).where(*clauses).with_only_columns(MeasureStatus.measure_id)


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
    """Events up to ``as_of`` of the measures that pass the filters, newest first.

    The status filter means the measure's status today (the cached one), whatever ``as_of``.
    """
    status_filters = filters
    query = (
        select(Event)
        .join(Event.measure)
        .where(Event.date_start <= as_of)
        .options(selectinload(Event.measure), selectinload(Event.sources))
    )
    if not include_internal:
        query = query.where(Measure.visibility == "public")
    if filters.active:
        ids = _matching_measure_ids(session, status_filters, clock.today(), include_internal)
        query = query.where(Event.measure_id.in_(ids))
    if types:
        query = query.where(Event.type.in_(types))
    if measure:
        query = query.where(Measure.slug == measure)
    return _page(session, query, (Event.date_start.desc(), Event.id.desc()), page, size)


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
    """Statements up to ``as_of`` about measures that pass the filters, newest first."""
    query = (
        visible_statements(include_internal)
        .where(Statement.date_start <= as_of)
        .options(*STATEMENT_OPTIONS)
    )
    if filters.active:
        ids = _matching_measure_ids(session, filters, clock.today(), include_internal)
        about = select(statement_measures.c.statement_id).where(
            statement_measures.c.measure_id.in_(ids)
        )
        query = query.where(Statement.id.in_(about))
    if organization:
        query = query.where(
            Statement.organization.has(Organization.slug == organization)
            | Statement.signatories.any(Organization.slug == organization)
        )
    if stances:
        query = query.where(Statement.stance.in_(stances))
    return _page(session, query, (Statement.date_start.desc(), Statement.id.desc()), page, size)


def page_organizations(
    session: Session, include_internal: bool, page: int = 1, size: int = 50
) -> Page[Organization]:
    """Organizations by name, without those only internal statements mention."""
    query = select(Organization)
    if not include_internal:
        hidden = hidden_from_public(session)[0]
        if hidden:
            query = query.where(Organization.id.not_in(hidden))
    return _page(session, query, (Organization.name, Organization.id), page, size)


def page_people(
    session: Session, include_internal: bool, page: int = 1, size: int = 50
) -> Page[Person]:
    """People by name, without those only internal statements mention."""
    query = select(Person).options(selectinload(Person.organization))
    if not include_internal:
        hidden = hidden_from_public(session)[1]
        if hidden:
            query = query.where(Person.id.not_in(hidden))
    return _page(session, query, (Person.name, Person.id), page, size)
