"""Names compare as people mean them: case, accents, quotes and alphabet aside; a typed name
finds the record, or all of its namesakes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests import factories
from tracker.models import Measure, Organization, Person
from tracker.services import names
from tracker.services.names import MeasureNames, likeness


def test_names_fold_across_case_quotes_punctuation_and_alphabet() -> None:
    assert names.fold("«Закон об иностранных представителях»") == names.fold(
        "zakon ob inostrannykh predstaviteliakh"
    )
    assert names.fold("Law No. 72") == names.fold("law no 72")
    assert names.fold("Agnès") == "agnes"


def test_a_measure_key_drops_the_words_every_law_has() -> None:
    assert names.measure_key("The Law on Mass Media") == names.measure_key("mass media")


def test_an_acronym_finds_the_organization_and_labels_name_it(session: Session) -> None:
    (found,) = names.find(session, Organization, "hrw")
    assert found.slug == "human-rights-watch"
    assert found.label == "Human Rights Watch (HRW)"
    assert names.resolve(session, Organization, "HRW") == "human-rights-watch"
    labels = names.labels(session, Organization, ["human-rights-watch", None])
    assert labels == {"human-rights-watch": "Human Rights Watch (HRW)"}


def test_a_popular_name_shared_by_measures_finds_them_all_and_resolves_to_none(
    session: Session,
) -> None:
    found = {record.slug for record in names.find(session, Measure, "foreign agents law")}
    assert {"kg-foreign-representatives-law-2024", "ru-foreign-agents-law-2012"} <= found
    # Ambiguous: the text comes back as typed, for the save to report.
    assert names.resolve(session, Measure, "foreign agents law") == "foreign agents law"
    assert "are called" in names.not_found(session, Measure, "foreign agents law")


def test_namesakes_get_labels_that_tell_them_apart(session: Session) -> None:
    factories.person(session, "jane-doe-1", "Jane Doe", role="Lawyer")
    factories.person(session, "jane-doe-2", "Jane Doe", role="Journalist")
    session.flush()
    labels = names.labels(session, Person, ["jane-doe-1", "jane-doe-2"])
    assert labels["jane-doe-1"] != labels["jane-doe-2"]
    assert "Lawyer" in labels["jane-doe-1"]
    assert "Journalist" in labels["jane-doe-2"]


def test_look_alike_measures_share_an_identifier_or_a_name() -> None:
    law = MeasureNames("KG", "Law No. 72 on NGOs", identifier="No. 72")
    same_number = MeasureNames("KG", "Something else entirely", identifier="no 72")
    renamed = MeasureNames("KG", "Amendments", popular_names=("«law no 72 on ngos»",))
    unrelated = MeasureNames("KG", "Budget for 2025")
    first = likeness(law, same_number)
    assert first is not None
    assert first.strength == 2.0
    assert likeness(law, renamed) is not None
    assert likeness(law, unrelated) is None
