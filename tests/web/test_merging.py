"""Merging duplicates from the pages: pick the record to keep, see what will move, confirm; the
old addresses (pages and API) redirect; viewers may not merge; internal records stay hidden."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests import factories
from tests.conftest import bearer
from tests.exports_support import add_internal_records
from tests.web.test_editing import input_value
from tests.web.test_pages import text_of
from tracker.models import Measure, Organization, Statement

LAW = "kg-foreign-representatives-law-2024"


def duplicate_amnesty(session: Session) -> Organization:
    """What one import left behind: a second Amnesty International, author of a statement."""
    duplicate = Organization(slug="amnesty", name="Amnesty International", visibility="public")
    session.add(duplicate)
    law = session.scalars(select(Measure).where(Measure.slug == LAW)).one()
    factories.statement(session, "amnesty-dup-statement", [law], organization=duplicate)
    session.commit()
    return duplicate


def confirmed(editor: FlaskClient, path: str, planned: TestResponse) -> TestResponse:
    """Confirm the merge a plan page shows, as its form sends it."""
    html = planned.get_data(as_text=True)
    fields = ("into", "version", "into_version", "reason")
    return editor.post(path, data={**{f: input_value(html, f) for f in fields}, "confirm": "1"})


def merge(editor: FlaskClient, path: str, into: str) -> TestResponse:
    """Pick the record to keep, read the plan, confirm: as an editor does."""
    return confirmed(editor, path, editor.post(path, data={"into": into}))


def test_an_editor_merges_a_duplicate_organization(
    login_as: Callable[..., FlaskClient], client: FlaskClient, session: Session
) -> None:
    duplicate_amnesty(session)
    editor = login_as("editor")
    page = editor.get("/organizations/amnesty")
    assert 'href="/organizations/amnesty/merge"' in page.get_data(as_text=True)
    start = editor.get("/organizations/amnesty/merge")
    assert start.status_code == 200
    text = text_of(start.data)
    assert "Records that look like this one" in text
    assert "Amnesty International" in text
    # The name both share picks the other one: this one is not a candidate for itself.
    planned = editor.post("/organizations/amnesty/merge", data={"into": "amnesty international"})
    assert planned.status_code == 200
    plan = text_of(planned.data)
    # Two records alike in everything but their slug: the label says which is which.
    assert (
        "Merge “Amnesty International” into “Amnesty International [amnesty-international]”?"
        in (planned.get_data(as_text=True))
    )
    assert "1 statement it made" in plan
    html = planned.get_data(as_text=True)
    assert input_value(html, "into_version") != ""
    assert 'name="confirm" value="1"' in html
    # Nothing is merged until confirmed.
    assert session.scalar(select(Organization).where(Organization.slug == "amnesty")) is not None

    merged = confirmed(editor, "/organizations/amnesty/merge", planned)
    assert merged.status_code == 303, text_of(merged.data)[:1000]
    assert merged.headers["Location"] == "/organizations/amnesty-international"
    statement = session.scalars(
        select(Statement).where(Statement.slug == "amnesty-dup-statement")
    ).one()
    session.refresh(statement)
    assert statement.organization.slug == "amnesty-international"

    # The old addresses lead to the survivor, the query string kept.
    moved = client.get("/organizations/amnesty?x=1")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/organizations/amnesty-international?x=1"
    api = client.get("/api/v1/organizations/amnesty")
    assert api.status_code == 301
    assert api.headers["Location"] == "/api/v1/organizations/amnesty-international"
    assert client.get("/organizations/never-was").status_code == 404

    changes = editor.get("/changes?type=organization").get_data(as_text=True)
    assert "Merged" in changes
    record = editor.get(
        editor.get("/organizations/amnesty-international").headers.get("Location")
        or "/organizations/amnesty-international"
    )
    assert record.status_code == 200


def test_a_merged_measure_s_pages_redirect_and_its_history_says_so(
    login_as: Callable[..., FlaskClient], client: FlaskClient, session: Session
) -> None:
    duplicate = factories.measure(
        session, "kg-frl-copy", title="Foreign Representatives Law", kind="law"
    )
    factories.event(session, duplicate, "drafted", "2023-09")
    session.commit()
    duplicate_id = duplicate.id
    editor = login_as("editor")
    planned = editor.post(
        "/measures/kg-frl-copy/merge", data={"into": "Foreign Representatives Law (2024) (KG)"}
    )
    assert planned.status_code == 200
    assert "1 event of its timeline" in text_of(planned.data)
    done = confirmed(editor, "/measures/kg-frl-copy/merge", planned)
    assert done.status_code == 303
    assert done.headers["Location"] == f"/measures/{LAW}"
    brief = client.get("/measures/kg-frl-copy/brief?as_of=2024-02-08")
    assert brief.status_code == 301
    assert brief.headers["Location"] == f"/measures/{LAW}/brief?as_of=2024-02-08"
    page = text_of(client.get(f"/measures/{LAW}").data)
    assert "September 2023" in page  # the moved event is on the survivor's timeline
    history = editor.get(f"/history/measure/{duplicate_id}")
    text = text_of(history.data)
    assert "was merged into another" in text
    assert f"Merged into “Foreign Representatives Law (2024)” ({LAW})" in text
    assert "Undo this deletion" not in text  # a merge is not undone by a restore


def test_the_page_refuses_a_merge_that_would_publish_an_internal_measure(
    login_as: Callable[..., FlaskClient], client: FlaskClient, session: Session
) -> None:
    secret, _ = add_internal_records(session)
    session.commit()
    editor = login_as("editor")
    planned = editor.post(
        f"/measures/{secret.slug}/merge",
        data={"into": "Foreign Representatives Law (2024) (KG)", "confirm": "1"},
    )
    assert "would publish its events" in text_of(planned.data)
    assert session.scalar(select(Measure).where(Measure.slug == secret.slug)) is not None
    # Merged the other way, the public measure's address says nothing to anonymous readers.
    done = merge(editor, f"/measures/{LAW}/merge", "Secret draft on NGO inspections (KG)")
    assert done.status_code == 303
    assert client.get(f"/measures/{LAW}").status_code == 404
    assert editor.get(f"/measures/{LAW}").status_code == 301


def test_a_stale_confirmation_merges_nothing_and_shows_the_plan_again(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    duplicate = duplicate_amnesty(session)
    editor = login_as("editor")
    planned = editor.post("/organizations/amnesty/merge", data={"into": "Amnesty International"})
    duplicate.url = "https://amnesty.example"  # someone else edits it meanwhile
    session.commit()
    stale = confirmed(editor, "/organizations/amnesty/merge", planned)
    assert stale.status_code == 409
    assert "changed since the page was shown" in text_of(stale.data)
    assert session.scalar(select(Organization).where(Organization.slug == "amnesty")) is not None


def test_viewers_may_not_merge_and_the_api_token_of_a_reader_sees_no_internal_redirect(
    login_as: Callable[..., FlaskClient],
    session: Session,
    app: Flask,
    make_token: Callable[..., str],
) -> None:
    duplicate_amnesty(session)
    viewer = login_as("viewer")
    assert viewer.get("/organizations/amnesty/merge").status_code == 403
    refused = viewer.post(
        "/organizations/amnesty/merge", data={"into": "Amnesty International", "confirm": "1"}
    )
    assert refused.status_code == 403
    assert session.scalar(select(Organization).where(Organization.slug == "amnesty")) is not None
    add_internal_records(session)
    session.commit()
    editor = login_as("editor")
    merge(editor, "/organizations/secret-partner/merge", "Human Rights Watch (HRW)")
    anonymous = app.test_client()
    assert anonymous.get("/organizations/secret-partner").status_code == 404
    assert anonymous.get("/api/v1/organizations/secret-partner").status_code == 404
    token = make_token("viewer", "read")
    reader = anonymous.get("/api/v1/organizations/secret-partner", headers=bearer(token))
    assert reader.status_code == 301
