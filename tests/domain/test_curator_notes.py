"""Curators' notes ("[UNCERTAIN: ...]", "[Curation: ...]") have a field of their own on events,
internal: editors write and read them, history keeps them, a signed-in export carries them, and
no public page, API answer, list download, data package, brief or anonymous export shows them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.exports_support import text_of
from tests.web.test_conflicts import form_fields
from tracker import interchange
from tracker.models import Event, Measure
from tracker.viewpoint import Viewpoint

LAW = "kg-foreign-representatives-law-2024"
NOTE = "Curation: recorded in the notes as a reading"
MARKERS = ("UNCERTAIN", "Curation:", "curator_notes", "Curators’ notes")


def _public_outputs(client: FlaskClient) -> dict[str, str]:
    outputs = {
        path: client.get(path).get_data(as_text=True)
        for path in (
            f"/measures/{LAW}",
            f"/measures/{LAW}/brief",
            f"/measures/{LAW}/brief.md",
            "/brief?country=KG",
            "/events/?country=KG",
            "/events.csv?country=KG",
            "/events.json?country=KG",
            f"/api/v1/measures/{LAW}",
            "/api/v1/events?size=100",
            "/feed.atom",
            "/calendar.ics",
            "/data/tracker-dataset.json",
            "/search?q=committee",
        )
    }
    with zipfile.ZipFile(io.BytesIO(client.get("/data/tracker-tables.zip").data)) as package:
        for name in package.namelist():
            outputs[name] = package.read(name).decode("utf-8", "replace")
    return outputs


def test_the_seeds_notes_are_in_their_own_field(session: Session) -> None:
    query = select(Event).join(Measure).where(Measure.slug == LAW)
    events = list(session.scalars(query))
    assert any(NOTE in (event.curator_notes or "") for event in events)
    assert not any("[" in (event.description or "") for event in events)


def test_no_public_page_or_download_shows_them(client: FlaskClient) -> None:
    for where, body in _public_outputs(client).items():
        for marker in MARKERS:
            assert marker not in body, f"{marker!r} in {where}"


def test_the_apis_answers_never_carry_them(client: FlaskClient) -> None:
    # Write tokens (editors) may send them, as the interchange format allows; no answer has them.
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "curator_notes" in schemas["EventCreate"]["properties"]
    assert "curator_notes" not in schemas["Event"]["properties"]


def test_a_signed_in_editor_reads_writes_and_exports_them(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    editor = login_as("editor")
    page = editor.get(f"/measures/{LAW}").get_data(as_text=True)
    assert NOTE in page
    event = session.scalars(
        select(Event).join(Measure).where(Measure.slug == LAW, Event.type == "court-challenge")
    ).one()
    form = form_fields(editor.get(f"/events/{event.id}/edit").get_data(as_text=True))
    assert "curator_notes" in form
    response = editor.post(
        f"/events/{event.id}/edit",
        data={**form, "curator_notes": "Outcome still to find: ask Bir Duino.", "reason": "note"},
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Event, event.id).curator_notes == "Outcome still to find: ask Bir Duino."
    history = text_of(editor.get(f"/history/event/{event.id}").data)
    assert "Curators’ notes (internal)" in history
    assert "Bir Duino" in history

    team = interchange.export_dataset(session, Viewpoint.viewer())
    public = interchange.export_dataset(session, Viewpoint.anonymous())
    team_events = [e for m in team["measures"] for e in m["events"]]
    public_events = [e for m in public["measures"] for e in m["events"]]
    assert any(e.get("curator_notes") for e in team_events)
    assert not any("curator_notes" in e for e in public_events)


def test_a_file_without_the_field_still_imports(session: Session) -> None:
    """Version-1 files written before the field existed validate and import as before, and
    leave the notes already in the tracker as they are."""
    document = interchange.export_dataset(session, Viewpoint.viewer())
    for measure in document["measures"]:
        for event in measure["events"]:
            event.pop("curator_notes", None)
    assert document["version"] == 1
    assert interchange.validate_dataset(document, session) == []
    interchange.import_dataset(session, document)
    session.expire_all()
    notes = session.scalars(
        select(Event.curator_notes).join(Measure).where(Measure.slug == LAW)
    ).all()
    assert any(NOTE in (note or "") for note in notes)
