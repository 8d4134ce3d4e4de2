"""Reading statements as the reader's viewpoint may see them (organizations and people are read
in tracker.services.organizations).

The pages and the JSON API read through the same queries: a statement is shown when it is
visible and, with measure filters, when at least one of its measures passes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload

from tracker.models import (
    Event,
    Measure,
    Organization,
    Person,
    Quote,
    Statement,
    Topic,
    statement_measures,
)
from tracker.services.as_of import statement_dated_by, statement_order
from tracker.services.measures import MeasureFilters, select_measures
from tracker.services.paging import Page, page_of
from tracker.viewpoint import Viewpoint

_STATEMENT_OPTIONS = (
    selectinload(Statement.organization),
    selectinload(Statement.speaker),
    selectinload(Statement.signatories),
    selectinload(Statement.measures),
    selectinload(Statement.quotes).selectinload(Quote.speaker),
    selectinload(Statement.sources),
    selectinload(Statement.reacts_to).selectinload(Event.measure),
)


@dataclass(frozen=True, slots=True)
class StatementFilters:
    """The statement list's filters, shared by the page and its downloads."""

    countries: tuple[str, ...] = ()
    """Statements about a visible measure of one of these countries."""
    topics: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    """Slugs of organizations that wrote or co-signed the statement."""
    stances: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    measure: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.countries
            or self.topics
            or self.organizations
            or self.stances
            or self.types
            or self.measure
            or self.start
            or self.end
        )


def _about(view: Viewpoint, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Statements about at least one measure that is visible and meets ``condition``."""
    condition = condition & view.visible(Measure)
    return Statement.measures.any(condition)


def _filtered(
    query: Select[Statement], filters: StatementFilters, view: Viewpoint
) -> Select[Statement]:
    if filters.countries:
        query = query.where(_about(view, Measure.country.in_(filters.countries)))
    if filters.topics:
        query = query.where(_about(view, Measure.topics.any(Topic.slug.in_(filters.topics))))
    if filters.measure:
        query = query.where(_about(view, Measure.slug == filters.measure))
    if filters.organizations:
        query = query.where(by_organizations(filters.organizations, view))
    if filters.stances:
        query = query.where(Statement.stance.in_(filters.stances))
    if filters.types:
        query = query.where(Statement.type.in_(filters.types))
    if filters.start is not None:
        # A statement dated "February 2024" may fall after 8 February: partial dates overlap.
        query = query.where(Statement.date_end >= filters.start)
    if filters.end is not None:
        query = query.where(Statement.date_start <= filters.end)
    return query


def by_organizations(slugs: Sequence[str], view: Viewpoint) -> ColumnElement[bool]:
    """Statements that organizations the reader may see wrote or co-signed: filtering by an
    internal organization's slug must not tell which public statements it signed."""
    chosen = (
        view.select(Organization)
        .where(Organization.slug.in_(slugs))
        .with_only_columns(Organization.id)
    )
    return Statement.organization_id.in_(chosen) | Statement.signatories.any(
        Organization.id.in_(chosen)
    )


def _listed(view: Viewpoint, filters: StatementFilters | None) -> Select[Statement]:
    query = view.select(Statement).where(statement_dated_by(view.as_of))
    if filters is not None:
        query = _filtered(query, filters, view)
    return query


def list_statements(
    session: Session,
    view: Viewpoint,
    filters: StatementFilters | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Sequence[Statement]:
    """Statements up to the reader's day that match the filters, newest first (one page of
    them)."""
    query = (
        _listed(view, filters)
        .options(*_STATEMENT_OPTIONS)
        .order_by(*statement_order(newest_first=True))
        .offset(offset)
        .limit(limit)
    )
    return session.scalars(query).all()


def iter_statements(
    session: Session,
    view: Viewpoint,
    filters: StatementFilters | None = None,
) -> Iterator[Statement]:
    """Every matching statement, newest first, read in batches: exports of 200,000 statements
    hold a batch in memory, not all of them."""
    query = (
        _listed(view, filters)
        .options(*_STATEMENT_OPTIONS)
        .order_by(*statement_order(newest_first=True))
        .execution_options(yield_per=500)
    )
    yield from session.scalars(query)


def count_statements(
    session: Session,
    view: Viewpoint,
    filters: StatementFilters | None = None,
    cap: int | None = None,
) -> int:
    """How many statements match; with ``cap``, counting stops past it (cap + 1: "more")."""
    matching = _listed(view, filters).with_only_columns(Statement.id)
    if cap is not None:
        matching = matching.limit(cap + 1)
    return session.scalar(select(func.count()).select_from(matching.subquery())) or 0


def get_statement(session: Session, slug: str, view: Viewpoint) -> Statement | None:
    query = view.select(Statement).where(Statement.slug == slug)
    return session.scalars(query.options(*_STATEMENT_OPTIONS)).first()


def statements_by(
    session: Session,
    view: Viewpoint,
    organization: Organization | None = None,
    person: Person | None = None,
) -> Sequence[Statement]:
    """Statements an organization wrote or signed, or a person made or is quoted in."""
    query = view.select(Statement).options(*_STATEMENT_OPTIONS)
    if organization is not None:
        query = query.where(
            (Statement.organization_id == organization.id)
            | Statement.signatories.any(Organization.id == organization.id)
        )
    if person is not None:
        query = query.where(
            (Statement.speaker_id == person.id)
            | Statement.quotes.any(Quote.speaker_id == person.id)
        )
    return session.scalars(query.order_by(*statement_order(newest_first=True))).all()


def statement_counts(
    session: Session, measure_ids: Sequence[int], view: Viewpoint
) -> dict[int, int]:
    """How many statements the reader may see are about each measure, up to the reader's
    day."""
    counts: dict[int, int] = {}
    visible = view.select(Statement).where(statement_dated_by(view.as_of))
    for chunk in range(0, len(measure_ids), 500):
        query = (
            select(statement_measures.c.measure_id, func.count())
            .where(statement_measures.c.measure_id.in_(measure_ids[chunk : chunk + 500]))
            .where(statement_measures.c.statement_id.in_(visible.with_only_columns(Statement.id)))
            .group_by(statement_measures.c.measure_id)
        )
        counts.update(session.execute(query).all())
    return counts


def newest_statements(
    session: Session,
    view: Viewpoint,
    measure_ids: Sequence[int] | None = None,
    limit: int = 50,
) -> Sequence[Statement]:
    """The statements recorded most recently (what a feed announces); with ``measure_ids``,
    only those about one of these measures."""
    query = view.select(Statement).options(*_STATEMENT_OPTIONS)
    if measure_ids is not None:
        query = query.where(Statement.measures.any(Measure.id.in_(measure_ids)))
    query = query.order_by(
        Statement.created_at.desc(), Statement.date_start.desc(), Statement.id.desc()
    )
    return session.scalars(query.limit(limit)).all()


# -- the JSON API's lists ----------------------------------------------------------------------


def page_statements(
    session: Session,
    filters: MeasureFilters,
    view: Viewpoint,
    organization: str | None = None,
    stances: Sequence[str] = (),
    page: int = 1,
    size: int = 50,
    changed_since: dt.datetime | None = None,
    by_update: bool = False,
) -> Page[Statement]:
    """Statements up to the reader's day about measures that pass the filters (on that day, as
    the measure list selects them), newest first; with ``changed_since``, only those created or
    changed at or after it; ``by_update``: in the order of their last change, then by id."""
    query = (
        view.select(Statement).where(statement_dated_by(view.as_of)).options(*_STATEMENT_OPTIONS)
    )
    if filters.active:
        ids = select_measures(session, filters, view).ids()
        about = select(statement_measures.c.statement_id).where(
            statement_measures.c.measure_id.in_(ids)
        )
        query = query.where(Statement.id.in_(about))
    if organization:
        query = query.where(by_organizations([organization], view))
    if stances:
        query = query.where(Statement.stance.in_(stances))
    if changed_since is not None:
        query = query.where(Statement.updated_at >= changed_since)
    if by_update:
        return page_of(session, query, (Statement.updated_at, Statement.id), page, size)
    return page_of(session, query, statement_order(newest_first=True), page, size)
