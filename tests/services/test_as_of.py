"""The status rule's dates in SQL: a partial date counts from its last day, is listed from its
first, and events of one day come in the order of a measure's life."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tracker.models import Event, Measure, MeasureStatus
from tracker.services.as_of import (
    event_dated_by,
    event_order,
    measure_exists,
    recorded_before,
)

LAW = "kg-foreign-representatives-law-2024"


def _law(session: Session) -> Measure:
    return session.scalars(select(Measure).where(Measure.slug == LAW)).one()


def _types_by(session: Session, day: str) -> list[str]:
    query = (
        select(Event.type)
        .where(Event.measure_id == _law(session).id)
        .where(event_dated_by(dt.date.fromisoformat(day)))
        .order_by(*event_order())
    )
    return list(session.scalars(query))


def test_an_event_known_to_the_month_is_listed_from_the_first_of_that_month(
    session: Session,
) -> None:
    # The law entered into force "in April 2024"; it was signed on 2 April.
    assert "entered-into-force" not in _types_by(session, "2024-03-31")
    assert "entered-into-force" in _types_by(session, "2024-04-01")


def test_a_month_only_event_comes_after_the_days_of_that_month(session: Session) -> None:
    types = _types_by(session, "2024-05-01")
    assert types.index("signed") < types.index("entered-into-force")
    newest = list(
        session.scalars(
            select(Event.type)
            .where(Event.measure_id == _law(session).id)
            .order_by(*event_order(newest_first=True))
        )
    )
    assert newest == list(reversed(_types_by(session, "2030-01-01")))


def test_same_day_events_follow_a_measures_life_whatever_order_they_were_recorded(
    session: Session,
) -> None:
    bill = factories.measure(session, "zz-one-day-bill", country="KG")
    factories.event(session, bill, "signed", "2026-02-03")
    factories.event(session, bill, "passed", "2026-02-03")
    factories.event(session, bill, "introduced", "2026-02-03")
    session.flush()
    query = select(Event.type).where(Event.measure_id == bill.id).order_by(*event_order())
    assert list(session.scalars(query)) == ["introduced", "passed", "signed"]


def test_a_record_made_during_a_day_was_there_by_the_end_of_it() -> None:
    cutoff = recorded_before(dt.date(2024, 4, 10))
    assert dt.datetime(2024, 4, 10, 23, 59, tzinfo=dt.UTC) < cutoff
    assert dt.datetime(2024, 4, 11, tzinfo=dt.UTC) == cutoff


def test_a_measure_did_not_exist_before_its_first_event(session: Session) -> None:
    law = _law(session)  # first event: drafted, November 2022

    def exists(day: dt.date) -> bool:
        query = select(MeasureStatus.measure_id).where(
            MeasureStatus.measure_id == law.id, measure_exists(day)
        )
        return session.scalar(query) is not None

    assert not exists(dt.date(2022, 10, 31))
    assert exists(dt.date(2022, 11, 30))
