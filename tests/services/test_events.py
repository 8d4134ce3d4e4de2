"""Events across measures: how many each measure had by a day, what each cites, and the events
list that selects measures as the measure list does."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Event, Measure
from tracker.services.events import event_counts, sources_of_events

LAW = "kg-foreign-representatives-law-2024"
BILL = "kg-ngo-criminal-liability-amendments-2023"


def _ids(session: Session, *slugs: str) -> list[int]:
    query = select(Measure.slug, Measure.id).where(Measure.slug.in_(slugs))
    found = {row.slug: row.id for row in session.execute(query)}
    return [found[slug] for slug in slugs]


def test_event_counts_stop_at_the_day_asked(session: Session) -> None:
    law, bill = _ids(session, LAW, BILL)
    assert event_counts(session, [law, bill], dt.date(2023, 12, 31)) == {law: 7, bill: 2}
    everything = event_counts(session, [law], dt.date(2030, 1, 1))
    assert everything[law] == len(
        session.scalars(select(Event).where(Event.measure_id == law)).all()
    )


def test_each_event_lists_its_sources_in_order(session: Session) -> None:
    (law,) = _ids(session, LAW)
    reading = session.scalars(
        select(Event).where(Event.measure_id == law, Event.type == "reading-1")
    ).one()
    (urls,) = sources_of_events(session, [reading.id]).values()
    assert urls[0].startswith("https://thediplomat.com/")
    assert urls[1].startswith("https://24.kg/")


def test_the_events_list_filters_by_the_measures_country_and_type(client: FlaskClient) -> None:
    response = client.get("/api/v1/events?country=RU&type=signed")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1  # Russia's law, signed 20 July 2012
    assert body["items"][0]["date"]["iso"] == "2012-07-20"
