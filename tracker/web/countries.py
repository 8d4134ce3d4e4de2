"""Country pages: every measure of one country, its timeline, counts by status, statements."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from tracker.charts import svg
from tracker.countries import country_name, is_country
from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, viewpoint
from tracker.http.links import absolute_url
from tracker.services.countries import (
    count_statements_about,
    country_summaries,
    state_counts,
    statements_about,
)
from tracker.services.measures import MeasureFilters, list_measures
from tracker.services.upcoming import quiet_measures, upcoming
from tracker.web import charts

bp = Blueprint("countries", __name__, url_prefix="/countries")

# The newest statements a country page shows; the statements list has them all (a country of
# the benchmark's size has a thousand).
STATEMENTS_SHOWN = 20


@bp.get("/")
@public
def index() -> str:
    view = viewpoint()
    summaries = country_summaries(get_session(), view)
    return render_template("countries/index.html", summaries=summaries, as_of=view.as_of)


@bp.get("/<code>")
@public
def show(code: str) -> str | Response:
    if not (len(code) == 2 and code.isalpha() and is_country(code)):
        abort(404)
    if code != code.upper():
        # One address per country, whatever the case it is typed in.
        values: dict[str, Any] = {**request.args.to_dict(), "code": code.upper()}
        return redirect(url_for("countries.show", **values), 301)
    session = get_session()
    view = viewpoint()
    as_of = view.as_of
    filters = MeasureFilters(countries=(code,))
    rows = list_measures(session, filters, view)
    ids = [row.measure.id for row in rows]
    timeline = charts.load_timeline(filters=filters)
    layout = timeline.layout()
    chart = svg.timeline_svg(
        layout,
        charts.links(),
        id_prefix="country-timeline",
        description=timeline.subtitle,
        history_href=charts.history_switch("countries.show", code=code),
    )
    args = {"as_of": as_of.isoformat()} if params.is_past_view() else {}
    embed_src = absolute_url("embed.timeline", country=code, **args)
    return render_template(
        "countries/show.html",
        code=code,
        name=country_name(code),
        rows=rows,
        counts=state_counts(row.status.state for row in rows),
        timeline=timeline.timeline,
        request_=timeline,
        chart=Markup(chart),  # noqa: S704  # nosec B704  # built by tracker.charts.svg, which escapes every text
        statements=statements_about(session, ids, view, limit=STATEMENTS_SHOWN),
        statements_total=count_statements_about(session, ids, view),
        upcoming=upcoming(session, view, countries=(code,)),
        quiet=quiet_measures(session, view, countries=(code,), limit=50),
        as_of=as_of,
        download_args={"country": code, **args},
        snippet=charts.embed_snippet(
            embed_src, timeline.title, charts.timeline_frame_height(timeline)
        ),
    )
