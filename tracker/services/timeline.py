"""The cross-measure timeline: one lane per measure, shaded by its legal force over time.

``build_timeline`` reads what the filters select (in a fixed number of queries, whatever the
number of measures), works out each measure's status over time with
``tracker.status.status_history`` and keeps what falls in the date window. ``layout_timeline``
turns that into geometry (lanes, scale, axis, bands, marks, legend) that ``tracker.svg`` writes
out as SVG. The rules for status live in tracker.status alone; this module only draws them.

Dates are drawn at their precision: a day is a dot, "October 2023" a bar as wide as October,
"c. 2013" a faded, dashed bar as wide as 2013.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Final

from sqlalchemy import Subquery, select
from sqlalchemy.orm import Session

from tracker import vocab
from tracker.countries import country_name
from tracker.dates import MONTH_NAMES, PartialDate, shift
from tracker.gcpause import without_gc_pauses
from tracker.models import Event, Measure, Organization, Statement, statement_measures
from tracker.services.as_of import event_order, recorded_before, statement_dated_by, statement_order
from tracker.services.measures import MeasureFilters, select_measures
from tracker.services.sources import source_namer
from tracker.services.statements import organization_name
from tracker.services.timescale import Axis, TimeScale, axis, text_width
from tracker.status import Change, Status, derive_status, status_history

DAY = dt.timedelta(days=1)


# -- what the shading means -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shade:
    code: str
    label: str
    meaning: str


# In legend order: the life of a measure, then the ways it ends.
SHADES: Final = MappingProxyType(
    {
        shade.code: shade
        for shade in (
            Shade("drafted", "Drafted", "A draft exists; it is not yet before the legislature."),
            Shade("pending", "Pending", "Before the legislature or awaiting signature."),
            Shade("enacted", "Enacted", "Adopted; its entry into force is not recorded."),
            Shade("in-force", "In force", "It has legal effect."),
            Shade("partly-in-force", "Partly in force", "Some of its provisions have effect."),
            Shade("suspended", "Suspended", "Its effect is suspended."),
            Shade("expired", "Expired or lapsed", "Its term ran out, or the bill lapsed."),
            Shade("annulled", "Struck down or repealed", "Annulled by a court or repealed."),
            Shade("stopped", "Defeated, withdrawn or vetoed", "It did not become law."),
        )
    }
)
ACTIVE_SHADES: Final = frozenset(
    {"drafted", "pending", "enacted", "in-force", "partly-in-force", "suspended"}
)


def shade_of(status: Status) -> str:
    """The shade of a lane on a day, from the status that day."""
    force, outcome = status.force.code, status.outcome.code
    if force in {"in-force", "partly-in-force", "suspended"}:
        return force
    if force == "expired" or outcome == "expired":
        return "expired"
    if force == "no-longer-in-force" or outcome in {"struck-down", "repealed"}:
        return "annulled"
    if outcome in {"defeated", "withdrawn", "vetoed"}:
        return "stopped"
    if outcome == "enacted":
        return "enacted"
    if status.stage is None or status.stage.code == "drafted":
        return "drafted"
    return "pending"


@dataclass(frozen=True, slots=True)
class MarkKind:
    code: str
    label: str


# What an event did to the status decides its mark's shape (see event_category).
MARK_KINDS: Final = MappingProxyType(
    {
        kind.code: kind
        for kind in (
            MarkKind("step", "Legislative step"),
            MarkKind("decision", "Decision (signed, rejected, withdrawn...)"),
            MarkKind("force", "Change in legal force"),
            MarkKind("other", "Other event"),
            MarkKind("statement", "Statement by an organization"),
        )
    }
)


def event_category(code: str) -> str:
    """step, decision, force or other: how the event type changes the status."""
    kind = vocab.EVENT_TYPES[code]
    if kind.force is not None:
        return "force"
    if kind.outcome is not None:
        return "decision"
    if kind.stage is not None:
        return "step"
    return "other"


_CATEGORIES: Final = MappingProxyType({code: event_category(code) for code in vocab.EVENT_TYPES})


# -- the data ---------------------------------------------------------------------------------


# Events and statements are plain (not frozen) slotted records, with their first and last day
# worked out once: a chart of 20,000 events reads them many times over, and a frozen
# dataclass costs twice as much to build.


@dataclass(slots=True)
class TimelineEvent:
    """An event as the timeline needs it; fits tracker.status.EventLike."""

    id: int
    measure_id: int
    type: str
    date: PartialDate
    end_date: PartialDate | None
    actor: str | None
    description: str | None
    scheduled: bool
    """Dated after the day shown (tracker.status.dated_by): coming, on that day."""
    start: dt.date
    """The first day ``date`` covers."""
    end: dt.date
    """The last day ``date`` covers."""
    category: str
    """step, decision, force or other (see ``event_category``)."""
    recorded: bool = True
    """Recorded in the tracker by the day shown: a later event that was (announced, scheduled)
    is drawn as coming; one recorded afterwards is hindsight, and a view of that day leaves it
    out. Both depend only on the record and the day shown."""

    @property
    def label(self) -> str:
        return vocab.EVENT_TYPES[self.type].label


@dataclass(slots=True)
class TimelineStatement:
    id: int
    measure_id: int
    slug: str
    title: str
    date: PartialDate
    stance: str | None
    organization: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True, slots=True)
class Band:
    """A stretch of a lane with one status: from ``start`` through ``end``."""

    start: dt.date
    end: dt.date
    shade: str
    status: Status
    projected: bool = False
    """A term in force that runs past the day shown: it ends then unless extended."""


@dataclass(slots=True)
class Lane:
    measure_id: int
    slug: str
    title: str
    country: str
    kind: str
    visibility: str
    status: Status
    popular_name: str | None = None
    events: list[TimelineEvent] = field(default_factory=list)
    statements: list[TimelineStatement] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)

    @property
    def first_day(self) -> dt.date | None:
        days = [e.start for e in self.events] + [s.start for s in self.statements]
        return min(days) if days else None


@dataclass(slots=True)
class Entry:
    """One line of the timeline read as a list: an event or a statement, with its lane."""

    date: PartialDate
    lane: Lane
    event: TimelineEvent | None = None
    statement: TimelineStatement | None = None


@dataclass(slots=True)
class Timeline:
    lanes: list[Lane]
    start: dt.date
    """First day drawn (the window's start, or a little before the first event)."""
    end: dt.date
    as_of: dt.date
    today: dt.date
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    hidden_events: int = 0
    """Events after ``as_of`` that the tracker recorded only later (hindsight), left out."""

    @property
    def past_view(self) -> bool:
        """Whether the day shown is before today: only how the chart is labelled (the as-of
        line), never what it holds."""
        return self.as_of < self.today

    @property
    def countries(self) -> list[str]:
        return list(dict.fromkeys(lane.country for lane in self.lanes))

    @property
    def event_count(self) -> int:
        """Events up to the day shown, as the events list counts them; scheduled ones are drawn
        and counted apart (``scheduled_count``)."""
        return sum(1 for lane in self.lanes for event in lane.events if not event.scheduled)

    @property
    def scheduled_count(self) -> int:
        return sum(1 for lane in self.lanes for event in lane.events if event.scheduled)

    @property
    def statement_count(self) -> int:
        """Statements drawn, each counted once: a joint statement about three measures is
        drawn on three lanes but is one statement, as the statements list counts it."""
        return len({statement.id for lane in self.lanes for statement in lane.statements})

    def entries(self) -> list[Entry]:
        """Every event and statement drawn, in date order: the chart's text alternative."""
        # Sorted as PartialDate sorts (first day, then coarse before fine), then by lane, events
        # before statements.
        items: list[tuple[dt.date, int, int, int, Entry]] = []
        lo, hi = self.start, self.end
        for position, lane in enumerate(self.lanes):
            for event in lane.events:
                if event.end >= lo and event.start <= hi:
                    entry = Entry(event.date, lane, event)
                    items.append((event.start, _rank(event.date), position, 0, entry))
            for statement in lane.statements:
                if statement.end >= lo and statement.start <= hi:
                    entry = Entry(statement.date, lane, statement=statement)
                    items.append((statement.start, _rank(statement.date), position, 1, entry))
        items.sort(key=lambda item: item[:4])
        return [item[4] for item in items]


def _rank(date: PartialDate) -> int:
    """Precision.rank without the enum: year 0, month 1, day 2."""
    return 0 if date.month is None else 1 if date.day is None else 2


class _Dates:
    """Parse each distinct stored date once: 20,000 events share a few thousand dates."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, bool], tuple[PartialDate, dt.date, dt.date]] = {}

    def __call__(self, iso: str, approximate: bool | None) -> tuple[PartialDate, dt.date, dt.date]:
        """The date, its first day and its last day."""
        key = (iso, bool(approximate))
        found = self.cache.get(key)
        if found is None:
            # The stored form is always YYYY, YYYY-MM or YYYY-MM-DD (the model checks it):
            # slicing is enough, and much cheaper than PartialDate.from_iso's regex.
            date = PartialDate(
                int(iso[:4]),
                int(iso[5:7]) if len(iso) > 4 else None,
                int(iso[8:10]) if len(iso) > 7 else None,
                bool(approximate),
            )
            found = self.cache[key] = (date, date.start, date.end)
        return found


def popular_name(names: Sequence[str] | None) -> str | None:
    """What people call a measure ("Foreign representatives law"), if anything."""
    if not names:
        return None
    return names[0][:1].upper() + names[0][1:]


def _band_key(status: Status, shade: str) -> tuple[object, ...]:
    stage = status.stage.explanation if status.stage else None
    return (shade, stage, status.outcome.explanation, status.force.explanation, status.term_end)


def bands_from_history(history: Sequence[Change], until: dt.date) -> list[Band]:
    """Consecutive stretches of one status, through ``until``, and the term that runs past it.

    A change that alters nothing the reader sees (an "other" event) does not split a band; an
    extension does, so successive terms of a ban show as successive bands.
    """
    bands: list[Band] = []
    keys: list[tuple[object, ...]] = []
    for index, change in enumerate(history):
        last = history[index + 1].start - DAY if index + 1 < len(history) else until
        if last < change.start:
            continue
        shade = shade_of(change.status)
        key = _band_key(change.status, shade)
        if bands and keys[-1] == key and bands[-1].end + DAY == change.start:
            bands[-1] = Band(bands[-1].start, last, shade, bands[-1].status)
            continue
        bands.append(Band(change.start, last, shade, change.status))
        keys.append(key)
    if bands and (term_end := bands[-1].status.term_end) is not None and term_end > until:
        last_band = bands[-1]
        bands.append(Band(until + DAY, term_end, last_band.shade, last_band.status, True))
    return bands


def _overlaps(start: dt.date, end: dt.date, lo: dt.date | None, hi: dt.date | None) -> bool:
    return (lo is None or end >= lo) and (hi is None or start <= hi)


def load_events(
    session: Session,
    as_of: dt.date,
    *,
    chosen: Subquery | None = None,
    measure_ids: Sequence[int] = (),
    parse: _Dates | None = None,
) -> dict[int, list[TimelineEvent]]:
    """Every event of some measures by measure, in the status rule's order, each marked
    ``scheduled`` when it is dated after ``as_of`` and ``recorded`` when the tracker
    held it by then.

    The measures are ``chosen`` (a subquery of ids, joined rather than tested with IN, which
    SQLite plans badly) or listed in ``measure_ids``. One plain column query on the session's
    connection: no ORM objects for 20,000 events.
    """
    parse = parse or _Dates()
    query = select(
        Event.id,
        Event.measure_id,
        Event.type,
        Event.date_iso,
        Event.date_approximate,
        Event.end_date_iso,
        Event.end_date_approximate,
        Event.actor,
        Event.description,
        Event.created_at,
    )
    if chosen is not None:
        query = query.join(chosen, chosen.c.id == Event.measure_id)
    else:
        query = query.where(Event.measure_id.in_(measure_ids))
    events: dict[int, list[TimelineEvent]] = {}
    rows = session.connection().execute(query.order_by(Event.measure_id, *event_order()))
    known_before = recorded_before(as_of)
    for row in rows:
        event_id, measure_id, kind, iso, approximate, end_iso, end_approximate, actor = row[:8]
        text, created = row[8], row[9]
        date, start, end = parse(iso, approximate)
        end_date = parse(end_iso, end_approximate)[0] if end_iso else None
        events.setdefault(measure_id, []).append(
            TimelineEvent(
                event_id,
                measure_id,
                kind,
                date,
                end_date,
                actor,
                text,
                start > as_of,
                start,
                end,
                _CATEGORIES[kind],
                created < known_before,
            )
        )
    return events


@without_gc_pauses
def light_statuses(
    session: Session, measure_ids: Sequence[int], as_of: dt.date
) -> dict[int, Status]:
    """The status of many measures on ``as_of``, from their events read as plain rows.

    Gives what tracker.services.measures.statuses gives, without loading ORM objects: the
    difference is tenfold for thousands of events.
    """
    ids = list(measure_ids)
    events: dict[int, list[TimelineEvent]] = {}
    parse = _Dates()
    for chunk in range(0, len(ids), 500):
        events.update(
            load_events(session, as_of, measure_ids=ids[chunk : chunk + 500], parse=parse)
        )
    cite = source_namer(session)
    return {i: derive_status(events.get(i, []), as_of, cite) for i in ids}


@without_gc_pauses
def build_timeline(
    session: Session,
    filters: MeasureFilters,
    as_of: dt.date,
    today: dt.date,
    include_internal: bool,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
) -> Timeline:
    """The lanes of the measures the filters select, as they stood on ``as_of``.

    Three queries (measures, their events, their statements) whatever the number of measures.
    In a view of the past, events and statements dated after ``as_of`` are left out and the
    status is the one derived from what was known then.
    """
    # The measures the measure list selects; the status filter is applied below, to the status
    # derived from the events loaded for the lanes anyway (on any day, without the cache).
    selection = select_measures(session, replace(filters, states=()), as_of, include_internal)
    measures = selection.measures()
    # Joined as a derived table, not "IN (subquery)": SQLite would otherwise probe the whole
    # list of ids for every statement (200 ms instead of 6 for 1,000 measures).
    chosen = measures.with_only_columns(Measure.id).subquery()
    parse = _Dates()
    connection = session.connection()
    events = load_events(session, as_of, chosen=chosen, parse=parse)
    hidden_events = 0
    cite = source_namer(session)

    statements: dict[int, list[TimelineStatement]] = {}
    statement_query = (
        select(
            statement_measures.c.measure_id,
            Statement.id,
            Statement.slug,
            Statement.title,
            Statement.date_iso,
            Statement.date_approximate,
            Statement.stance,
            organization_name(include_internal),
        )
        .select_from(statement_measures)
        .join(chosen, chosen.c.id == statement_measures.c.measure_id)
        .join(Statement, Statement.id == statement_measures.c.statement_id)
        .join(Organization, Organization.id == Statement.organization_id)
        # Unlike an event, a statement is never scheduled: one dated after the day shown is
        # left out of every view, as the statements list leaves it out.
        .where(statement_dated_by(as_of))
        .order_by(*statement_order())
    )
    if not include_internal:
        statement_query = statement_query.where(Statement.visibility == "public")
    for (
        measure_id,
        statement_id,
        slug,
        title,
        iso,
        approximate,
        stance,
        author,
    ) in connection.execute(statement_query):
        date, start, end = parse(iso, approximate)
        statements.setdefault(measure_id, []).append(
            TimelineStatement(
                statement_id, measure_id, slug, title, date, stance, author, start, end
            )
        )

    lanes: list[Lane] = []
    measure_rows = connection.execute(
        measures.with_only_columns(
            Measure.id,
            Measure.slug,
            Measure.title,
            Measure.short_title,
            Measure.country,
            Measure.kind,
            Measure.visibility,
            Measure.popular_names,
        )
    )
    for measure in measure_rows:
        recorded = events.get(measure.id, [])
        history = status_history(recorded, as_of, cite)
        status = history[-1].status if history else derive_status(recorded, as_of, cite)
        if not status.existed or (filters.states and status.state not in filters.states):
            continue
        lane_events = [e for e in recorded if not e.scheduled or e.recorded]
        hidden_events += len(recorded) - len(lane_events)
        lane = Lane(
            measure.id,
            measure.slug,
            measure.short_title or measure.title,
            measure.country,
            measure.kind,
            measure.visibility,
            status,
            popular_name(measure.popular_names),
            lane_events,
            statements.get(measure.id, []),
            bands_from_history(history, as_of),
        )
        if _lane_in_window(lane, window_start, window_end):
            lanes.append(lane)

    start, end = _domain(lanes, as_of, today, window_start, window_end)
    lanes.sort(key=lambda lane: _lane_order(lane, start))
    return Timeline(lanes, start, end, as_of, today, window_start, window_end, hidden_events)


def _lane_in_window(lane: Lane, lo: dt.date | None, hi: dt.date | None) -> bool:
    """Whether a lane has anything to show in the window.

    A measure shows when something about it is dated in the window, or when it was alive
    (pending or in force) during it; a law repealed long before the window is left out. A
    measure with no event recorded at all shows only when no window is asked for.
    """
    spans = [(e.start, e.end) for e in lane.events] + [(s.start, s.end) for s in lane.statements]
    if not spans:
        return lo is None and hi is None
    if any(_overlaps(start, end, lo, hi) for start, end in spans):
        return True
    return any(
        band.shade in ACTIVE_SHADES and _overlaps(band.start, band.end, lo, hi)
        for band in lane.bands
    )


def _lane_order(lane: Lane, start: dt.date) -> tuple[str, dt.date, str]:
    """Countries by name; within a country, the measure that started first comes first."""
    return (country_name(lane.country), lane.first_day or start, lane.title.casefold())


def _domain(
    lanes: Sequence[Lane],
    as_of: dt.date,
    today: dt.date,
    window_start: dt.date | None,
    window_end: dt.date | None,
) -> tuple[dt.date, dt.date]:
    """The dates the chart spans: the window when given, else everything drawn, padded."""
    starts: list[dt.date] = []
    ends: list[dt.date] = [as_of]
    for lane in lanes:
        for item in lane.events:
            starts.append(item.start)
            ends.append(item.end)
        for statement in lane.statements:
            starts.append(statement.start)
            ends.append(statement.end)
        if lane.bands and lane.bands[-1].projected:
            ends.append(lane.bands[-1].end)
    lo = window_start or (min(starts) if starts else shift(as_of, -365))
    hi = window_end or max(ends)
    if hi < lo:
        hi = lo
    span = (hi - lo).days
    pad = max(7, round(span * 0.02))
    if window_start is None:
        lo = shift(lo, -pad)
        # Start on the first of a month (or of a year for long ranges): axes read better.
        lo = dt.date(lo.year, 1, 1) if span > 3 * 365 else lo.replace(day=1)
    if window_end is None:
        hi = shift(hi, pad)
    return lo, hi


# -- the layout -------------------------------------------------------------------------------

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
    if lane.visibility == "internal":
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
