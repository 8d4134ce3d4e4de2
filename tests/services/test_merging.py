"""Merging duplicates: every reference moves to the survivor, nothing repeats or points at
itself, history records the merge on both records, the old address leads to the survivor,
and nothing internal becomes public."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.exports_support import add_internal_records
from tracker.models import (
    Event,
    Measure,
    Organization,
    Person,
    Quote,
    Relation,
    Revision,
    SlugRedirect,
    Source,
    Statement,
    Topic,
)
from tracker.services import history, merging
from tracker.services.merging import MergeRefused
from tracker.services.saving import EditConflict
from tracker.viewpoint import Viewpoint

LAW = "kg-foreign-representatives-law-2024"
RUSSIAN_LAW = "ru-foreign-agents-law-2012"


@pytest.fixture(autouse=True)
def _history() -> None:
    history.install()


def one(session: Session, model: type, slug: str) -> object:
    return session.scalars(select(model).where(model.slug == slug)).one()


def last_revision(session: Session, kind: str, record_id: int) -> Revision:
    return session.scalars(
        select(Revision)
        .where(Revision.record_type == kind, Revision.record_id == record_id)
        .order_by(Revision.id.desc())
    ).first()  # type: ignore[return-value]


def test_an_organization_merge_moves_statements_signatures_and_people(session: Session) -> None:
    amnesty = one(session, Organization, "amnesty-international")
    assert isinstance(amnesty, Organization)
    duplicate = Organization(
        slug="amnesty", name="Amnesty International", acronym="AI", visibility="public"
    )
    session.add(duplicate)
    session.commit()  # an earlier import made it
    law = one(session, Measure, LAW)
    assert isinstance(law, Measure)
    factories.statement(session, "dup-made", [law], organization=duplicate)
    joint = factories.statement(session, "dup-joint", [law])
    joint.signatories = [duplicate, amnesty]
    researcher = factories.person(session, "dup-researcher", "A. Researcher")
    researcher.organization = duplicate
    session.commit()
    amnesty_version = amnesty.version

    plan = merging.plan(session, duplicate, amnesty)
    assert plan.refusal is None
    assert plan.moves == [
        "1 statement it made",
        "1 statement it co-signed",
        "1 person of the organization",
    ]
    assert plan.fills == ["acronym: AI"]

    merging.merge(
        session,
        duplicate,
        amnesty,
        expected_versions=(duplicate.version, amnesty_version),
        reason="one import made it twice",
    )
    session.commit()
    session.expire_all()
    assert session.scalar(select(Organization).where(Organization.slug == "amnesty")) is None
    assert one(session, Statement, "dup-made").organization.slug == "amnesty-international"  # type: ignore[attr-defined]
    signatories = one(session, Statement, "dup-joint").signatories  # type: ignore[attr-defined]
    assert [org.slug for org in signatories] == ["amnesty-international"]  # once, not twice
    assert one(session, Person, "dup-researcher").organization.slug == "amnesty-international"  # type: ignore[attr-defined]
    assert amnesty.acronym == "AI"

    merged = last_revision(session, "organization", duplicate.id)
    assert merged.action == "merge"
    assert merged.reason == (
        "Merged into “Amnesty International” (amnesty-international). one import made it twice"
    )
    assert merged.before is not None
    assert merged.before["slug"] == "amnesty"
    kept = last_revision(session, "organization", amnesty.id)
    assert kept.action == "merge"
    assert kept.reason is not None
    assert kept.reason.startswith(
        "Merged “Amnesty International” (amnesty) into this organization."
    )
    assert kept.after is not None
    assert kept.after["acronym"] == "AI"
    moved = last_revision(session, "statement", one(session, Statement, "dup-made").id)  # type: ignore[attr-defined]
    assert moved.action == "update"
    assert moved.change_id == merged.change_id == kept.change_id
    assert merging.find_redirect(session, "organization", "amnesty", Viewpoint.anonymous()) == (
        "amnesty-international"
    )


def test_a_person_merge_moves_what_they_said_and_were_quoted_saying(session: Session) -> None:
    maisy = one(session, Person, "maisy-weicherding")
    assert isinstance(maisy, Person)
    twin = factories.person(session, "m-weicherding", "Maisy Weicherding")
    law = one(session, Measure, LAW)
    assert isinstance(law, Measure)
    spoken = factories.statement(session, "twin-spoke", [law], quotes=["It must go."], speaker=twin)
    spoken.quotes[0].speaker = twin
    session.commit()
    plan = merging.plan(session, twin, maisy)
    assert plan.moves == ["1 statement they speak for", "1 quote of theirs"]
    merging.merge(session, twin, maisy)
    session.commit()
    session.expire_all()
    statement = one(session, Statement, "twin-spoke")
    assert isinstance(statement, Statement)
    assert statement.speaker is not None
    assert statement.speaker.slug == "maisy-weicherding"
    assert statement.quotes[0].speaker is not None
    assert statement.quotes[0].speaker.slug == "maisy-weicherding"
    assert (
        session.scalar(select(func.count()).select_from(Quote).where(Quote.speaker_id == twin.id))
        == 0
    )


def test_a_measure_merge_moves_everything_and_leaves_no_self_or_repeated_relation(
    session: Session,
) -> None:
    law = one(session, Measure, LAW)
    russian = one(session, Measure, RUSSIAN_LAW)
    assert isinstance(law, Measure)
    assert isinstance(russian, Measure)
    duplicate = factories.measure(
        session,
        "kg-frl-duplicate",
        title="Foreign Representatives Law",
        kind="law",
        popular_names=["foreign agents law", "law on foreign representatives"],
        identifier="No. 72",
    )
    factories.event(session, duplicate, "published", "2024-04-05")
    duplicate.sources = [Source(url="https://gazette.example/72")]
    duplicate.topics = [Topic(slug="registration", name="Registration")]
    other = factories.measure(session, "kg-other", title="Other bill")
    session.add_all(
        [
            # Repeats the survivor's own "modelled on" the Russian law: dropped.
            Relation(type="modelled-on", subject=duplicate, object=russian),
            # Would relate the survivor to itself: dropped.
            Relation(type="related", subject=duplicate, object=law),
            # Moves.
            Relation(type="amends", subject=other, object=duplicate),
        ]
    )
    # About both: stays about the survivor, once.
    factories.statement(session, "about-both", [law, duplicate])
    factories.statement(session, "about-duplicate", [duplicate])
    session.commit()
    events_before = len(law.events) + 1
    relations_before = session.scalar(select(func.count()).select_from(Relation)) or 0

    plan = merging.plan(session, duplicate, law)
    assert plan.moves == [
        "1 event of its timeline",
        "1 relation to other measures",
        "2 statements about it",
        "1 source of the measure as a whole",
        "1 topic (Registration)",
        "1 popular name (law on foreign representatives)",
    ]
    assert plan.drops == [
        "the relation “Foreign Representatives Law modelled on Foreign Agents Law (121-FZ, 2012)”,"
        " which would repeat one it has",
        "the relation “Foreign Representatives Law related to Foreign Representatives Law (2024)”,"
        " which would join the measure to itself",
    ]
    merging.merge(session, duplicate, law)
    session.commit()
    session.expire_all()

    assert len(law.events) == events_before
    assert any(event.date.iso == "2024-04-05" for event in law.events)
    assert session.scalar(select(func.count()).select_from(Relation)) == relations_before - 2
    assert ("amends", "kg-other") in {(r.type, r.subject.slug) for r in law.inverse_relations}
    assert [m.slug for m in one(session, Statement, "about-both").measures] == [LAW]  # type: ignore[attr-defined]
    assert [m.slug for m in one(session, Statement, "about-duplicate").measures] == [LAW]  # type: ignore[attr-defined]
    assert "https://gazette.example/72" in [s.url for s in law.sources]
    assert "registration" in [t.slug for t in law.topics]
    assert "law on foreign representatives" in law.popular_names
    assert law.popular_names.count("foreign agents law") == 1
    assert session.scalar(select(Measure).where(Measure.slug == "kg-frl-duplicate")) is None
    assert (
        session.scalar(
            select(func.count()).select_from(Event).where(Event.measure_id == duplicate.id)
        )
        == 0
    )


def test_merging_twice_leads_the_oldest_address_to_the_last_survivor(session: Session) -> None:
    first = Organization(slug="hrw-a", name="HRW A", visibility="public")
    second = Organization(slug="hrw-b", name="HRW B", visibility="public")
    session.add_all([first, second])
    session.commit()
    hrw = one(session, Organization, "human-rights-watch")
    assert isinstance(hrw, Organization)
    merging.merge(session, first, second)
    merging.merge(session, second, hrw)
    session.commit()
    assert (
        merging.find_redirect(session, "organization", "hrw-a", Viewpoint.anonymous())
        == "human-rights-watch"
    )
    assert (
        merging.find_redirect(session, "organization", "hrw-b", Viewpoint.anonymous())
        == "human-rights-watch"
    )
    assert session.scalar(select(func.count()).select_from(SlugRedirect)) == 2


def test_nothing_internal_becomes_public(session: Session) -> None:
    secret_measure, secret_statement = add_internal_records(session)
    session.commit()
    law = one(session, Measure, LAW)
    assert isinstance(law, Measure)
    with pytest.raises(MergeRefused, match="would publish its events"):
        merging.merge(session, secret_measure, law)
    assert merging.plan(session, secret_measure, law).refusal
    # The secret partner is named only by internal statements: the public Amnesty must not
    # be merged into it (its statements would reveal the name)...
    secret_partner = secret_statement.organization
    amnesty = one(session, Organization, "amnesty-international")
    assert isinstance(amnesty, Organization)
    with pytest.raises(MergeRefused, match="Merge them the other way round"):
        merging.merge(session, amnesty, secret_partner)
    # ...but it may be merged into Amnesty; its address then leads there for signed-in readers
    # only: an anonymous one learns nothing of it.
    merging.merge(session, secret_partner, amnesty)
    session.commit()
    assert merging.find_redirect(session, "organization", "secret-partner", Viewpoint.viewer()) == (
        "amnesty-international"
    )
    assert (
        merging.find_redirect(session, "organization", "secret-partner", Viewpoint.anonymous())
        is None
    )
    # A public measure merged into an internal one: its old address leads nowhere for anonymous
    # readers (the survivor is internal), and somewhere for signed-in ones.
    bill = one(session, Measure, "kg-foreign-agents-bill-2013")
    assert isinstance(bill, Measure)
    merging.merge(session, bill, secret_measure)
    session.commit()
    assert merging.find_redirect(session, "measure", bill.slug, Viewpoint.anonymous()) is None
    assert (
        merging.find_redirect(session, "measure", bill.slug, Viewpoint.viewer())
        == secret_measure.slug
    )


def test_a_merge_from_stale_versions_is_a_conflict_and_changes_nothing(session: Session) -> None:
    duplicate = Organization(slug="civicus-2", name="Civicus", visibility="public")
    session.add(duplicate)
    session.commit()
    civicus = one(session, Organization, "civicus")
    assert isinstance(civicus, Organization)
    with pytest.raises(EditConflict):
        merging.merge(session, duplicate, civicus, expected_versions=(duplicate.version + 1, None))
    with pytest.raises(MergeRefused, match="into itself"):
        merging.merge(session, civicus, civicus)
    assert one(session, Organization, "civicus-2") is duplicate


def test_a_person_keeps_no_organization_anonymous_readers_must_not_see(session: Session) -> None:
    _, secret_statement = add_internal_records(session)
    secret_partner = secret_statement.organization
    public_person = one(session, Person, "maisy-weicherding")
    assert isinstance(public_person, Person)
    public_person.organization = None
    twin = factories.person(session, "maisy-twin", "Maisy Weicherding", organization=secret_partner)
    session.commit()
    plan = merging.plan(session, twin, public_person)
    assert plan.fills == []  # the secret partner's name would show on a public page
    merging.merge(session, twin, public_person)
    assert public_person.organization is None
