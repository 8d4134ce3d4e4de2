"""Downloads and briefs are derived from the record kinds (tracker.domain.kinds): every plain
field of a kind is a column of its list download and of its table in the dataset zip, described
by the field's ``about``, and every field of a measure that is a fact is in every brief format.
A field added to a kind therefore reaches every download without a change to the exports."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from docx import Document
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.exports_support import AMNESTY_STATEMENT, FOREIGN_REPRESENTATIVES, text_of
from tracker.domain import kinds
from tracker.domain.kinds import Field, Kind
from tracker.exports import tables
from tracker.markup import markdown_to_text
from tracker.models import Measure, Statement

LISTS = {
    "measures": (kinds.MEASURE, tables.MEASURES),
    "events": (kinds.EVENT, tables.EVENTS),
    "statements": (kinds.STATEMENT, tables.STATEMENTS),
}
TABLES_OF_KINDS = {
    "measures": kinds.MEASURE,
    "events": kinds.EVENT,
    "statements": kinds.STATEMENT,
    "organizations": kinds.ORGANIZATION,
    "people": kinds.PERSON,
    "sources": kinds.SOURCE,
    "relations": kinds.RELATION,
}


def probe(field: Field) -> str:
    """A value of the field's shape that no seed record has, within the field's limit (which
    PostgreSQL enforces even on a value written past the saves' checks)."""
    if field.shape == "url":
        return f"https://probe.example/{field.name}"
    if field.shape == "prose":
        return f"Probe **{field.name}**"
    return f"Probe {field.name}"[: field.max_length]


def set_plain_fields(record: Any, kind: Kind) -> None:
    for field in kind.plain_fields:
        setattr(record, field.name, probe(field))


def measure(session: Session) -> Measure:
    return session.scalars(select(Measure).where(Measure.slug == FOREIGN_REPRESENTATIVES)).one()


def test_every_plain_field_is_a_column_of_its_list_download(
    client: FlaskClient, session: Session
) -> None:
    law = measure(session)
    set_plain_fields(law, kinds.MEASURE)
    set_plain_fields(law.events[0], kinds.EVENT)
    statement = session.scalars(select(Statement).where(Statement.slug == AMNESTY_STATEMENT)).one()
    set_plain_fields(statement, kinds.STATEMENT)
    session.flush()
    event_id = law.events[0].id

    for name, (kind, table) in LISTS.items():
        document = json.loads(client.get(f"/{name}.json").data)
        header = next(csv.reader(io.StringIO(client.get(f"/{name}.csv").data.decode())))
        described = {column["name"]: column["description"] for column in document["columns"]}
        item = next(
            item
            for item in document["items"]
            if item.get("slug") in {FOREIGN_REPRESENTATIVES, AMNESTY_STATEMENT}
            or item.get("id") == event_id
        )
        for field in kind.plain_fields:
            if field.internal:  # curators' notes: in no download, whoever asks
                assert all(c.field != field.name for c in table.columns), (name, field.name)
                assert probe(field) not in json.dumps(document), (name, field.name)
                continue
            # Found by the field it writes: a statement's own address is "original_url".
            (column,) = [c.name for c in table.columns if c.field == field.name]
            assert column in header, (name, field.name)
            assert described[column] in {
                field.about,
                field.about.replace("(Markdown)", "(plain text)"),
            }, (name, field.name)
            value = probe(field)
            assert item[column] in {value, markdown_to_text(value)}, (name, field.name)


def test_every_plain_field_is_a_column_of_its_table_in_the_dataset_zip(
    client: FlaskClient, session: Session
) -> None:
    set_plain_fields(measure(session), kinds.MEASURE)
    session.flush()
    with zipfile.ZipFile(io.BytesIO(client.get("/data/tracker-tables.zip").data)) as archive:
        package = json.loads(archive.read("datapackage.json"))
        measures = list(csv.DictReader(io.StringIO(archive.read("data/measures.csv").decode())))
    resources = {resource["name"]: resource for resource in package["resources"]}
    for name, kind in TABLES_OF_KINDS.items():
        fields = {f["name"]: f for f in resources[name]["schema"]["fields"]}
        for field in kind.plain_fields:
            if field.internal:  # curators' notes: in no download, whoever asks
                assert field.name not in fields, (name, field.name)
                continue
            assert fields[field.name]["description"] == field.about, (name, field.name)
            assert fields[field.name]["type"] == "string"
            required = fields[field.name].get("constraints", {}).get("required", False)
            assert required == field.required, (name, field.name)
    row = next(row for row in measures if row["slug"] == FOREIGN_REPRESENTATIVES)
    for field in kinds.MEASURE.plain_fields:
        assert row[field.name] == probe(field), field.name


def docx_text(data: bytes) -> str:
    return "\n".join(paragraph.text for paragraph in Document(io.BytesIO(data)).paragraphs)


def test_every_fact_of_a_measure_is_in_every_brief_format(
    client: FlaskClient, session: Session
) -> None:
    facts = [field for field in kinds.MEASURE.fields if field.fact]
    assert facts  # the measure page's "Initiated by", "Official identifier"...
    law = measure(session)
    for field in facts:
        setattr(law, field.name, probe(field))
    session.flush()
    brief = f"/measures/{FOREIGN_REPRESENTATIVES}/brief"
    page = text_of(client.get(brief).data)
    markdown = client.get(f"{brief}.md").data.decode()
    document = docx_text(client.get(f"{brief}.docx").data)
    for field in facts:
        value = probe(field)
        assert f"{field.fact} {value}" in page, field.name
        assert f"- **{field.fact}:** " in markdown, field.name
        assert value in markdown.replace("\\", ""), field.name
        assert f"{field.fact}: {value}" in document, field.name
