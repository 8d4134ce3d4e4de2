"""Small builders of records for tests that need data the seed does not have."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tracker.dates import PartialDate
from tracker.models import Event, Measure, Organization, Person, Quote, Statement


def measure(session: Session, slug: str, **values: Any) -> Measure:
    defaults: dict[str, Any] = {
        "country": "KG",
        "kind": "bill",
        "title": f"Test measure {slug}",
        "popular_names": [],
        "visibility": "public",
    }
    record = Measure(slug=slug, **{**defaults, **values})
    session.add(record)
    session.flush()
    return record


def event(session: Session, measure: Measure, type: str, date: str, **values: Any) -> Event:
    record = Event(measure=measure, type=type, date=PartialDate.from_iso(date), **values)
    session.add(record)
    session.flush()
    return record


def statement(
    session: Session,
    slug: str,
    about: list[Measure],
    quotes: list[str] = (),
    **values: Any,  # type: ignore[assignment]
) -> Statement:
    organization = session.get(Organization, 1)
    assert organization is not None
    defaults: dict[str, Any] = {
        "organization": organization,
        "date": PartialDate.from_iso("2025-01-10"),
        "title": f"Statement {slug}",
        "url": "https://example.org/statement",
        "visibility": "public",
    }
    record = Statement(slug=slug, **{**defaults, **values})
    record.measures = list(about)
    record.quotes = [Quote(text=text, position=i) for i, text in enumerate(quotes)]
    session.add(record)
    session.flush()
    return record


def person(session: Session, slug: str, name: str, **values: Any) -> Person:
    record = Person(slug=slug, name=name, **values)
    session.add(record)
    session.flush()
    return record
