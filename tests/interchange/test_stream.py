"""A file imported as a stream (tracker import): a batch at a time, yet all or nothing, with
the problems and places a whole document gets."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.conftest import drop_database_url, new_database_url
from tracker import interchange, migrate, paths
from tracker.db import build_engine
from tracker.models import Event, Measure, Organization, Relation, Statement
from tracker.viewpoint import Viewpoint

DATA = Path(__file__).parent.parent / "data"
BATCH = 2  # records per batch in these tests: every file below spans several


@pytest.fixture(params=["streamed", "read whole"])
def reading(request: pytest.FixtureRequest) -> dict[str, int]:
    """How the file is read: as a stream (ijson; what a file over SMALL_FILE gets) or whole
    (json.loads), then handled in batches either way."""
    return {"batch": BATCH, "whole_up_to": 0 if request.param == "streamed" else 1 << 30}


def as_file(document: Any) -> io.BytesIO:
    return io.BytesIO(json.dumps(document, ensure_ascii=False).encode("utf-8"))


def georgia() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / "georgia.json").read_text(encoding="utf-8"))
    return document


def laws(count: int) -> dict[str, Any]:
    """Georgia's file with ``count`` measures and a statement on each; every measure relates
    to the next one, so most relations point to a measure in a later batch."""
    document = georgia()
    measure, statement = document["measures"][0], document["statements"][0]
    document["measures"], document["statements"] = [], []
    for number in range(count):
        slug = f"ge-test-law-{number}"
        law = copy.deepcopy(measure)
        law.update(slug=slug, title=f"Test law number {number}", popular_names=[])
        law["relations"] = [{"type": "related", "target": f"ge-test-law-{(number + 1) % count}"}]
        said = copy.deepcopy(statement)
        said.update(slug=f"ti-test-{number}", measures=[slug])
        said["reacts_to"]["measure"] = slug
        document["measures"].append(law)
        document["statements"].append(said)
    return document


def counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Measure, Event, Relation, Statement, Organization)
    }


def test_a_file_of_many_batches_imports_what_the_whole_document_says(
    session: Session, reading: dict[str, int]
) -> None:
    document = laws(5)
    events = len(document["measures"][0]["events"])
    report = interchange.import_file(session, as_file(document), **reading)
    assert report.created["measures"] == 5
    assert report.created["events"] == 5 * events
    assert report.created["relations"] == 5
    assert report.created["statements"] == 5
    first = session.scalar(select(Measure).where(Measure.slug == "ge-test-law-0"))
    assert first is not None
    assert [relation.object.slug for relation in first.relations] == ["ge-test-law-1"]
    # The importer of whole documents finds nothing to change: the same data was written.
    again = interchange.import_dataset(session, document)
    assert not again.changed


def test_importing_the_same_file_again_changes_nothing(
    session: Session, reading: dict[str, int]
) -> None:
    document = laws(5)
    interchange.import_file(session, as_file(document), **reading)
    again = interchange.import_file(session, as_file(document), **reading)
    assert not again.changed
    assert again.unchanged["measures"] == 5
    assert again.unchanged["sources"] == len(
        {s["url"] for event in document["measures"][0]["events"] for s in event["sources"]}
    )


def test_an_error_late_in_the_file_applies_nothing(
    session: Session, reading: dict[str, int]
) -> None:
    document = laws(7)
    document["statements"][6]["date"] = "2024-13"
    before = counts(session)
    with pytest.raises(interchange.InvalidDataset) as refused:
        interchange.import_file(session, as_file(document), **reading)
    assert [problem.path for problem in refused.value.problems] == ["statements[6].date"]
    assert "is not a date" in refused.value.problems[0].message
    assert counts(session) == before


def _change(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        where: Any = document
        for part in parents:
            where = where[int(part)] if part.isdigit() else where[part]
        where[int(last) if last.isdigit() else last] = value

    return change


BROKEN: dict[str, Callable[[dict[str, Any]], None]] = {
    "a slug used again in a later batch": _change("measures.5.slug", "ge-test-law-0"),
    "a slug used twice in one later batch": _change("statements.3.slug", "ti-test-2"),
    "a relation to a measure nowhere": _change("measures.4.relations.0.target", "no-such-law"),
    "a relation to itself, late": _change("measures.5.relations.0.target", "ge-test-law-5"),
    "a reaction to an event nowhere": _change("statements.5.reacts_to.date", "2024-01-01"),
    "an author nowhere": _change("statements.4.organization", "no-such-organization"),
    "an unknown field": _change("measures.3.colour", "red"),
    "a date that is not one": _change("measures.5.events.1.date", "2024-04-31"),
    "a record that is not an object": _change("measures.4", "a law"),
    "a hidden control character": _change("measures.5.title", "Law\u0000"),
    "the wrong version": _change("version", 2),
    "a section that is not a list": _change("people", {"slug": "someone"}),
}


@pytest.mark.parametrize("broken", list(BROKEN))
def test_problems_are_the_whole_documents_at_their_place_in_the_file(
    session: Session, reading: dict[str, int], broken: str
) -> None:
    document = laws(6)
    BROKEN[broken](document)
    expected = interchange.validate_dataset(document, session)
    assert expected  # each change above makes the file invalid
    checked = interchange.validate_file(session, as_file(document), **reading)
    assert checked.problems == expected


@pytest.mark.parametrize(
    "text", [b'{"format": "tracker-dataset", "version": 1,\n "measures": [}', b"[]", b""]
)
def test_a_file_that_is_not_a_json_object_says_so_as_before(
    session: Session, reading: dict[str, int], text: bytes
) -> None:
    try:
        expected = interchange.validate_dataset(interchange.load_json(text), session)
    except interchange.InvalidDataset as refused:
        expected = refused.problems
    assert expected
    checked = interchange.validate_file(session, io.BytesIO(text), **reading)
    assert checked.problems == expected


def test_who_internal_statements_mention_stays_internal_across_batches(
    session: Session, reading: dict[str, int]
) -> None:
    document = laws(4)
    document["organizations"].append({"slug": "test-quiet-group", "name": "Quiet Group"})
    document["statements"][3].update(organization="test-quiet-group", visibility="internal")
    interchange.import_file(session, as_file(document), **{**reading, "batch": 1})
    group = session.scalar(select(Organization).where(Organization.slug == "test-quiet-group"))
    assert group is not None
    assert group.visibility == "internal"


@pytest.fixture
def two_empty_engines(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    urls = [new_database_url(tmp_path, name) for name in ("whole", "streamed")]
    engines = [build_engine(url) for url in urls]
    for engine in engines:
        migrate.upgrade(engine)
    yield engines[0], engines[1]
    for engine, url in zip(engines, urls, strict=True):
        engine.dispose()
        drop_database_url(url)


def test_version_1_files_import_as_they_did(two_empty_engines: tuple[Engine, Engine]) -> None:
    whole_engine, streamed_engine = two_empty_engines
    files = [paths.seed_file().read_bytes(), (DATA / "georgia.json").read_bytes()]
    exports, reports = [], []
    for engine, streamed in ((whole_engine, False), (streamed_engine, True)):
        with Session(engine) as session:
            lines = []
            for text in files:
                if streamed:
                    report = interchange.import_file(
                        session, io.BytesIO(text), batch=3, whole_up_to=0
                    )
                else:
                    report = interchange.import_dataset(session, interchange.load_json(text))
                lines.append(report.lines())
            session.commit()
            exported = interchange.export_dataset(session, Viewpoint.viewer())
            exported.pop("exported_at")
            exports.append(exported)
            reports.append(lines)
    assert exports[1] == exports[0]
    assert reports[1] == reports[0]


def test_relations_the_file_no_longer_lists_are_removed(
    session: Session, reading: dict[str, int]
) -> None:
    document = laws(5)
    interchange.import_file(session, as_file(document), **reading)
    for measure in document["measures"]:
        measure["relations"] = []
    report = interchange.import_file(session, as_file(document), **reading)
    assert report.deleted["relations"] == 5
    slugs = [measure["slug"] for measure in document["measures"]]
    left = select(func.count()).select_from(Relation).join(Relation.subject)
    assert session.scalar(left.where(Measure.slug.in_(slugs))) == 0


def test_a_whole_document_that_drops_a_relation_removes_it(session: Session) -> None:
    document = laws(3)
    interchange.import_dataset(session, document)
    document["measures"][0]["relations"] = []
    report = interchange.import_dataset(session, document)
    assert report.deleted["relations"] == 1
    first = session.scalar(select(Measure).where(Measure.slug == "ge-test-law-0"))
    assert first is not None
    session.expire(first)
    assert first.relations == []
