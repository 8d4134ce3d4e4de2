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

from sqlalchemy import Select, func, not_, select
from sqlalchemy.orm import Session, selectinload

from tracker import vocab
from tracker.dates import PartialDate
from tracker.models import Event, Measure
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
) -> list[UpcomingItem]:
    """Scheduled events and expiries of terms in force within ``days`` after the reader's day."""
    as_of = view.as_of
    # "As of 9999-12-31" is a date someone may ask for; the calendar ends a day later.
    horizon = min(as_of, dt.date.max - dt.timedelta(days=days)) + dt.timedelta(days=days)
    items: list[UpcomingItem] = []
    scheduled = _scoped(
        select(Event)
        .join(Event.measure)
        .where(not_(event_dated_by(as_of)), Event.date_start <= horizon)
        .where(event_recorded_by(as_of))
        .options(selectinload(Event.measure)),
        view,
        countries,
    )
    for event in session.scalars(scheduled):
        detail = event.description or ""
        items.append(
            UpcomingItem(
                event.date.end,
                event.date,
                "scheduled",
                event.measure,
                event.type_label,
                event,
                detail,
            )
        )

    # A term ends only where an end date is recorded, and one that ends on or after ``as_of``
    # has an end period starting at most a year before it: look at those measures alone
    # (every measure that ever had a term was 20,000 status derivations at scale).
    ends_late_enough = Event.end_date_start >= as_of - dt.timedelta(days=366)
    with_terms = _scoped(
        select(Measure).where(Measure.events.any(ends_late_enough)),
        view,
        countries,
    )
    measures = list(session.scalars(with_terms))
    by_id = light_statuses(session, [m.id for m in measures], as_of)
    for measure in measures:
        status = by_id[measure.id]
        if status.term_end is not None and as_of <= status.term_end <= horizon:
            end = PartialDate.from_date(status.term_end)
            items.append(
                UpcomingItem(
                    status.term_end,
                    end,
                    "expiry",
                    measure,
                    "Term in force ends",
                    None,
                    f"It expires after that day unless it is extended. {status.force.explanation}",
                )
            )
    items.sort(key=_placed)
    return items


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
