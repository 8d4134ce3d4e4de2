""" "As of" a day: the answer depends on the record and that day alone, and a measure whose
first event is dated after that day did not exist yet, on every face."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import SignedInClient
from tracker.services.events import save_event
from tracker.services.measures import save_measure
from tracker.services.record_data import EventData, MeasureData

RUSSIA = "ru-foreign-agents-law-2012"
KG_LAW = "kg-foreign-representatives-law-2024"
SEPT_2012 = "2012-09-01"


def _without_today(html: str) -> str:
    """A page without the parts that name today: the banner's link back to it, and the day a
    citation says it was accessed (which is when it is read, by design)."""
    return re.sub(
        r"Back to today|today \([^)]*\)|\(accessed [^)]*\)|urldate\s*=\s*\{[^}]*\}", "", html
    )


@pytest.mark.parametrize(
    "url",
    [
        f"/measures/{KG_LAW}?as_of=2024-04-10",
        "/measures/?as_of=2024-04-10",
        "/events/?as_of=2024-04-10",
        "/timeline/?country=KG&as_of=2024-04-10",
        "/upcoming/?as_of=2024-02-08",
        f"/api/v1/measures/{KG_LAW}?as_of=2024-04-10",
        "/api/v1/measures?as_of=2024-04-10&country=KG",
    ],
)
def test_an_as_of_link_answers_the_same_whenever_it_is_opened(app: Flask, url: str) -> None:
    """Opened on 28 November 2026 or five years later, the same link says the same."""
    client = app.test_client()
    first = client.get(url)
    app.config["TODAY"] = "2031-06-15"
    later = client.get(url)
    assert first.status_code == later.status_code == 200
    assert _without_today(first.get_data(as_text=True)) == _without_today(
        later.get_data(as_text=True)
    )


def test_the_2025_laws_did_not_exist_in_2012(client: FlaskClient) -> None:
    listed = client.get(f"/measures/?as_of={SEPT_2012}").get_data(as_text=True)
    assert "1 measure" in listed
    assert f"/measures/{RUSSIA}" in listed
    assert f"/measures/{KG_LAW}" not in listed
    assert "Pending" not in re.sub(r"(?s)<form.*?</form>", "", listed)  # no facet of the future

    api = client.get(f"/api/v1/measures?as_of={SEPT_2012}").get_json()
    assert [item["slug"] for item in api["items"]] == [RUSSIA]
    facets = {f["name"]: f for f in api.get("facets", [])}
    if facets:
        assert {v["value"] for v in facets["country"]["values"]} == {"RU"}

    countries = client.get(f"/countries/?as_of={SEPT_2012}").get_data(as_text=True)
    assert "Kyrgyzstan" not in countries
    kyrgyzstan = client.get(f"/countries/KG?as_of={SEPT_2012}").get_data(as_text=True)
    assert f"/measures/{KG_LAW}" not in kyrgyzstan
    timeline = client.get(f"/timeline/?as_of={SEPT_2012}").get_data(as_text=True)
    assert KG_LAW not in timeline
    assert RUSSIA in timeline
    home = client.get(f"/?as_of={SEPT_2012}").get_data(as_text=True)
    assert f"/measures/{KG_LAW}" not in home


def test_a_measures_own_page_says_it_was_not_yet_recorded(client: FlaskClient) -> None:
    page = client.get(f"/measures/{KG_LAW}?as_of={SEPT_2012}").get_data(as_text=True)
    assert "Not yet recorded on 1 September 2012" in page
    assert "first event of this measure is dated" in page


def test_russias_law_between_signature_and_entry_into_force(client: FlaskClient) -> None:
    page = client.get(f"/measures/{RUSSIA}?as_of={SEPT_2012}").get_data(as_text=True)
    assert "Not yet in force" in page
    assert "enters into force on 21 November 2012" in page
    assert "not recorded" not in page.lower().replace("not yet recorded", "")
    data = client.get(f"/api/v1/measures/{RUSSIA}?as_of={SEPT_2012}").get_json()
    assert data["status"]["state"] == "not-yet-in-force"
    assert data["status"]["force"]["code"] == "not-yet-in-force"
    in_force = client.get(f"/api/v1/measures/{RUSSIA}?as_of=2012-11-21").get_json()
    assert in_force["status"]["force"]["code"] == "in-force"
    assert in_force["status"]["force"]["since"] == "2012-11-21"


def test_month_only_dates_are_labelled_and_placed_after_same_month_days(
    client: FlaskClient, session: Session
) -> None:
    bill = factories.measure(session, "kg-order-test", title="Order test law", kind="law")
    factories.event(session, bill, "entered-into-force", "2025-06")
    factories.event(session, bill, "signed", "2025-06-20")
    factories.event(session, bill, "passed", "2025-06-03")
    session.commit()
    page = client.get("/measures/kg-order-test").get_data(as_text=True)
    timeline = page[page.index('<ol class="timeline">') :]
    order = [
        timeline.index(f"<strong>{label}</strong>")
        for label in ("Passed", "Signed", "Entered into force")
    ]
    assert order == sorted(order)
    assert "(day unknown)" in page
    assert "30 June 2025" not in page  # nothing invents a day
    api = client.get("/api/v1/measures/kg-order-test").get_json()
    assert [e["type"] for e in api["events"]] == ["passed", "signed", "entered-into-force"]
    assert api["status"]["force"]["since"] == "2025-06"
    events = client.get("/api/v1/events?measure=kg-order-test").get_json()
    assert [e["type"] for e in events["items"]] == ["entered-into-force", "signed", "passed"]
    listed = client.get("/events/?measure=kg-order-test").get_data(as_text=True)
    listed = listed[listed.index('<table class="events-table">') :]
    assert (
        listed.index("<strong>Entered into force</strong>")
        < listed.index("<strong>Signed</strong>")
        < listed.index("<strong>Passed</strong>")
    )


def test_a_law_in_force_withdrawn_keeps_its_status_and_the_editor_is_warned(
    login_as: Callable[..., SignedInClient], client: FlaskClient
) -> None:
    editor = login_as("editor")
    response = editor.post(
        f"/measures/{KG_LAW}/events/new",
        data={
            "type": "withdrawn",
            "date": "end of March 2025",
            "source_urls": "https://example.org/withdrawn",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "did you mean repealed?" in page
    assert "“end of March 2025” read as 31 March 2025" in page
    assert "Check:" in page  # next to the event, for those who edit
    public = client.get(f"/measures/{KG_LAW}").get_data(as_text=True)
    assert "Withdrawn</span>" not in public  # no green "Withdrawn" badge
    assert "Check:" not in public
    data = client.get(f"/api/v1/measures/{KG_LAW}").get_json()
    assert data["status"]["state"] == "in-force"


def test_the_api_says_when_a_saved_event_is_ignored(
    client: FlaskClient, make_token: Callable[..., str]
) -> None:
    from tests.conftest import bearer

    token = make_token("editor")
    response = client.post(
        f"/api/v1/measures/{KG_LAW}/events",
        json={"type": "lapsed", "date": "2025-05", "sources": [{"url": "https://example.org/l"}]},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.get_json()
    warnings = response.get_json()["warnings"]
    assert len(warnings) == 1
    assert "did you mean expired?" in warnings[0]["message"]


def test_a_new_measure_dated_this_month_is_listed_at_once(
    session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    """ "Drafted in November 2026", logged on 28 November, is in the lists that day (its date
    has begun) even though it counts towards the status only once November is over."""
    measure = save_measure(session, None, MeasureData("Draft on NGO audits", "KG", "bill"))
    save_event(session, measure, None, EventData(type="drafted", date="2026-11"))
    session.commit()
    listed = login_as("viewer").get("/measures/?country=KG").get_data(as_text=True)
    assert "Draft on NGO audits" in listed
    assert dt.date(2026, 11, 28)  # the tests' pinned today
