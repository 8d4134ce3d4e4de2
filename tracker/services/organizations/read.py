"""Reading organizations and people, with the visibility rule applied: who may be named, and
how an internal one is named to a reader who may not see it ("Name withheld").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar, overload

from sqlalchemy import ColumnElement, case, literal
from sqlalchemy.orm import Session, selectinload

from tracker import vocab
from tracker.models import Organization, Person
from tracker.services.measures import (
    may_see,
    public_rows,
    visible_organizations,
    visible_people,
)
from tracker.services.paging import Page, page_of

R = TypeVar("R", bound=Organization | Person)


def shown(record: R | None, include_internal: bool) -> R | None:
    """The organization or person, if this reader may see it; else None."""
    return record if record is not None and may_see(record, include_internal) else None


@overload
def name_for(record: Organization | Person, include_internal: bool) -> str: ...
@overload
def name_for(record: Organization | Person | None, include_internal: bool) -> str | None: ...
def name_for(record: Organization | Person | None, include_internal: bool) -> str | None:
    """How this reader may name an organization or a person: by name, or, when it is internal
    and the reader anonymous, by neutral wording ("Name withheld") that neither names it nor
    hides that someone is there; None when there is no one."""
    if record is None:
        return None
    if may_see(record, include_internal):
        return record.name
    if isinstance(record, Organization):
        return vocab.WITHHELD_ORGANIZATION
    return vocab.WITHHELD_PERSON


def organization_name(include_internal: bool) -> ColumnElement[str]:
    """``name_for`` in SQL, for queries that read organizations' names without the records."""
    if include_internal:
        return Organization.name.expression
    return case(
        (public_rows(Organization), Organization.name),
        else_=literal(vocab.WITHHELD_ORGANIZATION),
    )


def people_of(organization: Organization, include_internal: bool) -> list[Person]:
    """The people of an organization whom the reader may see."""
    return [person for person in organization.people if may_see(person, include_internal)]


def list_organizations(session: Session, include_internal: bool) -> Sequence[Organization]:
    query = visible_organizations(include_internal).order_by(Organization.name)
    return session.scalars(query).all()


def get_organization(session: Session, slug: str, include_internal: bool) -> Organization | None:
    query = visible_organizations(include_internal).where(Organization.slug == slug)
    return session.scalars(query.options(selectinload(Organization.people))).first()


def get_person(session: Session, slug: str, include_internal: bool) -> Person | None:
    query = visible_people(include_internal).where(Person.slug == slug)
    return session.scalars(query.options(selectinload(Person.organization))).first()


def page_organizations(
    session: Session, include_internal: bool, page: int = 1, size: int = 50
) -> Page[Organization]:
    """Organizations by name, the internal ones for signed-in readers only."""
    query = visible_organizations(include_internal)
    return page_of(session, query, (Organization.name, Organization.id), page, size)


def page_people(
    session: Session, include_internal: bool, page: int = 1, size: int = 50
) -> Page[Person]:
    """People by name, the internal ones for signed-in readers only."""
    query = visible_people(include_internal).options(selectinload(Person.organization))
    return page_of(session, query, (Person.name, Person.id), page, size)
