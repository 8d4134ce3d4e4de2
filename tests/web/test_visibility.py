"""Internal records are for signed-in users only: anonymous visitors never see them anywhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.exports_support import add_internal_records
from tests.web.test_pages import text_of
from tracker.models import Measure, Organization, Statement
from tracker.services.events import save_event
from tracker.services.measures import save_measure
from tracker.services.record_data import (
    EventData,
    MeasureData,
    StatementData,
    measure_data,
    statement_data,
)
from tracker.services.statements import save_statement

LAW = "kg-foreign-representatives-law-2024"
STATEMENT = "amnesty-2024-02-08-kyrgyzstan-crackdown"


@pytest.fixture
def internal_bill(session: Session) -> Measure:
    """A new internal bill with a statement only about it, as a researcher would log one."""
    measure = save_measure(
        session,
        None,
        MeasureData("Secret draft on NGO inspections", "KG", "bill", visibility="internal"),
    )
    save_event(session, measure, None, EventData(type="drafted", date="2026-11"))
    save_statement(
        session,
        None,
        StatementData(
            title="Confidential note on the inspections draft",
            organization="amnesty-international",
            date="2026-11",
            measures=[measure.slug],
            url="https://example.org/confidential",
            visibility="internal",
        ),
    )
    session.commit()
    return measure


def test_anonymous_visitors_see_no_internal_record_anywhere(
    client: FlaskClient, internal_bill: Measure
) -> None:
    for url in ("/", "/measures/", "/measures/?country=KG", "/statements/", f"/measures/{LAW}"):
        page = text_of(client.get(url).data)
        assert "Secret draft on NGO inspections" not in page, url
        assert "Confidential note" not in page, url
    assert client.get(f"/measures/{internal_bill.slug}").status_code == 404
    statement = "amnesty-international-2026-11-confidential-note-on-the-inspections-draft"
    assert client.get(f"/statements/{statement}").status_code == 404
    history = client.get(f"/history/measure/{internal_bill.id}")
    assert history.status_code == 302  # history is for signed-in users only


def test_signed_in_viewers_see_internal_records_marked_as_such(
    login_as: Callable[..., FlaskClient], internal_bill: Measure
) -> None:
    viewer = login_as("viewer")
    page = text_of(viewer.get("/measures/").data)
    assert "Secret draft on NGO inspections" in page
    assert "Internal" in page
    assert viewer.get(f"/measures/{internal_bill.slug}").status_code == 200
    assert "Confidential note" in text_of(viewer.get("/statements/").data)


def test_making_a_measure_internal_hides_it_from_the_public(
    login_as: Callable[..., FlaskClient], client: FlaskClient, session: Session
) -> None:
    editor = login_as("editor")
    measure = session.scalar(select(Measure).where(Measure.slug == LAW))
    assert measure is not None
    data = measure_data(measure)
    response = editor.post(
        f"/measures/{LAW}/edit",
        data={
            "title": data.title,
            "country": data.country,
            "kind": data.kind,
            "visibility": "internal",
            "version": str(measure.version),
        },
    )
    assert response.status_code == 303
    assert client.get(f"/measures/{LAW}").status_code == 404
    assert data.title not in text_of(client.get("/measures/").data)
    assert editor.get(f"/measures/{LAW}").status_code == 200


def test_an_internal_statement_is_hidden_but_its_measure_is_not(
    login_as: Callable[..., FlaskClient], client: FlaskClient, session: Session
) -> None:
    statement = session.scalar(select(Statement).where(Statement.slug == STATEMENT))
    assert statement is not None
    data = statement_data(statement)
    data.visibility = "internal"
    save_statement(session, statement, data)
    session.commit()
    assert client.get(f"/statements/{STATEMENT}").status_code == 404
    assert client.get(f"/measures/{LAW}").status_code == 200
    assert "Internal" in text_of(login_as("viewer").get(f"/statements/{STATEMENT}").data)


def test_a_signed_in_readers_unfiltered_list_counts_every_measure(
    internal_bill: Measure, login_as: Callable[..., FlaskClient], client: FlaskClient
) -> None:
    """With no filter and internal records allowed, the count once had no table to count in
    and said "1 measure"."""
    signed_in = login_as("viewer").get("/measures/").get_data(as_text=True)
    assert "9 measures" in signed_in
    assert "8 measures" in client.get("/measures/").get_data(as_text=True)


def test_a_public_organization_does_not_name_people_only_internal_statements_mention(
    client: FlaskClient, login_as: Callable[..., FlaskClient], session: Session
) -> None:
    """A source quoted only in internal statements stays unnamed on their organization's page
    and in the API; a public person's organization, if only internal statements mention it,
    is not named on their page. (A merge moves people between organizations, which would
    otherwise publish them.)"""
    _, secret_statement = add_internal_records(session)
    amnesty = session.scalars(
        select(Organization).where(Organization.slug == "amnesty-international")
    ).one()
    source = factories.person(session, "quiet-source", "Quiet Source", organization=amnesty)
    secret_statement.speaker = source
    face = factories.person(session, "public-face", "Public Face", visibility="public")
    face.organization = secret_statement.organization
    law = session.scalars(select(Measure).where(Measure.slug == LAW)).one()
    factories.statement(session, "public-face-speaks", [law], speaker=face)
    session.commit()
    assert "Quiet Source" not in text_of(client.get("/organizations/amnesty-international").data)
    api = client.get("/api/v1/organizations/amnesty-international").get_json()
    assert "quiet-source" not in [person["slug"] for person in api["people"]]
    assert "Secret Partner" not in text_of(client.get("/people/public-face").data)
    assert client.get("/api/v1/people/public-face").get_json()["organization"] is None
    viewer = login_as("viewer")
    assert "Quiet Source" in text_of(viewer.get("/organizations/amnesty-international").data)
    assert "Secret Partner" in text_of(viewer.get("/people/public-face").data)
