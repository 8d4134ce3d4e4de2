"""Lineage: how measures relate across countries and time (modelled on, amends, repeals...).

``build_lineage`` reads the relations between visible measures, for the whole tracker, some
countries, or the neighbourhood of one measure, each relation oriented forward in time: a
relation stored as "Kyrgyzstan's law is modelled on Russia's" runs from Russia's law to
Kyrgyzstan's as "model for". tracker.charts.lineage draws it.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session, aliased

from tracker import vocab
from tracker.dates import PartialDate
from tracker.models import Measure, Relation
from tracker.services.sources import source_namer
from tracker.services.timeline import TimelineEvent, load_events, popular_name
from tracker.status import Status, derive_status
from tracker.viewpoint import Viewpoint


@dataclass(frozen=True, slots=True)
class LineageNode:
    id: int
    slug: str
    title: str
    name: str
    """What people call it: its first popular name, else its title."""
    country: str
    kind: str
    first: PartialDate | None
    """The date of its first recorded event (by the day shown): where it sits in time."""
    status: Status


@dataclass(frozen=True, slots=True)
class LineageEdge:
    relation_id: int
    type: str
    source: LineageNode
    """The earlier measure: arrows run forward in time."""
    target: LineageNode
    wording: str
    """The relation read from source to target: "model for", "amends"..."""
    note: str | None

    @property
    def sentence(self) -> str:
        return f"{self.source.name} {self.wording} {self.target.name}"


@dataclass(slots=True)
class Lineage:
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    as_of: dt.date
    focus: LineageNode | None = None
    depth: int | None = None

    @property
    def countries(self) -> list[str]:
        return list(dict.fromkeys(node.country for node in self.nodes))


def _display_name(title: str, short_title: str | None, popular_names: Sequence[str] | None) -> str:
    return short_title or popular_name(popular_names) or title


def _orient(
    kind: str, subject: LineageNode, object_: LineageNode
) -> tuple[LineageNode, LineageNode, str]:
    """Source, target and wording, so that the arrow runs from the earlier measure."""
    relation = vocab.RELATION_TYPES[kind]
    if subject.first and object_.first and subject.first.start < object_.first.start:
        return subject, object_, relation.label
    # A subject usually comes after what it amends, repeals or copies: read it from the object.
    return object_, subject, relation.inverse


def build_lineage(
    session: Session,
    view: Viewpoint,
    countries: Sequence[str] = (),
    types: Sequence[str] = (),
    focus: str | None = None,
    depth: int = 3,
) -> Lineage | None:
    """The relations among the measures the reader may see, as known on the reader's day.

    With ``focus`` (a measure's slug): that measure and the measures within ``depth`` relations
    of it; None when that measure is not visible. With ``countries``: the relations that touch
    a measure of those countries, wherever the other measure is. Measures none of whose events
    counts by that day did not exist yet and are left out.
    """
    as_of = view.as_of
    focus_id: int | None = None
    if focus is not None:
        focus_id = session.scalar(
            view.select(Measure).where(Measure.slug == focus).with_only_columns(Measure.id)
        )
        if focus_id is None:
            return None
    relations = _relations(session, view, types, focus_id, depth)

    if focus_id is not None:
        # Only the neighbourhood needs its events read: narrow first (the relations are ids).
        reach = _neighbourhood(focus_id, [(r.subject_id, r.object_id) for r in relations], depth)
        relations = [r for r in relations if r.subject_id in reach and r.object_id in reach]
    ids = {r.subject_id for r in relations} | {r.object_id for r in relations}
    if focus_id is not None:
        ids.add(focus_id)
    nodes = _load_nodes(session, ids, as_of)

    # Relations with a measure that did not exist yet on the day shown are not shown either.
    relations = [r for r in relations if r.subject_id in nodes and r.object_id in nodes]
    if focus_id is not None:
        if focus_id not in nodes:
            return Lineage([], [], as_of, None, depth)
        # Again among the measures that existed on the day shown: a path may run through one
        # that did not.
        reach = _neighbourhood(focus_id, [(r.subject_id, r.object_id) for r in relations], depth)
        relations = [r for r in relations if r.subject_id in reach and r.object_id in reach]
    elif countries:
        wanted = {code.upper() for code in countries}
        relations = [
            r
            for r in relations
            if nodes[r.subject_id].country in wanted or nodes[r.object_id].country in wanted
        ]

    edges = []
    for r in relations:
        source, target, wording = _orient(r.type, nodes[r.subject_id], nodes[r.object_id])
        edges.append(LineageEdge(r.id, r.type, source, target, wording, r.note))
    shown = {e.source.id for e in edges} | {e.target.id for e in edges}
    if focus_id is not None:
        shown.add(focus_id)
    kept = sorted(
        (nodes[i] for i in shown),
        key=lambda n: (n.first.sort_key if n.first else (dt.date.max, 0), n.name.casefold()),
    )
    edges.sort(key=lambda e: e.source.first.sort_key if e.source.first else (dt.date.max, 0))
    return Lineage(kept, edges, as_of, nodes.get(focus_id) if focus_id else None, depth)


def _relations(
    session: Session,
    view: Viewpoint,
    types: Sequence[str],
    focus_id: int | None,
    depth: int,
) -> list[Row[Any]]:
    """The relations between visible measures: all of them, or (with ``focus_id``) those
    within ``depth`` steps of it, found a step at a time through the indexes on either end.

    Joined from the relations' side: "subject IN (every visible measure)" made SQLite list
    100,000 measures first, 45 ms on every measure page even with no relation at all."""
    subject, object_ = aliased(Measure), aliased(Measure)
    query = (
        select(Relation.id, Relation.type, Relation.subject_id, Relation.object_id, Relation.note)
        .join(subject, subject.id == Relation.subject_id)
        .join(object_, object_.id == Relation.object_id)
    )

    query = query.where(view.visible(subject), view.visible(object_))
    if types:
        query = query.where(Relation.type.in_(types))
    if focus_id is None:
        return list(session.execute(query.order_by(Relation.id)))
    found: dict[int, Any] = {}
    seen, frontier = {focus_id}, {focus_id}
    # One step past ``depth``: a relation between two measures ``depth`` steps away counts too.
    for _ in range(depth + 1):
        near = query.where(or_(Relation.subject_id.in_(frontier), Relation.object_id.in_(frontier)))
        step = [row for row in session.execute(near).all() if row.id not in found]
        found.update((row.id, row) for row in step)
        frontier = {m for row in step for m in (row.subject_id, row.object_id)} - seen
        seen |= frontier
        if not frontier:
            break
    return sorted(found.values(), key=lambda row: row.id)


def _neighbourhood(start: int, pairs: Sequence[tuple[int, int]], depth: int) -> set[int]:
    """Measures within ``depth`` relations of ``start``, in either direction."""
    adjacent: dict[int, set[int]] = {}
    for a, b in pairs:
        adjacent.setdefault(a, set()).add(b)
        adjacent.setdefault(b, set()).add(a)
    seen = {start}
    queue = deque([(start, 0)])
    while queue:
        current, distance = queue.popleft()
        if distance == depth:
            continue
        for other in adjacent.get(current, ()):
            if other not in seen:
                seen.add(other)
                queue.append((other, distance + 1))
    return seen


def _load_nodes(session: Session, ids: set[int], as_of: dt.date) -> dict[int, LineageNode]:
    if not ids:
        return {}
    id_list = sorted(ids)
    # The events as the timeline reads them (plain rows, no ORM objects): each measure's first
    # event places it in time, and all of them give its status on the day shown.
    events: dict[int, list[TimelineEvent]] = {}
    for chunk in range(0, len(id_list), 500):
        events.update(load_events(session, as_of, measure_ids=id_list[chunk : chunk + 500]))
    first = {
        measure_id: min(items, key=lambda e: e.date.sort_key).date
        for measure_id, items in events.items()
        if items
    }
    cite = source_namer(session)
    by_status = {i: derive_status(events.get(i, []), as_of, cite) for i in id_list}
    nodes = {}
    measure_rows = session.execute(
        select(
            Measure.id,
            Measure.slug,
            Measure.title,
            Measure.short_title,
            Measure.popular_names,
            Measure.country,
            Measure.kind,
        ).where(Measure.id.in_(id_list))
    )
    for measure in measure_rows:
        date = first.get(measure.id)
        if not by_status[measure.id].existed:
            continue
        nodes[measure.id] = LineageNode(
            measure.id,
            measure.slug,
            measure.title,
            _display_name(measure.title, measure.short_title, measure.popular_names),
            measure.country,
            measure.kind,
            date,
            by_status[measure.id],
        )
    return nodes
