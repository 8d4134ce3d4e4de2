"""Writing organizations and people. The shared pieces are in tracker.services.saving."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.countries import is_country
from tracker.models import Organization, Person
from tracker.services import names
from tracker.services.record_data import OrganizationData, PersonData
from tracker.services.saving import (
    ValidationFailed,
    assign,
    check_slug,
    check_visibility,
    clean_text,
    flush_record,
    reason_context,
    start_save,
    unique_slug,
)

# --------------------------------------------------------------------------------------------
# Organizations, people, sources


def save_organization(
    session: Session,
    org: Organization | None,
    data: OrganizationData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Organization:
    errors, plain = start_save(org, data, expected_version)
    name = plain["name"]
    country = clean_text(data.country)
    if country is not None and not is_country(country):
        errors["country"] = "Choose a country."
    check_visibility(errors, data.visibility)
    slug = clean_text(data.slug)
    check_slug(session, errors, Organization, slug, org.id if org else None)
    if errors:
        raise ValidationFailed(errors)
    assert name is not None
    if slug is None:
        slug = org.slug if org is not None else unique_slug(session, Organization, name)
    with reason_context(session, reason):
        if org is None:
            org = Organization(slug=slug, name=name)
            session.add(org)
        assign(
            org,
            {
                **plain,
                "slug": slug,
                "kind": data.kind,
                "country": country.upper() if country else None,
                "visibility": data.visibility,
            },
        )
        flush_record(session, org)
    return org


def save_person(
    session: Session,
    person: Person | None,
    data: PersonData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Person:
    errors, plain = start_save(person, data, expected_version)
    name = plain["name"]
    org = None
    if data.organization:
        org = session.scalar(select(Organization).where(Organization.slug == data.organization))
        if org is None:
            errors["organization"] = names.not_found(session, Organization, data.organization)
    check_visibility(errors, data.visibility)
    slug = clean_text(data.slug)
    check_slug(session, errors, Person, slug, person.id if person else None)
    if errors:
        raise ValidationFailed(errors)
    assert name is not None
    if slug is None:
        slug = person.slug if person is not None else unique_slug(session, Person, name)
    with reason_context(session, reason):
        if person is None:
            person = Person(slug=slug, name=name)
            session.add(person)
        assign(
            person,
            {
                **plain,
                "slug": slug,
                "organization": org,
                "visibility": data.visibility,
            },
        )
        flush_record(session, person)
    return person
