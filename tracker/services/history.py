"""Change history: one revision per created, updated, deleted or restored record.

Every write path (forms, the dataset import, the CLI, later the JSON API) goes through the
SQLAlchemy session, so the history is recorded there, by session listeners, rather than by each
service remembering to do it:

- ``before_flush`` finds the records that really change, reads their stored state from the
  database (a second session on the same connection, so it sees exactly what this flush is
  about to replace), and for a record whose only change is in a collection (a measure's topics,
  a statement's quotes) touches ``updated_at`` so that its version is checked and bumped too;
- ``after_flush`` writes the revisions, now that new records have their ids.

A record changed several times in one transaction (one save) gets one revision, whose ``before``
is the state the transaction started from. Who and why come from ``session.info`` (``actor``,
set per request for the signed-in user, or ``"import"``/``"cli"``; ``revision_reason``, set by
the editing services). Nothing about the author's connection is recorded.

Recording, reading and restoring stay together (~650 lines): restoring writes through the
saves and is recorded by the same listeners. What changed between two states, as people read
it, is in tracker.services.differences.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, event, insert, inspect, select, update
from sqlalchemy.orm import Session, SessionTransaction, selectinload
from sqlalchemy.orm.interfaces import LoaderOption
from sqlalchemy.orm.util import identity_key

from tracker import clock
from tracker.models import (
    Event,
    Measure,
    Organization,
    Person,
    Quote,
    Relation,
    Revision,
    Source,
    Statement,
    User,
    statement_measures,
)
from tracker.services import api_tokens
from tracker.services.events import save_event
from tracker.services.measures import save_measure, save_relation
from tracker.services.organizations import save_organization, save_person
from tracker.services.record_data import (
    DATA_TYPES,
    RECORD_TYPES,
    TYPE_OF,
    OrganizationData,
    PersonData,
    Record,
    data_from,
    label,
    snapshot,
)
from tracker.services.saving import ValidationFailed
from tracker.services.sources import save_source
from tracker.services.statements import save_statement

ACTOR = "actor"
DISABLED = "history_disabled"
_PENDING = "_history_pending"
_REGISTRY = "_history_registry"
_CHANGE = "_history_change_id"
_RESTORING = "_history_restoring"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes the changes of a session: a user, or a named process ("import", "cli")."""

    label: str
    user_id: int | None = None


def set_actor(session: Session, actor: Actor) -> None:
    session.info[ACTOR] = actor


def actor_for(user: User) -> Actor:
    return Actor(label=user.label, user_id=user.id)


def author(revision: Revision) -> str:
    """Who made a revision, for pages: the user's name as it is now (or the name kept, for a
    process or a deleted account), and the API token when the change came through one."""
    if revision.user is None:
        return revision.actor_label
    _, mark, token = revision.actor_label.partition(api_tokens.ACTOR_MARK)
    return revision.user.label + (mark + token if mark else "")


# --------------------------------------------------------------------------------------------
# The listeners

_BEFORE_OPTIONS: dict[type[Any], tuple[LoaderOption, ...]] = {
    Measure: (selectinload(Measure.topics), selectinload(Measure.sources)),
    Event: (selectinload(Event.measure), selectinload(Event.sources)),
    Relation: (selectinload(Relation.subject), selectinload(Relation.object)),
    Statement: (
        selectinload(Statement.organization),
        selectinload(Statement.speaker),
        selectinload(Statement.signatories),
        selectinload(Statement.measures),
        selectinload(Statement.quotes).selectinload(Quote.speaker),
        selectinload(Statement.sources),
        selectinload(Statement.reacts_to),
    ),
    Organization: (),
    Person: (selectinload(Person.organization),),
    Source: (),
}


def _row(
    session: Session,
    kind: str,
    record_id: int,
    name: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None,
) -> dict[str, Any]:
    """A new revision as a row: who (the session's actor) and which change it belongs to."""
    actor: Actor = session.info.get(ACTOR) or Actor("system")
    return {
        "change_id": session.info.setdefault(_CHANGE, uuid.uuid4().hex),
        "created_at": clock.now(),
        "user_id": actor.user_id,
        "actor_label": actor.label[:200],
        "record_type": kind,
        "record_id": record_id,
        "record_label": name[:1000],
        "action": action,
        "before": before,
        "after": after,
        "reason": reason,
    }


def record_bulk(
    session: Session, kind: str, records: Iterable[tuple[int, str, dict[str, Any]]]
) -> None:
    """Revisions for records the importer wrote in bulk, past the ORM and so past the listeners.

    Each ``(record_id, label, after)`` gets its creation revision; a record whose creation this
    change already recorded (a measure made through the ORM whose topics and sources were then
    written in bulk) gets its revision completed instead. ``after`` is what ``snapshot`` would
    give for the record.
    """
    registry: dict[tuple[str, int], tuple[int, dict[str, Any] | None, str]] = (
        session.info.setdefault(_REGISTRY, {})
    )
    reason = session.info.get("revision_reason")
    table = cast(Table, Revision.__table__)
    created: list[dict[str, Any]] = []
    completed: list[dict[str, Any]] = []
    for record_id, name, after in records:
        known = registry.get((kind, record_id))
        if known is not None:
            completed.append({"revision_id": known[0], "completed": after})
            continue
        created.append(_row(session, kind, record_id, name, "create", None, after, reason))
    connection = session.connection()
    for start in range(0, len(created), 5000):
        connection.execute(insert(table), created[start : start + 5000])
    if completed:
        statement = (
            update(table)
            .where(table.c.id == bindparam("revision_id"))
            .values(after=bindparam("completed"))
        )
        for start in range(0, len(completed), 5000):
            connection.execute(statement, completed[start : start + 5000])


def install() -> None:
    """Record history for every session (idempotent; create_app and the importer call it)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_transaction_end", _transaction_ended)
        event.listen(Session, "after_soft_rollback", _forget)


def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    # A SAVEPOINT released inside a save is part of the same change; only the end of the
    # whole transaction starts a new one.
    if transaction.parent is None:
        _forget(session)


def _forget(session: Session, *_args: Any) -> None:
    """After a rollback (even of a SAVEPOINT) revisions we wrote may be gone: merge no more."""
    for key in (_PENDING, _REGISTRY, _CHANGE):
        session.info.pop(key, None)


def _identity(record: object) -> int | None:
    identity = inspect(record).identity
    return int(identity[0]) if identity else None


def _columns_changed(record: object) -> bool:
    state = inspect(record)
    return any(
        state.attrs[column.key].history.has_changes() for column in state.mapper.column_attrs
    )


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(DISABLED):
        return
    with session.no_autoflush:
        new = [obj for obj in session.new if type(obj) in TYPE_OF]
        deleted = [obj for obj in session.deleted if type(obj) in TYPE_OF]
        skip = {id(obj) for obj in (*new, *deleted)}
        changed: dict[int, Any] = {}
        for obj in session.dirty:
            if type(obj) in TYPE_OF and id(obj) not in skip and session.is_modified(obj):
                changed[id(obj)] = obj
        # A quote edited in place changes its statement, which is not dirty itself.
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, Quote) and session.is_modified(obj) and obj.statement is not None:
                parent = obj.statement
                if id(parent) not in skip and parent in session:
                    changed[id(parent)] = parent
        if not (new or deleted or changed):
            return
        stored = _stored_states(session, [*changed.values(), *deleted])
        pending: list[tuple[Any, str, dict[str, Any] | None]] = session.info.setdefault(
            _PENDING, []
        )
        for obj in changed.values():
            before = stored.get((type(obj), _identity(obj)))
            if before is not None and before == snapshot(obj):
                continue  # assigned, but nothing that a revision shows differs
            if not _columns_changed(obj) and hasattr(obj, "updated_at"):
                # Only a collection changed (topics, quotes, sources...): touch the row so
                # that its version is checked and bumped like any other edit.
                obj.updated_at = clock.now()
            pending.append((obj, "update", before))
        for obj in deleted:
            before = stored.get((type(obj), _identity(obj))) or snapshot(obj)
            links = _links(session, obj)
            if links:
                before = {**before, "_links": links}
            pending.append((obj, "delete", before))
        for obj in new:
            pending.append((obj, "create", None))


def _stored_states(
    session: Session, records: Sequence[Any]
) -> dict[tuple[type[Any], int | None], dict[str, Any]]:
    """The records as the database holds them now, before this flush writes."""
    by_type: dict[type[Any], list[int]] = defaultdict(list)
    for record in records:
        identity = _identity(record)
        if identity is not None:
            by_type[type(record)].append(identity)
    if not by_type:
        return {}
    states: dict[tuple[type[Any], int | None], dict[str, Any]] = {}
    reader = Session(bind=session.connection(), autoflush=False)
    reader.info[DISABLED] = True
    try:
        for model, ids in by_type.items():
            for chunk in range(0, len(ids), 500):
                query = (
                    select(model)
                    .where(model.id.in_(ids[chunk : chunk + 500]))
                    .options(*_BEFORE_OPTIONS[model])
                )
                for record in reader.scalars(query):
                    states[(model, record.id)] = snapshot(record)
    finally:
        reader.close()
    return states


def _links(session: Session, record: Any) -> dict[str, list[int]]:
    """What points at a record about to be deleted, so that undoing the deletion re-links it."""
    identity = _identity(record)
    if identity is None:
        return {}
    links: dict[str, list[int]] = {}
    if isinstance(record, Measure):
        links["statements"] = list(
            session.scalars(
                select(statement_measures.c.statement_id).where(
                    statement_measures.c.measure_id == identity
                )
            )
        )
    elif isinstance(record, Event):
        links["reacted_by"] = list(
            session.scalars(select(Statement.id).where(Statement.reacts_to_event_id == identity))
        )
    elif isinstance(record, Organization):
        links["people"] = list(
            session.scalars(select(Person.id).where(Person.organization_id == identity))
        )
    elif isinstance(record, Person):
        links["speaker_of"] = list(
            session.scalars(select(Statement.id).where(Statement.speaker_id == identity))
        )
        links["quoted_in"] = list(
            session.scalars(select(Quote.id).where(Quote.speaker_id == identity))
        )
    return {key: value for key, value in links.items() if value}


def _after_flush(session: Session, _context: Any) -> None:
    pending: list[tuple[Any, str, dict[str, Any] | None]] = session.info.pop(_PENDING, [])
    if not pending:
        return
    connection = session.connection()
    registry: dict[tuple[str, int], tuple[int, dict[str, Any] | None, str]] = (
        session.info.setdefault(_REGISTRY, {})
    )
    reason = session.info.get("revision_reason")
    restoring = bool(session.info.get(_RESTORING))
    table = cast(Table, Revision.__table__)
    fresh: list[dict[str, Any]] = []
    with session.no_autoflush:
        for obj, action, before in pending:
            # Not the identity key: new records only get theirs after this hook.
            record_id = obj.id
            if record_id is None:
                continue
            kind = TYPE_OF[type(obj)]
            after = None if action == "delete" else snapshot(obj)
            name = label(obj)[:1000]
            key = (kind, record_id)
            if key in registry:
                revision_id, first_before, first_action = registry[key]
                if first_action == "create" and action == "delete":
                    connection.execute(delete(table).where(table.c.id == revision_id))
                    del registry[key]
                    _expire_revision(session, revision_id)
                    continue
                merged = first_action if first_action in ("create", "restore", "merge") else action
                if merged == "update" and first_before == after:
                    connection.execute(delete(table).where(table.c.id == revision_id))
                    del registry[key]
                    _expire_revision(session, revision_id)
                    continue
                values: dict[str, Any] = {"after": after, "action": merged, "record_label": name}
                if reason:
                    values["reason"] = reason
                connection.execute(update(table).where(table.c.id == revision_id).values(values))
                registry[key] = (revision_id, first_before, merged)
                _expire_revision(session, revision_id)
                continue
            final = "restore" if restoring else action
            fresh.append(_row(session, kind, record_id, name, final, before, after, reason))
    # One INSERT for all of the flush's new revisions (an import's flush holds thousands), the
    # ids returned in the order of the rows.
    for start in range(0, len(fresh), 1000):
        rows = fresh[start : start + 1000]
        ids = connection.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        for row, revision_id in zip(rows, ids, strict=True):
            key = (row["record_type"], row["record_id"])
            registry[key] = (revision_id, row["before"], row["action"])


def _expire_revision(session: Session, revision_id: int) -> None:
    """Forget a loaded copy of a revision that was just rewritten behind the ORM's back."""
    loaded = session.identity_map.get(identity_key(Revision, revision_id))
    if loaded is not None:
        session.expunge(loaded)


def record_merge(
    session: Session,
    survivor: Record,
    merged: tuple[str, int, str, dict[str, Any]],
    survivor_reason: str,
    merged_reason: str,
) -> None:
    """Record a merge (tracker.services.merging) on both records, once its changes are made:
    the merged record's deletion becomes its "merge" revision, and the survivor gets one even
    when none of its own fields changed (what moved to it are other records' changes).

    ``merged``: the merged record's kind, id, label and state before the merge.
    """
    session.flush()
    registry: dict[tuple[str, int], tuple[int, dict[str, Any] | None, str]] = (
        session.info.setdefault(_REGISTRY, {})
    )
    table = cast(Table, Revision.__table__)
    connection = session.connection()

    def mark(key: tuple[str, int], reason: str) -> None:
        revision_id, before, _ = registry[key]
        values = {"action": "merge", "reason": reason}
        connection.execute(update(table).where(table.c.id == revision_id).values(values))
        registry[key] = (revision_id, before, "merge")
        _expire_revision(session, revision_id)

    def add(key: tuple[str, int], row: dict[str, Any]) -> None:
        revision_id = connection.execute(insert(table).returning(table.c.id), row).scalar_one()
        registry[key] = (revision_id, row["before"], "merge")

    kind, record_id, name, before = merged
    if (kind, record_id) in registry:
        mark((kind, record_id), merged_reason)  # its deletion, flushed above
    else:  # created in this same transaction, its creation and deletion cancelled out
        add(
            (kind, record_id),
            _row(session, kind, record_id, name, "merge", before, None, merged_reason),
        )
    key = (TYPE_OF[type(survivor)], survivor.id)
    if key in registry:
        mark(key, survivor_reason)
    else:
        state = snapshot(survivor)
        add(
            key,
            _row(session, key[0], key[1], label(survivor), "merge", state, state, survivor_reason),
        )


# --------------------------------------------------------------------------------------------
# Reading the history


def find_record(session: Session, record_type: str, record_id: int) -> Any | None:
    model = RECORD_TYPES.get(record_type)
    return session.get(model, record_id) if model is not None else None


def record_history(session: Session, record_type: str, record_id: int) -> list[Revision]:
    """Every revision of one record, newest first."""
    query = (
        select(Revision)
        .where(Revision.record_type == record_type, Revision.record_id == record_id)
        .options(selectinload(Revision.user))
        .order_by(Revision.id.desc())
    )
    return list(session.scalars(query))


def find_deletion(session: Session, record_type: str, slug: str) -> Revision | None:
    """The latest deletion of a record that had this slug (among the recent deletions)."""
    query = (
        select(Revision)
        .where(Revision.record_type == record_type, Revision.action == "delete")
        .order_by(Revision.id.desc())
        .limit(500)
    )
    for revision in session.scalars(query):
        if revision.before and revision.before.get("slug") == slug:
            return revision
    return None


@dataclass(slots=True)
class ChangesPage:
    revisions: list[Revision]
    next_before: int | None


def recent_changes(
    session: Session,
    user_id: int | None = None,
    record_type: str | None = None,
    actor_label: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> ChangesPage:
    """The latest revisions across the tracker, newest first, a page at a time."""
    query = select(Revision).options(selectinload(Revision.user)).order_by(Revision.id.desc())
    if user_id is not None:
        query = query.where(Revision.user_id == user_id)
    if actor_label is not None:
        query = query.where(Revision.user_id.is_(None), Revision.actor_label == actor_label)
    if record_type:
        query = query.where(Revision.record_type == record_type)
    if before is not None:
        query = query.where(Revision.id < before)
    rows = list(session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return ChangesPage(rows, rows[-1].id if more and rows else None)


def authors(session: Session) -> list[tuple[int | None, str]]:
    """Everyone who has changed something: (user id, label), users first, then processes."""
    users = session.execute(
        select(User.id, User.name, User.email)
        .where(User.id.in_(select(Revision.user_id).where(Revision.user_id.is_not(None))))
        .order_by(User.name)
    )
    result: list[tuple[int | None, str]] = [(uid, name or email) for uid, name, email in users]
    processes = session.scalars(
        select(Revision.actor_label).where(Revision.user_id.is_(None)).distinct()
    )
    result += [(None, label) for label in sorted(processes)]
    return result


# --------------------------------------------------------------------------------------------
# Restoring


class RestoreFailed(ValueError):
    """A revision cannot be restored as it is; the message says why and what to do."""


_RESTORE_ORDER = ["measure", "organization", "person", "source", "statement", "event", "relation"]


def restorable_state(revision: Revision) -> dict[str, Any] | None:
    """What restoring a revision brings back: the state after it, or before a deletion."""
    return revision.before if revision.action == "delete" else revision.after


def restore(session: Session, revision: Revision, reason: str | None = None) -> list[str]:
    """Make the record what it was at ``revision`` (undo a deletion with what it took along).

    Writes new revisions (action "restore"); returns notes about links that could not be
    brought back. Raises RestoreFailed, or ValidationFailed, and writes nothing then.
    """
    state = restorable_state(revision)
    if state is None:
        raise RestoreFailed("This revision has no state to restore.")
    when = revision.created_at.strftime("%-d %b %Y %H:%M UTC")
    reason = reason or f"Restored the version of {when} (revision {revision.id})"
    notes: list[str] = []
    session.info[_RESTORING] = True
    try:
        with session.begin_nested():
            _restore_one(session, revision.record_type, revision.record_id, state, reason)
            if revision.action == "delete":
                group = session.scalars(
                    select(Revision).where(
                        Revision.change_id == revision.change_id,
                        Revision.action == "delete",
                        Revision.id != revision.id,
                    )
                )
                others = sorted(group, key=lambda r: (_RESTORE_ORDER.index(r.record_type), r.id))
                for other in others:
                    if find_record(session, other.record_type, other.record_id) is not None:
                        continue
                    assert other.before is not None
                    try:
                        with session.begin_nested():
                            _restore_one(
                                session, other.record_type, other.record_id, other.before, reason
                            )
                    except (ValidationFailed, RestoreFailed) as exc:
                        notes.append(f"Could not bring back {other.record_label}: {exc}")
                for other in [revision, *others]:
                    if other.before and "_links" in other.before:
                        notes += _relink(session, other.record_type, other.record_id, other.before)
            session.flush()
    finally:
        session.info.pop(_RESTORING, None)
    return notes


def _restore_one(
    session: Session, record_type: str, record_id: int, state: Mapping[str, Any], reason: str
) -> Record:
    # A new shell record must not be flushed half-built by a query's autoflush.
    with session.no_autoflush:
        return _restore_record(session, record_type, record_id, state, reason)


def _restore_record(
    session: Session, record_type: str, record_id: int, state: Mapping[str, Any], reason: str
) -> Record:
    model = RECORD_TYPES[record_type]
    data = data_from(DATA_TYPES[record_type], state)
    existing = session.get(model, record_id)
    if isinstance(data, OrganizationData | PersonData) and ("visibility" not in state):
        # Written before organizations and people had a visibility of their own (migration
        # 0007): the data's default would decide it. Keep the record's own; one that comes back
        # from deletion comes back internal, and an editor decides.
        data.visibility = existing.visibility if existing is not None else "internal"
    if record_type == "event":
        measure = session.get(Measure, state.get("measure_id")) or session.scalar(
            select(Measure).where(Measure.slug == state.get("measure"))
        )
        if measure is None:
            raise RestoreFailed("its measure was deleted; restore the measure first.")
        if existing is None:
            existing = Event(id=record_id)
            measure.events.append(existing)
        return save_event(session, existing.measure, existing, data, reason=reason)
    if record_type == "relation":
        subject = session.get(Measure, state.get("subject_id")) or session.scalar(
            select(Measure).where(Measure.slug == state.get("subject"))
        )
        if subject is None:
            raise RestoreFailed("its measure was deleted; restore the measure first.")
        if existing is None:
            existing = Relation(id=record_id, subject=subject)
            session.add(existing)
        return save_relation(session, subject, existing, data, reason=reason)
    if existing is None:
        existing = model(id=record_id)
        session.add(existing)
    saver: Any = {
        "measure": save_measure,
        "statement": save_statement,
        "organization": save_organization,
        "person": save_person,
        "source": save_source,
    }[record_type]
    record: Record = saver(session, existing, data, reason=reason)
    return record


def _relink(
    session: Session, record_type: str, record_id: int, state: Mapping[str, Any]
) -> list[str]:
    """Point back at a restored record whatever pointed at it before it was deleted."""
    links: Mapping[str, Iterable[int]] = state.get("_links") or {}
    record = find_record(session, record_type, record_id)
    if record is None:
        return []
    notes: list[str] = []
    if isinstance(record, Measure):
        for statement_id in links.get("statements", []):
            statement = session.get(Statement, statement_id)
            if statement is not None and record not in statement.measures:
                statement.measures.append(record)
    elif isinstance(record, Event):
        for statement_id in links.get("reacted_by", []):
            statement = session.get(Statement, statement_id)
            if statement is not None and statement.reacts_to is None:
                statement.reacts_to = record
    elif isinstance(record, Organization):
        for person_id in links.get("people", []):
            person = session.get(Person, person_id)
            if person is not None and person.organization is None:
                person.organization = record
    elif isinstance(record, Person):
        for statement_id in links.get("speaker_of", []):
            statement = session.get(Statement, statement_id)
            if statement is not None and statement.speaker is None:
                statement.speaker = record
        for quote_id in links.get("quoted_in", []):
            quote = session.get(Quote, quote_id)
            if quote is not None and quote.speaker is None:
                quote.speaker = record
    return notes
