"""The lineage page (who copied whom, what amends or repeals what) and its downloads."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from markupsafe import Markup

from tracker.charts import svg
from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, viewpoint
from tracker.http.heavy import heavy
from tracker.http.links import absolute_url
from tracker.services.measures import countries_in_use
from tracker.web import charts

bp = Blueprint("lineage", __name__)


@bp.get("/lineage/")
@public
def index() -> str:
    loaded = charts.load_lineage()
    if loaded is None:
        abort(404)
    view = viewpoint()
    layout = loaded.layout()
    chart = svg.lineage_svg(
        layout, charts.links(), id_prefix="lineage", description=loaded.subtitle
    )
    embed_src = absolute_url("embed.lineage", **charts.chart_args())
    return render_template(
        "lineage/index.html",
        request_=loaded,
        lineage=loaded.lineage,
        chart=Markup(chart),  # noqa: S704  # nosec B704  # built by tracker.charts.svg, which escapes every text
        as_of=view.as_of,
        filters=params.measure_filters(),
        countries=countries_in_use(get_session(), view),
        snippet=charts.embed_snippet(embed_src, loaded.title, charts.lineage_frame_height(loaded)),
    )


def _standalone() -> tuple[str, float, float, str]:
    loaded = charts.load_lineage()
    if loaded is None:
        abort(404)
    as_of = viewpoint().as_of
    layout = loaded.layout(caption=True, footer=charts.footer_text(as_of))
    document = svg.lineage_svg(
        layout,
        charts.links(absolute=True),
        standalone=True,
        description=f"{loaded.title}. {loaded.subtitle}. {charts.footer_text(as_of)}",
        footer=charts.footer_text(as_of),
    )
    where = loaded.countries or ((loaded.lineage.focus.country,) if loaded.lineage.focus else ())
    name = charts.chart_file_name("lineage", where, as_of, "svg")
    if loaded.lineage.focus is not None:
        name = f"lineage-{loaded.lineage.focus.slug}-{as_of.isoformat()}.svg"
    return document, layout.width, layout.height, name


@bp.get("/lineage.svg")
@public
def download_svg() -> Response:
    document, _width, _height, name = _standalone()
    return charts.file_response(document, "image/svg+xml", name)


@bp.get("/lineage.png")
@public
@heavy(params=charts.CHART_ARGS)
def download_png() -> Response:
    document, width, height, name = _standalone()
    return charts.png_response(document, width, height, name.removesuffix(".svg") + ".png")
