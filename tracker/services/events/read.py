"""Reading events across measures: the events list, its downloads, feeds and calendars.

The measure filters select measures exactly as the measure list does (``select_measures``),
joined into the event query, so that a page and its downloads always apply the same rule;
internal measures' events are left out for anonymous visitors exactly as their measures are.
The JSON API pages through the same query (``page_events``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import ColumnElement, Select, func, literal, select, union_all
from sqlalchemy.orm import Session, selectinload

from tracker import clock, vocab
from tracker.models import Event, Measure, Source, event_sources
from tracker.services.as_of import event_dated_by, event_order
from tracker.services.measures import MeasureFilters, select_measures, statuses
from tracker.services.paging import Page
from tracker.status import Status, counted_by
from tracker.viewpoint import Viewpoint


@dataclass(frozen=True, slots=True)
class EventFilters:
    """The events list's filters: those of the measure list, plus event type and a date range."""

    measures: MeasureFilters = field(default_factory=MeasureFilters)
    types: tuple[str, ...] = ()
    start: dt.date | None = None
    """Events whose date may fall on or after this day (a month overlaps if any day does)."""
    end: dt.date | None = None
    """Events whose date may fall on or before this day."""
    measure: str | None = None
    """Only the events of the measure with this slug."""
    changed_since: dt.datetime | None = None
    """Only events created or changed at or after this moment (the API's ``updated_since``)."""

    @property
    def active(self) -> bool:
        return bool(
            self.measures.active
            or self.types
            or self.start is not None
            or self.end is not None
            or self.measure
        )


class EventRecord(NamedTuple):
    """One event as downloads write it: plain values, no ORM object (a million stream fast)."""

    id: int
    type: str
    date_iso: str
    date_approximate: bool
    end_date_iso: str | None
    end_date_approximate: bool | None
    actor: str | None
    description: str | None
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    measure_slug: str
    measure_title: str
    country: str
    visibility: str
    """The measure's: "internal" rows reach signed-in users only, and say so."""
    sources: str | None
    """The addresses the event cites, separated by SOURCE_SEPARATOR (an address has no space)."""


SOURCE_SEPARATOR = "; "


def _date_range(filters: EventFilters) -> list[ColumnElement[bool]]:
    # A partial date is the span of days it could be: "April 2024" overlaps "from 15 April 2024"
    # and "until 2 April 2024" alike.
    conditions: list[ColumnElement[bool]] = []
    if filters.start is not None:
        conditions.append(Event.date_end >= filters.start)
    if filters.end is not None:
        conditions.append(Event.date_start <= filters.end)
    return conditions


Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


def _scope(
    session: Session,
    query: Query,
    filters: EventFilters,
    view: Viewpoint,
    *,
    every_date: bool = False,
) -> Query:
    """Apply every filter, and keep the events dated by the reader's day
    (tracker.status.dated_by) unless ``every_date`` (a feed or a calendar covers every date).

    The measure filters become ``measure_id IN (matching measures)``, written ``measure_id + 0``
    so that no database uses the index on ``measure_id`` for it: the index on the date then
    gives the events newest first without sorting them all, and a download of a million
    events starts at once (SQLite would otherwise sort every row before sending the first).
    """
    selection = select_measures(
        session,
        filters.measures,
        # Every date: the measures as they stand today, whatever day the reader looks from.
        view.on(clock.today()) if every_date else view,
        existing_only=not every_date,
    )
    if filters.measure:
        measures = selection.measures().where(Measure.slug == filters.measure)
        query = query.where((Event.measure_id + 0).in_(measures.with_only_columns(Measure.id)))
    else:
        query = query.where((Event.measure_id + 0).in_(selection.ids()))
    if filters.types:
        query = query.where(Event.type.in_(filters.types))
    if not every_date:
        query = query.where(event_dated_by(view.as_of))
    if filters.changed_since is not None:
        query = query.where(Event.updated_at >= filters.changed_since)
    return query.where(*_date_range(filters))


def count_events(
    session: Session,
    filters: EventFilters,
    view: Viewpoint,
    cap: int | None = None,
) -> int:
    """How many events match; with ``cap``, counting stops past it (cap + 1 means "more"):
    counting a million events took three seconds of a page that shows a hundred."""
    if cap is None:
        query = _scope(session, select(func.count()).select_from(Event), filters, view)
        return session.scalar(query) or 0
    matching = _scope(session, select(Event.id), filters, view)
    limited = matching.limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(limited)) or 0


def list_events(
    session: Session,
    filters: EventFilters,
    view: Viewpoint,
    offset: int = 0,
    limit: int = 100,
    by_update: bool = False,
) -> list[Event]:
    """A page of matching events up to the reader's day, newest first (``by_update``: in the
    order of their last change, then by id), with their measure and sources."""
    query = _scope(session, select(Event), filters, view)
    order = (Event.updated_at, Event.id) if by_update else event_order(newest_first=True)
    query = (
        query.options(selectinload(Event.measure), selectinload(Event.sources))
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query))


def iter_event_records(
    session: Session,
    filters: EventFilters,
    view: Viewpoint,
    batch: int = 5000,
) -> Iterator[EventRecord]:
    """Every matching event, newest first, in constant memory.

    One query, read in batches from a server-side cursor (``yield_per``) through Core, not the
    ORM: no object is built per row, and each event's sources come joined into one string by
    the database (``group_concat`` on SQLite, ``string_agg`` on PostgreSQL). Newest first is
    the order of the index on the date, so the first rows come before the last are read.
    """
    cited = (
        select(Source.url)
        .join(event_sources, event_sources.c.source_id == Source.id)
        .where(event_sources.c.event_id == Event.id)
        # The order of the event's page (Source.id), read straight from the link table's key.
        .order_by(event_sources.c.source_id)
        .correlate(Event)
        .subquery()
    )
    sources = (
        select(func.aggregate_strings(cited.c.url, SOURCE_SEPARATOR))
        .select_from(cited)
        .scalar_subquery()
    )
    columns = (
        Event.id,
        Event.type,
        Event.date_iso,
        Event.date_approximate,
        Event.end_date_iso,
        Event.end_date_approximate,
        Event.actor,
        Event.description,
        Event.votes_for,
        Event.votes_against,
        Event.votes_abstain,
        Measure.slug.label("measure_slug"),
        Measure.title.label("measure_title"),
        Measure.country,
        Measure.visibility,
        sources.label("sources"),
    )
    # "+ 0": the measure is looked up by its key for each event, so that the events come
    # straight from the index on their last day, in the list's order (tracker.status's), and
    # the first row leaves at once; joined the other way round SQLite sorted every event first.
    query = select(*columns).join(Measure, Measure.id == Event.measure_id + 0)
    query = _scope(session, query, filters, view)
    query = query.order_by(*event_order(newest_first=True))
    # Core, not the ORM: no per-row loading machinery. The options go to this statement only
    # (Connection.execution_options would set them on the session's connection for good).
    # "with": a download the client abandons closes its server-side cursor at once.
    connection = session.connection()
    with connection.execute(query, execution_options={"yield_per": batch}) as result:
        for rows in result.partitions():
            # Rows have EventRecord's fields, by name and position (the labels above); making
            # a NamedTuple of each would cost a tenth of the time a download takes.
            yield from cast("list[EventRecord]", rows)


def sources_of_events(session: Session, event_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """The URLs each event cites, in the order the event lists them."""
    found: dict[int, list[str]] = defaultdict(list)
    query = (
        select(event_sources.c.event_id, Source.url)
        .join(Source, Source.id == event_sources.c.source_id)
        .where(event_sources.c.event_id.in_(event_ids))
        .order_by(event_sources.c.event_id, Source.id)
    )
    for event_id, url in session.execute(query):
        found[event_id].append(url)
    return {event_id: tuple(urls) for event_id, urls in found.items()}


def newest_events(
    session: Session, filters: EventFilters, view: Viewpoint, limit: int = 50
) -> list[Event]:
    """The events recorded most recently (what a feed announces), with measure and sources."""
    query = _scope(session, select(Event), filters, view, every_date=True)
    query = (
        query.options(selectinload(Event.measure), selectinload(Event.sources))
        .order_by(Event.created_at.desc(), Event.date_start.desc(), Event.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def dated_events(
    session: Session, filters: EventFilters, view: Viewpoint, limit: int
) -> list[Event]:
    """Matching events of every date, the latest dates first, for a calendar."""
    query = _scope(session, select(Event), filters, view, every_date=True)
    query = (
        query.options(selectinload(Event.measure), selectinload(Event.sources))
        .order_by(*event_order(newest_first=True))
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True, slots=True)
class Expiry:
    """A term in force that runs out by itself unless extended (a ban "until 31 March")."""

    measure: Measure
    status: Status
    granted_by: Event | None
    """The event that set the term (the latest imposition or extension), for its sources."""

    @property
    def last_day(self) -> dt.date:
        assert self.status.term_end is not None  # only built for statuses with a term
        return self.status.term_end


def upcoming_expiries(
    session: Session, filters: MeasureFilters, view: Viewpoint, today: dt.date
) -> list[Expiry]:
    """Measures in force today whose current term ends today or later, soonest first."""
    selection = select_measures(session, filters, view.on(today))
    query = selection.measures().where(Measure.events.any(Event.end_date_start.is_not(None)))
    measures = list(session.scalars(query.options(selectinload(Measure.events))))
    by_id = statuses(session, (m.id for m in measures), today)
    expiries = []
    for measure in measures:
        status = by_id[measure.id]
        if status.term_end is None or status.term_end < today:
            continue
        granting = [
            event
            for event in measure.events
            if event.end_date is not None
            and event.end_date.end == status.term_end
            and counted_by(event.date, today)
        ]
        expiries.append(Expiry(measure, status, granting[-1] if granting else None))
    expiries.sort(key=lambda item: (item.last_day, item.measure.title))
    return expiries


def event_types_in_use(session: Session, view: Viewpoint) -> list[str]:
    """Event type codes that occur on visible measures, for the filter's choices."""
    # One EXISTS per known type, each stopping at its first visible event: DISTINCT over the
    # events of every visible measure read all of them (a million at scale) for a drop-down.
    checks = []
    for code in vocab.EVENT_TYPES:
        found = select(Event.id).where(Event.type == code)
        if not view.sees_internal:
            found = found.join(Measure, Measure.id == Event.measure_id).where(view.visible(Measure))
        checks.append(select(literal(code)).where(found.exists()))
    return sorted(session.scalars(union_all(*checks)))


def event_counts(session: Session, measure_ids: Sequence[int], as_of: dt.date) -> dict[int, int]:
    """How many events each measure has up to ``as_of`` (what its timeline shows)."""
    counts: dict[int, int] = {}
    for chunk in range(0, len(measure_ids), 500):
        query = (
            select(Event.measure_id, func.count(Event.id))
            .where(Event.measure_id.in_(measure_ids[chunk : chunk + 500]))
            .where(event_dated_by(as_of))
            .group_by(Event.measure_id)
        )
        counts.update(session.execute(query).all())
    return counts


# -- the JSON API's events ---------------------------------------------------------------------


def page_events(
    session: Session,
    filters: MeasureFilters,
    view: Viewpoint,
    types: Sequence[str] = (),
    measure: str | None = None,
    page: int = 1,
    size: int = 50,
    changed_since: dt.datetime | None = None,
    by_update: bool = False,
) -> Page[Event]:
    """Events up to the reader's day of the measures that pass the filters, newest first: the
    events list's own query (tracker.services.events), the status filter on that day as there.
    ``changed_since`` and ``by_update``: see EventFilters and list_events."""
    chosen = EventFilters(
        measures=filters, types=tuple(types), measure=measure, changed_since=changed_since
    )
    total = count_events(session, chosen, view)
    items = list_events(session, chosen, view, (page - 1) * size, size, by_update)
    return Page(items, total, page, size)


def get_event(session: Session, event_id: int, view: Viewpoint) -> Event | None:
    """One event, if its measure may be seen."""
    query = (
        select(Event)
        .join(Event.measure)
        .where(Event.id == event_id)
        .options(selectinload(Event.measure), selectinload(Event.sources))
    )
    return session.scalars(query.where(view.visible(Measure))).first()
