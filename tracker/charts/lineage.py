"""The lineage drawn: one band per country, each measure a box at the date of its first event.

``layout_lineage`` places the measures and relations of a ``tracker.services.lineage.Lineage``
in pixels, each relation an arrow that runs forward in time, worded along the arrow; the
pieces are written out by ``tracker.charts.svg``.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass

from tracker import vocab
from tracker.charts.timeline import wrap
from tracker.charts.timescale import Axis, TimeScale, axis, text_width
from tracker.countries import country_name
from tracker.dates import shift
from tracker.services.lineage import Lineage, LineageEdge, LineageNode

WIDTH = 960
MARGIN = 16
NODE_WIDTH = 180.0
NODE_HEIGHT = 50.0
ROW_GAP = 22.0
BAND_HEADER = 24.0
BAND_GAP = 10.0
NODE_FONT_SIZE = 11.5
NARROW = 600
"""Below this width the diagram runs down the page: one measure per row, in time order."""
GUTTER = 40.0
"""Room left of the boxes, in the narrow diagram, for the arrows."""


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
    title_lines: tuple[str, ...] = ()
    subtitle_lines: tuple[str, ...] = ()
    footer_lines: tuple[str, ...] = ()
    vertical: bool = False


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
    footer: str = "",
) -> LineageLayout:
    """Measures at their first event's date, one band per country, arrows between them; on a
    narrow width (``NARROW``), one measure per row down the page, in time order."""
    x0, x1 = MARGIN, width - MARGIN
    title_lines = wrap(title, x1 - x0, 18, bold=True) if caption else ()
    subtitle_lines = wrap(subtitle, x1 - x0, 12) if caption else ()
    footer_lines = wrap(footer, x1 - x0, 11, lines=4) if caption else ()
    top = MARGIN + (22 * len(title_lines) + 16 * len(subtitle_lines) + 12 if caption else 0)
    if width < NARROW:
        return _vertical(
            lineage, title, subtitle, caption, width, title_lines, subtitle_lines, footer_lines, top
        )
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

    y: float = top
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
        y += max(26, 12 + 14 * len(footer_lines))
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
        title_lines=title_lines,
        subtitle_lines=subtitle_lines,
        footer_lines=footer_lines,
    )


def _vertical(
    lineage: Lineage,
    title: str,
    subtitle: str,
    caption: bool,
    width: float,
    title_lines: tuple[str, ...],
    subtitle_lines: tuple[str, ...],
    footer_lines: tuple[str, ...],
    top: float,
) -> LineageLayout:
    """The diagram for a narrow frame: time runs down, one measure per row at full width,
    arrows in the gutter on the left, each relation worded above the measure it leads to."""
    x0, x1 = MARGIN, width - MARGIN
    box_x, box_width = x0 + GUTTER, x1 - x0 - GUTTER
    nodes = sorted(
        lineage.nodes,
        key=lambda n: (n.first.start if n.first else dt.date.max, country_name(n.country)),
    )
    incoming: dict[int, list[LineageEdge]] = {}
    for edge in lineage.edges:
        incoming.setdefault(edge.target.id, []).append(edge)
    per_line = int((box_width - 14) / text_width("x", NODE_FONT_SIZE, bold=True))
    y = top + 4
    boxes: dict[int, NodeBox] = {}
    labels: dict[int, list[tuple[float, str]]] = {}
    for node in nodes:
        for edge in incoming.get(node.id, []):
            words = f"{edge.source.name} — {edge.wording} ↓"
            words = (
                words
                if text_width(words, 10.5) <= box_width - 10
                else (
                    _cut(
                        edge.source.name, box_width - 10 - text_width(f" — {edge.wording} ↓", 10.5)
                    )
                    + f" — {edge.wording} ↓"
                )
            )
            labels.setdefault(edge.relation_id, []).append((y + 10, words))
            y += 16
        lines = tuple(textwrap.wrap(node.name, per_line)[:3]) or ("",)
        kind = vocab.MEASURE_KINDS[node.kind]
        when = node.first.format_short() if node.first else "date unknown"
        meta = _cut(f"{kind} · {country_name(node.country)} · {when}", box_width - 14)
        height = 15 + 14 * len(lines) + 10
        classes = f"node node--{node.status.tone}"
        if lineage.focus is not None and node.id == lineage.focus.id:
            classes += " node--focus"
        boxes[node.id] = NodeBox(
            node, box_x, y, box_width, height, lines, meta, classes, _node_title(node)
        )
        y += height + 14
    body_bottom = y
    edges = []
    for rank, edge in enumerate(lineage.edges):
        source, target = boxes[edge.source.id], boxes[edge.target.id]
        reach = min(GUTTER - 6, 14 + 6 * (rank % 4))
        sx, sy, ty = box_x, source.cy, target.cy
        path = (
            f"M{sx:.1f} {sy:.1f}C{sx - reach:.1f} {sy:.1f} {sx - reach:.1f} {ty:.1f} "
            f"{sx:.1f} {ty:.1f}"
        )
        (label_y, words), *_rest = labels.get(edge.relation_id, [(target.y - 6, edge.wording)])
        edge_title = f"{edge.source.title} — {edge.wording} → {edge.target.title}"
        if edge.note:
            edge_title += f"\n{edge.note}"
        label_width = text_width(words, 10.5) + 10
        edges.append(
            EdgeBox(
                edge,
                edge.type,
                path,
                edge_title,
                words,
                box_x + label_width / 2,
                label_y,
                label_width,
            )
        )
    footer_y = None
    if caption:
        footer_y = y + 12
        y += max(26, 12 + 14 * len(footer_lines))
    return LineageLayout(
        lineage=lineage,
        width=width,
        height=y + MARGIN,
        x0=x0,
        x1=x1,
        axis=Axis(()),
        axis_y=top,
        body_top=top,
        body_bottom=body_bottom,
        countries=[],
        nodes=list(boxes.values()),
        edges=edges,
        title=title,
        subtitle=subtitle,
        caption=caption,
        footer_y=footer_y,
        title_lines=title_lines,
        subtitle_lines=subtitle_lines,
        footer_lines=footer_lines,
        vertical=True,
    )


def _cut(text: str, width: float) -> str:
    if text_width(text, 10.5) <= width:
        return text
    keep = max(1, int(width / text_width("x", 10.5)) - 1)
    return text[:keep].rstrip() + "…"
