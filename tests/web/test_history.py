"""History pages: who changed what and when, readable differences, restoring, recent changes."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.web.test_conflicts import form_fields
from tests.web.test_pages import text_of
from tracker.models import Measure

LAW = "kg-foreign-representatives-law-2024"


def law_id(session: Session) -> int:
    measure_id = session.scalar(select(Measure.id).where(Measure.slug == LAW))
    assert measure_id is not None
    return measure_id


def edit_summary(client: FlaskClient, summary: str, reason: str) -> None:
    form = form_fields(client.get(f"/measures/{LAW}/edit").get_data(as_text=True))
    response = client.post(
        f"/measures/{LAW}/edit", data={**form, "summary": summary, "reason": reason}
    )
    assert response.status_code == 303


def test_the_history_shows_each_change_with_its_author_and_a_word_diff(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    editor = login_as("editor")
    edit_summary(editor, "The law creates a register of foreign representatives.", "simplified")
    page = editor.get(f"/history/measure/{law_id(session)}")
    assert page.status_code == 200
    text = text_of(page.data)
    assert f"Changed by {editor.user.label}" in text
    assert "“simplified”" in text
    assert "Created by system" in text  # the seed import
    body = page.get_data(as_text=True)
    assert "<ins>" in body
    assert "<del>" in body


def test_an_earlier_version_can_be_restored(
    login_as: Callable[..., FlaskClient], session: Session, client: FlaskClient
) -> None:
    editor = login_as("editor")
    original = form_fields(editor.get(f"/measures/{LAW}/edit").get_data(as_text=True))["title"]
    form = form_fields(editor.get(f"/measures/{LAW}/edit").get_data(as_text=True))
    editor.post(f"/measures/{LAW}/edit", data={**form, "title": "A wrong title"})
    assert "A wrong title" in text_of(client.get(f"/measures/{LAW}").data)
    page = editor.get(f"/history/measure/{law_id(session)}").get_data(as_text=True)
    buttons = re.findall(r'action="/revisions/(\d+)/restore"', page)
    assert buttons  # the newest revision is the current state: no button for it
    oldest = buttons[-1]
    restored = editor.post(f"/revisions/{oldest}/restore", data={"reason": "wrong title"})
    assert restored.status_code == 303
    assert original in text_of(client.get(f"/measures/{LAW}").data)
    after = text_of(editor.get(f"/history/measure/{law_id(session)}").data)
    assert f"Restored by {editor.user.label}" in after


def test_viewers_read_history_but_cannot_restore(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    editor = login_as("editor")
    edit_summary(editor, "Changed by an editor.", "")
    viewer = login_as("viewer")
    page = viewer.get(f"/history/measure/{law_id(session)}").get_data(as_text=True)
    assert "Restore this version" not in page
    revision = re.findall(r'id="revision-(\d+)"', page)[-1]
    assert viewer.post(f"/revisions/{revision}/restore").status_code == 403


def test_recent_changes_filter_by_person_and_kind_of_record(
    login_as: Callable[..., FlaskClient],
) -> None:
    first = login_as("editor")
    second = login_as("editor")
    edit_summary(first, "Summary by the first editor.", "")
    second.post("/organizations/new", data={"name": "Second Editor's Organization"})
    everything = text_of(second.get("/changes").data)
    assert "Second Editor's Organization" in everything
    assert re.search(r"Changed: (\w+, )*Summary", everything)  # in the kind's order
    mine = text_of(second.get(f"/changes?author={second.user.id}").data)
    assert "Second Editor's Organization" in mine
    assert not re.search(r"Changed: (\w+, )*Summary", mine)
    measures = text_of(second.get("/changes?type=measure").data)
    assert "Second Editor's Organization" not in measures
    imports = text_of(second.get("/changes?author=process:system&type=event").data)
    assert "Created by system" in imports


def test_recent_changes_page_through_older_ones(login_as: Callable[..., FlaskClient]) -> None:
    viewer = login_as("viewer")
    first = viewer.get("/changes").get_data(as_text=True)
    older = re.search(r'href="(/changes\?before=\d+)"', first)
    assert older is not None
    second = viewer.get(older.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert re.findall(r'id="revision-', second.get_data(as_text=True)) == []  # list, not record
    assert "Created by" in text_of(second.data)


def test_history_of_an_unknown_record_is_404(login_as: Callable[..., FlaskClient]) -> None:
    viewer = login_as("viewer")
    assert viewer.get("/history/measure/999999").status_code == 404
    assert viewer.get("/history/rumour/1").status_code == 404
