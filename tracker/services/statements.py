"""Reading statements, organizations and people, with the visibility rule applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
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
    statement_signatories,
)
from tracker.services.measures import visible_statements

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


def _about(include_internal: bool, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Statements about at least one measure that is visible and meets ``condition``."""
    if not include_internal:
        condition = condition & (Measure.visibility == "public")
    return Statement.measures.any(condition)


def _filtered(
    query: Select[Statement], filters: StatementFilters, include_internal: bool
) -> Select[Statement]:
    if filters.countries:
        query = query.where(_about(include_internal, Measure.country.in_(filters.countries)))
    if filters.topics:
        query = query.where(
            _about(include_internal, Measure.topics.any(Topic.slug.in_(filters.topics)))
        )
    if filters.measure:
        query = query.where(_about(include_internal, Measure.slug == filters.measure))
    if filters.organizations:
        query = query.where(
            Statement.organization.has(Organization.slug.in_(filters.organizations))
            | Statement.signatories.any(Organization.slug.in_(filters.organizations))
        )
    if filters.stances:
        query = query.where(Statement.stance.in_(filters.stances))
    if filters.types:
        query = query.where(Statement.type.in_(filters.types))
    if filters.start is not None:
        start = filters.start
        # A statement dated "February 2024" may fall after 8 February: partial dates overlap.
        query = query.where(
            (Statement.date_start >= start)
            | (
                (Statement.date_precision == "month")
                & (Statement.date_start >= start.replace(day=1))
            )
            | (
                (Statement.date_precision == "year")
                & (Statement.date_start >= dt.date(start.year, 1, 1))
            )
        )
    if filters.end is not None:
        query = query.where(Statement.date_start <= filters.end)
    return query


def _listed(
    as_of: dt.date, include_internal: bool, filters: StatementFilters | None
) -> Select[Statement]:
    query = visible_statements(include_internal).where(Statement.date_start <= as_of)
    if filters is not None:
        query = _filtered(query, filters, include_internal)
    return query


def list_statements(
    session: Session,
    as_of: dt.date,
    include_internal: bool,
    filters: StatementFilters | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Sequence[Statement]:
    """Statements up to ``as_of`` that match the filters, newest first (one page of them)."""
    query = (
        _listed(as_of, include_internal, filters)
        .options(*_STATEMENT_OPTIONS)
        .order_by(Statement.date_iso.desc(), Statement.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return session.scalars(query).all()


def iter_statements(
    session: Session,
    as_of: dt.date,
    include_internal: bool,
    filters: StatementFilters | None = None,
) -> Iterator[Statement]:
    """Every matching statement, newest first, read in batches: exports of 200,000 statements
    hold a batch in memory, not all of them."""
    query = (
        _listed(as_of, include_internal, filters)
        .options(*_STATEMENT_OPTIONS)
        .order_by(Statement.date_iso.desc(), Statement.id.desc())
        .execution_options(yield_per=500)
    )
    yield from session.scalars(query)


def count_statements(
    session: Session,
    as_of: dt.date,
    include_internal: bool,
    filters: StatementFilters | None = None,
    cap: int | None = None,
) -> int:
    """How many statements match; with ``cap``, counting stops past it (cap + 1: "more")."""
    matching = _listed(as_of, include_internal, filters).with_only_columns(Statement.id)
    if cap is not None:
        matching = matching.limit(cap + 1)
    return session.scalar(select(func.count()).select_from(matching.subquery())) or 0


def get_statement(session: Session, slug: str, include_internal: bool) -> Statement | None:
    query = visible_statements(include_internal).where(Statement.slug == slug)
    return session.scalars(query.options(*_STATEMENT_OPTIONS)).first()


def statements_by(
    session: Session,
    include_internal: bool,
    organization: Organization | None = None,
    person: Person | None = None,
) -> Sequence[Statement]:
    """Statements an organization wrote or signed, or a person made or is quoted in."""
    query = visible_statements(include_internal).options(*_STATEMENT_OPTIONS)
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
    return session.scalars(query.order_by(Statement.date_iso.desc(), Statement.id)).all()


def hidden_from_public(
    session: Session,
    organization_ids: Collection[int] | None = None,
    person_ids: Collection[int] | None = None,
) -> tuple[set[int], set[int]]:
    """Organizations and people that only internal statements mention.

    An anonymous visitor must not learn of them from any page or export: a sensitive source is
    often a person or a small group. Given ``organization_ids`` or ``person_ids`` (search
    results), only those are checked, and only that kind: cheap on a large database.
    """
    restricted = organization_ids is not None or person_ids is not None
    orgs: set[int] = set()
    if not restricted or organization_ids:
        query = select(Organization.id).where(
            # The public side first: most records have a public mention, found at once.
            ~_organization_mentioned("public"),
            _organization_mentioned("internal"),
        )
        if organization_ids:
            query = query.where(Organization.id.in_(list(organization_ids)))
        orgs = set(session.scalars(query))
    people: set[int] = set()
    if not restricted or person_ids:
        query = select(Person.id).where(~_person_mentioned("public"), _person_mentioned("internal"))
        if person_ids:
            query = query.where(Person.id.in_(list(person_ids)))
        people = set(session.scalars(query))
    return orgs, people


# Correlated EXISTS, one index probe or a few per organization or person: collecting every
# statement's authors, signatories, speakers and quoted people first read all 200,000
# statements (a second) for the organization drop-down of every statement list.
def _organization_mentioned(visibility: str) -> ColumnElement[bool]:
    authored = select(Statement.id).where(
        Statement.organization_id == Organization.id, Statement.visibility == visibility
    )
    signed = (
        select(statement_signatories.c.statement_id)
        .join(Statement, Statement.id == statement_signatories.c.statement_id)
        .where(
            statement_signatories.c.organization_id == Organization.id,
            Statement.visibility == visibility,
        )
    )
    return or_(authored.exists(), signed.exists())


def _person_mentioned(visibility: str) -> ColumnElement[bool]:
    spoke = select(Statement.id).where(
        Statement.speaker_id == Person.id, Statement.visibility == visibility
    )
    quoted = (
        select(Quote.id)
        .join(Statement, Statement.id == Quote.statement_id)
        .where(Quote.speaker_id == Person.id, Statement.visibility == visibility)
    )
    return or_(spoke.exists(), quoted.exists())


def list_organizations(session: Session, include_internal: bool) -> Sequence[Organization]:
    hidden = set() if include_internal else hidden_from_public(session)[0]
    organizations = session.scalars(select(Organization).order_by(Organization.name)).all()
    return [org for org in organizations if org.id not in hidden]


def get_organization(session: Session, slug: str, include_internal: bool) -> Organization | None:
    query = select(Organization).where(Organization.slug == slug)
    organization = session.scalars(query.options(selectinload(Organization.people))).first()
    if organization is None:
        return None
    if include_internal:
        return organization
    hidden = hidden_from_public(session, organization_ids=[organization.id])[0]
    return None if organization.id in hidden else organization


def get_person(session: Session, slug: str, include_internal: bool) -> Person | None:
    query = select(Person).where(Person.slug == slug).options(selectinload(Person.organization))
    person = session.scalars(query).first()
    if person is None:
        return None
    if not include_internal and person.id in hidden_from_public(session, person_ids=[person.id])[1]:
        return None
    return person


def people_of(session: Session, organization: Organization, include_internal: bool) -> list[Person]:
    """An organization's people the reader may see: for anonymous readers, not those only
    internal statements mention (a public organization's page must not name them)."""
    people = list(organization.people)
    if include_internal or not people:
        return people
    hidden = hidden_from_public(session, person_ids=[person.id for person in people])[1]
    return [person for person in people if person.id not in hidden]


def organization_of(
    session: Session, person: Person, include_internal: bool
) -> Organization | None:
    """A person's organization, if the reader may see it (see ``people_of``)."""
    organization = person.organization
    if organization is None or include_internal:
        return organization
    hidden = hidden_from_public(session, organization_ids=[organization.id])[0]
    return None if organization.id in hidden else organization


def measures_of(statement: Statement, include_internal: bool) -> list[Measure]:
    return [m for m in statement.measures if include_internal or m.is_public]


def statement_counts(
    session: Session, measure_ids: Sequence[int], as_of: dt.date, include_internal: bool
) -> dict[int, int]:
    """How many visible statements are about each measure up to ``as_of``."""
    counts: dict[int, int] = {}
    visible = visible_statements(include_internal).where(Statement.date_start <= as_of)
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
    include_internal: bool,
    measure_ids: Sequence[int] | None = None,
    limit: int = 50,
) -> Sequence[Statement]:
    """The statements recorded most recently (what a feed announces); with ``measure_ids``,
    only those about one of these measures."""
    query = visible_statements(include_internal).options(*_STATEMENT_OPTIONS)
    if measure_ids is not None:
        query = query.where(Statement.measures.any(Measure.id.in_(measure_ids)))
    query = query.order_by(
        Statement.created_at.desc(), Statement.date_start.desc(), Statement.id.desc()
    )
    return session.scalars(query.limit(limit)).all()
