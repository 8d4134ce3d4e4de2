"""The timeline drawn: lanes, bands, marks, legend and axis placed in pixels.

``layout_timeline`` turns a ``tracker.services.timeline.Timeline`` (which measures, events and
statements a reader sees, and each measure's status over time) into geometry that
``tracker.charts.svg`` writes out. The titles that marks and bands carry on hover are worded
here too, since they exist only on the picture.

Dates are drawn at their precision: a day is a dot, "October 2023" a bar as wide as October,
"c. 2013" a faded, dashed bar as wide as 2013.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Final

from tracker import vocab
from tracker.charts.timescale import Axis, TimeScale, axis, text_width
from tracker.countries import country_name
from tracker.dates import MONTH_NAMES, PartialDate
from tracker.gcpause import without_gc_pauses
from tracker.services.measures import MeasureFilters
from tracker.services.timeline import (
    MARK_KINDS,
    SHADES,
    Band,
    Lane,
    Timeline,
    TimelineEvent,
    TimelineStatement,
)

WIDTH = 960
MARGIN = 16
LANE_HEIGHT = 46
COUNTRY_HEIGHT = 28
AXIS_ROW_HEIGHT = 15
LEGEND_ROW_HEIGHT = 20
TITLE_HEIGHT = 50
FOOTER_HEIGHT = 26
LANE_FONT_SIZE = 12.5
MIN_MARK_WIDTH = 6.0


@dataclass(slots=True)
class BandBox:
    x: float
    y: float
    width: float
    height: float
    classes: str
    title: str
    label: str | None
    label_x: float


@dataclass(slots=True)
class MarkBox:
    """One event or statement mark; ``shape`` says how to draw it within its box."""

    shape: str
    """dot, diamond, square, ring, bar (a period: a month, a year) or triangle."""
    x: float
    y: float
    width: float
    height: float
    classes: str
    title: str
    slug: str
    event_id: int | None = None
    statement_slug: str | None = None

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True, slots=True)
class LaneBox:
    lane: Lane
    y: float
    label: str
    meta: str
    bands: tuple[BandBox, ...]
    marks: tuple[MarkBox, ...]


@dataclass(frozen=True, slots=True)
class CountryBox:
    code: str
    name: str
    y: float
    count: int


@dataclass(frozen=True, slots=True)
class LegendItem:
    kind: str
    """"shade", "mark" or "line"."""
    code: str
    label: str
    x: float
    y: float
    classes: str


@dataclass(frozen=True, slots=True)
class VerticalLine:
    x: float
    label: str
    classes: str


@dataclass(slots=True)
class TimelineLayout:
    timeline: Timeline
    width: float
    height: float
    scale: TimeScale
    axis: Axis
    axis_y: float
    lines_label_y: float
    lanes_top: float
    lanes_bottom: float
    lanes: list[LaneBox]
    countries: list[CountryBox]
    legend: list[LegendItem]
    lines: list[VerticalLine]
    bottom_axis_y: float | None
    title: str
    subtitle: str
    caption: bool
    footer_y: float | None


def _truncate(text: str, width: float, font_size: float, bold: bool = False) -> str:
    """Cut ``text`` to fit ``width`` (estimated), ending with an ellipsis when cut."""
    if text_width(text, font_size, bold) <= width:
        return text
    keep = max(1, int(width / text_width("x", font_size, bold)) - 1)
    return text[:keep].rstrip() + "…"


def shorten(text: str | None, limit: int = 280) -> str:
    """One line of at most ``limit`` characters, ending with an ellipsis when cut."""
    if not text:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@lru_cache(maxsize=16384)
def _format(date: PartialDate) -> str:
    """A date at its precision; the same few thousand dates recur across 20,000 marks."""
    return date.format()


def _day(day: dt.date) -> str:
    """ "12 January 2024": PartialDate.format for a day, without building a PartialDate."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year:04d}"


def event_title(event: TimelineEvent, lane: Lane) -> str:
    """What hovering or focusing a mark says: type, date at its precision, measure, detail."""
    first = f"{event.label}, {_format(event.date)}"
    if event.scheduled:
        first += " (scheduled)"
    if event.end_date:
        first += f", until {_format(event.end_date)}"
    parts = [first, lane.title]
    if event.actor:
        parts.append(f"By {event.actor}")
    if event.description:
        parts.append(shorten(event.description))
    return "\n".join(parts)


def statement_title(statement: TimelineStatement, lane: Lane) -> str:
    stance = f" ({vocab.STANCES[statement.stance]})" if statement.stance else ""
    return "\n".join(
        [
            f"Statement, {_format(statement.date)}: {statement.organization}{stance}",
            shorten(statement.title, 200),
            f"About: {lane.title}",
        ]
    )


_FORCE_SHADES = frozenset({"in-force", "partly-in-force", "suspended", "expired", "annulled"})


def band_title(band: Band) -> str:
    last = _day(band.end)
    if band.projected:
        return f"{SHADES[band.shade].label} until {last} unless extended (after the day shown)"
    status = band.status
    detail = status.force.explanation if band.shade in _FORCE_SHADES else status.outcome.explanation
    return f"{status.headline} from {_day(band.start)} to {last}\n{detail}"


_SHAPES: Final = MappingProxyType(
    {
        "step": ("dot", 9.0),
        "decision": ("diamond", 12.0),
        "force": ("square", 9.0),
        "other": ("ring", 7.0),
    }
)


@lru_cache(maxsize=256)
def _mark_classes(base: str, approximate: bool, scheduled: bool, precision: str) -> str:
    classes = [base]
    if approximate:
        classes.append("mark--approximate")
    if scheduled:
        classes.append("mark--scheduled")
    # A month or a year is drawn as the span it covers, never as a fake day.
    if precision != "day" or approximate:
        classes.append(f"mark--{precision}")
    return " ".join(classes)


def _span(scale: TimeScale, start: dt.date, end: dt.date) -> tuple[float, float]:
    """Left and right of a period, at least MIN_MARK_WIDTH wide (centred on it)."""
    x0 = scale.x(max(start, scale.start))
    x1 = scale.x_end(min(end, scale.end))
    if x1 - x0 < MIN_MARK_WIDTH:
        middle = (x0 + x1) / 2
        return middle - MIN_MARK_WIDTH / 2, middle + MIN_MARK_WIDTH / 2
    return x0, x1


def _event_mark(event: TimelineEvent, lane: Lane, scale: TimeScale, cy: float) -> MarkBox | None:
    if event.end < scale.start or event.start > scale.end:
        return None
    date = event.date
    precision = date.precision.value
    classes = _mark_classes(
        f"mark mark--{event.category}", date.approximate, event.scheduled, precision
    )
    title = event_title(event, lane)
    if precision != "day":
        x0, x1 = _span(scale, event.start, event.end)
        return MarkBox("bar", x0, cy - 4, x1 - x0, 8, classes, title, lane.slug, event.id)
    shape, size = _SHAPES[event.category]
    cx = scale.x_mid(event.start)
    half = size / 2
    return MarkBox(shape, cx - half, cy - half, size, size, classes, title, lane.slug, event.id)


def _statement_mark(
    statement: TimelineStatement, lane: Lane, scale: TimeScale, y: float
) -> MarkBox | None:
    if statement.end < scale.start or statement.start > scale.end:
        return None
    date = statement.date
    precision = date.precision.value
    base = "mark mark--statement"
    if statement.stance:
        base += f" mark--stance-{statement.stance}"
    classes = _mark_classes(base, date.approximate, False, precision)
    title = statement_title(statement, lane)
    slug = statement.slug
    if precision != "day":
        x0, x1 = _span(scale, statement.start, statement.end)
        return MarkBox("bar", x0, y + 1, x1 - x0, 5, classes, title, lane.slug, None, slug)
    cx = scale.x_mid(statement.start)
    return MarkBox("triangle", cx - 4.5, y, 9, 7, classes, title, lane.slug, None, slug)


def _label_x(
    start: float, end: float, width: float, taken: list[tuple[float, float]]
) -> float | None:
    """The first place in [start, end] where a label of ``width`` covers no mark, if any."""
    x = start
    for left, right in taken:
        if right < x:
            continue
        if left >= x + width:
            break
        x = right + 3
    return x if x + width <= end else None


def _band_boxes(
    lane: Lane, scale: TimeScale, y: float, height: float, marks: Sequence[MarkBox]
) -> list[BandBox]:
    taken = sorted((m.x, m.x + m.width) for m in marks if m.y < y + height and m.y + m.height > y)
    boxes = []
    for band in lane.bands:
        if band.end < scale.start or band.start > scale.end:
            continue
        x0 = scale.x(max(band.start, scale.start))
        x1 = scale.x_end(min(band.end, scale.end))
        classes = f"band band--{band.shade}" + (" band--projected" if band.projected else "")
        end = band.end
        label = (
            band.status.headline
            if not band.projected
            else f"until {end.day} {MONTH_NAMES[end.month - 1][:3]} {end.year:04d}"
        )
        label_x = _label_x(x0 + 4, x1 - 4, text_width(label, 10.5), taken)
        boxes.append(
            BandBox(
                x0,
                y,
                x1 - x0,
                height,
                classes,
                band_title(band),
                label if label_x is not None else None,
                label_x or x0,
            )
        )
    return boxes


def describe_filters(
    filters: MeasureFilters, window_start: dt.date | None, window_end: dt.date | None
) -> str:
    """The filters in words, for titles and captions: "Kyrgyzstan · laws · from 2023"."""
    parts = []
    if filters.kinds:
        parts.append(", ".join(vocab.MEASURE_KINDS[k] for k in filters.kinds))
    if filters.states:
        parts.append(", ".join(vocab.STATES[s] for s in filters.states))
    if filters.topics:
        parts.append("topic " + ", ".join(filters.topics))
    if filters.years:
        parts.append("first recorded in " + ", ".join(str(year) for year in filters.years))
    if filters.query:
        parts.append(f"“{filters.query}”")
    if window_start or window_end:
        first = window_start.strftime("%-d %b %Y") if window_start else "the start"
        last = window_end.strftime("%-d %b %Y") if window_end else "today"
        parts.append(f"{first} to {last}")
    return " · ".join(parts)


def chart_title(what: str, countries: Iterable[str]) -> str:
    codes = list(countries)
    if not codes:
        return f"{what}: all countries"
    names = [country_name(code) for code in codes]
    if len(names) > 3:
        return f"{what}: {', '.join(names[:3])} and {len(names) - 3} more"
    return f"{what}: {', '.join(names)}"


@without_gc_pauses
def layout_timeline(
    timeline: Timeline,
    *,
    title: str = "Timeline",
    subtitle: str = "",
    caption: bool = False,
    width: float = WIDTH,
) -> TimelineLayout:
    """Place everything: title and legend, axis, one lane per measure, the today line.

    ``caption`` adds the title and a source line inside the picture, for downloads and embeds
    that travel without the page around them.
    """
    x0, x1 = MARGIN, width - MARGIN
    scale = TimeScale(timeline.start, timeline.end, x0, x1)
    y: float = MARGIN
    if caption:
        y += TITLE_HEIGHT

    legend, y = _legend(timeline, x0, x1, y)
    time_axis = axis(scale)
    axis_y = y + 4
    y = axis_y + len(time_axis.rows) * AXIS_ROW_HEIGHT + 8
    # A row of its own for the labels of the today and as-of lines, clear of the axis.
    lines_label_y = y + 10
    y += 16
    lanes_top = y

    several_countries = len(timeline.countries) > 1
    boxes: list[LaneBox] = []
    countries: list[CountryBox] = []
    current: str | None = None
    counts: dict[str, int] = {}
    for lane in timeline.lanes:
        counts[lane.country] = counts.get(lane.country, 0) + 1
    for lane in timeline.lanes:
        if several_countries and lane.country != current:
            current = lane.country
            countries.append(CountryBox(current, country_name(current), y, counts[current]))
            y += COUNTRY_HEIGHT
        boxes.append(_lane_box(lane, scale, y, x1 - x0))
        y += LANE_HEIGHT
    lanes_bottom = y

    bottom_axis_y = None
    if len(timeline.lanes) > 10:
        bottom_axis_y = y + 4
        y += AXIS_ROW_HEIGHT + 10

    lines = []
    if scale.contains(timeline.today):
        label = "Today, " + timeline.today.strftime("%-d %b %Y")
        lines.append(VerticalLine(scale.x_mid(timeline.today), label, "line line--today"))
    if timeline.as_of != timeline.today and scale.contains(timeline.as_of):
        label = "As of " + timeline.as_of.strftime("%-d %b %Y")
        lines.append(VerticalLine(scale.x_end(timeline.as_of), label, "line line--as-of"))

    footer_y = None
    if caption:
        footer_y = y + 18
        y += FOOTER_HEIGHT
    return TimelineLayout(
        timeline=timeline,
        width=width,
        height=y + MARGIN,
        scale=scale,
        axis=time_axis,
        axis_y=axis_y,
        lines_label_y=lines_label_y,
        lanes_top=lanes_top,
        lanes_bottom=lanes_bottom,
        lanes=boxes,
        countries=countries,
        legend=legend,
        lines=lines,
        bottom_axis_y=bottom_axis_y,
        title=title,
        subtitle=subtitle,
        caption=caption,
        footer_y=footer_y,
    )


def _lane_box(lane: Lane, scale: TimeScale, y: float, width: float) -> LaneBox:
    # The right-hand side names the measure too (by its popular name), so that a reader who
    # scrolled a wide chart to its recent end on a phone still knows which lane is which.
    meta = f"{vocab.MEASURE_KINDS[lane.kind]} · {lane.status.headline}"
    if lane.popular_name:
        meta = f"{_truncate(lane.popular_name, 260, 11)} · {meta}"
    if not lane.is_public:
        meta += " · internal"
    label_width = width - text_width(meta, 11) - 12
    label = _truncate(lane.title, label_width, LANE_FONT_SIZE, bold=True)
    band_y, band_height = y + 18, 14.0
    cy = band_y + band_height / 2
    marks = [m for e in lane.events if (m := _event_mark(e, lane, scale, cy)) is not None]
    marks += [
        m for s in lane.statements if (m := _statement_mark(s, lane, scale, y + 35)) is not None
    ]
    bands = _band_boxes(lane, scale, band_y, band_height, marks)
    return LaneBox(lane, y, label, meta, tuple(bands), tuple(marks))


def _legend(timeline: Timeline, x0: float, x1: float, y: float) -> tuple[list[LegendItem], float]:
    """Legend entries for what the chart actually shows, flowed into rows."""
    shades = {band.shade for lane in timeline.lanes for band in lane.bands}
    projected = any(band.projected for lane in timeline.lanes for band in lane.bands)
    events = [event for lane in timeline.lanes for event in lane.events]
    categories = {event.category for event in events}
    wanted: list[tuple[str, str, str, str]] = [
        ("shade", code, shade.label, f"band band--{code}")
        for code, shade in SHADES.items()
        if code in shades
    ]
    if projected:
        wanted.append(
            (
                "shade",
                "projected",
                "Term ahead, unless extended",
                "band band--in-force band--projected",
            )
        )
    wanted += [
        ("mark", code, kind.label, f"mark mark--{code}")
        for code, kind in MARK_KINDS.items()
        if code in categories or (code == "statement" and timeline.statement_count)
    ]
    if any(event.date.precision != "day" for event in events):
        wanted.append(
            ("mark", "period", "Known to the month or year", "mark mark--step mark--month")
        )
    if any(event.date.approximate for event in events):
        wanted.append(
            (
                "mark",
                "approximate",
                "Approximate date (c.)",
                "mark mark--step mark--approximate mark--month",
            )
        )
    if any(event.scheduled for event in events):
        wanted.append(("mark", "scheduled", "Scheduled", "mark mark--step mark--scheduled"))
    if timeline.start <= timeline.today <= timeline.end:
        wanted.append(("line", "today", "Today", "line line--today"))
    if timeline.past_view:
        wanted.append(("line", "as-of", "Day shown (as of)", "line line--as-of"))
    items = []
    x, row_y = x0, y
    for kind, code, label, classes in wanted:
        item_width = 22 + text_width(label, 11) + 14
        if x + item_width > x1 and x > x0:
            x, row_y = x0, row_y + LEGEND_ROW_HEIGHT
        items.append(LegendItem(kind, code, label, x, row_y, classes))
        x += item_width
    height = (row_y - y + LEGEND_ROW_HEIGHT) if items else 0
    return items, y + height + 6
