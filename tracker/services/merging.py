"""Merging a duplicate organization, person or measure into the record that stays.

The import report and the new-measure warning point duplicates out; an editor merges one (the
merged record) into the other (the survivor). Everything that refers to the merged record moves
to the survivor: for an organization the statements it made or co-signed and its people; for a
person the statements and quotes they speak in; for a measure its events, relations (none left
pointing at itself or repeating one it has), the statements about it, its sources, topics and
popular names. Fields the survivor leaves empty are filled from the merged record. Then the
merged record is removed, its old address redirects to the survivor's (``slug_redirects``), and
the history of both says what happened (action "merge"), every moved record with its own
revision in the same change.

Nothing internal may become public by a merge: an internal measure is not merged into a public
one (its events and sources would be published with it), an organization or person that only
internal statements mention (and that anonymous readers do not see) does not take in a public
one, whose statements would reveal its name; merging the other way is offered instead. A
redirect from a record anonymous readers could not see is followed for signed-in readers only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from tracker.countries import country_name
from tracker.domain import kinds
from tracker.models import (
    Measure,
    Organization,
    Person,
    Quote,
    Relation,
    SlugRedirect,
    Statement,
    statement_signatories,
)
from tracker.services import history
from tracker.services.record_data import label, record_type, snapshot
from tracker.services.saving import check_version, reason_context
from tracker.viewpoint import Viewpoint

Mergeable = Measure | Organization | Person
MERGEABLE: dict[str, type[Mergeable]] = {
    "measure": Measure,
    "organization": Organization,
    "person": Person,
}


class MergeRefused(ValueError):
    """The two records cannot be merged (this way); the message says why and what to do."""


@dataclass(slots=True)
class MergePlan:
    """What merging ``merged`` into ``survivor`` will do, in words, for the confirm page."""

    kind: str
    merged: Mergeable
    survivor: Mergeable
    moves: list[str] = field(default_factory=list)
    """What moves to the survivor."""
    fills: list[str] = field(default_factory=list)
    """Fields of the survivor filled from the merged record."""
    drops: list[str] = field(default_factory=list)
    """What is removed rather than moved (a relation the survivor already has)."""
    refusal: str | None = None


def _count(session: Session, query: Any) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _phrase(count: int, singular: str, plural: str, what: str) -> str | None:
    if not count:
        return None
    return f"{count} {singular if count == 1 else plural} {what}"


# -- what each kind fills --------------------------------------------------------------------


def filled(kind: str) -> tuple[tuple[str, str], ...]:
    """(field, what the plan calls it) of the fields a merge fills on the survivor: its own
    optional values (the merged record's lists, slug and visibility are not a survivor's gap)."""
    return tuple(
        (f.name, f.label.lower())
        for f in kinds.KINDS[kind].fields
        if not f.required and not f.is_list and f.shape not in ("slug", "visibility")
    )


def _shown(name: str, value: Any) -> str:
    if isinstance(value, Organization):
        return value.name
    if name == "country" and value:
        return country_name(str(value))
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _fills(
    session: Session, kind: str, merged: Mergeable, survivor: Mergeable
) -> list[tuple[str, str, Any]]:
    """(attribute, label, value) of the survivor's empty fields the merged record has."""
    fills = []
    for name, what in filled(kind):
        value = getattr(merged, name)
        if value in (None, "") or getattr(survivor, name) not in (None, ""):
            continue
        if name == "organization" and survivor.is_public and not value.is_public:
            # A public person's page would gain an "Organization name withheld".
            continue
        fills.append((name, what, value))
    return fills


def is_public(session: Session, record: Mergeable) -> bool:
    """Whether anonymous readers see the record (its own visibility)."""
    return record.is_public


def _refusal(session: Session, kind: str, merged: Mergeable, survivor: Mergeable) -> str | None:
    if merged.id == survivor.id:
        return "A record cannot be merged into itself."
    if isinstance(merged, Measure) and isinstance(survivor, Measure):
        if not merged.is_public and survivor.is_public:
            return (
                "This measure is internal and the other is public: merging would publish its "
                "events, sources and relations. Merge the public one into this one instead "
                "(the survivor stays internal), or make this one public first."
            )
        return None
    if is_public(session, merged) and not is_public(session, survivor):
        return (
            f"The {kind} you chose to keep is internal and the other is public: its public "
            "statements would lose their named author or speaker. Merge them the other way "
            "round, or make the one you keep public first."
        )
    return None


# -- planning --------------------------------------------------------------------------------


def _relation_fate(
    relations: Sequence[Relation], merged: Measure, survivor: Measure
) -> tuple[list[Relation], list[Relation]]:
    """(relations that move, relations dropped): a relation would become the survivor's with
    itself, or repeat one it has (or one that moves before it)."""
    existing = {
        (r.subject_id, r.object_id, r.type)
        for r in [*survivor.relations, *survivor.inverse_relations]
    }
    moving, dropped = [], []
    for relation in relations:
        subject = survivor.id if relation.subject_id == merged.id else relation.subject_id
        obj = survivor.id if relation.object_id == merged.id else relation.object_id
        key = (subject, obj, relation.type)
        if subject == obj or key in existing:
            dropped.append(relation)
        else:
            existing.add(key)
            moving.append(relation)
    return moving, dropped


def _merged_relations(merged: Measure) -> list[Relation]:
    return sorted([*merged.relations, *merged.inverse_relations], key=lambda r: r.id)


def plan(session: Session, merged: Mergeable, survivor: Mergeable) -> MergePlan:
    """What a merge would do, or why it cannot be done; changes nothing."""
    kind = record_type(merged)
    result = MergePlan(kind, merged, survivor)
    result.refusal = _refusal(session, kind, merged, survivor)
    moves: list[str | None] = []
    if isinstance(merged, Organization):
        moves = [
            _phrase(
                _count(session, select(Statement.id).where(Statement.organization_id == merged.id)),
                "statement",
                "statements",
                "it made",
            ),
            _phrase(
                _count(
                    session,
                    select(statement_signatories.c.statement_id).where(
                        statement_signatories.c.organization_id == merged.id
                    ),
                ),
                "statement",
                "statements",
                "it co-signed",
            ),
            _phrase(len(merged.people), "person", "people", "of the organization"),
        ]
    elif isinstance(merged, Person):
        moves = [
            _phrase(
                _count(session, select(Statement.id).where(Statement.speaker_id == merged.id)),
                "statement",
                "statements",
                "they speak for",
            ),
            _phrase(
                _count(session, select(Quote.id).where(Quote.speaker_id == merged.id)),
                "quote",
                "quotes",
                "of theirs",
            ),
        ]
    elif isinstance(merged, Measure) and isinstance(survivor, Measure):
        moving, dropped = _relation_fate(_merged_relations(merged), merged, survivor)
        new_sources = [s for s in merged.sources if s not in survivor.sources]
        new_topics = [t for t in merged.topics if t not in survivor.topics]
        new_names = [n for n in merged.popular_names or [] if n not in survivor.popular_names]
        moves = [
            _phrase(len(merged.events), "event", "events", "of its timeline"),
            _phrase(len(moving), "relation", "relations", "to other measures"),
            _phrase(len(merged.statements), "statement", "statements", "about it"),
            _phrase(len(new_sources), "source", "sources", "of the measure as a whole"),
            _phrase(
                len(new_topics),
                "topic",
                "topics",
                "(" + ", ".join(t.name for t in new_topics) + ")",
            ),
            _phrase(
                len(new_names), "popular name", "popular names", "(" + "; ".join(new_names) + ")"
            ),
        ]
        for relation in dropped:
            result.drops.append(
                f"the relation “{label(relation)}”, which would "
                + (
                    "join the measure to itself"
                    if _self(relation, merged, survivor)
                    else "repeat one it has"
                )
            )
    result.moves = [move for move in moves if move]
    result.fills = [
        f"{what}: {_shown(name, value)}"
        for name, what, value in _fills(session, kind, merged, survivor)
    ]
    return result


def _self(relation: Relation, merged: Measure, survivor: Measure) -> bool:
    ends = {
        survivor.id if end == merged.id else end
        for end in (relation.subject_id, relation.object_id)
    }
    return len(ends) == 1


# -- merging ---------------------------------------------------------------------------------


def _move_organization(session: Session, merged: Organization, survivor: Organization) -> None:
    for statement in session.scalars(
        select(Statement).where(Statement.organization_id == merged.id)
    ):
        statement.organization = survivor
    signed = select(statement_signatories.c.statement_id).where(
        statement_signatories.c.organization_id == merged.id
    )
    for statement in session.scalars(select(Statement).where(Statement.id.in_(signed))):
        others = [org for org in statement.signatories if org.id != merged.id]
        statement.signatories = others if survivor in others else [*others, survivor]
    for person in list(merged.people):
        person.organization = survivor


def _move_person(session: Session, merged: Person, survivor: Person) -> None:
    for statement in session.scalars(select(Statement).where(Statement.speaker_id == merged.id)):
        statement.speaker = survivor
    for quote in session.scalars(select(Quote).where(Quote.speaker_id == merged.id)):
        quote.speaker = survivor


def _move_measure(session: Session, merged: Measure, survivor: Measure) -> None:
    for event in list(merged.events):
        event.measure = survivor
    moving, dropped = _relation_fate(_merged_relations(merged), merged, survivor)
    ends = {end for relation in dropped for end in (relation.subject, relation.object)}
    for relation in dropped:
        session.delete(relation)
    if dropped:
        session.flush()
        # The deleted rows are still in both ends' loaded collections; read them again.
        for measure in ends:
            session.expire(measure, ["relations", "inverse_relations"])
    for relation in moving:
        if relation.subject_id == merged.id:
            relation.subject = survivor
        if relation.object_id == merged.id:
            relation.object = survivor
    for statement in list(merged.statements):
        statement.measures = [m for m in statement.measures if m.id != merged.id]
        if survivor not in statement.measures:
            statement.measures.append(survivor)
    survivor.sources = [
        *survivor.sources,
        *(s for s in merged.sources if s not in survivor.sources),
    ]
    survivor.topics = [*survivor.topics, *(t for t in merged.topics if t not in survivor.topics)]
    names = list(survivor.popular_names or [])
    survivor.popular_names = [*names, *(n for n in merged.popular_names or [] if n not in names)]


MOVERS: dict[str, Callable[[Session, Any, Any], None]] = {
    "organization": _move_organization,
    "person": _move_person,
    "measure": _move_measure,
}


def _redirect(
    session: Session, kind: str, merged: Mergeable, survivor: Mergeable, public: bool
) -> None:
    """The merged record's address leads to the survivor, as do the addresses that led to the
    merged record (it may have taken in others before)."""
    session.execute(
        update(SlugRedirect)
        .where(SlugRedirect.record_type == kind, SlugRedirect.target_id == merged.id)
        .values(target_id=survivor.id)
    )
    session.execute(
        delete(SlugRedirect).where(
            SlugRedirect.record_type == kind, SlugRedirect.old_slug == merged.slug
        )
    )
    session.add(
        SlugRedirect(record_type=kind, old_slug=merged.slug, target_id=survivor.id, public=public)
    )


def merge(
    session: Session,
    merged: Mergeable,
    survivor: Mergeable,
    *,
    expected_versions: tuple[int | None, int | None] = (None, None),
    reason: str | None = None,
) -> Mergeable:
    """Merge ``merged`` into ``survivor`` (see the module's docstring); returns the survivor.

    Raises EditConflict when either record changed since the caller read it (the versions),
    MergeRefused when they may not be merged this way. Writes nothing then. The caller commits.
    """
    check_version(merged, expected_versions[0])
    check_version(survivor, expected_versions[1])
    kind = record_type(merged)
    if record_type(survivor) != kind:
        raise MergeRefused("Only two records of the same kind can be merged.")
    refusal = _refusal(session, kind, merged, survivor)
    if refusal:
        raise MergeRefused(refusal)
    merged_id, merged_slug, merged_label = merged.id, merged.slug, label(merged)
    merged_before = snapshot(merged)
    public = is_public(session, merged)
    why = (reason or "").strip()
    moved = f"Merged “{merged_label}” ({merged_slug}) into “{label(survivor)}” ({survivor.slug})"
    with session.no_autoflush, reason_context(session, f"{moved}. {why}" if why else moved):
        fills = _fills(session, kind, merged, survivor)
        MOVERS[kind](session, merged, survivor)
        for name, _, value in fills:
            setattr(survivor, name, value)
        session.flush()
        session.refresh(merged)  # what still points at it is gone: nothing to cascade
        session.delete(merged)
        session.flush()
        _redirect(session, kind, merged, survivor, public)
        suffix = f" {why}" if why else ""
        history.record_merge(
            session,
            survivor,
            (kind, merged_id, merged_label, merged_before),
            f"Merged “{merged_label}” ({merged_slug}) into this {kind}.{suffix}",
            f"Merged into “{label(survivor)}” ({survivor.slug}).{suffix}",
        )
    return survivor


def find_redirect(session: Session, kind: str, slug: str, view: Viewpoint) -> str | None:
    """The current slug of the record an old address of a merged record leads to, if the reader
    may follow it and may see that record; None otherwise (the address then answers 404)."""
    redirect = session.scalar(
        select(SlugRedirect).where(SlugRedirect.record_type == kind, SlugRedirect.old_slug == slug)
    )
    if redirect is None or not (redirect.public or view.sees_internal):
        return None
    target = cast(Mergeable | None, session.get(MERGEABLE[kind], redirect.target_id))
    if target is None or not view.sees(target):
        return None
    return str(target.slug)
