"""The interchange format: the seed imports, invalid files are refused whole, and export then
import gives the same data back."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.conftest import TODAY, drop_database_url, new_database_url
from tracker import interchange, migrate, paths
from tracker.db import build_engine
from tracker.models import Event, Measure, Organization, Person, Statement
from tracker.services.measures import get_measure
from tracker.viewpoint import Viewpoint

DATA = Path(__file__).parent.parent / "data"


def seed() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(paths.seed_file().read_text(encoding="utf-8"))
    return document


def without_timestamp(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "exported_at"}


def counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Measure, Event, Statement, Organization, Person)
    }


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    url = new_database_url(tmp_path, "dataset")
    engine = build_engine(url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    drop_database_url(url)


def test_the_seed_is_valid_and_holds_the_articles_measures(session: Session) -> None:
    document = seed()
    assert interchange.validate_dataset(document) == []
    slugs = {measure["slug"] for measure in document["measures"]}
    assert {
        "kg-foreign-representatives-law-2024",
        "kg-ngo-criminal-liability-amendments-2023",
        "kg-bishkek-protest-bans-2022",
        "kg-mass-media-law-2025",
        "kg-constitutional-court-review-law-2023",
        "ru-foreign-agents-law-2012",
    } <= slugs
    amnesty = session.scalars(
        select(Statement).where(Statement.slug == "amnesty-2024-02-08-kyrgyzstan-crackdown")
    ).one()
    assert amnesty.speaker is not None
    assert amnesty.speaker.name == "Maisy Weicherding"
    assert len(amnesty.measures) == 5
    assert any("strategically designed to stifle critics" in q.text for q in amnesty.quotes)


def test_importing_the_same_file_twice_changes_nothing(session: Session) -> None:
    before = counts(session)
    report = interchange.import_dataset(session, seed())
    assert not report.changed
    assert report.unchanged["measures"] == len(seed()["measures"])
    assert counts(session) == before


def test_export_then_import_into_an_empty_database_gives_the_same_data(
    session: Session, empty_engine: Engine
) -> None:
    first = interchange.export_dataset(session, Viewpoint.viewer())
    with Session(empty_engine) as other:
        interchange.import_dataset(other, json.loads(json.dumps(first)))
        other.commit()
        second = interchange.export_dataset(other, Viewpoint.viewer())
    assert without_timestamp(second) == without_timestamp(first)


def test_streamed_export_is_the_same_document(session: Session) -> None:
    buffer = io.StringIO()
    interchange.write_export(session, buffer, Viewpoint.viewer())
    streamed = json.loads(buffer.getvalue())
    assert without_timestamp(streamed) == without_timestamp(
        interchange.export_dataset(session, Viewpoint.viewer())
    )


def test_a_dataset_written_elsewhere_imports_and_links_to_existing_records(
    session: Session,
) -> None:
    document = interchange.load_json((DATA / "georgia.json").read_bytes())
    report = interchange.import_dataset(session, document)
    assert report.created["measures"] == 1
    assert report.created["events"] == 7
    view = get_measure(
        session, "ge-transparency-of-foreign-influence-law-2024", Viewpoint.anonymous(TODAY)
    )
    assert view is not None
    assert view.status.force.code == "in-force"
    assert view.measure.original_title is not None
    russia = get_measure(session, "ru-foreign-agents-law-2012", Viewpoint.anonymous(TODAY))
    assert russia is not None
    assert any(r.inverse and r.other.country == "GE" for r in russia.relations)


def broken_seed() -> dict[str, Any]:
    document = copy.deepcopy(seed())
    measures = document["measures"]
    measures[0]["events"][1]["date"] = "2023-13"
    measures[0]["events"][2]["type"] = "readin-1"
    measures[1]["relations"] = [{"type": "amends", "target": "no-such-measure"}]
    measures[2]["slug"] = measures[3]["slug"]
    measures[4]["title"] = ""
    measures[5]["country"] = "XX"
    measures[6]["events"][0]["end_date"] = "1990"
    document["statements"][0]["organization"] = "nobody"
    del document["statements"][1]["title"]
    return document


def test_an_invalid_file_reports_every_problem_with_its_place() -> None:
    problems = [str(problem) for problem in interchange.validate_dataset(broken_seed())]
    expected = [
        'measures[0].events[1].date: "2023-13" is not a date',
        'measures[0].events[2].type: "readin-1" is not one of: drafted,',
        'measures[1].relations[0].target: no measure with slug "no-such-measure"',
        "measures[3].slug: ",
        "measures[4].title: ",
        'measures[5].country: "XX" is not an ISO 3166-1 country code',
        'measures[6].events[0].end_date: "1990" is before the date',
        'statements[0].organization: no organization with slug "nobody"',
        "statements[1]: missing required field 'title'",
    ]
    for start in expected:
        assert any(problem.startswith(start) for problem in problems), (start, problems)


def test_an_invalid_file_writes_nothing(session: Session) -> None:
    before = counts(session)
    document = broken_seed()
    document["measures"].append(
        {"slug": "new-valid-measure", "country": "KG", "kind": "bill", "title": "Valid"}
    )
    with pytest.raises(interchange.InvalidDataset) as error:
        interchange.import_dataset(session, document)
    assert len(error.value.problems) >= 9
    assert counts(session) == before
    assert session.scalar(select(Measure).where(Measure.slug == "new-valid-measure")) is None


def test_json_syntax_errors_say_where() -> None:
    with pytest.raises(interchange.InvalidDataset) as error:
        interchange.load_json(b'{"format": "tracker-dataset",\n "version": 1,,}')
    assert str(error.value.problems[0]).startswith("line 2, column")


def test_the_wrong_format_or_version_is_refused() -> None:
    problems = interchange.validate_dataset({"format": "something-else", "version": 2})
    assert [p.path for p in problems] == ["format", "version"]


def test_anonymous_export_leaves_internal_records_out(session: Session) -> None:
    document = seed()
    secret_org = {"slug": "secret-source", "name": "A source at risk", "kind": "ngo"}
    document["organizations"].append(secret_org)
    document["measures"].append(
        {
            "slug": "draft-under-watch",
            "country": "KG",
            "kind": "bill",
            "title": "A draft we are still verifying",
            "visibility": "internal",
            "relations": [{"type": "related", "target": "kg-mass-media-law-2025"}],
        }
    )
    document["statements"].append(
        {
            "slug": "internal-note",
            "organization": "secret-source",
            "title": "Unpublished testimony",
            "date": "2026-11",
            "url": "https://example.org/private",
            "measures": ["draft-under-watch", "kg-mass-media-law-2025"],
            "visibility": "internal",
        }
    )
    interchange.import_dataset(session, document)
    public = json.dumps(interchange.export_dataset(session, Viewpoint.anonymous()))
    for secret in ("draft-under-watch", "Unpublished testimony", "secret-source"):
        assert secret not in public
    everything = json.dumps(interchange.export_dataset(session, Viewpoint.viewer()))
    for secret in ("draft-under-watch", "Unpublished testimony", "secret-source"):
        assert secret in everything


def _visibility(session: Session, model: type[Organization | Person], slug: str) -> str:
    found = session.scalar(select(model.visibility).where(model.slug == slug))
    assert found is not None, slug
    return found


def test_the_seed_stays_public_and_a_file_says_who_is_internal(session: Session) -> None:
    """Organizations and people carry "visibility"; a version-1 file without it gives a new
    one the rule of its time (internal when only internal statements mention it)."""
    assert session.scalar(select(func.count()).where(Person.visibility != "public")) == 0
    assert session.scalar(select(func.count()).where(Organization.visibility != "public")) == 0
    document = {
        "format": "tracker-dataset",
        "version": 1,
        "organizations": [
            {"slug": "quiet-group", "name": "Quiet group"},
            {"slug": "named-anyway", "name": "Named anyway", "visibility": "public"},
        ],
        "people": [
            {"slug": "quoted-inside", "name": "Quoted inside"},
            {"slug": "mentioned-nowhere", "name": "Mentioned nowhere"},
            {"slug": "kept-back", "name": "Kept back", "visibility": "internal"},
        ],
        "statements": [
            {
                "slug": "inside-note",
                "organization": "quiet-group",
                "signatories": ["named-anyway"],
                "title": "Inside note",
                "date": "2026-11",
                "url": "https://example.org/inside",
                "quotes": [{"text": "…", "speaker": "quoted-inside"}],
                "visibility": "internal",
            },
            {
                "slug": "open-letter",
                "organization": "amnesty-international",
                "speaker": "kept-back",
                "title": "Open letter",
                "date": "2026-11",
                "url": "https://example.org/open",
            },
        ],
    }
    assert interchange.validate_dataset(document, session) == []
    interchange.import_dataset(session, copy.deepcopy(document))
    assert _visibility(session, Organization, "quiet-group") == "internal"
    assert _visibility(session, Organization, "named-anyway") == "public"
    assert _visibility(session, Person, "quoted-inside") == "internal"
    assert _visibility(session, Person, "mentioned-nowhere") == "public"
    assert _visibility(session, Person, "kept-back") == "internal"
    exported = interchange.export_dataset(session, Viewpoint.viewer())
    people = {person["slug"]: person["visibility"] for person in exported["people"]}
    assert people["kept-back"] == "internal"
    assert people["maisy-weicherding"] == "public"


def test_an_old_file_never_changes_the_trackers_decision(session: Session) -> None:
    """Re-importing the seed, which says nothing about visibility, must not make public again
    a person the researchers made internal; a file that says so, does."""
    maisy = session.scalar(select(Person).where(Person.slug == "maisy-weicherding"))
    assert maisy is not None
    maisy.visibility = "internal"
    session.flush()
    report = interchange.import_dataset(session, seed())
    assert not report.changed
    assert _visibility(session, Person, "maisy-weicherding") == "internal"
    document = seed()
    [entry] = [p for p in document["people"] if p["slug"] == "maisy-weicherding"]
    entry["visibility"] = "public"
    interchange.import_dataset(session, document)
    assert _visibility(session, Person, "maisy-weicherding") == "public"


def test_a_visibility_that_is_not_a_choice_is_refused() -> None:
    document = seed()
    document["people"][0]["visibility"] = "secret"
    problems = interchange.validate_dataset(document)
    assert [str(p) for p in problems if p.path.startswith("people[0]")] == [
        'people[0].visibility: "secret" is not one of: public, internal'
    ]


def test_an_updated_file_updates_only_what_changed(session: Session) -> None:
    document = seed()
    measure = document["measures"][0]
    measure["title"] = measure["title"] + " (revised)"
    measure["events"][0]["description"] = "Corrected description."
    report = interchange.import_dataset(session, document)
    assert report.updated["measures"] == 1
    assert report.updated["events"] == 1
    assert report.created["events"] == 0
    assert report.deleted["events"] == 0
