"""What the chart pages share: reading their query, links from marks, downloads, embed snippets.

The timeline and lineage pages, their downloads, the country pages and the embeds all draw the
same charts from the same query string; this module reads it once and builds the URLs.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from flask import Response, abort, request, url_for
from markupsafe import Markup, escape

from tracker import clock, vocab
from tracker.charts import svg
from tracker.charts.lineage import WIDTH as LINEAGE_WIDTH
from tracker.charts.lineage import LineageLayout, layout_lineage
from tracker.charts.timeline import WIDTH as TIMELINE_WIDTH
from tracker.charts.timeline import (
    TimelineLayout,
    chart_title,
    describe_filters,
    fitted_start,
    layout_timeline,
    shorten,
)
from tracker.countries import country_name
from tracker.db import get_session
from tracker.exports.cells import download_name
from tracker.gcpause import without_gc_pauses
from tracker.http import params
from tracker.http.access import viewpoint
from tracker.http.links import absolute_url, external_url, site_url
from tracker.services.lineage import Lineage, build_lineage
from tracker.services.measures import MeasureFilters
from tracker.services.timeline import Entry, Timeline, build_timeline

# The query parameters a chart is drawn from; links to its downloads and embeds carry them.
CHART_ARGS = (
    "country", "kind", "status", "topic", "year", "q", "from", "to", "as_of", "relation",
    "measure", "history",
)  # fmt: skip


def whole_history() -> bool:
    """``?history=all``: the timeline's axis runs from its first event, however far back,
    instead of fitting the period that holds the events."""
    return request.args.get("history", "").strip() == "all"


def history_switch(endpoint: str, absolute: bool = False, **values: Any) -> str:
    """The same chart with the other axis: the whole history, or fitted to the events."""
    args = chart_args(history=None if whole_history() else "all")
    if absolute:
        return absolute_url(endpoint, **values, **args)
    return url_for(endpoint, **values, **args)


def chart_args(**changes: Any) -> dict[str, Any]:
    """The chart parameters of this request (lists kept), with some changed."""
    args: dict[str, Any] = {
        key: values
        for key in CHART_ARGS
        if (values := [v for v in request.args.getlist(key) if v.strip()])
    }
    if not params.is_past_view():
        # The filter form always sends its date field, so "as of today" arrives spelled out;
        # an embed or link made from it must keep showing today, not the day it was copied.
        args.pop("as_of", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args


class ChartLinks:
    """Where marks and boxes lead: a measure (at an event) or a statement, same day shown.

    URLs are built from one template per kind rather than one ``url_for`` per mark: a chart of
    20,000 events would otherwise spend most of its time routing.
    """

    def __init__(self, as_of: dt.date | None, absolute: bool = False) -> None:
        # Absolute in downloads and embeds, which are read away from this site.
        address = external_url if absolute else str
        measure = url_for("measures.show", slug="SLUG").replace("SLUG", "")
        statement = url_for("statements.show", slug="SLUG").replace("SLUG", "")
        self.measure_prefix = address(measure)
        self.statement_prefix = address(statement)
        self.query = "?" + urlencode({"as_of": as_of.isoformat()}) if as_of else ""
        self.measures: dict[str, str] = {}

    def measure(self, slug: str, event_id: int | None = None) -> str:
        base = self.measures.get(slug)
        if base is None:
            base = self.measures[slug] = f"{self.measure_prefix}{quote(slug, safe='')}{self.query}"
        return f"{base}#event-{event_id}" if event_id is not None else base

    def statement(self, slug: str) -> str:
        return f"{self.statement_prefix}{quote(slug, safe='')}"


def links(absolute: bool = False) -> ChartLinks:
    """Links that keep the day shown when the page shows a day in the past."""
    return ChartLinks(params.as_of() if params.is_past_view() else None, absolute)


@dataclass(slots=True)
class TimelineRequest:
    """A timeline as this request asks for it."""

    timeline: Timeline
    filters: MeasureFilters
    window: params.DateRange
    title: str
    subtitle: str

    @property
    def axis_start(self) -> dt.date:
        """The first day the chart's axis shows: fitted to the events, or the whole history."""
        fitted = None if whole_history() else fitted_start(self.timeline)
        return fitted or self.timeline.start

    def layout(
        self, caption: bool = False, width: float = TIMELINE_WIDTH, footer: str = ""
    ) -> TimelineLayout:
        return layout_timeline(
            self.timeline,
            title=self.title,
            subtitle=self.subtitle,
            caption=caption,
            width=width,
            whole_history=whole_history(),
            footer=footer,
        )


def as_of_phrase(as_of: dt.date) -> str:
    return f"as of {as_of.strftime('%-d %B %Y')}"


def load_timeline(filters: MeasureFilters | None = None, strict: bool = False) -> TimelineRequest:
    """Build the timeline the query string asks for, as the request's reader sees it.

    ``strict`` (downloads, embeds): an unreadable date range is a 400 that says why; pages show
    the error next to the field instead.
    """
    filters = filters or params.measure_filters()
    window = params.date_range()
    if strict and window.errors:
        abort(400, description=" ".join(f"{k}: {v}" for k, v in window.errors.items()))
    view = viewpoint()  # after the date range: which 400 a request gets first stays the same
    as_of = view.as_of
    timeline = build_timeline(get_session(), filters, view, clock.today(), window.start, window.end)
    title = chart_title("Timeline", filters.countries)
    described = describe_filters(filters, window.start, window.end)
    count = len(timeline.lanes)
    parts = [f"{count} measure{'s' if count != 1 else ''}", as_of_phrase(as_of)]
    if described:
        parts.insert(1, described)
    return TimelineRequest(timeline, filters, window, title, " · ".join(parts))


def slug_for_file(text: str) -> str:
    """ "Kyrgyzstan" -> "kyrgyzstan", "Côte d'Ivoire" -> "cote-d-ivoire"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "chart"


def chart_file_name(kind: str, countries: Iterable[str], as_of: dt.date, extension: str) -> str:
    """``timeline-kyrgyzstan-2026-11-28.png``: what, where (named, not coded), as of when."""
    codes = list(countries)
    if not codes:
        where = "all-countries"
    elif len(codes) <= 3:
        where = "-".join(slug_for_file(country_name(code)) for code in codes)
    else:
        where = f"{len(codes)}-countries"
    return download_name(kind, [where], as_of, extension)


def footer_text(as_of: dt.date) -> str:
    return (
        f"Source: tracker, {site_url()} · {as_of_phrase(as_of)} · "
        "statuses derived from the recorded events, each with its sources"
    )


def file_response(body: bytes | str, mimetype: str, filename: str) -> Response:
    """A download: attachment with a clear name, readable by other sites (slides, reports)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A signed-in user's download may hold internal records: no shared cache may keep it.
    response.headers["Cache-Control"] = "private"
    return response


def png_response(standalone_svg: str, width: float, height: float, filename: str) -> Response:
    try:
        png = svg.svg_to_png(standalone_svg, width, height)
    except svg.TooLarge as exc:
        abort(413, description=str(exc))
    return file_response(png, "image/png", filename)


# An embed draws its chart for a few frame widths and shows the one that fits (embed.css rules
# in tracker.css): each is drawn for the narrowest frame it serves and scaled up at most 1.5
# times, so its text stays between its own size and half as large again.
EMBED_WIDTHS = (320, 480, 720, 1080)
EMBED_PADDING = 16
"""The frame's width minus the chart's: the page's padding, left and right."""
EMBED_CHROME = 60
"""The frame's height minus the chart's: the padding and the "Open in the tracker" line."""
SNIPPET_FRAME_WIDTH = 760
"""The frame width the snippet's fixed height is right for (a blog's column), when the page
it is pasted into runs no script; the script in the snippet fits any other width."""


def embed_width(frame_width: float) -> int:
    """The width of the chart drawn for a frame that wide."""
    fitting = [width for width in EMBED_WIDTHS if width + EMBED_PADDING <= frame_width]
    return max(fitting, default=EMBED_WIDTHS[0])


def frame_height(chart_height: float, chart_width: float, frame_width: float) -> int:
    """How tall a frame must be to show a chart drawn ``chart_width`` wide, scaled to fit."""
    scale = (frame_width - EMBED_PADDING) / chart_width
    return math.ceil(chart_height * scale + EMBED_CHROME)


def timeline_frame_height(loaded: TimelineRequest, frame_width: float = SNIPPET_FRAME_WIDTH) -> int:
    width = embed_width(frame_width)
    layout = loaded.layout(caption=True, width=width, footer=footer_text(viewpoint().as_of))
    return frame_height(layout.height, width, frame_width)


def lineage_frame_height(loaded: LineageRequest, frame_width: float = SNIPPET_FRAME_WIDTH) -> int:
    width = embed_width(frame_width)
    layout = loaded.layout(caption=True, width=width, footer=footer_text(viewpoint().as_of))
    return frame_height(layout.height, width, frame_width)


# Pasted with the frame: fits the frame's height to the chart at whatever width the page gives
# it (the embed's charts.js says how tall it is). It listens to the tracker's own origin only,
# to frames marked as the tracker's, and takes a number, clamped, nothing else.
_RESIZER = (
    "<script>addEventListener('message',function(e){var h=e.data&&e.data.trackerEmbedHeight;"
    "if(e.origin!=='ORIGIN'||typeof h!=='number')return;"
    "document.querySelectorAll('iframe[data-tracker-embed]').forEach(function(f){"
    "if(f.contentWindow===e.source)f.height=Math.min(Math.max(Math.ceil(h),150),8000)})})"
    "</script>"
)


def embed_snippet(src: str, title: str, height: float) -> str:
    """The HTML someone pastes into their page to embed a chart: a frame ``height`` tall (the
    height for a 760-px column), and a line of script that fits it to any other width."""
    escaped_title = title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    escaped_src = src.replace("&", "&amp;").replace('"', "&quot;")
    parts = urlsplit(src)
    origin = f"{parts.scheme}://{parts.netloc}".replace("'", "").replace("\\", "")
    return (
        f'<iframe src="{escaped_src}" title="{escaped_title}" width="100%" '
        f'height="{int(height)}" style="border:0" loading="lazy" '
        'referrerpolicy="no-referrer" data-tracker-embed></iframe>'
        + _RESIZER.replace("ORIGIN", origin)
    )


@dataclass(slots=True)
class LineageRequest:
    lineage: Lineage
    countries: tuple[str, ...]
    types: tuple[str, ...]
    title: str
    subtitle: str

    def layout(
        self, caption: bool = False, width: float = LINEAGE_WIDTH, footer: str = ""
    ) -> LineageLayout:
        return layout_lineage(
            self.lineage,
            title=self.title,
            subtitle=self.subtitle,
            caption=caption,
            width=width,
            footer=footer,
        )


def load_lineage(focus: str | None = None) -> LineageRequest | None:
    """The lineage the query string asks for (``country``, ``relation``, ``measure``, ``as_of``),
    as the request's reader sees it.

    None when the measure asked for is not there (or not visible).
    """
    countries = params.measure_filters().countries
    types = params.relation_types()
    focus = focus or request.args.get("measure", "").strip() or None
    view = viewpoint()
    as_of = view.as_of
    lineage = build_lineage(get_session(), view, countries, types, focus)
    if lineage is None:
        return None
    if lineage.focus is not None:
        title = f"Lineage of {lineage.focus.name} ({country_name(lineage.focus.country)})"
    else:
        title = chart_title("Lineage", countries)
    count = len(lineage.edges)
    parts = [f"{count} relation{'s' if count != 1 else ''}"]
    if types:
        parts.append(", ".join(vocab.RELATION_TYPES[t].label for t in types))
    parts.append(as_of_phrase(as_of))
    return LineageRequest(lineage, countries, types, title, " · ".join(parts))


@dataclass(slots=True)
class MeasureLineage:
    """A measure's own lineage for its page: the diagram and its relations as sentences."""

    lineage: Lineage
    chart: Markup


def measure_lineage(slug: str, depth: int = 3) -> MeasureLineage | None:
    """The measures within ``depth`` relations of this one, drawn; None when it has none."""
    loaded = load_lineage(focus=slug)
    if loaded is None or not loaded.lineage.edges:
        return None
    chart = svg.lineage_svg(
        loaded.layout(), links(), id_prefix="measure-lineage", description=loaded.subtitle
    )
    return MeasureLineage(loaded.lineage, Markup(chart))  # noqa: S704  # nosec B704  # tracker.charts.svg escapes


@without_gc_pauses
def entries_html(entries: Sequence[Entry], chart_links: ChartLinks) -> Markup:
    """The events and statements of a timeline as an ordered list: its text alternative.

    Written here rather than as a template macro for the same reason the SVG is: a timeline of
    20,000 events has 20,000 lines, and a macro spends about a hundred microseconds on each.
    Every value is escaped.
    """
    if not entries:
        return Markup(
            '<ol class="entries"><li class="muted">Nothing is dated in this range.</li></ol>'
        )
    out = ['<ol class="entries">']
    names: dict[str, str] = {}
    for entry in entries:
        lane = entry.lane
        country = names.get(lane.country)
        if country is None:
            country = names[lane.country] = str(escape(country_name(lane.country)))
        date = f'<time datetime="{entry.date.iso}">{escape(entry.date.format())}</time>'
        if entry.date.unknown:
            date += f' <span class="precision">({entry.date.unknown})</span>'
        if entry.event is not None:
            event = entry.event
            what = escape(event.label)
            if event.scheduled:
                what += Markup(' <span class="badge badge--pending">scheduled</span>')
            if event.end_date is not None:
                what += f", until {event.end_date.format()}"
            href = chart_links.measure(lane.slug, event.id)
            line = (
                f'<li class="entries__item">{date} <span class="entries__what">{what}</span> '
                f'<a href="{escape(href)}">{escape(lane.title)}</a> '
                f'<span class="muted small">({country})</span>'
            )
            if event.description:
                detail = shorten(event.description, 240)
                line += f' <span class="entries__detail">{escape(detail)}</span>'
        else:
            statement = entry.statement
            assert statement is not None  # an entry is an event or a statement
            stance = f" ({vocab.STANCES[statement.stance].lower()})" if statement.stance else ""
            href = chart_links.statement(statement.slug)
            line = (
                f'<li class="entries__item entries__item--statement">{date} '
                f'<span class="entries__what">Statement: {escape(statement.organization)}'
                f"{escape(stance)}</span> "
                f'<a href="{escape(href)}">{escape(statement.title)}</a> '
                f'<span class="muted small">about {escape(shorten(lane.title, 90))}</span>'
            )
        out.append(line + "</li>")
    out.append("</ol>")
    return Markup("\n".join(out))  # noqa: S704  # nosec B704  # every value above is escaped
