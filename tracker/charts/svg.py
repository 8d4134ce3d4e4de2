"""Writing charts as SVG, and SVG as PNG.

The layouts (tracker.charts.timeline, tracker.charts.lineage) decide where everything goes;
this module only writes it out. Every piece of text is escaped, nothing refers to anything
outside the document (no fonts, images or stylesheets to fetch), and styling is by class:

- inside an HTML page the site's stylesheet ``charts.css`` styles the chart (the page's
  Content-Security-Policy forbids inline styles);
- a standalone file (the downloads) carries the same stylesheet in a ``<style>`` element, so it
  looks the same in a browser, an editor, a slide or CairoSVG's PNG.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Protocol

from tracker import paths, system
from tracker.charts.lineage import LineageLayout
from tracker.charts.timeline import MarkBox, MarkGroup, TimelineLayout
from tracker.charts.timescale import AxisRow
from tracker.gcpause import without_gc_pauses

SVG_NAMESPACE = "http://www.w3.org/2000/svg"

# Characters XML 1.0 does not allow, even escaped; a description pasted from a PDF can hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Links(Protocol):
    """Where marks lead; the web layer builds the URLs (relative or absolute)."""

    def measure(self, slug: str, event_id: int | None = None) -> str: ...

    def statement(self, slug: str) -> str: ...


def esc(text: str) -> str:
    """Text or attribute value, escaped for XML (and HTML: the same SVG goes inline).

    The same replacements as html.escape, written out: a chart escapes 50,000 strings, and
    str.replace is the fastest way Python has (str.translate is six times slower here).
    """
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("", text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def num(value: float) -> str:
    """A coordinate to a tenth of a pixel."""
    return f"{value:.1f}"


@cache
def chart_css() -> str:
    """The charts' stylesheet, which standalone files embed."""
    return (paths.static() / "css" / "charts.css").read_text(encoding="utf-8")


class _Writer:
    def __init__(self, links: Links, target: str | None) -> None:
        self.links = links
        self.target = f' target="{esc(target)}"' if target else ""
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        self.parts.append(text)

    def link_open(self, href: str) -> None:
        self.parts.append(f'<a href="{esc(href)}"{self.target}>')

    def text(
        self, x: float, y: float, content: str, classes: str, anchor: str | None = None
    ) -> None:
        anchor_attr = f' text-anchor="{anchor}"' if anchor else ""
        self.parts.append(
            f'<text x="{num(x)}" y="{num(y)}" class="{classes}"{anchor_attr}>{esc(content)}</text>'
        )

    def open_svg(
        self,
        kind: str,
        width: float,
        height: float,
        title: str,
        description: str,
        standalone: bool,
        id_prefix: str,
    ) -> None:
        size = (
            f'width="{num(width)}" height="{num(height)}" viewBox="0 0 {num(width)} {num(height)}"'
        )
        if standalone:
            self.add('<?xml version="1.0" encoding="UTF-8"?>\n')
            self.add(f'<svg xmlns="{SVG_NAMESPACE}" {size} class="chart chart--{kind}">')
            self.add(f"<title>{esc(title)}</title><desc>{esc(description)}</desc>")
            # CDATA: the stylesheet is text, not markup, whatever characters its comments hold.
            css = chart_css().replace("]]>", "]] >")
            self.add(f"<style><![CDATA[\n{css}]]></style>")
        else:
            # role="group" keeps the links inside reachable; role="img" would hide them.
            self.add(
                f'<svg xmlns="{SVG_NAMESPACE}" {size} class="chart chart--{kind}" role="group"'
                f' aria-labelledby="{id_prefix}-title" aria-describedby="{id_prefix}-desc">'
            )
            self.add(
                f'<title id="{id_prefix}-title">{esc(title)}</title>'
                f'<desc id="{id_prefix}-desc">{esc(description)}</desc>'
            )
        self.add(
            f'<rect class="chart-bg" x="0" y="0" width="{num(width)}" height="{num(height)}"/>'
        )

    def result(self) -> str:
        self.add("</svg>")
        return "".join(self.parts)


def _caption(
    w: _Writer, x: float, title_lines: tuple[str, ...], subtitle_lines: tuple[str, ...]
) -> None:
    """The title (and what the chart shows) at the top of a picture that travels alone."""
    baseline = 16.0 + 18
    for line in title_lines:
        w.text(x, baseline, line, "chart-title")
        baseline += 22
    baseline -= 6
    for line in subtitle_lines:
        w.text(x, baseline, line, "chart-subtitle")
        baseline += 16


def _vline(classes: str, x: float, y1: float, y2: float) -> str:
    return f'<line class="{classes}" x1="{num(x)}" x2="{num(x)}" y1="{num(y1)}" y2="{num(y2)}"/>'


def _axis_rows(w: _Writer, rows: tuple[AxisRow, ...], y: float) -> None:
    for index, row in enumerate(rows):
        baseline = y + index * 15 + 11
        for tick in row.ticks:
            if tick.label:
                w.text(tick.x + 3, baseline, tick.label, f"axis-label axis-label--{row.unit}")
        for tick in row.ticks:
            w.add(
                f'<line class="axis-tick" x1="{num(tick.x)}" x2="{num(tick.x)}"'
                f' y1="{num(baseline - 11)}" y2="{num(baseline + 3)}"/>'
            )


def _mark_shape(mark: MarkBox) -> str:
    x, y, width, height = mark.x, mark.y, mark.width, mark.height
    cls = f'class="{mark.classes}"'
    if mark.shape in {"dot", "ring"}:
        return f'<circle {cls} cx="{num(mark.cx)}" cy="{num(mark.cy)}" r="{num(width / 2)}"/>'
    if mark.shape == "diamond":
        cx, cy = mark.cx, mark.cy
        return (
            f'<path {cls} d="M{num(cx)} {num(y)}L{num(x + width)} {num(cy)}'
            f'L{num(cx)} {num(y + height)}L{num(x)} {num(cy)}Z"/>'
        )
    if mark.shape == "triangle":
        return (
            f'<path {cls} d="M{num(mark.cx)} {num(y)}L{num(x + width)} {num(y + height)}'
            f'L{num(x)} {num(y + height)}Z"/>'
        )
    radius = ' rx="2"' if mark.shape == "bar" else ""
    return (
        f'<rect {cls} x="{num(x)}" y="{num(y)}" width="{num(width)}"'
        f' height="{num(height)}"{radius}/>'
    )


def _badge(x: float, cy: float, width: float, label: str) -> str:
    return (
        f'<rect class="mark-badge" x="{num(x)}" y="{num(cy - 6)}" width="{num(width)}"'
        f' height="12" rx="6"/>'
        f'<text class="mark-badge-label" x="{num(x + width / 2)}" y="{num(cy + 3.3)}"'
        f' text-anchor="middle">{esc(label)}</text>'
    )


def _group(w: _Writer, group: MarkGroup, links: Links) -> None:
    """Overlapping marks as one target: drawn where they fall, then "+N"; it leads to the
    measure page (their list) and, with charts.js, opens the list of them in place."""
    first = group.marks[0]
    w.link_open(links.measure(first.slug, first.event_id if first.event_id else None))
    w.add(f'<title>{esc(group.title)}</title><g class="mark-group">')
    for mark in group.marks:
        w.add(_mark_shape(mark))
    w.add(_badge(group.badge_x, group.cy, group.badge_width, group.badge))
    w.add("</g></a>")
    # The members, for charts.js to list (hidden: the group is the one thing to focus).
    w.add('<g class="mark-group__members" display="none">')
    for mark in group.marks:
        href = (
            links.statement(mark.statement_slug)
            if mark.statement_slug
            else links.measure(mark.slug, mark.event_id)
        )
        w.link_open(href)
        w.add(f"<title>{esc(mark.title)}</title></a>")
    w.add("</g>")


def _legend_swatch(kind: str, classes: str, x: float, y: float) -> str:
    if kind == "group":
        return _badge(x, y + 8, 18, "+2")
    if kind == "shade":
        return f'<rect class="{classes}" x="{num(x)}" y="{num(y + 3)}" width="16" height="10"/>'
    if kind == "line":
        return _vline(classes, x + 8, y, y + 16)
    code = classes.split("mark--")[1].split()[0]
    shape = {
        "step": "dot",
        "decision": "diamond",
        "force": "square",
        "other": "ring",
        "statement": "triangle",
    }.get(code, "dot")
    if "mark--month" in classes:
        shape = "bar"
    size = {"dot": 9.0, "diamond": 12.0, "square": 9.0, "ring": 7.0, "triangle": 9.0, "bar": 8.0}[
        shape
    ]
    width = 18.0 if shape == "bar" else size
    mark = MarkBox(shape, x + 8 - width / 2, y + 8 - size / 2, width, size, classes, "", "")
    return _mark_shape(mark)


@without_gc_pauses
def timeline_svg(
    layout: TimelineLayout,
    links: Links,
    *,
    standalone: bool = False,
    id_prefix: str = "timeline",
    target: str | None = None,
    description: str = "",
    footer: str = "",
    history_href: str | None = None,
) -> str:
    """The timeline as SVG: inline in a page (styled by charts.css) or a standalone file."""
    w = _Writer(links, target)
    timeline = layout.timeline
    width, x0, x1 = layout.width, layout.scale.x0, layout.scale.x1
    w.open_svg("timeline", width, layout.height, layout.title, description, standalone, id_prefix)
    if layout.caption:
        _caption(w, x0, layout.title_lines or (layout.title,), layout.subtitle_lines)

    w.add('<g class="legend">')
    for item in layout.legend:
        w.add(_legend_swatch(item.kind, item.classes, item.x, item.y))
        w.text(item.x + 22, item.y + 12, item.label, "legend-label")
    w.add("</g>")

    if layout.note is not None:
        note = layout.note
        w.add('<g class="history-note">')
        for index, words in enumerate(note.lines):
            w.text(x0, note.y + 16 * index, words, "history-note__text")
        if history_href:
            # In place (not in a new tab) even inside an embed: it is the same view, redrawn.
            w.add(f'<a href="{esc(history_href)}" class="history-switch">')
            w.text(note.switch_x, note.switch_y, note.switch, "history-switch__label")
            w.add("</a>")
        w.add("</g>")

    w.add('<g class="axis">')
    _axis_rows(w, layout.axis.rows, layout.axis_y)
    w.add("</g>")

    w.add('<g class="countries">')
    for country in layout.countries:
        w.add(
            f'<line class="country-rule" x1="{num(x0)}" x2="{num(x1)}"'
            f' y1="{num(country.y + 2)}" y2="{num(country.y + 2)}"/>'
        )
        count = f"{country.count} measure{'s' if country.count != 1 else ''}"
        w.text(x0, country.y + 20, f"{country.name} · {count}", "country-label")
    w.add("</g>")

    # A lane's status ends left of the "today" (or "as of") line drawn across the lanes at the
    # right, not struck through by it.
    meta_end = min([x1, *(line.x - 5 for line in layout.lines if line.x > (x0 + x1) / 2)])
    w.add('<g class="lanes">')
    for lane in layout.lanes:
        w.add('<g class="lane">')
        w.link_open(links.measure(lane.lane.slug))
        for index, words in enumerate(lane.label_lines or (lane.label,)):
            w.text(x0, lane.y + 13 + 16 * index, words, "lane-label")
        w.add("</a>")
        if lane.meta_below:
            meta_y = lane.y + 13 + 16 * len(lane.label_lines) - 2
            w.text(x0, meta_y, lane.meta, "lane-meta")
        else:
            w.text(meta_end, lane.y + 13, lane.meta, "lane-meta", anchor="end")
        track_y = lane.track_y or lane.y + 18
        w.add(
            f'<rect class="lane-track" x="{num(x0)}" y="{num(track_y)}"'
            f' width="{num(x1 - x0)}" height="14"/>'
        )
        for band in lane.bands:
            w.add(
                f'<rect class="{band.classes}" x="{num(band.x)}" y="{num(band.y)}"'
                f' width="{num(band.width)}" height="{num(band.height)}">'
                f"<title>{esc(band.title)}</title></rect>"
            )
            if band.label:
                w.text(band.label_x, band.y + 10.5, band.label, "band-label")
        w.add("</g>")
    w.add("</g>")

    # Gridlines above the shading (they are faint) and below the marks.
    w.add('<g class="grid">')
    top, bottom = layout.lanes_top, layout.lanes_bottom
    for tick in layout.axis.gridlines:
        w.add(_vline("gridline", tick.x, top, bottom))
    if len(layout.axis.rows) > 1:
        for tick in layout.axis.year_lines:
            w.add(_vline("gridline gridline--year", tick.x, top, bottom))
    w.add("</g>")

    w.add('<g class="marks">')
    for lane in layout.lanes:
        for group in lane.groups:
            _group(w, group, links)
        for mark in lane.marks:
            if mark.grouped:
                continue
            href = (
                links.statement(mark.statement_slug)
                if mark.statement_slug
                else links.measure(mark.slug, mark.event_id)
            )
            w.link_open(href)
            w.add(f"<title>{esc(mark.title)}</title>{_mark_shape(mark)}</a>")
    w.add("</g>")

    w.add('<g class="lines">')
    for line in layout.lines:
        w.add(_vline(line.classes, line.x, layout.lines_label_y - 11, bottom))
        anchor = "end" if line.x > (x0 + x1) / 2 else "start"
        offset = -4 if anchor == "end" else 4
        w.text(line.x + offset, layout.lines_label_y, line.label, "line-label", anchor=anchor)
    w.add("</g>")

    if layout.bottom_axis_y is not None:
        w.add('<g class="axis axis--bottom">')
        _axis_rows(w, layout.axis.rows[:1], layout.bottom_axis_y)
        w.add("</g>")
    if not timeline.lanes:
        w.text(
            width / 2,
            layout.lanes_top + 24,
            "No measure matches these filters.",
            "chart-empty",
            anchor="middle",
        )
    if layout.footer_y is not None and layout.footer_lines:
        for index, words in enumerate(layout.footer_lines):
            w.text(x0, layout.footer_y + 14 * index, words, "chart-footer")
    elif layout.footer_y is not None and footer:
        w.text(x0, layout.footer_y, footer, "chart-footer")
    return w.result()


def lineage_svg(
    layout: LineageLayout,
    links: Links,
    *,
    standalone: bool = False,
    id_prefix: str = "lineage",
    target: str | None = None,
    description: str = "",
    footer: str = "",
) -> str:
    """The lineage diagram as SVG: measures placed in time, one band per country, arrows."""
    w = _Writer(links, target)
    width = layout.width
    w.open_svg("lineage", width, layout.height, layout.title, description, standalone, id_prefix)
    arrow = f"{id_prefix}-arrow"
    # The arrowhead is defined in this document; nothing outside it is referred to.
    w.add(
        f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9"'
        ' markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
        '<path class="edge-arrow" d="M0 0L10 5L0 10Z"/></marker></defs>'
    )
    if layout.caption:
        _caption(w, layout.x0, layout.title_lines or (layout.title,), layout.subtitle_lines)

    w.add('<g class="axis">')
    _axis_rows(w, layout.axis.rows, layout.axis_y)
    w.add("</g>")

    w.add('<g class="countries">')
    for band in layout.countries:
        w.add(
            f'<rect class="country-band" x="{num(layout.x0)}" y="{num(band.y)}"'
            f' width="{num(layout.x1 - layout.x0)}" height="{num(band.height)}"/>'
        )
        w.text(layout.x0 + 6, band.y + 15, band.name, "country-label")
    w.add("</g>")

    w.add('<g class="grid">')
    top, bottom = layout.body_top, layout.body_bottom
    for tick in layout.axis.gridlines:
        w.add(_vline("gridline", tick.x, top, bottom))
    w.add("</g>")

    w.add('<g class="edges">')
    for edge in layout.edges:
        w.add(f'<g class="edge edge--{edge.type}">')
        w.add(
            f'<path class="edge-line" d="{edge.path}" marker-end="url(#{arrow})">'
            f"<title>{esc(edge.title)}</title></path>"
        )
        w.add("</g>")
    w.add("</g>")

    w.add('<g class="nodes">')
    for node in layout.nodes:
        w.link_open(links.measure(node.node.slug))
        w.add(f"<title>{esc(node.title)}</title>")
        w.add(
            f'<rect class="{node.classes}" x="{num(node.x)}" y="{num(node.y)}"'
            f' width="{num(node.width)}" height="{num(node.height)}" rx="4"/>'
        )
        for index, line in enumerate(node.lines):
            w.text(node.x + 7, node.y + 15 + index * 14, line, "node-label")
        w.text(node.x + 7, node.y + node.height - 7, node.meta, "node-meta")
        w.add("</a>")
    w.add("</g>")

    # Relation wording last, above the lines and boxes, on a light background.
    w.add('<g class="edge-labels">')
    for edge in layout.edges:
        lx, ly, lw = edge.label_x, edge.label_y, edge.label_width
        w.add(
            f'<rect class="edge-label-bg" x="{num(lx - lw / 2)}" y="{num(ly - 10)}"'
            f' width="{num(lw)}" height="14" rx="3"/>'
        )
        w.text(lx, ly, edge.label, f"edge-label edge-label--{edge.type}", anchor="middle")
    w.add("</g>")
    if layout.footer_y is not None and layout.footer_lines:
        for index, line in enumerate(layout.footer_lines):
            w.text(layout.x0, layout.footer_y + 14 * index, line, "chart-footer")
    elif layout.footer_y is not None and footer:
        w.text(layout.x0, layout.footer_y, footer, "chart-footer")
    return w.result()


class TooLarge(ValueError):
    """The chart is too large to turn into a picture; the message says what to do."""


# A PNG is for a slide or a report: a few hundred lanes at most. The limit keeps one request
# from tying up a worker (and 64 MB of memory per 16 megapixels) for a picture nobody can read.
MAX_PNG_PIXELS = 16_000_000


def png_scale(width: float, height: float, preferred: float = 2.0) -> float:
    """Twice the size for sharp slides, less for tall charts; TooLarge below actual size."""
    scale = min(preferred, math.sqrt(MAX_PNG_PIXELS / (width * height)))
    if scale < 1:
        raise TooLarge(
            "This chart is too tall to turn into a picture. Narrow the filters (a country, a "
            "date range) or download the SVG, which has no size limit."
        )
    return scale


def svg_to_png(svg: str, width: float, height: float) -> bytes:
    """Rasterize a standalone SVG with CairoSVG (which never fetches anything it refers to)."""
    cairosvg = system.load("cairosvg", "cairo")  # only the PNG download needs cairo

    scale = png_scale(width, height)
    png: bytes = cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale, unsafe=False)
    return png
