"""Reading organizations and people as the reader's viewpoint may see them: who may be named,
and how an internal one is named to a reader who may not see it ("Name withheld").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

from sqlalchemy import ColumnElement, case, literal
from sqlalchemy.orm import Session, selectinload

from tracker import vocab
from tracker.models import Organization, Person
from tracker.services.paging import Page, page_of
from tracker.viewpoint import Viewpoint


@overload
def name_for(record: Organization | Person, view: Viewpoint) -> str: ...
@overload
def name_for(record: Organization | Person | None, view: Viewpoint) -> str | None: ...
def name_for(record: Organization | Person | None, view: Viewpoint) -> str | None:
    """How this reader may name an organization or a person: by name, or, when it is internal
    and the reader anonymous, by neutral wording ("Name withheld") that neither names it nor
    hides that someone is there; None when there is no one."""
    if record is None:
        return None
    if view.sees(record):
        return record.name
    if isinstance(record, Organization):
        return vocab.WITHHELD_ORGANIZATION
    return vocab.WITHHELD_PERSON


def organization_name(view: Viewpoint) -> ColumnElement[str]:
    """``name_for`` in SQL, for queries that read organizations' names without the records."""
    if view.sees_internal:
        return Organization.name.expression
    return case(
        (view.visible(Organization), Organization.name),
        else_=literal(vocab.WITHHELD_ORGANIZATION),
    )


def list_organizations(session: Session, view: Viewpoint) -> Sequence[Organization]:
    query = view.select(Organization).order_by(Organization.name)
    return session.scalars(query).all()


def get_organization(session: Session, slug: str, view: Viewpoint) -> Organization | None:
    query = view.select(Organization).where(Organization.slug == slug)
    return session.scalars(query.options(selectinload(Organization.people))).first()


def get_person(session: Session, slug: str, view: Viewpoint) -> Person | None:
    query = view.select(Person).where(Person.slug == slug)
    return session.scalars(query.options(selectinload(Person.organization))).first()


def page_organizations(
    session: Session, view: Viewpoint, page: int = 1, size: int = 50
) -> Page[Organization]:
    """Organizations by name, those the reader may see."""
    query = view.select(Organization)
    return page_of(session, query, (Organization.name, Organization.id), page, size)


def page_people(session: Session, view: Viewpoint, page: int = 1, size: int = 50) -> Page[Person]:
    """People by name, those the reader may see."""
    query = view.select(Person).options(selectinload(Person.organization))
    return page_of(session, query, (Person.name, Person.id), page, size)
