"""The world map of a spread (tracker.services.spread) drawn as SVG on the server.

Country shapes are Natural Earth's (public domain), projected and simplified once into
tracker/data/world-map.json by scripts/build_world_map.py; no tiles, nothing fetched. Each
country with selected measures is shaded by its strongest status and leads to the list of
them; arrows run from the country of a model law to each country whose law is modelled on it.
Countries too small to see at this scale are dots.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from tracker import paths
from tracker.charts.svg import SVG_NAMESPACE, chart_css, esc, num
from tracker.services.spread import CATEGORIES, Spread

TITLE_HEIGHT = 46.0
MIN_VIEW_WIDTH = 240.0
LEGEND_ROW = 18.0
MARGIN = 12.0


@dataclass(frozen=True, slots=True)
class Shape:
    d: str | None
    """The outline (None: too small at this scale, drawn as a dot)."""
    x: float
    y: float
    """Where its label and arrows go (the centre of its largest part)."""
    box: tuple[float, float, float, float]
    """The box around its largest part (what a view fitted to it shows)."""


@dataclass(frozen=True, slots=True)
class WorldShapes:
    width: float
    height: float
    source: str
    outline: str
    """The globe's edge, which clips the parts of shapes drawn beyond 180°."""
    countries: dict[str, Shape]


@cache
def world_shapes() -> WorldShapes:
    document: dict[str, Any] = json.loads(paths.world_map().read_text(encoding="utf-8"))
    return WorldShapes(
        width=float(document["width"]),
        height=float(document["height"]),
        source=document["source"],
        outline=document["outline"],
        countries={
            code: Shape(shape["d"], float(shape["x"]), float(shape["y"]), tuple(shape["box"]))
            for code, shape in document["countries"].items()
        },
    )


def _curve(x1: float, y1: float, x2: float, y2: float, short: float) -> str:
    """A gentle arc from one point to another, bending to the left of the direction of
    travel, so that arrows both ways between two countries do not overlap."""
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1.0
    bend = min(0.25 * length, 90.0)
    cx, cy = (x1 + x2) / 2 + dy / length * bend, (y1 + y2) / 2 - dx / length * bend
    # Stop short of the centre so the arrowhead is not buried under the next arrow's start.
    end_x, end_y = x2 - (x2 - cx) / length * short, y2 - (y2 - cy) / length * short
    return f"M{num(x1)} {num(y1)}Q{num(cx)} {num(cy)} {num(end_x)} {num(end_y)}"


Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in the map's units."""


def fitted_box(spread: Spread, world: WorldShapes) -> Box:
    """The part of the world that holds the shaded countries and the arrows, with a margin,
    neither too narrow nor too tall to read (a region, not one city block): Central Asia
    rather than a world in which Kyrgyzstan is a few pixels wide."""
    boxes = [world.countries[c.code].box for c in spread.countries if c.code in world.countries]
    for arrow in spread.arrows:
        for code in (arrow.source, arrow.target):
            if code in world.countries:
                shape = world.countries[code]
                boxes.append((shape.x, shape.y, shape.x, shape.y))
    if not boxes:
        return (0.0, 0.0, world.width, world.height)
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad = max(0.12 * max(x1 - x0, y1 - y0), 20.0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    width, height = max(x1 - x0, MIN_VIEW_WIDTH), y1 - y0
    # Between 1.25 and 2.2 times as wide as tall: a phone shows it, a page column too.
    height = min(max(height, width / 2.2), world.height)
    width = min(max(width, height * 1.25), world.width)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = min(max(cx - width / 2, 0.0), world.width - width)
    top = min(max(cy - height / 2, 0.0), world.height - height)
    return (left, top, left + width, top + height)


def world_map_svg(
    spread: Spread,
    country_link: Callable[[str], str],
    measure_link: Callable[[str], str],
    *,
    title: str,
    description: str,
    whole_world: bool = False,
    standalone: bool = False,
    id_prefix: str = "map",
    target: str | None = None,
    footer: str = "",
) -> tuple[str, float, float]:
    """The map as SVG, with its width and height. ``country_link(code)`` leads to a
    country's selected measures, ``measure_link(slug)`` to one measure.

    The view fits the countries shown unless ``whole_world``. A standalone file (a download)
    carries its title, legend and footer; on a page and in an embed the HTML around the map
    says them, readable at any width.
    """
    world = world_shapes()
    box = (0.0, 0.0, world.width, world.height) if whole_world else fitted_box(spread, world)
    bx0, by0, bx1, by1 = box
    zoom = world.width / (bx1 - bx0)
    map_height = (by1 - by0) * zoom
    target_attr = f' target="{esc(target)}"' if target else ""
    top = TITLE_HEIGHT if standalone else 0.0
    legend_top = top + map_height + MARGIN
    height = top + map_height
    if standalone:
        height = legend_top + LEGEND_ROW * (len(CATEGORIES) + 2) + (LEGEND_ROW if footer else 0)
    width = world.width
    size = f'width="{num(width)}" height="{num(height)}" viewBox="0 0 {num(width)} {num(height)}"'
    out: list[str] = []
    if standalone:
        out.append('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.append(f'<svg xmlns="{SVG_NAMESPACE}" {size} class="chart chart--map">')
        out.append(f"<title>{esc(title)}</title><desc>{esc(description)}</desc>")
        css = chart_css().replace("]]>", "]] >")
        out.append(f"<style><![CDATA[\n{css}]]></style>")
    else:
        out.append(
            f'<svg xmlns="{SVG_NAMESPACE}" {size} class="chart chart--map" role="group"'
            f' aria-labelledby="{id_prefix}-title" aria-describedby="{id_prefix}-desc">'
            f'<title id="{id_prefix}-title">{esc(title)}</title>'
            f'<desc id="{id_prefix}-desc">{esc(description)}</desc>'
        )
    out.append(f'<rect class="chart-bg" x="0" y="0" width="{num(width)}" height="{num(height)}"/>')
    if standalone:
        out.append(f'<text x="{num(MARGIN)}" y="22" class="chart-title">{esc(title)}</text>')
        out.append(
            f'<text x="{num(MARGIN)}" y="40" class="chart-subtitle">{esc(description)}</text>'
        )
    arrow_id = f"{id_prefix}-arrow"
    # A nested drawing shows the box of the world asked for and clips the rest; lines keep
    # their width whatever the zoom (vector-effect in charts.css), arrowheads too.
    head = 8 / zoom
    out.append(
        f'<svg x="0" y="{num(top)}" width="{num(width)}" height="{num(map_height)}"'
        f' viewBox="{num(bx0)} {num(by0)} {num(bx1 - bx0)} {num(by1 - by0)}">'
        f'<defs><marker id="{arrow_id}" viewBox="0 0 10 10" refX="8" refY="5"'
        f' markerWidth="{head:.2f}" markerHeight="{head:.2f}" markerUnits="userSpaceOnUse"'
        ' orient="auto"><path class="map-arrowhead" d="M0 0L10 5L0 10Z"/></marker></defs>'
    )
    globe = f"{id_prefix}-globe"
    out.append(
        f'<clipPath id="{globe}"><path d="{world.outline}"/></clipPath>'
        f'<path class="map-globe" d="{world.outline}"/><g clip-path="url(#{globe})">'
    )
    shaded = {country.code: country for country in spread.countries}
    # Countries without selected measures first, as the ground; then the shaded ones, each a
    # link (keyboard-reachable) with its status in words.
    out.append('<g class="map-ground">')
    for code, shape in world.countries.items():
        if code in shaded:
            continue
        model = " map-country--model" if code in spread.model_countries else ""
        if shape.d:
            out.append(f'<path class="map-country map-country--none{model}" d="{shape.d}"/>')
        else:
            out.append(
                f'<circle class="map-dot map-country--none{model}" cx="{num(shape.x)}"'
                f' cy="{num(shape.y)}" r="{1.6 / zoom:.2f}"/>'
            )
    out.append('</g><g class="map-shaded">')
    for country in spread.countries:
        found = world.countries.get(country.code)
        if found is None:  # a code the map has no shape for: the table below still lists it
            continue
        shape = found
        strongest = country.strongest
        counted = ", ".join(
            f"{country.counts[c.code]} {c.label.split(' (')[0].lower()}"
            for c in CATEGORIES
            if country.counts[c.code]
        )
        label = f"{country.name}: {strongest.label.split(' (')[0]} ({counted})"
        out.append(f'<a href="{esc(country_link(country.code))}"{target_attr}>')
        out.append(f"<title>{esc(label)}</title>")
        classes = f"map-country map-country--{strongest.code}"
        if shape.d:
            out.append(f'<path class="{classes}" d="{shape.d}"/>')
        else:
            out.append(
                f'<circle class="map-dot {classes}" cx="{num(shape.x)}" cy="{num(shape.y)}"'
                f' r="{4 / zoom:.2f}"/>'
            )
        out.append("</a>")
    out.append('</g></g><g class="map-arrows">')
    for arrow in spread.arrows:
        start, end = world.countries.get(arrow.source), world.countries.get(arrow.target)
        if start is None or end is None:
            continue
        names = "; ".join(f"{c.copy.title} modelled on {c.model.title}" for c in arrow.copies)
        first = arrow.copies[0]
        out.append(f'<a href="{esc(measure_link(first.copy.slug))}"{target_attr}>')
        out.append(f"<title>{esc(names)}</title>")
        # Thicker for more copies; a class, not a style attribute (the pages' CSP refuses those).
        weight = min(len(arrow.copies), 4)
        curve = _curve(start.x, start.y, end.x, end.y, 6 / zoom)
        out.append(
            f'<path class="map-arrow map-arrow--{weight}" d="{curve}"'
            f' marker-end="url(#{arrow_id})"/>'
        )
        out.append("</a>")
    out.append("</g></svg>")
    if not standalone:
        out.append("</svg>")
        return "".join(out), width, height

    legend_arrow = f"{id_prefix}-legend-arrow"
    out.append(
        f'<defs><marker id="{legend_arrow}" viewBox="0 0 10 10" refX="8" refY="5"'
        ' markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">'
        '<path class="map-arrowhead" d="M0 0L10 5L0 10Z"/></marker></defs>'
    )
    out.append(f'<g class="map-legend" transform="translate({num(MARGIN)} {num(legend_top)})">')
    rows = [(f"map-country--{c.code}", c.label) for c in CATEGORIES]
    rows.append(("map-country--none", "No measure selected"))
    for index, (classes, label) in enumerate(rows):
        y = index * LEGEND_ROW
        out.append(
            f'<rect class="map-country {classes}" x="0" y="{num(y)}" width="14" height="12"/>'
        )
        out.append(f'<text x="20" y="{num(y + 10.5)}" class="legend-label">{esc(label)}</text>')
    y = len(rows) * LEGEND_ROW + 6
    out.append(
        f'<path class="map-arrow" d="M0 {num(y)}L14 {num(y)}" marker-end="url(#{legend_arrow})"/>'
        f'<text x="20" y="{num(y + 4)}" class="legend-label">modelled on: from the model law\'s'
        " country to the copy's</text>"
    )
    out.append("</g>")
    if footer:
        out.append(
            f'<text x="{num(MARGIN)}" y="{num(height - 6)}" class="chart-footer">'
            f"{esc(footer)} · Map: Natural Earth</text>"
        )
    out.append("</svg>")
    return "".join(out), width, height
