"""Build tracker/data/world-map.json, the country shapes /map/ draws, from Natural Earth.

Run once by hand when the shapes should change; the output is committed, so the app never
fetches anything. Input: the world-atlas package's TopoJSON (Natural Earth 4.1.0, public
domain; `npm pack world-atlas@2` and unpack it), 1:110m for the shapes and 1:50m for the
small countries the 1:110m file leaves out, which the map marks with a dot.

    python scripts/build_world_map.py path/to/world-atlas/package

Each country is projected (Equal Earth: areas true, so no country looks larger than it is),
scaled to a 960-unit-wide drawing, rounded to a tenth of a unit (points that round together
are dropped: the simplification), and keyed by its ISO 3166-1 alpha-2 code.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pycountry

WIDTH = 960.0
OUTPUT = Path(__file__).resolve().parent.parent / "tracker" / "data" / "world-map.json"
# Natural Earth features without an ISO numeric code in world-atlas, by name.
BY_NAME = {"Kosovo": "XK", "N. Cyprus": None, "Somaliland": None}
SKIP = {"AQ"}  # Antarctica: no measures, and it would take a quarter of the height

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, -y


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc[1:] if points else arc)
    return points


def unwrapped(ring_: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring that crosses the antimeridian (Russia's Chukotka, Fiji) made continuous, and a
    copy of it a turn of the globe away: each is drawn, and the map's outline clips both, so
    the part beyond 180° shows at the other edge instead of a stripe across the map."""
    points = [ring_[0]]
    for lon, lat in ring_[1:]:
        previous = points[-1][0]
        while lon - previous > 180:
            lon -= 360
        while previous - lon > 180:
            lon += 360
        points.append((lon, lat))
    low, high = min(p[0] for p in points), max(p[0] for p in points)
    if low >= -180 and high <= 180:
        return [points]
    turn = -360 if high > 180 else 360
    return [points, [(lon + turn, lat) for lon, lat in points]]


def polygons(
    geometry: dict[str, Any], arcs: list[list[tuple[float, float]]]
) -> list[list[list[tuple[float, float]]]]:
    if geometry["type"] == "Polygon":
        found = [[ring(arcs, r) for r in geometry["arcs"]]]
    elif geometry["type"] == "MultiPolygon":
        found = [[ring(arcs, r) for r in polygon] for polygon in geometry["arcs"]]
    else:
        return []
    # A polygon whose outer ring crosses the antimeridian becomes two (holes follow it).
    result = []
    for polygon in found:
        copies = unwrapped(polygon[0])
        holes = [unwrapped(hole)[0] for hole in polygon[1:]]
        for index, outer in enumerate(copies):
            shift = 0.0 if index == 0 else outer[0][0] - copies[0][0][0]
            result.append([outer] + [[(lon + shift, lat) for lon, lat in h] for h in holes])
    return result


def code_of(geometry: dict[str, Any]) -> str | None:
    name = geometry.get("properties", {}).get("name", "")
    if name in BY_NAME:
        return BY_NAME[name]
    number = geometry.get("id")
    country = pycountry.countries.get(numeric=str(number).zfill(3)) if number else None
    return country.alpha_2 if country else None


def load(path: Path) -> dict[str, list[list[list[tuple[float, float]]]]]:
    topology = json.loads(path.read_text())
    arcs = decode_arcs(topology)
    shapes: dict[str, list[list[list[tuple[float, float]]]]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = code_of(geometry)
        if code and code not in SKIP:
            shapes.setdefault(code, []).extend(polygons(geometry, arcs))
    return shapes


def area_and_centroid(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        xs, ys = zip(*points, strict=True)
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return abs(area) / 2, cx / (3 * area), cy / (3 * area)


def main(package: Path) -> None:
    shapes, small = load(package / "countries-110m.json"), load(package / "countries-50m.json")
    dots = {
        code: [[[equal_earth(lon, lat) for lon, lat in r] for r in polygon] for polygon in polys]
        for code, polys in small.items()
        if code not in shapes
    }
    inside = [
        (lon, lat)
        for polys in shapes.values()
        for poly in polys
        for r in poly
        for lon, lat in r
        if -180 <= lon <= 180
    ]
    xs = [equal_earth(lon, lat)[0] for lon, lat in inside]
    ys = [equal_earth(lon, lat)[1] for lon, lat in inside]
    xs += [equal_earth(-180, 0)[0], equal_earth(180, 0)[0]]
    scale = WIDTH / (max(xs) - min(xs))
    left, top = min(xs), min(ys)
    height = round((max(ys) - min(ys)) * scale, 1)

    def at(x: float, y: float) -> tuple[float, float]:
        return round((x - left) * scale, 1), round((y - top) * scale, 1)

    # The globe's outline (both edge meridians), which clips what lies beyond 180°.
    edge = [at(*equal_earth(180, lat)) for lat in range(-90, 91, 2)]
    edge += [at(*equal_earth(-180, lat)) for lat in range(90, -91, -2)]
    outline = "M" + "L".join(f"{x:g} {y:g}" for x, y in edge) + "Z"
    countries: dict[str, dict[str, Any]] = {}
    for code, polys in sorted(shapes.items()):
        parts = []
        best = (-1.0, 0.0, 0.0)
        box = [WIDTH, height, 0.0, 0.0]
        for poly in polys:
            for index, r in enumerate(poly):
                points = [at(*equal_earth(lon, lat)) for lon, lat in r]
                kept = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
                if len(kept) < 4:
                    continue
                parts.append("M" + "L".join(f"{x:g} {y:g}" for x, y in kept[:-1]) + "Z")
                # (A ring drawn twice across the antimeridian counts once, by its copy whose
                # middle is on the globe.)
                middle = (min(lon for lon, _ in r) + max(lon for lon, _ in r)) / 2
                inside_globe = -180 <= middle <= 180
                # The largest outer ring inside the globe: where its label and arrows go.
                if index == 0 and inside_globe:
                    area, cx, cy = area_and_centroid(kept)
                    if area > best[0]:
                        best = (area, cx, cy)
                        # What a view fitted to this country must show: its largest part
                        # (Russia without Chukotka's tip beyond 180°, Fiji's main islands).
                        on_globe = [(x, y) for x, y in kept if 0 <= x <= WIDTH]
                        box = [
                            min(x for x, _ in on_globe),
                            min(y for _, y in on_globe),
                            max(x for x, _ in on_globe),
                            max(y for _, y in on_globe),
                        ]
        countries[code] = {
            "d": "".join(parts),
            "x": round(best[1], 1),
            "y": round(best[2], 1),
            "box": [round(value, 1) for value in box],
        }
    for code, polys in sorted(dots.items()):
        outer = max((poly[0] for poly in polys), key=lambda r: area_and_centroid(r)[0])
        _area, cx, cy = area_and_centroid(outer)
        x, y = at(cx, cy)
        if 0 <= y <= height:
            countries[code] = {"d": None, "x": x, "y": y, "box": [x, y, x, y]}
    document = {
        "source": "Natural Earth 4.1.0 Admin 0 countries, 1:110m (1:50m for the dots), via the "
        "world-atlas package 2.0.2; public domain (https://www.naturalearthdata.com/about/terms-of-use/)",
        "projection": "Equal Earth",
        "width": WIDTH,
        "height": height,
        "outline": outline,
        "countries": countries,
    }
    OUTPUT.write_text(json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(
        f"{OUTPUT}: {len(countries)} countries ({len(dots)} as dots),"
        f" {OUTPUT.stat().st_size:,} bytes"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
