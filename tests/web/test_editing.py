"""Editing as a researcher would: log a bill, its events and a statement, fix mistakes."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.web.test_pages import text_of
from tracker.models import Measure, Revision, User

LAW = "kg-foreign-representatives-law-2024"


def input_value(page: str, field_id: str) -> str:
    """The value of the <input> with this id, whatever the order of its attributes."""
    tag = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', page)
    assert tag is not None, f"no input {field_id}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def test_a_researcher_logs_a_bill_with_events_and_a_statement(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    editor = login_as("editor")
    created = editor.post(
        "/measures/new",
        data={
            "title": "Draft law on public assemblies",
            "country": "GE",
            "kind": "bill",
            "popular_names": "assembly bill\nprotest bill",
            "topics": ["assembly"],
            "new_topics": "Policing",
            "summary": "Requires **ten days'** notice of any assembly.",
            "visibility": "public",
            "sources": "https://example.org/bill-404 Parliament of Georgia, bill page",
            "reason": "registered today",
        },
    )
    assert created.status_code == 303
    page_url = created.headers["Location"]
    assert page_url == "/measures/ge-draft-law-on-public-assemblies"

    for event in (
        {"type": "introduced", "date": "Oct 2023"},  # only the month is known
        {"type": "reading-1", "date": "25.10.2023", "votes_for": "66", "votes_against": "5"},
        {"type": "imposed", "date": "2024-01-10", "end_date": "end of March 2024"},
    ):
        response = editor.post(
            "/measures/ge-draft-law-on-public-assemblies/events/new",
            data={**event, "sources": "https://example.org/bill-404"},
        )
        assert response.status_code == 303, text_of(response.data)[:2000]

    statement = editor.post(
        "/statements/new",
        data={
            "title": "Georgia: drop the assembly bill",
            "organization": "Amnesty International",  # typed, not picked: found by name
            "date": "2 November 2023",
            "stance": "oppose",
            "asks": ["withdraw"],
            "measures": ["ge-draft-law-on-public-assemblies"],
            "url": "https://example.org/amnesty-statement",
            "quotes-0-text": "This bill would make every protest a crime.",
            "quotes-0-speaker": "maisy-weicherding",
            "visibility": "public",
        },
    )
    assert statement.status_code == 303, text_of(statement.data)[:2000]

    page = text_of(editor.get(page_url).data)
    assert "October 2023" in page
    assert "(day unknown)" in page
    assert "31 March 2024" in page  # "end of March 2024", read as the last day
    assert "66 for, 5 against" in page
    assert "Legal force Expired" in page  # the ban ran until the end of March 2024
    assert "This bill would make every protest a crime." in page
    assert "Also known as" in page
    assert "protest bill" in page

    as_of = text_of(editor.get(page_url + "?as_of=2023-10-30").data)
    assert "Stage First reading" in as_of

    measure = session.scalar(
        select(Measure).where(Measure.slug == "ge-draft-law-on-public-assemblies")
    )
    assert measure is not None
    assert [topic.name for topic in measure.topics] == ["Freedom of peaceful assembly", "Policing"]
    authors = set(
        session.scalars(
            select(Revision.actor_label).where(Revision.user_id == editor.user.id).distinct()
        )
    )
    assert authors == {editor.user.label}


def test_a_typo_in_a_date_keeps_everything_typed_and_says_what_is_wrong(
    login_as: Callable[..., FlaskClient],
) -> None:
    editor = login_as("editor")
    response = editor.post(
        f"/measures/{LAW}/events/new",
        data={
            "type": "reading-2",
            "date": "31 Febtember 2024",
            "actor": "Jogorku Kenesh",
            "description": "Adopted after a long debate",
            "sources": "https://example.org/one\nhttps://example.org/two",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="31 Febtember 2024"' in page
    assert 'value="Jogorku Kenesh"' in page
    assert "Adopted after a long debate" in page
    assert "https://example.org/two" in page
    assert 'id="date-error"' in page
    assert "is not a date we can read" in page
    assert 'aria-describedby="date-hint date-error"' in page
    assert "2023-10, Oct 2023, 25.10.2023, end of March 2024, c. 2013" in page


def test_the_event_form_is_on_the_measure_page_for_editors_only(
    login_as: Callable[..., FlaskClient], client: FlaskClient
) -> None:
    editor_page = login_as("editor").get(f"/measures/{LAW}").get_data(as_text=True)
    assert f'action="/measures/{LAW}/events/new"' in editor_page
    viewer_page = login_as("viewer").get(f"/measures/{LAW}").get_data(as_text=True)
    assert "events/new" not in viewer_page
    assert "History" in viewer_page
    anonymous = client.get(f"/measures/{LAW}").get_data(as_text=True)
    assert "History" not in anonymous
    assert "events/new" not in anonymous


def test_posting_extra_fields_changes_nothing_else(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    editor = login_as("editor")
    measure = session.scalar(select(Measure).where(Measure.slug == LAW))
    assert measure is not None
    form = editor.get(f"/measures/{LAW}/edit").get_data(as_text=True)
    version = input_value(form, "version")
    response = editor.post(
        f"/measures/{LAW}/edit",
        data={
            "title": "Law No. 72",
            "country": "KG",
            "kind": "law",
            "visibility": "public",
            "version": version,
            "role": "admin",
            "created_by": "1",
            "id": "9999",
            "user_id": "1",
            "updated_at": "2000-01-01T00:00:00",
        },
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Measure, measure.id) is not None
    assert session.get(Measure, 9999) is None
    assert session.get(User, editor.user.id).role == "editor"  # type: ignore[union-attr]
    latest = session.scalar(select(Revision).order_by(Revision.id.desc()).limit(1))
    assert latest is not None
    assert latest.user_id == editor.user.id


def test_a_new_measure_like_an_existing_one_asks_before_saving(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    editor = login_as("editor")
    data = {
        "title": "Foreign representatives law",
        "country": "KG",
        "kind": "law",
        "popular_names": "foreign agents law",
        "visibility": "public",
    }
    before = session.scalar(select(func.count()).select_from(Measure))
    warned = editor.post("/measures/new", data=data)
    assert warned.status_code == 200
    page = text_of(warned.data)
    assert "This may already be in the tracker" in page
    assert f'href="/measures/{LAW}"' in warned.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Measure)) == before
    confirmed = editor.post("/measures/new", data={**data, "confirm_new": "y"})
    assert confirmed.status_code == 303
    assert session.scalar(select(func.count()).select_from(Measure)) == before + 1


def test_deleting_asks_first_and_can_be_undone(
    login_as: Callable[..., FlaskClient], client: FlaskClient
) -> None:
    editor = login_as("editor")
    confirm = editor.get(f"/measures/{LAW}/delete")
    assert confirm.status_code == 200
    assert "will be deleted too" in text_of(confirm.data)
    assert client.get(f"/measures/{LAW}").status_code == 200  # still there
    deleted = editor.post(f"/measures/{LAW}/delete", data={"reason": "test"})
    assert deleted.status_code == 303
    assert client.get(f"/measures/{LAW}").status_code == 404
    notice = text_of(editor.get(deleted.headers["Location"]).data)
    assert "Undo from its history" in notice
    history_page = editor.get("/changes?type=measure").get_data(as_text=True)
    link = history_page.split('href="/history/measure/')[1].split("#")[0]
    record = editor.get(f"/history/measure/{link}").get_data(as_text=True)
    assert "Undo this deletion" in record
    revision = record.split('action="/revisions/')[1].split("/restore")[0]
    undone = editor.post(f"/revisions/{revision}/restore")
    assert undone.status_code == 303
    page = text_of(client.get(f"/measures/{LAW}").data)
    assert "Signed into law on 2 April 2024" in page
    assert "Maisy Weicherding" in page  # its statements are linked again


def test_an_organization_and_a_person_are_created_and_edited(
    login_as: Callable[..., FlaskClient],
) -> None:
    editor = login_as("editor")
    org = editor.post(
        "/organizations/new",
        data={
            "name": "Civic Test Group Kyrgyzstan",
            "kind": "ngo",
            "country": "KG",
            "url": "https://civic-test.example.org",
        },
    )
    assert org.headers["Location"] == "/organizations/civic-test-group-kyrgyzstan"
    person = editor.post(
        "/people/new",
        data={
            "name": "Tolekan Ismailova",
            "role": "Director",
            "organization": "Civic Test Group Kyrgyzstan",
        },
    )
    assert person.headers["Location"] == "/people/tolekan-ismailova"
    page = text_of(editor.get("/organizations/civic-test-group-kyrgyzstan").data)
    assert "Tolekan Ismailova" in page


def test_a_source_is_edited_and_refused_deletion_while_cited(
    login_as: Callable[..., FlaskClient],
) -> None:
    editor = login_as("editor")
    listing = editor.get("/sources/?q=24.kg").get_data(as_text=True)
    source_id = re.findall(r'href="/sources/(\d+)/edit"', listing)[0]
    form = editor.get(f"/sources/{source_id}/edit").get_data(as_text=True)
    url = input_value(form, "url")
    saved = editor.post(
        f"/sources/{source_id}/edit",
        data={"url": url, "title": "Crackdown report", "published": "8 Feb 2024"},
    )
    assert saved.status_code == 303
    refused = editor.post(f"/sources/{source_id}/delete")
    assert refused.status_code == 409
    assert "cited" in text_of(refused.data)
