"""The proof of "a field is declared once": ``official_text_url`` was added to measures by the
model, a migration, one entry in tracker.domain.kinds and one line of the measure page. Here
it travels through every face: the form, the page, history, the brief, the API and its OpenAPI
document, the list downloads, the datapackage and the interchange format both ways."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.exports_support import text_of
from tests.web.test_conflicts import form_fields
from tracker import interchange
from tracker.models import Measure
from tracker.viewpoint import Viewpoint

LAW = "kg-foreign-representatives-law-2024"
TEXT = "https://cbd.minjust.gov.kg/112803/edition/1239855/ru"


def _save(client: FlaskClient, value: str) -> str:
    form = form_fields(client.get(f"/measures/{LAW}/edit").get_data(as_text=True))
    response = client.post(
        f"/measures/{LAW}/edit", data={**form, "official_text_url": value, "reason": "gazette"}
    )
    return response.get_data(as_text=True) if response.status_code != 303 else ""


def test_an_editor_records_the_official_text_and_every_face_shows_it(
    login_as: Callable[..., FlaskClient], client: FlaskClient, session: Session
) -> None:
    editor = login_as("editor")
    edit_page = editor.get(f"/measures/{LAW}/edit").get_data(as_text=True)
    assert 'name="official_text_url"' in edit_page
    assert ">Official text</label>" in edit_page
    assert _save(editor, TEXT) == ""

    page = client.get(f"/measures/{LAW}").get_data(as_text=True)
    assert f'href="{TEXT}"' in page

    history = text_of(editor.get(f"/history/measure/{_id(session)}").data)
    assert "Official text" in history
    assert TEXT in history

    brief = client.get(f"/measures/{LAW}/brief").get_data(as_text=True)
    assert "Official text" in brief
    assert f'href="{TEXT}"' in brief
    markdown = client.get(f"/measures/{LAW}/brief.md").get_data(as_text=True)
    assert "**Official text:**" in markdown
    assert TEXT in markdown

    detail = client.get(f"/api/v1/measures/{LAW}").get_json()
    assert detail["official_text_url"] == TEXT
    items = client.get("/api/v1/measures?country=KG").get_json()["items"]
    assert {item["slug"]: item["official_text_url"] for item in items}[LAW] == TEXT
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "official_text_url" in schema["Measure"]["properties"]

    rows = list(csv.DictReader(io.StringIO(client.get("/measures.csv").get_data(as_text=True))))
    assert {row["slug"]: row["official_text_url"] for row in rows}[LAW] == TEXT
    with zipfile.ZipFile(io.BytesIO(client.get("/data/tracker-tables.zip").data)) as package:
        descriptor = json.loads(package.read("datapackage.json"))
        measures = next(r for r in descriptor["resources"] if r["name"] == "measures")
        assert "official_text_url" in [f["name"] for f in measures["schema"]["fields"]]

    dataset = json.loads(client.get("/data/tracker-dataset.json").data)
    exported = {m["slug"]: m for m in dataset["measures"]}[LAW]
    assert exported["official_text_url"] == TEXT


def test_the_interchange_format_imports_it_and_refuses_what_is_not_an_address(
    session: Session,
) -> None:
    document = interchange.export_dataset(session, Viewpoint.viewer())
    law = {m["slug"]: m for m in document["measures"]}[LAW]
    law["official_text_url"] = TEXT
    interchange.import_dataset(session, document)
    measure = session.scalar(select(Measure).where(Measure.slug == LAW))
    assert measure is not None
    assert measure.official_text_url == TEXT

    law["official_text_url"] = "minjust register, page 4"
    problems = interchange.validate_dataset(document)
    assert any("official_text_url" in problem.path for problem in problems)


def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(
    login_as: Callable[..., FlaskClient],
) -> None:
    page = _save(login_as("editor"), "cbd.minjust.gov.kg/112803")
    assert "is not a web address (start it with https://)" in page
    assert 'value="cbd.minjust.gov.kg/112803"' in page


def _id(session: Session) -> int:
    measure_id = session.scalar(select(Measure.id).where(Measure.slug == LAW))
    assert measure_id is not None
    return measure_id
