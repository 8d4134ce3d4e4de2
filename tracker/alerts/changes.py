"""What changed since a subscription's high-water mark, read from the revision history.

A round loads its window once (``Window``): every revision after the lowest mark among the
subscriptions it serves, the records they are about as they stand now, and the events whose day
came or comes within reach since the earliest day a subscription last looked. Each subscription
then takes what lies after its own mark (``Window.items``), so ten thousand subscriptions share
one pass over the changes.

What a subscription is told (an ``Item``):

- ``status``: a change of stage, outcome or legal force. "Old" is the status as the subscriber
  last knew it: the measure's events as they were at the mark, rebuilt by undoing the window's
  revisions of its events (their ``before`` snapshots), on the day the subscription last looked;
  "new" is the events now, today. A future-dated event entering into force therefore changes
  the status once, the round after its day comes, and never again;
- ``measure``, ``event``, ``statement``, ``relation``: a record created in the window that still
  exists (a new copycat is a new ``modelled-on`` relation, told to the followers of either end);
- ``today``: an event recorded before the window whose day came since the last look;
- ``due``: an event or the end of a term of force that came within ``due_days`` since the last
  look: told once, when it enters that window, because the window's start moves with every round;
- ``edit`` (for "mine"): a change someone else made to a record the subscriber created.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from tracker.alerts import saved_lists
from tracker.dates import DateParseError, PartialDate
from tracker.models import (
    AlertSubscription,
    Event,
    Measure,
    Relation,
    Revision,
    Statement,
)
from tracker.services.sources import source_namer
from tracker.status import Status, derive_status
from tracker.viewpoint import Viewpoint

ItemKind = Literal["status", "measure", "event", "statement", "relation", "today", "due", "edit"]

# The order a digest tells things in, most consequential first.
ITEM_ORDER: dict[str, int] = {
    "status": 0,
    "measure": 1,
    "relation": 2,
    "event": 3,
    "today": 4,
    "due": 5,
    "statement": 6,
    "edit": 7,
}


@dataclass(slots=True, eq=False)
class Item:
    """One thing to tell a subscriber."""

    kind: ItemKind
    revision_id: int
    """The revision that told it; 0 for what the calendar brings (today, due)."""
    measure: Measure | None = None
    event: Event | None = None
    statement: Statement | None = None
    relation: Relation | None = None
    old: Status | None = None
    new: Status | None = None
    day: dt.date | None = None
    """The day something is due (an event's first possible day, a term's last day)."""
    revision: Revision | None = None
    recorded_by: int = 0
    """For today and due: the revision that created the event when it lies in the window (a
    subscriber whose mark is before it hears of the event as new instead)."""

    @property
    def sort_key(self) -> tuple[int, str, int]:
        title = self.measure.display_title if self.measure is not None else ""
        return (ITEM_ORDER[self.kind], title, self.revision_id)


@dataclass(frozen=True, slots=True)
class _SnapshotEvent:
    """An event as a revision stored it: enough for the status rule (tracker.status.EventLike)."""

    type: str
    date: PartialDate
    end_date: PartialDate | None
    actor: str | None


def _snapshot_event(values: Mapping[str, Any]) -> _SnapshotEvent | None:
    try:
        end = values.get("end_date")
        return _SnapshotEvent(
            type=str(values["type"]),
            date=PartialDate.from_iso(str(values["date"]), bool(values.get("approximate"))),
            end_date=(
                PartialDate.from_iso(str(end), bool(values.get("end_approximate"))) if end else None
            ),
            actor=values.get("actor"),
        )
    except (KeyError, DateParseError):
        return None  # an older snapshot the rule cannot read leaves the event out


def _changed(old: Status, new: Status) -> bool:
    old_stage = old.stage.code if old.stage else None
    new_stage = new.stage.code if new.stage else None
    return (old_stage, old.outcome.code, old.force.code) != (
        new_stage,
        new.outcome.code,
        new.force.code,
    )


@dataclass(slots=True)
class Window:
    """Everything one round may tell, loaded once: see the module's docstring."""

    session: Session
    after: int
    """The lowest high-water mark among the subscriptions served."""
    upto: int
    """The newest revision considered: every served mark moves here."""
    since: dt.date
    """The earliest day a served subscription last looked."""
    today: dt.date
    revisions: list[Revision] = field(default_factory=list)
    measures: dict[int, Measure] = field(default_factory=dict)
    by_measure: dict[int, list[Item]] = field(default_factory=lambda: defaultdict(list))
    by_organization: dict[str, list[Item]] = field(default_factory=lambda: defaultdict(list))
    edits_by_creator: dict[int, list[Item]] = field(default_factory=lambda: defaultdict(list))
    by_slug: dict[str, int] = field(default_factory=dict)
    by_country: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_topic: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    _event_revisions: dict[int, list[Revision]] = field(default_factory=lambda: defaultdict(list))
    _created_at: dict[tuple[str, int], int] = field(default_factory=dict)
    _old: dict[tuple[int, int, dt.date], Status | None] = field(default_factory=dict)
    _new: dict[int, Status] = field(default_factory=dict)
    _lineages: dict[int, set[int]] = field(default_factory=dict)
    _lists: dict[tuple[str, str], saved_lists.Matches | None] = field(default_factory=dict)
    _cite: Any = None

    # -- loading -----------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        session: Session,
        after: int,
        since: dt.date,
        today: dt.date,
        longest_due_days: int,
    ) -> Window:
        """The window after revision ``after``, and from the day ``since`` to ``today`` (plus
        ``longest_due_days`` for what is coming)."""
        upto = session.scalar(select(func.max(Revision.id))) or 0
        window = cls(session, after, upto, since, today)
        window.revisions = list(
            session.scalars(
                select(Revision)
                .where(Revision.id > after, Revision.id <= upto)
                .order_by(Revision.id)
            )
        )
        window._load_revised()
        window._load_calendar(longest_due_days)
        return window

    def _load_revised(self) -> None:
        session = self.session
        ids: dict[str, set[int]] = defaultdict(set)
        slugs: set[str] = set()
        for revision in self.revisions:
            ids[revision.record_type].add(revision.record_id)
            for snapshot in (revision.before, revision.after):
                if not snapshot:
                    continue
                if revision.record_type == "event" and "measure_id" in snapshot:
                    self._event_revisions[int(snapshot["measure_id"])].append(revision)
                if revision.record_type == "relation" and snapshot.get("target"):
                    slugs.add(str(snapshot["target"]))
            if revision.action in ("create", "restore"):
                self._created_at.setdefault((revision.record_type, revision.record_id), revision.id)
        for measure_id, revisions in self._event_revisions.items():
            # A revision whose before and after both name the measure is listed once.
            self._event_revisions[measure_id] = list({r.id: r for r in revisions}.values())
        events = self._get(Event, ids["event"], selectinload(Event.measure))
        statements = self._get(
            Statement,
            ids["statement"],
            selectinload(Statement.measures),
            selectinload(Statement.organization),
            selectinload(Statement.signatories),
        )
        relations = self._get(
            Relation, ids["relation"], selectinload(Relation.subject), selectinload(Relation.object)
        )
        measure_ids = set(ids["measure"]) | set(self._event_revisions)
        measure_ids |= {e.measure_id for e in events.values()}
        for relation in relations.values():
            measure_ids |= {relation.subject_id, relation.object_id}
        for statement in statements.values():
            measure_ids |= {m.id for m in statement.measures}
        if slugs:
            measure_ids |= set(session.scalars(select(Measure.id).where(Measure.slug.in_(slugs))))
        self._add_measures(measure_ids)

        creators = self._creators()
        for revision in self.revisions:
            key = (revision.record_type, revision.record_id)
            created_here = self._created_at.get(key) == revision.id
            if created_here:
                self._record_item(revision, events, statements, relations)
            creator = creators.get(key)
            if creator is not None and creator != revision.user_id:
                self.edits_by_creator[creator].append(Item("edit", revision.id, revision=revision))

    def _record_item(
        self,
        revision: Revision,
        events: Mapping[int, Event],
        statements: Mapping[int, Statement],
        relations: Mapping[int, Relation],
    ) -> None:
        kind, record_id = revision.record_type, revision.record_id
        if kind == "measure" and record_id in self.measures:
            measure = self.measures[record_id]
            self.by_measure[record_id].append(Item("measure", revision.id, measure=measure))
        elif kind == "event" and record_id in events:
            event = events[record_id]
            item = Item("event", revision.id, measure=event.measure, event=event)
            self.by_measure[event.measure_id].append(item)
        elif kind == "relation" and record_id in relations:
            relation = relations[record_id]
            item = Item("relation", revision.id, measure=relation.subject, relation=relation)
            self.by_measure[relation.subject_id].append(item)
            self.by_measure[relation.object_id].append(item)
        elif kind == "statement" and record_id in statements:
            statement = statements[record_id]
            item = Item("statement", revision.id, statement=statement)
            for measure in statement.measures:
                self.by_measure[measure.id].append(item)
            for organization in {statement.organization, *statement.signatories}:
                self.by_organization[organization.slug].append(item)

    def _creators(self) -> dict[tuple[str, int], int]:
        """Who created each record the window changes (for "mine"), from its create revision."""
        wanted: dict[str, set[int]] = defaultdict(set)
        for revision in self.revisions:
            wanted[revision.record_type].add(revision.record_id)
        creators: dict[tuple[str, int], int] = {}
        for record_type, record_ids in wanted.items():
            ordered = sorted(record_ids)
            for start in range(0, len(ordered), 500):
                rows = self.session.execute(
                    select(Revision.record_id, Revision.user_id).where(
                        Revision.record_type == record_type,
                        Revision.action == "create",
                        Revision.user_id.is_not(None),
                        Revision.record_id.in_(ordered[start : start + 500]),
                    )
                )
                for record_id, user_id in rows:
                    if user_id is not None:
                        creators.setdefault((record_type, record_id), user_id)
        return creators

    def _load_calendar(self, longest_due_days: int) -> None:
        """Events whose day came since ``since`` (today), or that came within reach of the
        longest ``due_days`` (due), and terms of force that end in that reach."""
        reach = self.today + dt.timedelta(days=longest_due_days)
        query = (
            select(Event)
            .options(selectinload(Event.measure))
            .where(
                or_(
                    (Event.date_end > self.since) & (Event.date_end <= self.today),
                    (Event.date_start > self.today) & (Event.date_start <= reach),
                    # A term ending from the day before ``since`` on: it expires after its day.
                    (Event.end_date_end >= self.since - dt.timedelta(days=1))
                    & (Event.end_date_end <= reach),
                )
            )
        )
        events = list(self.session.scalars(query))
        self._add_measures({event.measure_id for event in events})
        expiring: set[int] = set()
        for event in events:
            recorded_by = self._created_at.get(("event", event.id), 0)
            on_measure = self.by_measure[event.measure_id]
            if event.date_end is not None and self.since < event.date_end <= self.today:
                on_measure.append(
                    Item(
                        "today",
                        0,
                        measure=event.measure,
                        event=event,
                        day=event.date_end,
                        recorded_by=recorded_by,
                    )
                )
            elif self.today < event.date_start:
                on_measure.append(
                    Item(
                        "due",
                        0,
                        measure=event.measure,
                        event=event,
                        day=event.date_start,
                        recorded_by=recorded_by,
                    )
                )
            if event.end_date is not None and event.measure_id not in expiring:
                # The term's end as the status rule sees it now (a later extension moves it).
                new = self.new_status(event.measure)
                if new.term_end is not None and new.term_end >= self.today:
                    expiring.add(event.measure_id)
                    on_measure.append(Item("due", 0, measure=event.measure, day=new.term_end))

    def _get(self, model: Any, ids: Iterable[int], *options: Any) -> dict[int, Any]:
        found: dict[int, Any] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            query = select(model).where(model.id.in_(ordered[start : start + 500]))
            for record in self.session.scalars(query.options(*options)):
                found[record.id] = record
        return found

    def _add_measures(self, ids: Iterable[int]) -> None:
        missing = set(ids) - set(self.measures)
        found = self._get(
            Measure, missing, selectinload(Measure.topics), selectinload(Measure.events)
        )
        for measure in found.values():
            self.measures[measure.id] = measure
            self.by_country[measure.country].add(measure.id)
            self.by_slug[measure.slug] = measure.id
            for topic in measure.topics:
                self.by_topic[topic.slug].add(measure.id)

    # -- statuses ----------------------------------------------------------------------------

    def new_status(self, measure: Measure) -> Status:
        """The measure's status today, from its events now."""
        found = self._new.get(measure.id)
        if found is None:
            found = self._new[measure.id] = derive_status(measure.events, self.today, self._namer)
        return found

    def _namer(self, event: Any) -> str | None:
        if self._cite is None:
            self._cite = source_namer(self.session)
        if not isinstance(event, Event):
            return None
        name: str | None = self._cite(event)
        return name

    def old_status(self, measure: Measure, mark: int, day: dt.date) -> Status | None:
        """The status the subscriber last knew: the events as they were at revision ``mark``,
        on ``day``; None when the measure did not exist then."""
        key = (measure.id, mark, day)
        if key in self._old:
            return self._old[key]
        if self._created_at.get(("measure", measure.id), 0) > mark:
            self._old[key] = None
            return None
        events: dict[int, Any] = {event.id: event for event in measure.events}
        for revision in sorted(
            self._event_revisions.get(measure.id, ()), key=lambda r: r.id, reverse=True
        ):
            if revision.id <= mark:
                break
            before = revision.before
            if before and int(before.get("measure_id", -1)) == measure.id:
                snapshot = _snapshot_event(before)
                if snapshot is not None:
                    events[revision.record_id] = snapshot
                    continue
            events.pop(revision.record_id, None)
        found = derive_status(events.values(), day, self._namer)
        self._old[key] = found
        return found

    def status_item(
        self, measure: Measure, mark: int, day: dt.date, items: Sequence[Item]
    ) -> Item | None:
        """A status change of the measure since (mark, day), if there is one."""
        revised = any(r.id > mark for r in self._event_revisions.get(measure.id, ()))
        calendar = any(i.kind in ("today", "due") for i in items)
        if not revised and not calendar and day >= self.today:
            return None
        old = self.old_status(measure, mark, day)
        if old is None:
            return None
        new = self.new_status(measure)
        if not _changed(old, new):
            return None
        revision_id = max(
            (r.id for r in self._event_revisions.get(measure.id, ()) if r.id > mark), default=0
        )
        return Item("status", revision_id, measure=measure, old=old, new=new)

    # -- what one subscription is told --------------------------------------------------------

    def lineage(self, root: int) -> set[int]:
        """Everything modelled on ``root``, directly or through a chain of copies."""
        found = self._lineages.get(root)
        if found is not None:
            return found
        pairs = self.session.execute(
            select(Relation.subject_id, Relation.object_id).where(Relation.type == "modelled-on")
        ).all()
        copies: dict[int, set[int]] = defaultdict(set)
        for subject_id, object_id in pairs:
            copies[object_id].add(subject_id)
        found, todo = set(), [root]
        while todo:
            for copy in copies.get(todo.pop(), ()):
                if copy not in found and copy != root:
                    found.add(copy)
                    todo.append(copy)
        self._lineages[root] = found
        return found

    def saved_list(self, target: str, view: Viewpoint) -> saved_lists.Matches | None:
        key = (target, view.audience)
        if key not in self._lists:
            self._lists[key] = saved_lists.matches(self.session, target, view)
        return self._lists[key]

    def items(
        self,
        subscription: AlertSubscription,
        view: Viewpoint,
        user_id: int | None,
        mark: int,
        seen_day: dt.date,
    ) -> list[Item]:
        """What ``subscription`` is told: its kind of target, after its mark, as ``view`` may
        see it, without repeats."""
        kind, target = subscription.target_kind, subscription.target
        due_until = self.today + dt.timedelta(days=subscription.due_days)
        due_from = seen_day + dt.timedelta(days=subscription.due_days)
        measure_ids: set[int] = set()
        extra: list[Item] = []
        matches: saved_lists.Matches | None = None
        if kind == "measure":
            found = self.by_slug.get(target)
            measure_ids = {found} if found is not None else set()
        elif kind == "country":
            measure_ids = set(self.by_country.get(target.upper(), ()))
        elif kind == "topic":
            measure_ids = set(self.by_topic.get(target, ()))
        elif kind == "lineage":
            root = self.session.scalar(select(Measure.id).where(Measure.slug == target))
            if root is not None:
                copies = self.lineage(root)
                measure_ids = copies & set(self.measures)
                # A new copy of the root itself: the relation is listed under the root too.
                extra = [
                    i
                    for i in self.by_measure.get(root, ())
                    if i.kind == "relation"
                    and i.relation is not None
                    and i.relation.object_id == root
                    and i.relation.type == "modelled-on"
                ]
        elif kind == "organization":
            extra = list(self.by_organization.get(target, ()))
        elif kind == "search":
            # Every candidate; the list's own query (``matches``) decides item by item.
            matches = self.saved_list(target, view)
            if matches is not None:
                measure_ids = set(self.measures)
        elif kind == "mine" and user_id is not None:
            extra = list(self.edits_by_creator.get(user_id, ()))

        chosen: dict[int, Item] = {}
        for measure_id in measure_ids:
            measure = self.measures.get(measure_id)
            if measure is None:
                continue
            for item in self.by_measure.get(measure_id, ()):
                if matches is not None and not matches.holds(item):
                    continue
                chosen.setdefault(id(item), item)
        for item in extra:
            chosen.setdefault(id(item), item)

        told: list[Item] = []
        for item in chosen.values():
            if item.kind == "today":
                assert item.day is not None
                if not seen_day < item.day <= self.today:
                    continue
            elif item.kind == "due":
                assert item.day is not None
                if not (due_from < item.day <= due_until and item.day > self.today):
                    continue
            elif item.revision_id <= mark:
                continue
            if item.recorded_by > mark:
                continue  # told as a new event in this very digest
            if _visible(item, view):
                told.append(item)
        if kind != "organization" and kind != "mine":
            for measure_id in measure_ids:
                measure = self.measures.get(measure_id)
                if measure is None or not view.sees(measure):
                    continue
                if matches is not None and not matches.holds_measure(measure_id):
                    continue
                own = [i for i in told if i.measure is measure]
                changed = self.status_item(measure, mark, seen_day, own)
                if changed is not None:
                    told.append(changed)
        return sorted(told, key=lambda i: i.sort_key)


def _visible(item: Item, view: Viewpoint) -> bool:
    """Internal records only to those allowed to see them (tracker.viewpoint)."""
    if item.kind == "edit":
        return view.sees_internal
    if item.statement is not None:
        statement = item.statement
        # A public statement by an internal organization cannot be told without naming its
        # author, so it is left out, as in anonymous downloads.
        return view.sees(statement) and view.sees(statement.organization)
    if item.relation is not None:
        return view.sees(item.relation)
    if item.event is not None:
        return view.sees(item.event)
    return item.measure is not None and view.sees(item.measure)
