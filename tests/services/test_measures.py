"""Reading measures: the status of each as of any day, and the list every face reads."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Measure
from tracker.services.measures import statuses

LAW = "kg-foreign-representatives-law-2024"


@pytest.mark.parametrize(
    ("day", "state"),
    [
        ("2023-01-01", "pending"),  # drafted
        ("2024-03-20", "pending"),  # passed, not yet signed
        ("2024-04-15", "not-yet-in-force"),  # signed; in force "in April 2024"
        ("2024-04-30", "in-force"),  # a month-only date counts from its last day
    ],
)
def test_the_status_as_of_a_day_follows_the_events_up_to_it(
    client: FlaskClient, session: Session, day: str, state: str
) -> None:
    law = session.scalars(select(Measure).where(Measure.slug == LAW)).one()
    with client.application.app_context():
        found = statuses(session, [law.id], dt.date.fromisoformat(day))
    assert found[law.id].state == state


def test_the_measure_list_filters_by_country_and_status(client: FlaskClient) -> None:
    body = client.get("/api/v1/measures?country=KG&status=expired").get_json()
    assert [item["slug"] for item in body["items"]] == ["kg-bishkek-protest-bans-2022"]
    everything = client.get("/api/v1/measures?country=KG").get_json()
    assert everything["total"] > body["total"]
