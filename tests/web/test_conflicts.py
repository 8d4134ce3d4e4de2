"""No lost updates: two people edit the same record; the second save gets the conflict page.

Two kinds of proof: two browsers (test clients) going through the forms, where the version in
the form is what catches the conflict; and two database sessions on their own connections that
both pass that check, where SQLAlchemy's version_id_col catches the race at UPDATE time.
"""

from __future__ import annotations

import html
import os
import re
import threading
from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from tests.web.test_pages import text_of
from tracker.models import Event, Measure, Revision
from tracker.services.measures import save_measure
from tracker.services.record_data import MeasureData, measure_data
from tracker.services.saving import EditConflict

LAW = "kg-foreign-representatives-law-2024"


def form_fields(page: str) -> dict[str, str]:
    """The text inputs and textareas of a form, as a browser would send them back."""
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'\bname="([^"]+)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        kind = re.search(r'\btype="([^"]+)"', tag)
        if name and (not kind or kind.group(1) in ("text", "hidden", "url", "number")):
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        fields[name] = html.unescape(text).lstrip("\n")
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option value="([^"]*)" selected', body
        )
        fields[name] = html.unescape(chosen.group(1)) if chosen else ""
    for name, value in re.findall(
        r'<input[^>]*checked[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page
    ):
        fields[name] = value
    for tag in re.findall(r"<input[^>]*type=\"radio\"[^>]*>", page):
        if "checked" in tag:
            name = re.search(r'\bname="([^"]+)"', tag)
            value = re.search(r'\bvalue="([^"]*)"', tag)
            if name and value:
                fields[name.group(1)] = value.group(1)
    fields.pop("csrf_token", None)
    return fields


def test_the_second_save_gets_the_conflict_page_and_loses_nothing(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    first = login_as("editor")
    second = login_as("editor")
    form_a = form_fields(first.get(f"/measures/{LAW}/edit").get_data(as_text=True))
    form_b = form_fields(second.get(f"/measures/{LAW}/edit").get_data(as_text=True))
    assert form_a["version"] == form_b["version"]

    saved = first.post(
        f"/measures/{LAW}/edit", data={**form_a, "identifier": "Law No. 72 of 2 April 2024"}
    )
    assert saved.status_code == 303

    refused = second.post(
        f"/measures/{LAW}/edit",
        data={**form_b, "summary": "A shorter summary written by the second editor."},
    )
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    text = text_of(refused.data)
    assert "Someone else saved this while you were editing" in text
    assert first.user.label in text  # who saved first
    assert "A shorter summary written by the second editor." in page  # kept in the form
    assert "Law No. 72 of 2 April 2024" in text  # the current version, side by side
    assert "Official identifier" in text
    assert "Summary" in text

    measure = session.scalar(select(Measure).where(Measure.slug == LAW))
    assert measure is not None
    session.refresh(measure)
    assert measure.identifier == "Law No. 72 of 2 April 2024"
    assert measure.summary != "A shorter summary written by the second editor."

    # The second editor merges (keeps the first one's identifier) and saves again.
    merged = form_fields(page)
    merged["identifier"] = "Law No. 72 of 2 April 2024"
    again = second.post(f"/measures/{LAW}/edit", data=merged)
    assert again.status_code == 303
    session.refresh(measure)
    assert measure.summary == "A shorter summary written by the second editor."
    assert measure.identifier == "Law No. 72 of 2 April 2024"


def test_an_event_edited_twice_at_once(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    event = session.scalars(select(Event).join(Event.measure).where(Measure.slug == LAW)).first()
    assert event is not None
    first, second = login_as("editor"), login_as("editor")
    url = f"/events/{event.id}/edit"
    form_a = form_fields(first.get(url).get_data(as_text=True))
    form_b = form_fields(second.get(url).get_data(as_text=True))
    assert first.post(url, data={**form_a, "actor": "Parliament"}).status_code == 303
    refused = second.post(url, data={**form_b, "actor": "President"})
    assert refused.status_code == 409
    assert 'value="President"' in refused.get_data(as_text=True)


def test_a_record_deleted_meanwhile_says_so_and_keeps_the_input(
    login_as: Callable[..., FlaskClient],
) -> None:
    first, second = login_as("editor"), login_as("editor")
    form_b = form_fields(second.get(f"/measures/{LAW}/edit").get_data(as_text=True))
    assert first.post(f"/measures/{LAW}/delete").status_code == 303
    response = second.post(f"/measures/{LAW}/edit", data={**form_b, "identifier": "No. 72-Z"})
    assert response.status_code == 409
    text = text_of(response.data)
    assert f"It was deleted by {first.user.label}" in text
    assert 'value="No. 72-Z"' in response.get_data(as_text=True)
    assert second.get(f"/measures/{LAW}/edit").status_code == 404


# -- two database sessions, each on its own connection ----------------------------------------


@pytest.fixture
def committed_measure(engine: Engine) -> Iterator[int]:
    """A measure committed for real (outside the test's rolled-back transaction)."""
    with Session(engine) as setup:
        measure = save_measure(setup, None, MeasureData("Race test measure", "AM", "bill"))
        setup.commit()
        measure_id = measure.id
    yield measure_id
    with Session(engine) as cleanup:
        cleanup.execute(delete(Measure).where(Measure.id == measure_id))
        cleanup.execute(
            delete(Revision).where(
                Revision.record_type == "measure", Revision.record_id == measure_id
            )
        )
        cleanup.commit()


def test_version_id_col_catches_a_race_the_form_check_cannot_see(
    engine: Engine, committed_measure: int
) -> None:
    alice = Session(engine, expire_on_commit=False)
    bob = Session(engine, expire_on_commit=False)
    try:
        mine = alice.get(Measure, committed_measure)
        theirs = bob.get(Measure, committed_measure)
        assert mine is not None
        assert theirs is not None
        alice.commit()
        bob.commit()  # both read version 1, as two requests rendering the form would
        data = measure_data(mine)
        data.title = "Alice's title"
        save_measure(alice, mine, data, expected_version=1)
        alice.commit()
        # Bob's request also checked version 1 against what it loaded; only the UPDATE
        # ... WHERE version = 1 can notice that Alice got there first.
        data = measure_data(theirs)
        data.title = "Bob's title"
        with pytest.raises(EditConflict) as conflict:
            save_measure(bob, theirs, data, expected_version=1)
        assert conflict.value.current is not None
        assert conflict.value.current["title"] == "Alice's title"
    finally:
        alice.close()
        bob.close()
    with Session(engine) as check:
        stored = check.get(Measure, committed_measure)
        assert stored is not None
        assert (stored.title, stored.version) == ("Alice's title", 2)


@pytest.mark.skipif(
    not os.environ.get("TRACKER_TEST_DATABASE_URL"),
    reason="needs PostgreSQL: SQLite lets only one writer in, so saves cannot overlap there",
)
def test_two_overlapping_saves_on_postgresql(engine: Engine, committed_measure: int) -> None:
    alice = Session(engine)
    bob = Session(engine)
    outcome: dict[str, object] = {}
    try:
        mine = alice.get(Measure, committed_measure)
        theirs = bob.get(Measure, committed_measure)
        assert mine is not None
        assert theirs is not None
        data = measure_data(mine)
        data.title = "Alice's title"
        save_measure(alice, mine, data, expected_version=1)  # row locked, uncommitted

        def bob_saves() -> None:
            other = measure_data(theirs)
            other.title = "Bob's title"
            try:
                save_measure(bob, theirs, other, expected_version=1)
                outcome["result"] = "saved"
            except EditConflict:
                outcome["result"] = "conflict"

        worker = threading.Thread(target=bob_saves)
        worker.start()
        worker.join(timeout=1)
        assert worker.is_alive()  # Bob's UPDATE waits for Alice's transaction
        alice.commit()
        worker.join(timeout=10)
        assert outcome["result"] == "conflict"
    finally:
        alice.close()
        bob.close()
