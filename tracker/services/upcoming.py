"""What is coming: scheduled events, terms in force that run out, and measures gone quiet.

Everything is worked out as of a day, from the record and that day alone, so that a link "as of"
a day gives the same answer whenever it is opened. What is coming after that day, within the
horizon: events dated after that day (tracker.status.dated_by) that the tracker had recorded by
then, and terms in force that run out. A reading recorded only after it took place was not known
to be coming on a day before it, so a view of that day does not list it: what was scheduled then
is what was recorded then.

A measure with no recorded event for a long time is listed as "no activity since <date>". That
is an observation about the record, never a status: the status stays what the events say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, selectinload

from tracker import clock, vocab
from tracker.dates import PartialDate
from tracker.models import Event, Measure, MeasureStatus
from tracker.services import status_cache
from tracker.services.as_of import COMING_DAYS, event_dated_by, event_recorded_by
from tracker.services.timeline import light_statuses
from tracker.status import Status
from tracker.viewpoint import Viewpoint

HORIZON_DAYS = COMING_DAYS
QUIET_DAYS = 365


@dataclass(frozen=True, slots=True)
class UpcomingItem:
    """A scheduled event or the end of a term in force."""

    day: dt.date
    """The day the status rule places it on (the last day its date could be), which the list
    is sorted by."""
    date: PartialDate
    """The date at its own precision, as shown."""
    kind: str
    """"scheduled" or "expiry"."""
    measure: Measure
    label: str
    event: Event | None
    detail: str


@dataclass(frozen=True, slots=True)
class QuietMeasure:
    """A pending measure with no recorded event for a long time."""

    measure: Measure
    last_activity: PartialDate
    status: Status

    @property
    def label(self) -> str:
        return f"No activity since {self.last_activity.format()}"


T = TypeVar("T")


def _scoped(query: Select[T], view: Viewpoint, countries: Sequence[str]) -> Select[T]:
    """Public measures only for anonymous visitors; some countries only, when asked."""
    query = query.where(view.visible(Measure))
    if countries:
        query = query.where(Measure.country.in_(countries))
    return query


def upcoming(
    session: Session,
    view: Viewpoint,
    days: int = HORIZON_DAYS,
    countries: Sequence[str] = (),
    limit: int | None = None,
) -> list[UpcomingItem]:
    """Scheduled events and expiries of terms in force within ``days`` after the reader's day;
    with ``limit``, only the soonest ``limit`` (the home page's panel)."""
    as_of = view.as_of
    # "As of 9999-12-31" is a date someone may ask for; the calendar ends a day later.
    horizon = min(as_of, dt.date.max - dt.timedelta(days=days)) + dt.timedelta(days=days)
    items = _scheduled(session, view, as_of, horizon, countries, limit)
    if as_of == clock.today():
        items += _expiring_today(session, view, horizon, countries)
    else:
        items += _expiring_as_of(session, view, horizon, countries)
    items.sort(key=_placed)
    return items[:limit] if limit is not None else items


def _scheduled(
    session: Session,
    view: Viewpoint,
    as_of: dt.date,
    horizon: dt.date,
    countries: Sequence[str],
    limit: int | None,
) -> list[UpcomingItem]:
    """Events dated after ``as_of`` (and recorded by then) that begin by ``horizon``."""
    scheduled = _scoped(
        select(Event)
        # Joined by the measure's key (``measure_id + 0``) so that SQLite starts from the
        # events of those days, not from every visible measure's events.
        .join(Measure, Measure.id == Event.measure_id + 0)
        # "Not dated by as_of" is "begins after as_of" (as_of.event_dated_by), written so
        # that the index on date_start reads just the days up to the horizon.
        .where(Event.date_start > as_of, Event.date_start <= horizon)
        .where(event_recorded_by(as_of)),
        view,
        countries,
    )
    if limit is not None:
        # Items are placed on the last day of their date: the ``limit`` soonest events, and
        # any others of the last such day (the final order breaks ties by type and title).
        days = session.scalars(
            scheduled.with_only_columns(Event.date_end).order_by(Event.date_end).limit(limit)
        ).all()
        if len(days) == limit:
            scheduled = scheduled.where(Event.date_end <= days[-1])
    events = session.scalars(scheduled.options(selectinload(Event.measure)))
    return [
        UpcomingItem(
            event.date.end,
            event.date,
            "scheduled",
            event.measure,
            event.type_label,
            event,
            event.description or "",
        )
        for event in events
    ]


def _expiry(measure: Measure, status: Status) -> UpcomingItem:
    assert status.term_end is not None  # only terms that end are expiries
    return UpcomingItem(
        status.term_end,
        PartialDate.from_date(status.term_end),
        "expiry",
        measure,
        "Term in force ends",
        None,
        f"It expires after that day unless it is extended. {status.force.explanation}",
    )


def _expiring_today(
    session: Session, view: Viewpoint, horizon: dt.date, countries: Sequence[str]
) -> list[UpcomingItem]:
    """Terms that end between today and ``horizon``, from the status cache's ``term_end``
    (an index range), and from the statuses of stale rows derived just now."""
    today = clock.today()
    derived = status_cache.prepare(session, today)
    rows = view.select(MeasureStatus).with_only_columns(MeasureStatus.measure_id)
    if countries:
        rows = rows.where(MeasureStatus.country.in_(countries))
    ending = rows.where(
        status_cache.fresh_row(today),
        MeasureStatus.term_end >= today,
        MeasureStatus.term_end <= horizon,
    )
    ids = set(session.scalars(ending))
    stale = [
        measure_id
        for measure_id, status in derived.items()
        if status.term_end is not None and today <= status.term_end <= horizon
    ]
    if stale:
        ids.update(session.scalars(rows.where(MeasureStatus.measure_id.in_(stale))))
    if not ids:
        return []
    by_id = status_cache.cached_statuses(session, ids, today)
    measures = session.scalars(select(Measure).where(Measure.id.in_(ids)))
    return [_expiry(measure, by_id[measure.id]) for measure in measures]


def _expiring_as_of(
    session: Session, view: Viewpoint, horizon: dt.date, countries: Sequence[str]
) -> list[UpcomingItem]:
    """Terms that end between another day and ``horizon``: derived from the events of the
    measures with a recorded end date that could fall there."""
    as_of = view.as_of
    # A term ends on the last day of a recorded end date (tracker.status): one in
    # [as_of, horizon] has an end date that starts by ``horizon`` and at most a year before
    # ``as_of``. Only those measures' statuses are derived.
    could_end = and_(
        Event.end_date_start >= as_of - dt.timedelta(days=366),
        Event.end_date_start <= horizon,
    )
    with_terms = _scoped(select(Measure).where(Measure.events.any(could_end)), view, countries)
    measures = list(session.scalars(with_terms))
    by_id = light_statuses(session, [m.id for m in measures], as_of)
    return [
        _expiry(measure, by_id[measure.id])
        for measure in measures
        if (term_end := by_id[measure.id].term_end) is not None and as_of <= term_end <= horizon
    ]


def _placed(item: UpcomingItem) -> tuple[dt.date, int, str]:
    """Where the status rule places an item: its day, then a measure's life order (a
    signature before the entry into force it leads to); an expiry after the day's events."""
    rank = vocab.EVENT_TYPE_RANK[item.event.type] if item.event else len(vocab.EVENT_TYPE_RANK)
    return (item.day, rank, item.measure.title)


def quiet_measures(
    session: Session,
    view: Viewpoint,
    quiet_days: int = QUIET_DAYS,
    countries: Sequence[str] = (),
    limit: int | None = None,
) -> list[QuietMeasure]:
    """Pending measures whose last recorded event is more than ``quiet_days`` before the
    reader's day; the ``limit`` quietest, or all of them.

    Oldest silence first. A law in force needs no activity, so only pending measures count.
    Candidates come from SQL, quietest first (their latest event started before the cutoff),
    and statuses are derived a chunk at a time until ``limit`` are found: deriving every
    measure's status took half a minute at 100,000 measures.
    """
    as_of = view.as_of
    cutoff = as_of - dt.timedelta(days=quiet_days)
    if as_of == clock.today():
        return _quiet_today(session, view, cutoff, countries, limit)
    latest = func.max(Event.date_start)
    candidates = _scoped(
        select(Measure.id)
        .join(Event, Event.measure_id == Measure.id)
        .where(event_dated_by(as_of))
        .group_by(Measure.id)
        .having(latest < cutoff)
        .order_by(latest, Measure.id),
        view,
        countries,
    )
    ids = list(session.scalars(candidates))
    quiet: list[QuietMeasure] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        by_id = light_statuses(session, chunk, as_of)
        measures = session.scalars(select(Measure).where(Measure.id.in_(chunk)))
        for measure in measures:
            status = by_id[measure.id]
            last = status.last_event_date
            # The last day the activity could have been, so that "October 2023" is not
            # called quiet from 1 October.
            if status.outcome.code == "pending" and last is not None and last.end < cutoff:
                quiet.append(QuietMeasure(measure, last, status))
        if limit is not None and len(quiet) >= limit:
            break
    quiet.sort(key=lambda item: (item.last_activity.sort_key, item.measure.title))
    return quiet[:limit] if limit is not None else quiet


def _quiet_today(
    session: Session,
    view: Viewpoint,
    cutoff: dt.date,
    countries: Sequence[str],
    limit: int | None,
) -> list[QuietMeasure]:
    """Quiet measures as of today, from the status cache: pending rows by ``last_activity``
    (``ix_measure_status_quiet``), and the statuses of stale rows derived just now."""
    today = clock.today()
    derived = status_cache.prepare(session, today)
    rows = view.select(MeasureStatus).with_only_columns(MeasureStatus.measure_id)
    if countries:
        rows = rows.where(MeasureStatus.country.in_(countries))
    quiet_rows = rows.where(
        status_cache.fresh_row(today),
        MeasureStatus.state == "pending",
        MeasureStatus.last_activity < cutoff,
    ).order_by(MeasureStatus.last_activity, MeasureStatus.measure_id)
    if limit is not None:
        quiet_rows = quiet_rows.limit(limit)
    ids = list(session.scalars(quiet_rows))
    stale = [
        measure_id
        for measure_id, status in derived.items()
        if status.outcome.code == "pending"
        and status.last_event_date is not None
        and status.last_event_date.end < cutoff
    ]
    if stale:
        ids += session.scalars(rows.where(MeasureStatus.measure_id.in_(stale)))
    if not ids:
        return []
    by_id = status_cache.cached_statuses(session, ids, today)
    quiet = []
    for measure in session.scalars(select(Measure).where(Measure.id.in_(ids))):
        status = by_id[measure.id]
        assert status.last_event_date is not None  # chosen for their last activity
        quiet.append(QuietMeasure(measure, status.last_event_date, status))
    quiet.sort(key=lambda item: (item.last_activity.sort_key, item.measure.title))
    return quiet[:limit] if limit is not None else quiet
