"""Naming an event's source for the explanations that cite one ("per 24.kg")."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tracker.models import Event, Measure
from tracker.services.sources import first_source_name, source_namer

LAW = "kg-foreign-representatives-law-2024"


def _event(session: Session, type_: str) -> Event:
    law = session.scalars(select(Measure).where(Measure.slug == LAW)).one()
    return next(event for event in law.events if event.type == type_)


def test_the_first_source_an_event_cites_names_it(session: Session) -> None:
    signed = _event(session, "signed")  # cites Freedom for Eurasia, then 24.kg
    name = source_namer(session)
    assert name(signed) == "Freedom for Eurasia"
    assert first_source_name(signed) == "Freedom for Eurasia"


def test_an_event_without_a_source_is_named_by_none(session: Session) -> None:
    law = session.scalars(select(Measure).where(Measure.slug == LAW)).one()
    bare = factories.event(session, law, "other", "2026-01-05")
    session.flush()
    assert source_namer(session)(bare) is None
    assert first_source_name(bare) is None
