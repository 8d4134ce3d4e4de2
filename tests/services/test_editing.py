"""The editing services: one set of rules for forms, the JSON API and the CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.models import Event, Measure, Organization, Source, Statement
from tracker.services import names
from tracker.services.events import save_event
from tracker.services.measures import save_measure, similar_measures
from tracker.services.names import MeasureNames, fold, measure_key
from tracker.services.record_data import (
    EventData,
    MeasureData,
    QuoteData,
    StatementData,
    measure_data,
)
from tracker.services.saving import (
    DeleteRefused,
    EditConflict,
    ValidationFailed,
    citations,
    delete_record,
    parse_source_lines,
)
from tracker.services.statements import save_statement

SLUG = "kg-foreign-representatives-law-2024"


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def law(session: Session) -> Measure:
    found = session.scalar(select(Measure).where(Measure.slug == SLUG))
    assert found is not None
    return found


def test_a_new_measure_gets_a_slug_from_country_and_title(session: Session) -> None:
    data = MeasureData(title="Draft law on protests", country="ge", kind="bill")
    first = save_measure(session, None, data)
    second = save_measure(session, None, MeasureData("Draft law on protests", "GE", "bill"))
    assert first.slug == "ge-draft-law-on-protests"
    assert second.slug == "ge-draft-law-on-protests-2"
    assert first.country == "GE"
    assert first.version == 1


def test_every_problem_is_reported_by_field_and_nothing_is_written(session: Session) -> None:
    sources = count(session, Source)
    data = MeasureData(
        title=" ",
        country="XX",
        kind="rumour",
        visibility="secret",
        slug="New",
        sources=["ftp://example.org/file", "https://example.org/new-source"],
    )
    with pytest.raises(ValidationFailed) as error:
        save_measure(session, None, data)
    assert set(error.value.errors) == {"title", "country", "kind", "visibility", "slug", "sources"}
    session.flush()
    assert count(session, Source) == sources


@pytest.mark.parametrize("slug", ["new", "history"])
def test_reserved_slugs_are_refused(session: Session, slug: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        save_measure(session, None, MeasureData("A", "KG", "bill", slug=slug))
    assert "reserved" in error.value.errors["slug"]


def test_pasted_urls_reuse_known_sources_and_create_new_ones(session: Session) -> None:
    known = session.scalars(select(Source)).first()
    assert known is not None
    urls, titles, bad = parse_source_lines(
        f"{known.url}\n\nhttps://example.org/gazette Official gazette, 2 April 2024\nnot a url"
    )
    assert bad == ["not a url"]
    before = count(session, Source)
    event = save_event(
        session,
        law(session),
        None,
        EventData(type="published", date="2024-04", sources=urls, source_titles=titles),
    )
    assert count(session, Source) == before + 1
    assert known in event.sources
    created = next(s for s in event.sources if s.url == "https://example.org/gazette")
    assert created.title == "Official gazette, 2 April 2024"


def test_an_event_cannot_end_before_it_starts_or_have_negative_votes(session: Session) -> None:
    data = EventData(type="imposed", date="2024-03-15", end_date="2024-02", votes_for=-3)
    with pytest.raises(ValidationFailed) as error:
        save_event(session, law(session), None, data)
    assert set(error.value.errors) == {"end_date", "votes_for"}


def test_a_stale_version_is_a_conflict(session: Session) -> None:
    measure = law(session)
    data = measure_data(measure)
    data.title = "Someone's edit"
    with pytest.raises(EditConflict) as conflict:
        save_measure(session, measure, data, expected_version=measure.version - 1 or 99)
    assert conflict.value.current is not None
    assert conflict.value.current["title"] == measure.title


def test_a_statement_needs_a_known_organization_and_a_measure(session: Session) -> None:
    data = StatementData(title="Joint letter", organization="nobody", date="2024-03")
    with pytest.raises(ValidationFailed) as error:
        save_statement(session, None, data)
    assert {"organization", "measures", "sources"} <= set(error.value.errors)


def test_a_statement_with_quotes_speakers_and_a_reaction(session: Session) -> None:
    event = law(session).events[0]
    org = names.resolve(session, Organization, "amnesty international")
    speaker = names.resolve(session, Organization, "Maisy Weicherding")
    assert org == "amnesty-international"
    assert speaker == "Maisy Weicherding"  # not an organization: left for the save to report
    data = StatementData(
        title="Kyrgyzstan: veto the law",
        organization=org,
        date="2024-03-20",
        measures=[SLUG],
        url="https://example.org/statement",
        reacts_to=event.id,
        quotes=[QuoteData("Veto it.", "maisy-weicherding"), QuoteData("  ")],
        asks=["veto"],
        stance="oppose",
    )
    statement = save_statement(session, None, data)
    assert statement.slug == "amnesty-international-2024-03-20-kyrgyzstan-veto-the-law"
    assert [(q.text, q.speaker.slug if q.speaker else None) for q in statement.quotes] == [
        ("Veto it.", "maisy-weicherding")
    ]
    assert statement.reacts_to is event


def similar(session: Session, country: str, title: str, **names: object) -> list[str]:
    candidate = MeasureNames(country, title, **names)  # type: ignore[arg-type]
    return [f"{item.measure.slug}: {item.why}" for item in similar_measures(session, candidate)]


def test_similar_measures_of_the_same_country_are_found(session: Session) -> None:
    by_name = similar(session, "KG", "Something else", popular_names=["foreign agents law"])
    # Both Kyrgyz "foreign agents" measures share the popular name; both are offered.
    assert f"{SLUG}: same name (foreign agents law)" in by_name
    assert "kg-foreign-agents-bill-2013: same name (Foreign agents bill (2013–2016))" not in by_name
    by_title = similar(
        session,
        "KG",
        "Law of the Kyrgyz Republic No. 72 On Amendments to the Law"
        " On Non-Commercial Organizations",
    )
    assert any(found.startswith(f"{SLUG}: similar title") for found in by_title)
    # Only measures of the same country.
    assert all(
        found.startswith("ge-")
        for found in similar(session, "GE", "foreign agents law", popular_names=["x"])
    )


@pytest.mark.parametrize(
    ("title", "fields", "why"),
    [
        # The report's case: only the official title was compared.
        ("Foreign Representatives Law", {}, "same name (foreign representatives law)"),
        ("«Foreign  Representatives» law", {}, "same name (foreign representatives law)"),
        # A Cyrillic "е" and "о" typed by a Russian keyboard in a Latin name.
        ("Fоreign Rеpresentatives Law", {}, "same name (foreign representatives law)"),
        ("New law", {"short_title": "FOREIGN REPRESENTATIVES LAW (2024)"}, "same name"),
        ("New law", {"popular_names": ["Foreign representatives bill"]}, "same name"),
        ("New law", {"identifier": "Law No. 72"}, "same identifier (No. 72)"),
        ("New law", {"identifier": "law no 72"}, "same identifier (No. 72)"),
    ],
)
def test_a_new_measure_is_compared_by_every_name_normalized(
    session: Session, title: str, fields: dict[str, object], why: str
) -> None:
    found = similar(session, "KG", title, **fields)
    assert found[0].startswith(f"{SLUG}: {why}"), found


def test_names_fold_case_punctuation_quotes_and_script() -> None:
    assert fold("«Закон об иностранных представителях»") == fold(
        "Zakon ob inostrannykh predstaviteliakh"
    )
    assert measure_key("Law No. 72") == measure_key("law no 72") == measure_key("No. 72") == "72"
    assert fold("Amnesty  International.") == fold("AMNESTY INTERNATIONAL")


def test_a_different_measure_is_not_a_look_alike(session: Session) -> None:
    assert similar(session, "KG", "Law on beekeeping", identifier="No. 14") == []


def test_sources_still_cited_and_authors_of_statements_cannot_be_deleted(
    session: Session,
) -> None:
    cited = session.scalars(select(Source)).first()
    assert cited is not None
    assert citations(session, cited) > 0
    with pytest.raises(DeleteRefused):
        delete_record(session, cited)
    author = session.scalar(select(Statement)).organization  # type: ignore[union-attr]
    with pytest.raises(DeleteRefused):
        delete_record(session, author)


def test_deleting_a_measure_takes_its_events(session: Session) -> None:
    measure = law(session)
    events = len(measure.events)
    before = count(session, Event)
    delete_record(session, measure, expected_version=measure.version)
    assert count(session, Event) == before - events
