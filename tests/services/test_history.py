"""Every write path records exactly one revision per changed record, and any can be restored."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import interchange, paths
from tracker.models import Event, Measure, Organization, Person, Quote, Revision, Source, Statement
from tracker.services import differences, history
from tracker.services.measures import save_measure
from tracker.services.organizations import save_organization, save_person
from tracker.services.record_data import (
    label,
    measure_data,
    organization_data,
    person_data,
    snapshot,
    statement_data,
)
from tracker.services.saving import delete_record
from tracker.services.statements import save_statement
from tracker.status import derive_status

SLUG = "kg-foreign-representatives-law-2024"
STATEMENT = "amnesty-2024-02-08-kyrgyzstan-crackdown"


def revision_count(session: Session, **where: Any) -> int:
    query = select(func.count()).select_from(Revision)
    for key, value in where.items():
        query = query.where(getattr(Revision, key) == value)
    return session.scalar(query) or 0


def measure(session: Session, slug: str = SLUG) -> Measure:
    found = session.scalar(select(Measure).where(Measure.slug == slug))
    assert found is not None
    return found


def seed() -> dict[str, Any]:
    document: dict[str, Any] = interchange.load_json(paths.seed_file().read_bytes())
    return document


def test_the_seed_import_recorded_one_creation_per_record(session: Session) -> None:
    for kind, model in (("measure", Measure), ("event", Event), ("statement", Statement)):
        records = session.scalar(select(func.count()).select_from(model))
        assert revision_count(session, record_type=kind, action="create") == records


def test_a_creation_recorded_by_the_import_is_the_records_own_snapshot(session: Session) -> None:
    """The importer writes new records in bulk, past the ORM; their creation revisions must
    still say exactly what the record holds, or a restore would bring back something else."""
    from tracker.models import Source

    for kind, model in (
        ("measure", Measure),
        ("event", Event),
        ("statement", Statement),
        ("source", Source),
    ):
        for record in session.scalars(select(model)):
            revision = session.scalar(
                select(Revision).where(
                    Revision.record_type == kind,
                    Revision.record_id == record.id,
                    Revision.action == "create",
                )
            )
            assert revision is not None, (kind, record.id)
            assert revision.after == snapshot(record), (kind, record.id)
            assert revision.record_label == label(record)[:1000]


def test_importing_the_same_file_again_writes_no_revision(session: Session) -> None:
    before = revision_count(session)
    report = interchange.import_dataset(session, seed())
    assert not report.changed
    assert revision_count(session) == before


def test_an_import_that_changes_one_measure_writes_one_revision_by_import(
    session: Session,
) -> None:
    document = seed()
    changed = copy.deepcopy(document)
    item = next(m for m in changed["measures"] if m["slug"] == SLUG)
    item["identifier"] = "Law No. 72 (corrected)"
    before = revision_count(session)
    history.set_actor(session, history.Actor("import"))
    interchange.import_dataset(session, changed)
    new = session.scalars(select(Revision).where(Revision.id > 0).order_by(Revision.id.desc()))
    latest = list(new)[: revision_count(session) - before]
    assert len(latest) == 1
    revision = latest[0]
    assert (revision.record_type, revision.action, revision.actor_label) == (
        "measure",
        "update",
        "import",
    )
    assert revision.before is not None
    assert revision.after is not None
    assert revision.before["identifier"] == "No. 72"
    assert revision.after["identifier"] == "Law No. 72 (corrected)"


def test_an_edit_records_who_why_and_both_versions(session: Session) -> None:
    law = measure(session)
    history.set_actor(session, history.Actor("Aida", user_id=None))
    data = measure_data(law)
    data.title = "Law No. 72 on foreign representatives"
    save_measure(session, law, data, expected_version=law.version, reason="shorter title")
    session.commit()
    revision = history.record_history(session, "measure", law.id)[0]
    assert (revision.action, revision.actor_label, revision.reason) == (
        "update",
        "Aida",
        "shorter title",
    )
    changes = {change.label: change for change in differences.revision_changes(revision)}
    assert set(changes) == {"Official title (English)"}
    assert changes["Official title (English)"].new == "Law No. 72 on foreign representatives"
    assert any(segment.op == "insert" for segment in changes["Official title (English)"].segments)


def test_saving_without_a_change_writes_nothing_and_keeps_the_version(session: Session) -> None:
    law = measure(session)
    version, before = law.version, revision_count(session)
    save_measure(session, law, measure_data(law), expected_version=law.version)
    assert (law.version, revision_count(session)) == (version, before)


def test_a_change_to_a_collection_only_still_bumps_the_version(session: Session) -> None:
    law = measure(session)
    version = law.version
    data = measure_data(law)
    data.topics = data.topics[:1]
    save_measure(session, law, data, expected_version=version)
    assert law.version == version + 1
    revision = history.record_history(session, "measure", law.id)[0]
    assert [change.label for change in differences.revision_changes(revision)] == ["Topics"]


def test_several_saves_in_one_transaction_make_one_revision(session: Session) -> None:
    law = measure(session)
    before = revision_count(session, record_type="measure", record_id=law.id)
    for title in ("First try", "Second try"):
        data = measure_data(law)
        data.title = title
        save_measure(session, law, data)
    revisions = history.record_history(session, "measure", law.id)
    assert len(revisions) == before + 1
    assert revisions[0].after is not None
    assert revisions[0].after["title"] == "Second try"
    assert revisions[0].before is not None
    assert revisions[0].before["title"].startswith("Law")


def test_editing_a_quote_in_place_is_a_revision_of_its_statement(session: Session) -> None:
    statement = session.scalar(select(Statement).where(Statement.slug == STATEMENT))
    assert statement is not None
    quote = session.scalar(select(Quote).where(Quote.statement_id == statement.id))
    assert quote is not None
    quote.text = quote.text + " (checked)"
    session.flush()
    revision = history.record_history(session, "statement", statement.id)[0]
    assert revision.action == "update"
    assert [change.label for change in differences.revision_changes(revision)] == ["Quotes"]


def test_deleting_a_measure_then_undoing_it_brings_everything_back(session: Session) -> None:
    law = measure(session)
    law_id = law.id
    events = len(law.events)
    relations = len(law.relations) + len(law.inverse_relations)
    statements = {s.slug for s in law.statements}
    status = derive_status(law.events, law.events[-1].date.start, law.events[-1].date.start)
    delete_record(session, law, reason="duplicate")
    session.commit()
    assert session.get(Measure, law_id) is None
    deletion = history.record_history(session, "measure", law_id)[0]
    assert deletion.action == "delete"
    group = session.scalar(
        select(func.count()).select_from(Revision).where(Revision.change_id == deletion.change_id)
    )
    assert group == 1 + events + relations

    notes = history.restore(session, deletion)
    session.commit()
    assert notes == []
    session.expire_all()
    back = session.get(Measure, law_id)
    assert back is not None
    assert back.slug == SLUG
    assert len(back.events) == events
    assert len(back.relations) + len(back.inverse_relations) == relations
    assert {s.slug for s in back.statements} == statements
    again = derive_status(back.events, back.events[-1].date.start, back.events[-1].date.start)
    assert again.headline == status.headline
    assert history.record_history(session, "measure", law_id)[0].action == "restore"


def test_restoring_an_older_version_brings_back_its_quotes(session: Session) -> None:
    statement = session.scalar(select(Statement).where(Statement.slug == STATEMENT))
    assert statement is not None
    original = [quote.text for quote in statement.quotes]
    data = statement_data(statement)
    data.quotes = []
    data.title = "Edited"
    save_statement(session, statement, data, expected_version=statement.version)
    session.commit()
    first = history.record_history(session, "statement", statement.id)[-1]
    assert first.action == "create"
    history.restore(session, first)
    session.commit()
    session.expire_all()
    restored = session.get(Statement, statement.id)
    assert restored is not None
    assert [quote.text for quote in restored.quotes] == original
    assert restored.title != "Edited"


def test_undoing_the_deletion_of_a_person_gives_back_their_quotes(session: Session) -> None:
    quote = session.scalar(select(Quote).where(Quote.speaker_id.is_not(None)))
    assert quote is not None
    assert quote.speaker is not None
    person = quote.speaker
    delete_record(session, person)
    session.commit()
    session.expire_all()
    assert session.get(Quote, quote.id).speaker_id is None  # type: ignore[union-attr]
    deletion = history.record_history(session, "person", person.id)[0]
    history.restore(session, deletion)
    session.commit()
    session.expire_all()
    assert session.get(Quote, quote.id).speaker_id == person.id  # type: ignore[union-attr]


def test_a_change_of_visibility_is_in_the_history(session: Session) -> None:
    person = session.scalar(select(Person).where(Person.slug == "maisy-weicherding"))
    assert person is not None
    data = person_data(person)
    data.visibility = "internal"
    save_person(session, person, data, reason="at risk since the new law")
    session.commit()
    revision = history.record_history(session, "person", person.id)[0]
    changes = {change.label: change for change in differences.revision_changes(revision)}
    assert set(changes) == {"Visibility"}
    assert (changes["Visibility"].old, changes["Visibility"].new) == (
        "Public",
        "Internal (signed-in users only)",
    )


def test_restoring_a_revision_from_before_visibility_keeps_the_records_own(
    session: Session,
) -> None:
    """Revisions written before migration 0007 have no visibility: restoring one must not let
    the form's default decide (that made people public again by accident)."""
    person = session.scalar(select(Person).where(Person.slug == "maisy-weicherding"))
    assert person is not None
    old = history.record_history(session, "person", person.id)[-1]
    assert old.after is not None
    old.after = {key: value for key, value in old.after.items() if key != "visibility"}
    data = person_data(person)
    data.visibility, data.role = "internal", "Researcher"
    save_person(session, person, data)
    session.commit()
    history.restore(session, old)
    session.commit()
    assert person.role == "Central Asia Researcher"
    assert person.visibility == "internal"
    org = session.scalar(select(Organization).where(Organization.slug == "amnesty-international"))
    assert org is not None
    first = history.record_history(session, "organization", org.id)[-1]
    assert first.after is not None
    first.after = {key: value for key, value in first.after.items() if key != "visibility"}
    org_data = organization_data(org)
    org_data.visibility = "internal"
    save_organization(session, org, org_data)
    history.restore(session, first)
    assert org.visibility == "internal"


def test_new_sources_pasted_into_a_form_are_revisions_too(session: Session) -> None:
    law = measure(session)
    data = measure_data(law)
    data.sources = [*data.sources, "https://example.org/gazette/72"]
    save_measure(session, law, data)
    source = session.scalar(select(Source).where(Source.url == "https://example.org/gazette/72"))
    assert source is not None
    assert history.record_history(session, "source", source.id)[0].action == "create"


def test_revisions_keep_nothing_about_the_connection() -> None:
    columns = set(Revision.__table__.columns.keys())
    assert not {name for name in columns if "ip" in name.split("_") or "agent" in name}


def test_word_diff_marks_only_what_changed() -> None:
    segments = differences.word_diff("passed in first reading", "passed in second reading")
    assert [(s.op, s.text) for s in segments if s.op != "equal"] == [
        ("delete", "first"),
        ("insert", "second"),
    ]
