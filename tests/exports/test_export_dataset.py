"""The full dataset: the interchange JSON re-imports into an empty tracker with nothing lost,
and the zip of CSV tables validates as a Frictionless Data Package."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import drop_database_url, new_database_url
from tests.exports_support import SIGNED_IN, add_internal_records, allow_signed_in
from tracker import interchange, paths
from tracker.db import build_engine
from tracker.viewpoint import Viewpoint

SECTIONS = ("topics", "organizations", "people", "measures", "statements")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    allow_signed_in(app)
    return app.test_client()


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    url = new_database_url(tmp_path, "reimport")
    yield url
    drop_database_url(url)


def records(document: dict[str, Any]) -> dict[str, Any]:
    """The data of a dataset document, without when it was written."""
    return {key: document.get(key, []) for key in SECTIONS}


def tracker_cli(database_url: str, tmp_path: Path, *args: str) -> str:
    """Run the ``tracker`` command in its own process, as a user would."""
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": database_url,
        "TRACKER_SECRET_KEY": "test",
        "TRACKER_INSTANCE_PATH": str(tmp_path / "cli-instance"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_json_download_reimports_into_an_empty_tracker_with_nothing_lost(
    client: FlaskClient, empty_database: str, tmp_path: Path
) -> None:
    response = client.get("/data/tracker-dataset.json")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=tracker-dataset-2026-11-28.json"
    )
    downloaded = json.loads(response.data)
    assert downloaded["format"] == "tracker-dataset"
    assert downloaded["as_of"] == "2026-11-28"
    assert interchange.validate_dataset(downloaded) == []

    # Everything shipped in the seed (all public) is in the download, record for record.
    seed = json.loads(paths.seed_file().read_text(encoding="utf-8"))
    assert {m["slug"] for m in downloaded["measures"]} == {m["slug"] for m in seed["measures"]}
    events = sum(len(m["events"]) for m in downloaded["measures"])
    assert events == sum(len(m["events"]) for m in seed["measures"])
    quotes = sum(len(s["quotes"]) for s in downloaded["statements"])
    assert quotes == sum(len(s["quotes"]) for s in seed["statements"]) > 0

    file = tmp_path / "download.json"
    file.write_bytes(response.data)
    tracker_cli(empty_database, tmp_path, "db", "upgrade")
    output = tracker_cli(empty_database, tmp_path, "import", str(file))
    assert f"measures: {len(seed['measures'])} created" in output

    engine = build_engine(empty_database)
    try:
        with Session(engine) as session:
            exported = interchange.export_dataset(session, Viewpoint.viewer())
    finally:
        engine.dispose()
    assert records(exported) == records(downloaded)
    again = tracker_cli(empty_database, tmp_path, "import", str(file))
    assert "Nothing changed." in again


def test_the_json_download_leaves_internal_records_out_for_anonymous_visitors(
    client: FlaskClient, session: Session
) -> None:
    measure, statement = add_internal_records(session)
    public = client.get("/data/tracker-dataset.json").data.decode()
    assert measure.slug not in public
    assert statement.slug not in public
    assert "Secret Partner Collective" not in public
    assert "confidential.example" not in public
    assert client.get("/data/tracker-dataset.json").headers["Cache-Control"].startswith("public")

    signed_in = client.get("/data/tracker-dataset.json", headers=SIGNED_IN)
    assert "including-internal" in signed_in.headers["Content-Disposition"]
    text = signed_in.data.decode()
    assert measure.slug in text
    assert statement.slug in text


def unzip(data: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        archive.extractall(folder)
    return folder / "datapackage.json"


def table(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_tables_zip_is_a_valid_frictionless_data_package(
    client: FlaskClient, tmp_path: Path
) -> None:
    from frictionless import validate

    response = client.get("/data/tracker-tables.zip")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=tracker-tables-2026-11-28.zip"
    )
    descriptor = unzip(response.data, tmp_path)
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    names = [resource["name"] for resource in package["resources"]]
    for expected in (
        "measures",
        "events",
        "relations",
        "statements",
        "statement_measures",
        "quotes",
        "sources",
        "organizations",
        "people",
        "event_sources",
        "statement_signatories",
    ):
        assert expected in names
    events = next(r for r in package["resources"] if r["name"] == "events")
    assert events["schema"]["primaryKey"] == ["id"]
    assert {"fields": "measure", "reference": {"resource": "measures", "fields": "slug"}} in events[
        "schema"
    ]["foreignKeys"]
    assert all(field.get("description") for field in events["schema"]["fields"])

    report = validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    # The tables hold what the pages show.
    seed = json.loads(paths.seed_file().read_text(encoding="utf-8"))
    assert len(table(tmp_path, "events")) == sum(len(m["events"]) for m in seed["measures"])
    law = next(
        row
        for row in table(tmp_path, "measures")
        if row["slug"] == "kg-foreign-representatives-law-2024"
    )
    assert law["original_title"].startswith("Закон Кыргызской Республики")
    assert law["status_label"] == "In force"
    quotes = table(tmp_path, "quotes")
    assert any("strategically designed to stifle critics" in q["text"] for q in quotes)
    signed = next(
        row
        for row in table(tmp_path, "events")
        if row["measure"] == "kg-foreign-representatives-law-2024" and row["type"] == "signed"
    )
    assert (signed["date"], signed["date_precision"], signed["date_first_day"]) == (
        "2024-04-02",
        "day",
        "2024-04-02",
    )
    cited = {
        row["source_id"]
        for row in table(tmp_path, "event_sources")
        if row["event_id"] == signed["id"]
    }
    urls = {row["id"]: row["url"] for row in table(tmp_path, "sources")}
    assert all(urls[source].startswith("https://") for source in cited)
    assert cited
    relations = table(tmp_path, "relations")
    assert {
        "subject": "kg-foreign-representatives-law-2024",
        "type": "modelled-on",
        "object": "ru-foreign-agents-law-2012",
    }.items() <= next(r for r in relations if r["type"] == "modelled-on").items()


def test_the_tables_zip_leaves_internal_records_and_their_sources_out(
    client: FlaskClient, session: Session, tmp_path: Path
) -> None:
    from frictionless import validate

    measure, statement = add_internal_records(session)
    descriptor = unzip(client.get("/data/tracker-tables.zip").data, tmp_path / "public")
    folder = descriptor.parent
    everything = "".join(path.read_text(encoding="utf-8") for path in (folder / "data").iterdir())
    assert measure.slug not in everything
    assert statement.slug not in everything
    assert "confidential.example" not in everything  # sources only internal records cite
    assert "Secret Partner Collective" not in everything  # only an internal statement names it
    assert validate(str(descriptor)).valid

    internal = unzip(
        client.get("/data/tracker-tables.zip", headers=SIGNED_IN).data, tmp_path / "internal"
    )
    assert measure.slug in (internal.parent / "data" / "measures.csv").read_text(encoding="utf-8")
    assert "confidential.example" in (internal.parent / "data" / "sources.csv").read_text(
        encoding="utf-8"
    )
    assert validate(str(internal)).valid
