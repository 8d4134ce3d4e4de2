"""Embeddable views of the timeline and the lineage, for other sites to put in an iframe.

These are the only pages another site may frame (``allow_framing()``; every other page keeps
``frame-ancestors 'none'``). They are the same for everyone: public records only, even for a
signed-in user whose browser sends a session cookie, and no cookie is ever set, so a visitor of
the embedding site is neither identified nor tracked through them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, abort, g, render_template, request
from markupsafe import Markup

from tracker.charts import svg
from tracker.http.access import public, viewpoint
from tracker.http.links import absolute_url
from tracker.security import allow_framing
from tracker.services.spread import CATEGORIES
from tracker.web import charts
from tracker.web import map as world_map

bp = Blueprint("embed", __name__, url_prefix="/embed")

_NO_COOKIES = "tracker.no_cookies"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class _DropCookies:
    """WSGI middleware: no Set-Cookie leaves a response whose view asked for none.

    It sits outside Flask so that nothing, whichever extension sets a cookie or however late
    (the session is saved after every after_request handler), can set one on an embed.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            if environ.get(_NO_COOKIES):
                headers = [(k, v) for k, v in headers if k.lower() != "set-cookie"]
            return start_response(status, headers, *args)

        return self.app(environ, start)


@bp.record_once
def _install(state: Any) -> None:
    app: Flask = state.app
    app.wsgi_app = _DropCookies(app.wsgi_app)  # type: ignore[method-assign]


@bp.before_request
def _anonymous_and_framable() -> None:
    allow_framing()
    g.user = None  # rendered as for an anonymous visitor, whoever's browser asks
    request.environ[_NO_COOKIES] = True


def _target() -> str:
    # Inside a frame a link must not open our page in the frame (it refuses to be framed).
    return "_blank"


@dataclass(frozen=True, slots=True)
class Variant:
    """The chart drawn for one range of frame widths; CSS shows the one that fits."""

    width: int
    chart: Markup


def _variants(draw: Callable[[int, str], str]) -> list[Variant]:
    return [
        Variant(
            width,
            Markup(draw(width, f"{width}")),  # noqa: S704  # nosec B704  # tracker.charts.svg escapes
        )
        for width in charts.EMBED_WIDTHS
    ]


@bp.get("/timeline")
@public
def timeline() -> str:
    # Anonymous, as every embed: the hook above signed no one in (tracker.http.access).
    loaded = charts.load_timeline(strict=True)
    as_of = viewpoint().as_of
    footer = charts.footer_text(as_of)
    switch = charts.history_switch("embed.timeline", absolute=True)

    def draw(width: int, suffix: str) -> str:
        return svg.timeline_svg(
            loaded.layout(caption=True, width=width, footer=footer),
            charts.links(absolute=True),
            id_prefix=f"embed-timeline-{suffix}",
            target=_target(),
            description=loaded.subtitle,
            history_href=switch,
        )

    return render_template(
        "embed/chart.html",
        title=loaded.title,
        variants=_variants(draw),
        full_url=absolute_url("timeline.index", **charts.chart_args()),
        as_of=as_of,
        empty=not loaded.timeline.lanes,
    )


@bp.get("/lineage")
@public
def lineage() -> str:
    loaded = charts.load_lineage()
    if loaded is None:
        abort(404)
    as_of = viewpoint().as_of
    footer = charts.footer_text(as_of)

    def draw(width: int, suffix: str) -> str:
        return svg.lineage_svg(
            loaded.layout(caption=True, width=width, footer=footer),
            charts.links(absolute=True),
            id_prefix=f"embed-lineage-{suffix}",
            target=_target(),
            description=loaded.subtitle,
            footer=footer,
        )

    return render_template(
        "embed/chart.html",
        title=loaded.title,
        variants=_variants(draw),
        full_url=absolute_url("lineage.index", **charts.chart_args()),
        as_of=as_of,
        empty=not loaded.lineage.edges,
    )


@bp.get("/map")
@public
def map() -> str:
    loaded = world_map.load_map()
    as_of = loaded.spread.as_of
    chart, _width, _height = loaded.svg(
        absolute=True,
        id_prefix="embed-map",
        target=_target(),
        footer=charts.footer_text(as_of),
    )
    return render_template(
        "embed/map.html",
        title=loaded.title,
        subtitle=loaded.subtitle,
        categories=CATEGORIES,
        chart=Markup(chart),  # noqa: S704  # nosec B704  # tracker.charts.world_map escapes every text
        full_url=absolute_url("map.index", **world_map.map_args()),
        as_of=as_of,
    )
