"""Lineage: how measures relate across countries and time (modelled on, amends, repeals...).

``build_lineage`` reads the relations between visible measures, for the whole tracker, some
countries, or the neighbourhood of one measure. ``layout_lineage`` places each measure at the
date of its first recorded event, in one band per country, and draws each relation as an arrow
that runs forward in time, worded along the arrow: a relation stored as "Kyrgyzstan's law is
modelled on Russia's" is drawn from Russia's law to Kyrgyzstan's as "model for".
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session, aliased

from tracker import vocab
from tracker.countries import country_name
from tracker.dates import PartialDate, shift
from tracker.models import Measure, Relation
from tracker.services.measures import visible_measures
from tracker.services.sources import source_namer
from tracker.services.timeline import TimelineEvent, load_events, popular_name
from tracker.services.timescale import Axis, TimeScale, axis, text_width
from tracker.status import Status, derive_status


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
    as_of: dt.date,
    include_internal: bool,
    countries: Sequence[str] = (),
    types: Sequence[str] = (),
    focus: str | None = None,
    depth: int = 3,
) -> Lineage | None:
    """The relations among visible measures, as known on ``as_of``.

    With ``focus`` (a measure's slug): that measure and the measures within ``depth`` relations
    of it; None when that measure is not visible. With ``countries``: the relations that touch
    a measure of those countries, wherever the other measure is. Measures none of whose events
    counts by ``as_of`` did not exist yet and are left out.
    """
    focus_id: int | None = None
    if focus is not None:
        focus_id = session.scalar(
            visible_measures(include_internal)
            .where(Measure.slug == focus)
            .with_only_columns(Measure.id)
        )
        if focus_id is None:
            return None
    relations = _relations(session, include_internal, types, focus_id, depth)

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
    include_internal: bool,
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
    if not include_internal:
        query = query.where(subject.visibility == "public", object_.visibility == "public")
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


# -- the layout -------------------------------------------------------------------------------

WIDTH = 960
MARGIN = 16
NODE_WIDTH = 180.0
NODE_HEIGHT = 50.0
ROW_GAP = 22.0
BAND_HEADER = 24.0
BAND_GAP = 10.0
NODE_FONT_SIZE = 11.5


@dataclass(frozen=True, slots=True)
class NodeBox:
    node: LineageNode
    x: float
    y: float
    width: float
    height: float
    lines: tuple[str, ...]
    meta: str
    classes: str
    title: str

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True, slots=True)
class EdgeBox:
    edge: LineageEdge
    type: str
    path: str
    title: str
    label: str
    label_x: float
    label_y: float
    label_width: float


@dataclass(frozen=True, slots=True)
class CountryBand:
    code: str
    name: str
    y: float
    height: float


@dataclass(slots=True)
class LineageLayout:
    lineage: Lineage
    width: float
    height: float
    x0: float
    x1: float
    axis: Axis
    axis_y: float
    body_top: float
    body_bottom: float
    countries: list[CountryBand]
    nodes: list[NodeBox]
    edges: list[EdgeBox]
    title: str
    subtitle: str
    caption: bool
    footer_y: float | None


def _node_lines(name: str) -> tuple[str, ...]:
    per_line = int((NODE_WIDTH - 14) / text_width("x", NODE_FONT_SIZE, bold=True))
    lines = textwrap.wrap(name, per_line) or [""]
    if len(lines) > 2:
        second = lines[1]
        lines = [lines[0], second[: per_line - 1].rstrip() + "…"]
    return tuple(lines)


def _node_title(node: LineageNode) -> str:
    first = f"first event {node.first.format()}" if node.first else "no event recorded"
    kind = vocab.MEASURE_KINDS[node.kind]
    where = country_name(node.country)
    return f"{node.title}\n{kind}, {where}; {first}\nStatus: {node.status.headline}"


def _edge_path(source: NodeBox, target: NodeBox) -> tuple[str, float, float]:
    """A curve from source to target, and its middle (where the wording goes)."""
    sx, sy = source.x + source.width, source.cy
    tx, ty = target.x, target.cy
    if tx - sx >= 12:
        dx = (tx - sx) / 2
        c1, c2 = (sx + dx, sy), (tx - dx, ty)
    else:
        # Boxes overlap in time (in different rows): leave from the side facing the target.
        sx = source.cx
        tx = target.cx
        if ty > sy:
            sy, ty = source.y + source.height, target.y
        else:
            sy, ty = source.y, target.y + target.height
        dy = (ty - sy) / 2
        c1, c2 = (sx, sy + dy), (tx, ty - dy)
    path = f"M{sx:.1f} {sy:.1f}C{c1[0]:.1f} {c1[1]:.1f} {c2[0]:.1f} {c2[1]:.1f} {tx:.1f} {ty:.1f}"
    mid_x = (sx + 3 * c1[0] + 3 * c2[0] + tx) / 8
    mid_y = (sy + 3 * c1[1] + 3 * c2[1] + ty) / 8
    return path, mid_x, mid_y


def layout_lineage(
    lineage: Lineage,
    *,
    title: str = "Lineage",
    subtitle: str = "",
    caption: bool = False,
    width: float = WIDTH,
) -> LineageLayout:
    """Measures at their first event's date, one band per country, arrows between them."""
    x0, x1 = MARGIN, width - MARGIN
    dated = [node.first for node in lineage.nodes if node.first is not None]
    if dated:
        lo = min(d.start for d in dated)
        hi = max(d.start for d in dated)
    else:
        lo = hi = lineage.as_of
    span = max((hi - lo).days, 180)
    pad = max(30, span // 20)
    lo = dt.date(shift(lo, -pad).year, 1, 1)
    hi = shift(hi, pad)
    # A box starts at its date and runs to the right: leave room for the last one. The axis
    # runs on under that room at the same pace, so the years go on to the right edge.
    scale = TimeScale(lo, hi, x0, x1 - NODE_WIDTH)
    axis_scale = TimeScale(lo, shift(hi, int(NODE_WIDTH / scale.px_per_day)), x0, x1)

    y: float = MARGIN + (50 if caption else 0)
    time_axis = axis(axis_scale, finest="month" if span < 3 * 365 else "year")
    axis_y = y
    y += len(time_axis.rows) * 15 + 10
    body_top = y

    # Countries in the order they enter the story; within one, measures in rows that never
    # overlap, each put in the first row with room for it.
    by_country: dict[str, list[LineageNode]] = {}
    for node in lineage.nodes:
        by_country.setdefault(node.country, []).append(node)
    order = sorted(
        by_country,
        key=lambda code: (
            min((n.first.start for n in by_country[code] if n.first), default=dt.date.max),
            country_name(code),
        ),
    )
    boxes: dict[int, NodeBox] = {}
    bands = []
    for code in order:
        rows: list[float] = []  # right edge of the last box in each row
        placed: list[tuple[LineageNode, float, int]] = []
        for node in by_country[code]:
            x = scale.x(node.first.start) if node.first else x1 - NODE_WIDTH
            row = next((i for i, right in enumerate(rows) if right + 12 <= x), None)
            if row is None:
                rows.append(x + NODE_WIDTH)
                row = len(rows) - 1
            else:
                rows[row] = x + NODE_WIDTH
            placed.append((node, x, row))
        band_height = BAND_HEADER + len(rows) * (NODE_HEIGHT + ROW_GAP) - ROW_GAP + 12
        bands.append(CountryBand(code, country_name(code), y, band_height))
        for node, x, row in placed:
            node_y = y + BAND_HEADER + row * (NODE_HEIGHT + ROW_GAP)
            kind = vocab.MEASURE_KINDS[node.kind]
            meta = f"{kind} · {node.first.format_short() if node.first else 'date unknown'}"
            classes = f"node node--{node.status.tone}"
            if lineage.focus is not None and node.id == lineage.focus.id:
                classes += " node--focus"
            boxes[node.id] = NodeBox(
                node,
                x,
                node_y,
                NODE_WIDTH,
                NODE_HEIGHT,
                _node_lines(node.name),
                meta,
                classes,
                _node_title(node),
            )
        y += band_height + BAND_GAP
    body_bottom = y - BAND_GAP

    edges = []
    placed_labels: list[tuple[float, float, float]] = []
    for edge in lineage.edges:
        source, target = boxes[edge.source.id], boxes[edge.target.id]
        path, mid_x, mid_y = _edge_path(source, target)
        label_width = text_width(edge.wording, 10.5) + 10
        # Nudge a label down while it would cover one already placed.
        for _ in range(4):
            if not any(
                abs(mid_x - px) < (label_width + pw) / 2 and abs(mid_y - py) < 15
                for px, py, pw in placed_labels
            ):
                break
            mid_y += 15
        placed_labels.append((mid_x, mid_y, label_width))
        edge_title = f"{edge.source.title} — {edge.wording} → {edge.target.title}"
        if edge.note:
            edge_title += f"\n{edge.note}"
        edges.append(
            EdgeBox(edge, edge.type, path, edge_title, edge.wording, mid_x, mid_y + 4, label_width)
        )

    footer_y = None
    if caption:
        footer_y = y + 12
        y += 26
    return LineageLayout(
        lineage=lineage,
        width=width,
        height=y + MARGIN,
        x0=x0,
        x1=x1,
        axis=time_axis,
        axis_y=axis_y,
        body_top=body_top,
        body_bottom=body_bottom,
        countries=bands,
        nodes=list(boxes.values()),
        edges=edges,
        title=title,
        subtitle=subtitle,
        caption=caption,
        footer_y=footer_y,
    )
