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

from tracker.models import (
    Event,
    Measure,
    Organization,
    Person,
    Quote,
    Statement,
    statement_measures,
)
from tracker.services.as_of import statement_dated_by, statement_order
from tracker.services.events import EventFilters, count_events, list_events
from tracker.services.measures import (
    MeasureFilters,
    select_measures,
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
    """Events up to ``as_of`` of the measures that pass the filters, newest first: the events
    list's own query (tracker.services.events), the status filter on ``as_of`` as there."""
    chosen = EventFilters(measures=filters, types=tuple(types), measure=measure)
    total = count_events(session, chosen, as_of, include_internal)
    items = list_events(session, chosen, as_of, include_internal, (page - 1) * size, size)
    return Page(items, total, page, size)


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
    """Statements up to ``as_of`` about measures that pass the filters (on ``as_of``, as the
    measure list selects them), newest first."""
    query = (
        visible_statements(include_internal)
        .where(statement_dated_by(as_of))
        .options(*STATEMENT_OPTIONS)
    )
    if filters.active:
        ids = select_measures(session, filters, as_of, include_internal).ids()
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
