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
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Final

from tracker import vocab
from tracker.charts.timescale import Axis, TimeScale, axis, text_width
from tracker.countries import country_name
from tracker.dates import MONTH_NAMES, PartialDate, shift
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
TITLE_FONT_SIZE = 18.0
SUBTITLE_FONT_SIZE = 12.0
FOOTER_FONT_SIZE = 11.0
NOTE_HEIGHT = 20
BADGE_FONT_SIZE = 9.5
# Most of what is drawn must stay on the fitted axis: at most this share of the marks is left
# to the "whole history" view, and only when a long quiet gap separates it from the rest.
FIT_MAX_LEFT_OUT = 0.2
FIT_MIN_GAP_DAYS = 365
FIT_MIN_MARKS = 10


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
    grouped: bool = False
    """Drawn as part of a MarkGroup (it overlaps its neighbours), not as a link of its own."""

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2


@dataclass(slots=True)
class MarkGroup:
    """Marks of one lane and row that would cover each other, drawn as one target: the marks
    as they fall, then a "+3" badge; selecting it lists them (the measure page without
    JavaScript)."""

    marks: tuple[MarkBox, ...]
    x: float
    y: float
    width: float
    height: float
    badge_x: float
    badge_width: float
    title: str

    @property
    def badge(self) -> str:
        return f"+{len(self.marks) - 1}"

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
    """Every mark drawn, grouped or not."""
    groups: tuple[MarkGroup, ...] = ()
    label_lines: tuple[str, ...] = ()
    """The measure's name, on one line or (when it would not fit beside ``meta``) two."""
    meta_below: bool = False
    """Whether ``meta`` has a line of its own under the name, left-aligned."""
    track_y: float = 0.0
    height: float = LANE_HEIGHT


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


@dataclass(frozen=True, slots=True)
class HistoryNote:
    """What the fitted axis leaves out, or that the whole history is shown, with the switch."""

    lines: tuple[str, ...]
    """What is left out (or that nothing is), wrapped to the chart's width."""
    switch: str
    """The wording of the link that switches the view."""
    whole: bool
    """True when the whole history is shown (the link fits the axis again)."""
    y: float
    switch_x: float
    switch_y: float


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
    title_lines: tuple[str, ...] = ()
    subtitle_lines: tuple[str, ...] = ()
    footer_lines: tuple[str, ...] = ()
    note: HistoryNote | None = None
    groups: int = 0
    """Groups of overlapping marks drawn."""


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


def wrap(
    text: str, width: float, font_size: float, bold: bool = False, lines: int = 3
) -> tuple[str, ...]:
    """``text`` in lines that fit ``width`` (estimated), at most ``lines``, the last cut with
    an ellipsis when the rest does not fit."""
    if not text:
        return ()
    per_line = max(8, int(width / text_width("x", font_size, bold)))
    wrapped = textwrap.wrap(text, per_line, break_long_words=True) or [text]
    if len(wrapped) > lines:
        rest = " ".join(wrapped[lines - 1 :])
        wrapped = [*wrapped[: lines - 1], _truncate(rest, width, font_size, bold)]
    return tuple(wrapped)


def _mark_days(timeline: Timeline) -> list[dt.date]:
    days = [event.start for lane in timeline.lanes for event in lane.events]
    days += [statement.start for lane in timeline.lanes for statement in lane.statements]
    days.sort()
    return days


def fitted_start(timeline: Timeline) -> dt.date | None:
    """Where the axis starts when it fits the period that holds the events, if not at the
    timeline's own start.

    A few early marks separated from the rest by a long quiet gap (a 2013 bill before a story
    that runs from 2022) would squeeze everything else into a corner: the axis then starts
    after the gap, and the chart says what it leaves out. Never when the reader asked for a
    start date, and never more than a fifth of the marks.
    """
    if timeline.window_start is not None:
        return None
    days = _mark_days(timeline)
    if len(days) < FIT_MIN_MARKS:
        return None  # a handful of marks: each one is the story, however far apart
    end = timeline.end
    cut = None
    for index in range(1, int(len(days) * FIT_MAX_LEFT_OUT) + 1):
        gap = (days[index] - days[index - 1]).days
        if gap >= FIT_MIN_GAP_DAYS and gap * 4 >= (end - days[index]).days:
            cut = index
    if cut is None:
        return None
    first = days[cut]
    span = (end - first).days
    start = shift(first, -max(7, round(span * 0.02)))
    start = dt.date(start.year, 1, 1) if span > 3 * 365 else start.replace(day=1)
    return start if start > timeline.start else None


def _history_note(
    timeline: Timeline, start: dt.date, whole: bool, x0: float, x1: float, y: float
) -> HistoryNote:
    text, switch = _history_words(timeline, start, whole)
    lines = wrap(text, x1 - x0, 11.5)
    last_y = y + 16 * (len(lines) - 1)
    after = x0 + text_width(lines[-1], 11.5) + 8
    if after + text_width(switch, 11.5, bold=True) <= x1:
        return HistoryNote(lines, switch, whole, y, after, last_y)
    # No room left on the last line: the switch goes under the sentence.
    return HistoryNote(lines, switch, whole, y, x0, last_y + 16)


def _history_words(timeline: Timeline, start: dt.date, whole: bool) -> tuple[str, str]:
    if whole:
        first = _mark_days(timeline)[0]
        return f"The whole history, from {first.year}.", "Fit to the recent events"
    events = sum(1 for lane in timeline.lanes for event in lane.events if event.end < start)
    statements = len({s.id for lane in timeline.lanes for s in lane.statements if s.end < start})
    earliest = _mark_days(timeline)[0]
    parts = []
    if events:
        parts.append(f"{events} event{'s' if events != 1 else ''}")
    if statements:
        parts.append(f"{statements} statement{'s' if statements != 1 else ''}")
    what = " and ".join(parts)
    verb = "is" if events + statements == 1 else "are"
    text = (
        f"From {start.strftime('%b %Y')}: {what} from {earliest.year} to "
        f"{shift(start, -1).year} {verb} earlier."
    )
    if earliest.year == shift(start, -1).year:
        text = f"From {start.strftime('%b %Y')}: {what} from {earliest.year} {verb} earlier."
    return text, "Show the whole history"


@without_gc_pauses
def layout_timeline(
    timeline: Timeline,
    *,
    title: str = "Timeline",
    subtitle: str = "",
    caption: bool = False,
    width: float = WIDTH,
    whole_history: bool = False,
    footer: str = "",
) -> TimelineLayout:
    """Place everything: title and legend, axis, one lane per measure, the today line.

    ``caption`` adds the title and a source line (``footer``) inside the picture, for
    downloads and embeds that travel without the page around them. The axis fits the period
    that holds the events (``fitted_start``) unless ``whole_history`` is asked for.
    """
    x0, x1 = MARGIN, width - MARGIN
    fitted = fitted_start(timeline)
    start = timeline.start if whole_history or fitted is None else fitted
    scale = TimeScale(start, timeline.end, x0, x1)
    y: float = MARGIN
    title_lines: tuple[str, ...] = ()
    subtitle_lines: tuple[str, ...] = ()
    if caption:
        title_lines = wrap(title, x1 - x0, TITLE_FONT_SIZE, bold=True)
        subtitle_lines = wrap(subtitle, x1 - x0, SUBTITLE_FONT_SIZE)
        y += 22 * len(title_lines) + 16 * len(subtitle_lines) + 12

    # Lanes first, at y 0: the legend says what they draw, and goes above them.
    parts = [_lane_parts(lane, scale, x1 - x0) for lane in timeline.lanes]
    legend, y = _legend(timeline, parts, scale, x0, x1, y)
    note = None
    if fitted is not None:
        note = _history_note(timeline, start, whole_history, x0, x1, y + 12)
        y += NOTE_HEIGHT + (note.switch_y - note.y)
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
    groups = 0
    for lane, part in zip(timeline.lanes, parts, strict=True):
        if several_countries and lane.country != current:
            current = lane.country
            countries.append(CountryBox(current, country_name(current), y, counts[current]))
            y += COUNTRY_HEIGHT
        box = part.place(y)
        groups += len(box.groups)
        boxes.append(box)
        y += box.height
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
    footer_lines: tuple[str, ...] = ()
    if caption:
        footer_lines = wrap(footer, x1 - x0, FOOTER_FONT_SIZE, lines=4)
        footer_y = y + 18
        y += max(FOOTER_HEIGHT, 8 + 14 * len(footer_lines))
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
        title_lines=title_lines,
        subtitle_lines=subtitle_lines,
        footer_lines=footer_lines,
        note=note,
        groups=groups,
    )


def _group_title(marks: Sequence[MarkBox], lane: Lane) -> str:
    statements = sum(1 for mark in marks if mark.statement_slug)
    events = len(marks) - statements
    what = (
        f"{events} event{'s' if events != 1 else ''}"
        if events
        else f"{statements} statement{'s' if statements != 1 else ''}"
    )
    firsts = [mark.title.split("\n", 1)[0] for mark in marks]
    return "\n".join([f"{what} close together: {lane.title}", *firsts])


def _badge_width(count: int) -> float:
    return text_width(f"+{count - 1}", BADGE_FONT_SIZE) + 6


def _group_row(marks: list[MarkBox], lane: Lane) -> list[MarkGroup]:
    """Group the marks of one row that would hide another's centre (or sit under a badge).

    Two marks go together when the middle of either lies within the other's width: one drawn
    over the other would hide what it is. Marks that only touch at their edges stay apart, so
    a run of neighbours is not swallowed into one group. A group's "+N" badge sits right of its
    marks, and a mark whose middle it would cover joins the group too.
    """
    marks.sort(key=lambda mark: mark.x)
    count = len(marks)
    parent = list(range(count))

    def find(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    def join(a: int, b: int) -> bool:
        ra, rb = find(a), find(b)
        if ra == rb:
            return False
        parent[max(ra, rb)] = min(ra, rb)
        return True

    for i, mark in enumerate(marks):
        right, middle = mark.x + mark.width, mark.cx
        for j in range(i + 1, count):
            other = marks[j]
            if other.x > right:
                break
            if other.x <= middle <= other.x + other.width or other.cx <= right:
                join(i, j)
    changed = True
    while changed:
        changed = False
        clusters: dict[int, list[int]] = {}
        for index in range(count):
            clusters.setdefault(find(index), []).append(index)
        for root, members in clusters.items():
            if len(members) < 2:
                continue
            left = max(marks[m].x + marks[m].width for m in members) + 1
            badge_right = left + _badge_width(len(members))
            badge_middle = (left + badge_right) / 2
            for index in range(count):
                mark = marks[index]
                if find(index) != root and (
                    left <= mark.cx <= badge_right or mark.x <= badge_middle <= mark.x + mark.width
                ):
                    changed = join(root, index) or changed
            if changed:
                break
    clusters = {}
    for index in range(count):
        clusters.setdefault(find(index), []).append(index)
    groups = []
    for members in clusters.values():
        if len(members) < 2:
            continue
        cluster = [marks[m] for m in members]
        for mark in cluster:
            mark.grouped = True
        left = min(m.x for m in cluster)
        members_right = max(m.x + m.width for m in cluster)
        top = min(m.y for m in cluster)
        bottom = max(m.y + m.height for m in cluster)
        badge_width = _badge_width(len(cluster))
        middle = (top + bottom) / 2
        top, bottom = min(top, middle - 6), max(bottom, middle + 6)
        groups.append(
            MarkGroup(
                tuple(cluster),
                left,
                top,
                members_right + 1 + badge_width - left,
                bottom - top,
                members_right + 1,
                badge_width,
                _group_title(cluster, lane),
            )
        )
    return groups


@dataclass(slots=True)
class _LaneParts:
    """A lane laid out from y 0, moved to its place once the legend above is known."""

    lane: Lane
    label_lines: tuple[str, ...]
    meta: str
    meta_below: bool
    track_y: float
    height: float
    marks: list[MarkBox]
    groups: list[MarkGroup]
    bands: list[BandBox]

    def place(self, y: float) -> LaneBox:
        for mark in self.marks:
            mark.y += y
        for group in self.groups:
            group.y += y
        for band in self.bands:
            band.y += y
        return LaneBox(
            self.lane,
            y,
            self.label_lines[0] if self.label_lines else "",
            self.meta,
            tuple(self.bands),
            tuple(self.marks),
            tuple(self.groups),
            self.label_lines,
            self.meta_below,
            y + self.track_y,
            self.height,
        )


def _lane_parts(lane: Lane, scale: TimeScale, width: float) -> _LaneParts:
    # The right-hand side names the measure too (by its popular name), so that a reader who
    # scrolled a wide chart to its recent end on a phone still knows which lane is which.
    meta = f"{vocab.MEASURE_KINDS[lane.kind]} · {lane.status.headline}"
    if lane.popular_name:
        meta = f"{_truncate(lane.popular_name, 260, 11)} · {meta}"
    if not lane.is_public:
        meta += " · internal"
    beside = width - text_width(meta, 11) - 12
    if text_width(lane.title, LANE_FONT_SIZE, bold=True) <= beside:
        # Name and meta share a line: the chart as it always was where there is room.
        label_lines: tuple[str, ...] = (lane.title,)
        meta_below = False
        header = 18.0
    else:
        # A narrow chart (an embed in a phone-sized frame): the name gets the whole width, on
        # two lines if need be, and the meta a line of its own, so neither is cut to a stub.
        label_lines = wrap(lane.title, width, LANE_FONT_SIZE, bold=True, lines=2)
        if text_width(meta, 11) > width:
            # The popular name goes first: the status is what the line is for.
            meta = f"{vocab.MEASURE_KINDS[lane.kind]} · {lane.status.headline}"
            meta += " · internal" if not lane.is_public else ""
        meta = _truncate(meta, width, 11)
        meta_below = True
        header = 16.0 * len(label_lines) + 14 + 4
    band_y, band_height = header, 14.0
    cy = band_y + band_height / 2
    events = [m for e in lane.events if (m := _event_mark(e, lane, scale, cy)) is not None]
    statements = [
        m
        for s in lane.statements
        if (m := _statement_mark(s, lane, scale, band_y + 17)) is not None
    ]
    groups = _group_row(events, lane) + _group_row(statements, lane)
    marks = events + statements
    # Band labels keep clear of single marks and of whole groups (with their badges).
    taken = [m for m in marks if not m.grouped] + [
        MarkBox("bar", g.x, g.y, g.width, g.height, "", "", "") for g in groups
    ]
    bands = _band_boxes(lane, scale, band_y, band_height, taken)
    return _LaneParts(
        lane, label_lines, meta, meta_below, band_y, band_y + 28, marks, groups, bands
    )


def _legend(
    timeline: Timeline,
    parts: Sequence[_LaneParts],
    scale: TimeScale,
    x0: float,
    x1: float,
    y: float,
) -> tuple[list[LegendItem], float]:
    """Legend entries for exactly what the chart draws (after the axis is fitted), in rows."""
    bands = [band for part in parts for band in part.bands]
    shades = {band.classes.split()[1].removeprefix("band--") for band in bands}
    projected = any("band--projected" in band.classes for band in bands)
    marks = [mark for part in parts for mark in part.marks]
    mark_classes = {word for mark in marks for word in mark.classes.split()}
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
    # The grey track shows where a lane has no status yet (before its first event).
    if any(
        not part.bands
        or part.bands[0].x > scale.x0 + 0.5
        or part.bands[-1].x + part.bands[-1].width < scale.x1 - 0.5
        for part in parts
    ):
        wanted.append(("shade", "track", "No status recorded", "lane-track"))
    wanted += [
        ("mark", code, kind.label, f"mark mark--{code}")
        for code, kind in MARK_KINDS.items()
        if f"mark--{code}" in mark_classes
    ]
    if "mark--month" in mark_classes or "mark--year" in mark_classes:
        wanted.append(
            ("mark", "period", "Known to the month or year", "mark mark--step mark--month")
        )
    if "mark--approximate" in mark_classes:
        wanted.append(
            (
                "mark",
                "approximate",
                "Approximate date (c.)",
                "mark mark--step mark--approximate mark--month",
            )
        )
    if "mark--scheduled" in mark_classes:
        wanted.append(("mark", "scheduled", "Scheduled", "mark mark--step mark--scheduled"))
    if any(part.groups for part in parts):
        wanted.append(("group", "group", "Marks close together: select to list", "mark-badge"))
    if scale.contains(timeline.today):
        wanted.append(("line", "today", "Today", "line line--today"))
    if timeline.past_view and scale.contains(timeline.as_of):
        wanted.append(("line", "as-of", "Day shown (as of)", "line line--as-of"))
    items = []
    x, row_y = x0, y
    for kind, code, label, classes in wanted:
        if text_width(label, 11) > x1 - x0 - 36:
            # "Decision (signed, rejected, withdrawn...)": the examples go first.
            label = _truncate(label.split(" (")[0], x1 - x0 - 36, 11)
        item_width = 22 + text_width(label, 11) + 14
        if x + item_width > x1 and x > x0:
            x, row_y = x0, row_y + LEGEND_ROW_HEIGHT
        items.append(LegendItem(kind, code, label, x, row_y, classes))
        x += item_width
    height = (row_y - y + LEGEND_ROW_HEIGHT) if items else 0
    return items, y + height + 6
