"""The timeline page and its downloads (SVG for editing, PNG for slides)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from markupsafe import Markup

from tracker.charts import svg
from tracker.db import get_session
from tracker.http.access import public, viewpoint
from tracker.http.heavy import heavy
from tracker.http.links import absolute_url
from tracker.services.countries import state_counts
from tracker.services.measures import countries_in_use, topics_in_use
from tracker.services.timeline import SHADES
from tracker.web import charts

bp = Blueprint("timeline", __name__)


@bp.get("/timeline/")
@public
def index() -> str:
    session = get_session()
    loaded = charts.load_timeline()
    view = viewpoint()
    layout = loaded.layout()
    chart = svg.timeline_svg(
        layout,
        charts.links(),
        id_prefix="timeline",
        description=loaded.subtitle,
        history_href=charts.history_switch("timeline.index"),
    )
    embed_src = absolute_url("embed.timeline", **charts.chart_args())
    return render_template(
        "timeline/index.html",
        timeline=loaded.timeline,
        request_=loaded,
        chart=Markup(chart),  # noqa: S704  # nosec B704  # built by tracker.charts.svg, which escapes every text
        entries=charts.entries_html(loaded.timeline.entries(), charts.links()),
        counts=state_counts(lane.status.state for lane in loaded.timeline.lanes),
        shades=SHADES,
        as_of=view.as_of,
        filters=loaded.filters,
        window=loaded.window,
        countries=countries_in_use(session, view),
        topics=topics_in_use(session, view),
        snippet=charts.embed_snippet(embed_src, loaded.title, charts.timeline_frame_height(loaded)),
    )


def _standalone() -> tuple[str, float, float, str]:
    loaded = charts.load_timeline(strict=True)
    as_of = viewpoint().as_of
    layout = loaded.layout(caption=True, footer=charts.footer_text(as_of))
    document = svg.timeline_svg(
        layout,
        charts.links(absolute=True),
        standalone=True,
        description=f"{loaded.title}. {loaded.subtitle}. {charts.footer_text(as_of)}",
        footer=charts.footer_text(as_of),
    )
    name = charts.chart_file_name("timeline", loaded.filters.countries, as_of, "svg")
    return document, layout.width, layout.height, name


@bp.get("/timeline.svg")
@public
def download_svg() -> Response:
    document, _width, _height, name = _standalone()
    return charts.file_response(document, "image/svg+xml", name)


@bp.get("/timeline.png")
@public
@heavy(params=charts.CHART_ARGS)
def download_png() -> Response:
    document, width, height, name = _standalone()
    return charts.png_response(document, width, height, name.removesuffix(".svg") + ".png")
