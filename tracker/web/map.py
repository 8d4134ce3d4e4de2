"""The map of the spread: which countries have such a law, how far it got, who copied whom.

Any filter of the measure list applies (kind, status, topic, words, year), as of any day; the
years under the map are plain links, so moving through time needs no JavaScript. The SVG and
PNG downloads and the embed (tracker.web.embed) draw the same map.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from markupsafe import Markup

from tracker import clock
from tracker.charts.timeline import describe_filters
from tracker.charts.world_map import world_map_svg
from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, viewpoint
from tracker.http.heavy import heavy
from tracker.http.links import absolute_url, external_url
from tracker.services.measures import countries_in_use, topics_in_use
from tracker.services.spread import CATEGORIES, Spread, spread
from tracker.web import charts

bp = Blueprint("map", __name__)

# What the map is drawn from; its downloads, embed and year links carry them.
MAP_ARGS = (*params.MEASURE_FILTER_ARGS, "as_of", "world")


def map_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        key: values
        for key in MAP_ARGS
        if (values := [v for v in request.args.getlist(key) if v.strip()])
    }
    if not params.is_past_view():
        args.pop("as_of", None)  # "today" stays today in a link copied later
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args


@dataclass(slots=True)
class MapRequest:
    spread: Spread
    title: str
    subtitle: str

    def svg(
        self, *, absolute: bool, standalone: bool = False, **options: Any
    ) -> tuple[str, float, float]:
        address = external_url if absolute else str
        measure_prefix = address(url_for("measures.show", slug="SLUG")).replace("SLUG", "")
        past = params.is_past_view()
        country_args = map_args()  # the filters, and the day when it is not today

        def country_link(code: str) -> str:
            return address(url_for("measures.index", **{**country_args, "country": code}))

        def measure_link(slug: str) -> str:
            query = f"?as_of={self.spread.as_of.isoformat()}" if past else ""
            return f"{measure_prefix}{slug}{query}"

        return world_map_svg(
            self.spread,
            country_link,
            measure_link,
            title=self.title,
            description=self.subtitle,
            whole_world=whole_world(),
            standalone=standalone,
            **options,
        )


def whole_world() -> bool:
    """``?world=1``: the whole world rather than the part that holds the countries shown."""
    return request.args.get("world", "") not in ("", "0")


def load_map() -> MapRequest:
    filters = params.measure_filters()
    view = viewpoint()
    found = spread(get_session(), filters, view)
    described = describe_filters(filters, None, None)
    countries = len(found.countries)
    parts = [
        f"{found.measure_count} measure{'s' if found.measure_count != 1 else ''} in "
        f"{countries} countr{'ies' if countries != 1 else 'y'}",
        charts.as_of_phrase(view.as_of),
    ]
    if described:
        parts.insert(0, described)
    return MapRequest(found, "Map of the spread", " · ".join(parts))


@dataclass(frozen=True, slots=True)
class YearLink:
    year: int
    url: str
    current: bool


def year_links(found: Spread) -> list[YearLink]:
    """One link per year from the first recorded event to this year: the map as it stood at
    the end of that year (this year: today)."""
    today = clock.today()
    first = min(found.first_year or today.year, found.as_of.year, today.year)
    links = []
    for year in range(first, today.year + 1):
        day = today if year == today.year else dt.date(year, 12, 31)
        as_of = None if day == today else day.isoformat()
        url = url_for("map.index", **map_args(as_of=as_of))
        links.append(YearLink(year, url, current=year == found.as_of.year))
    return links


@bp.get("/map/")
@public
def index() -> str:
    loaded = load_map()
    chart, _width, height = loaded.svg(absolute=False, id_prefix="map")
    session, view = get_session(), viewpoint()
    return render_template(
        "map/index.html",
        request_=loaded,
        spread=loaded.spread,
        categories=CATEGORIES,
        chart=Markup(chart),  # noqa: S704  # nosec B704  # tracker.charts.world_map escapes every text
        years=year_links(loaded.spread),
        filters=params.measure_filters(),
        as_of=view.as_of,
        countries=countries_in_use(session, view),
        topics=topics_in_use(session, view),
        list_args=map_args(),
        whole_world=whole_world(),
        fitted_url=url_for("map.index", **map_args(world=None)),
        world_url=url_for("map.index", **map_args(world="1")),
        snippet=charts.embed_snippet(
            absolute_url("embed.map", **map_args()), loaded.title, height - 140
        ),
    )


def _standalone() -> tuple[str, float, float, str]:
    loaded = load_map()
    as_of = loaded.spread.as_of
    footer = charts.footer_text(as_of)
    document, width, height = loaded.svg(absolute=True, standalone=True, footer=footer)
    codes = params.measure_filters().countries
    name = charts.chart_file_name("map", codes, as_of, "svg")
    return document, width, height, name


@bp.get("/map.svg")
@public
def download_svg() -> Response:
    document, _width, _height, name = _standalone()
    return charts.file_response(document, "image/svg+xml", name)


@bp.get("/map.png")
@public
@heavy(params=MAP_ARGS)
def download_png() -> Response:
    document, width, height, name = _standalone()
    return charts.png_response(document, width, height, name.removesuffix(".svg") + ".png")
