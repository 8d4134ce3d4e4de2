"""The cross-measure timeline: one lane per measure, shaded by its legal force over time.

``build_timeline`` reads what the filters select (in a fixed number of queries, whatever the
number of measures), works out each measure's status over time with
``tracker.status.status_history`` and keeps what falls in the date window: the lanes, their
bands of one status, the events and statements a reader sees. The rules for status live in
tracker.status alone; tracker.charts.timeline turns the result into a picture.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Final

from sqlalchemy import Subquery, select
from sqlalchemy.orm import Session

from tracker import vocab
from tracker.countries import country_name
from tracker.dates import PartialDate, shift
from tracker.gcpause import without_gc_pauses
from tracker.models import Event, Measure, Organization, Statement, statement_measures
from tracker.services.as_of import event_order, recorded_before, statement_dated_by, statement_order
from tracker.services.measures import MeasureFilters, select_measures
from tracker.services.organizations import organization_name
from tracker.services.sources import source_namer
from tracker.status import Change, Status, derive_status, status_history
from tracker.viewpoint import Viewpoint, public

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
    is_public: bool
    """Whether anonymous readers see the measure (an internal lane says so on the chart)."""
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
    view: Viewpoint,
    today: dt.date,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
) -> Timeline:
    """The lanes of the measures the filters select, as they stood on the reader's day.

    Three queries (measures, their events, their statements) whatever the number of measures.
    In a view of the past, events and statements dated after that day are left out and the
    status is the one derived from what was known then.
    """
    as_of = view.as_of
    # The measures the measure list selects; the status filter is applied below, to the status
    # derived from the events loaded for the lanes anyway (on any day, without the cache).
    selection = select_measures(session, replace(filters, states=()), view)
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
            organization_name(view),
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
    statement_query = statement_query.where(view.visible(Statement))
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
            # The rule in SQL (tracker.viewpoint), read as a flag: no visibility code here.
            public(Measure).label("is_public"),
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
            bool(measure.is_public),
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
