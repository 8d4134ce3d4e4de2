"""The cached status of each measure as of today (the ``measure_status`` table).

Deriving a status means reading all of a measure's events; a list of a hundred thousand measures
filtered or counted by status cannot do that on every request. So the status as of today is kept
in ``measure_status`` together with the day it was computed for and the first day on which it
may differ (``valid_until``): the next day an event starts to count, or the day after a term of
force ends. Database triggers mark a row stale whenever one of the measure's events is written
and create one for every new measure; ``refresh`` recomputes the stale rows, and every read that
relies on the cache calls it first. Views as of another day never use the cache.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from tracker import clock
from tracker.dates import PartialDate
from tracker.models import Event, MeasureStatus
from tracker.services.sources import source_namer
from tracker.status import Axis, Status, derive_status

STALE = dt.date(1, 1, 1)
FOREVER = dt.date(9999, 12, 31)
_BATCH = 500


@dataclass(frozen=True, slots=True)
class _EventRecord:
    """What the status needs of an event, read without building ORM objects."""

    id: int
    type: str
    date: PartialDate
    end_date: PartialDate | None
    actor: str | None


def valid_until(events: Iterable[_EventRecord | Event], status: Status, today: dt.date) -> dt.date:
    """The first day after ``today`` on which the status as of that day may differ: the next
    day an event counts (tracker.status.counts_from: the last day of its date), or the day
    after a term of force ends."""
    candidates = [FOREVER]
    for record in events:
        if record.date.end > today:
            candidates.append(record.date.end)
    if status.term_end is not None:
        candidates.append(max(status.term_end + dt.timedelta(days=1), today + dt.timedelta(days=1)))
    return min(candidates)


def _axis_json(axis: Axis | None) -> dict[str, Any] | None:
    if axis is None:
        return None
    return {
        "code": axis.code,
        "label": axis.label,
        "explanation": axis.explanation,
        "since": axis.since.isoformat() if axis.since else None,
        "event_index": axis.event_index,
        "since_date": [axis.since_date.iso, axis.since_date.approximate]
        if axis.since_date
        else None,
    }


def _axis(data: dict[str, Any] | None) -> Axis | None:
    if data is None:
        return None
    since, since_date = data["since"], data.get("since_date")
    return Axis(
        data["code"],
        data["label"],
        data["explanation"],
        dt.date.fromisoformat(since) if since else None,
        data["event_index"],
        PartialDate.from_iso(since_date[0], bool(since_date[1])) if since_date else None,
    )


def status_json(status: Status) -> dict[str, Any]:
    """A status as stored in the cache (everything but the day it is "as of")."""
    last = status.last_event_date
    return {
        "stage": _axis_json(status.stage),
        "outcome": _axis_json(status.outcome),
        "force": _axis_json(status.force),
        "term_end": status.term_end.isoformat() if status.term_end else None,
        "last_event": [last.iso, last.approximate] if last else None,
        "events_counted": status.events_counted,
        "events_later": status.events_later,
        "first_day": status.first_day.isoformat() if status.first_day else None,
    }


def status_from_json(data: dict[str, Any], as_of: dt.date) -> Status:
    """Rebuild a cached status for the day it is valid on."""
    outcome, force = _axis(data["outcome"]), _axis(data["force"])
    assert outcome is not None  # both are always stored
    assert force is not None
    last = data["last_event"]
    return Status(
        as_of=as_of,
        stage=_axis(data["stage"]),
        outcome=outcome,
        force=force,
        term_end=dt.date.fromisoformat(data["term_end"]) if data["term_end"] else None,
        last_event_date=PartialDate.from_iso(last[0], bool(last[1])) if last else None,
        events_counted=int(data["events_counted"]),
        events_later=int(data.get("events_later", 0)),
        first_day=dt.date.fromisoformat(data["first_day"]) if data.get("first_day") else None,
    )


def _events_of(session: Session, ids: Sequence[int]) -> dict[int, list[_EventRecord]]:
    columns = (
        Event.measure_id,
        Event.id,
        Event.type,
        Event.date_iso,
        Event.date_approximate,
        Event.end_date_iso,
        Event.end_date_approximate,
        Event.actor,
    )
    query = select(*columns).where(Event.measure_id.in_(ids)).order_by(Event.date_iso, Event.id)
    events: dict[int, list[_EventRecord]] = defaultdict(list)
    for row in session.execute(query):
        measure_id, event_id, kind, iso, approximate, end_iso, end_approximate, actor = row
        end = PartialDate.from_iso(end_iso, bool(end_approximate)) if end_iso else None
        events[measure_id].append(
            _EventRecord(event_id, kind, PartialDate.from_iso(iso, bool(approximate)), end, actor)
        )
    return events


def _stale_ids(session: Session, today: dt.date) -> list[int]:
    # Two range scans on their own indexes: with an OR, SQLite may scan the whole table.
    expired = select(MeasureStatus.measure_id).where(MeasureStatus.valid_until <= today)
    early = select(MeasureStatus.measure_id).where(MeasureStatus.computed_on > today)
    return sorted(set(session.scalars(expired)) | set(session.scalars(early)))


_FRESH_ON = "tracker.status_cache.fresh_on"


@event.listens_for(Session, "after_flush")
def _forget_freshness(session: Session, _context: Any) -> None:
    """A flush may have written events (and the triggers marked statuses stale)."""
    session.info.pop(_FRESH_ON, None)


def refresh(session: Session, today: dt.date | None = None) -> int:
    """Recompute every cached status that is stale on ``today``; return how many were.

    Once per session and day unless the session writes in between: a page that reads the
    cache several times checks it once.
    """
    today = today or clock.today()
    if session.info.get(_FRESH_ON) == today:
        return 0
    ids = _stale_ids(session, today)
    cite = source_namer(session)
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        events = _events_of(session, chunk)
        rows = []
        for measure_id in chunk:
            mine = events.get(measure_id, [])
            status = derive_status(mine, today, cite)
            rows.append(
                {
                    "measure_id": measure_id,
                    "computed_on": today,
                    "valid_until": valid_until(mine, status, today),
                    "state": status.state,
                    "first_year": min(e.date.start for e in mine).year if mine else None,
                    "exists_from": status.first_day,
                    "status": status_json(status),
                }
            )
        # An ORM bulk UPDATE by primary key: one executemany per batch.
        session.execute(update(MeasureStatus), rows)
    session.info[_FRESH_ON] = today
    return len(ids)


def cached_statuses(session: Session, ids: Iterable[int], today: dt.date) -> dict[int, Status]:
    """The statuses of these measures as of today, from the cache (refreshed first)."""
    refresh(session, today)
    wanted = list(ids)
    found: dict[int, Status] = {}
    for start in range(0, len(wanted), _BATCH):
        query = select(MeasureStatus.measure_id, MeasureStatus.status).where(
            MeasureStatus.measure_id.in_(wanted[start : start + _BATCH])
        )
        for measure_id, data in session.execute(query):
            if data is not None:
                found[measure_id] = status_from_json(data, today)
    return found
