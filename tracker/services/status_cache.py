"""The cached status of each measure as of today (the ``measure_status`` table).

Deriving a status means reading all of a measure's events; a list of a hundred thousand measures
filtered or counted by status cannot do that on every request. So the status as of today is kept
in ``measure_status`` together with the day it was computed for and the first day on which it
may differ (``valid_until``): the next day an event starts to count, or the day after a term of
force ends. Database triggers mark a row stale whenever one of the measure's events is written
and create one for every new measure. Views as of another day never use the cache.

Who brings stale rows up to date (``refresh``), so that readers never write nor wait:

- a write, before it commits, refreshes what it made stale (it holds the write lock anyway);
- a reader (a GET request) that finds rows stale, because the day changed, derives those
  statuses from their events for itself (``prepare``), and tries once to refresh them in a
  transaction of its own that gives up at once if another writer holds the database
  (``tracker.db.write_now``): one refresh, by whoever gets there first, and no reader waits;
- the CLI and other work outside requests refresh in their own transaction, as writes do.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import ColumnElement, event, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tracker import clock
from tracker.dates import PartialDate, shift
from tracker.db import engine_of, is_busy, may_write_here, write_now
from tracker.models import Event, Measure, MeasureStatus
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
        candidates.append(max(shift(status.term_end, 1), shift(today, 1)))
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


def fresh_row(today: dt.date) -> ColumnElement[bool]:
    """The rows that hold the status as of ``today`` (the others are stale)."""
    return (MeasureStatus.valid_until > today) & (MeasureStatus.computed_on <= today)


_FRESH_ON = "tracker.status_cache.fresh_on"
_DERIVED = "tracker.status_cache.derived"
_WRITTEN = "tracker.status_cache.written"
# The PostgreSQL advisory lock a reader's refresh takes: one refresher at a time.
_REFRESH_LOCK = 0x7472616B  # "trak"


@event.listens_for(Session, "after_flush")
def _forget_freshness(session: Session, _context: Any) -> None:
    """A flush may have written events (and the triggers marked statuses stale)."""
    session.info.pop(_FRESH_ON, None)
    session.info.pop(_DERIVED, None)
    # (The session still lists what it flushed.) Only events and new measures make a status
    # stale: a sign-in noting its time must not pay for refreshing the cache.
    flushed = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(record, Event | Measure) for record in flushed):
        session.info[_WRITTEN] = True


@event.listens_for(Session, "before_commit")
def _refresh_what_was_written(session: Session) -> None:
    """A write leaves the cache up to date: readers then find nothing to refresh."""
    if session.info.pop(_WRITTEN, False):
        refresh(session)


def refresh(session: Session, today: dt.date | None = None) -> int:
    """Recompute every cached status that is stale on ``today``; return how many were.

    Once per session and day unless the session writes in between: a page that reads the
    cache several times checks it once.
    """
    today = today or clock.today()
    if session.info.get(_FRESH_ON) == today:
        return 0
    ids = _stale_ids(session, today)
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        rows = [
            {"measure_id": measure_id, "computed_on": today, **row}
            for measure_id, (_, row) in _derive(session, chunk, today).items()
        ]
        # An ORM bulk UPDATE by primary key: one executemany per batch.
        session.execute(update(MeasureStatus), rows)
    session.info[_FRESH_ON] = today
    session.info.pop(_DERIVED, None)
    return len(ids)


def _derive(
    session: Session, ids: Sequence[int], today: dt.date
) -> dict[int, tuple[Status, dict[str, Any]]]:
    """The status as of ``today`` of each measure, and its cache row's values."""
    events = _events_of(session, ids)
    cite = source_namer(session)
    derived = {}
    for measure_id in ids:
        mine = events.get(measure_id, [])
        status = derive_status(mine, today, cite)
        derived[measure_id] = (
            status,
            {
                "valid_until": valid_until(mine, status, today),
                "state": status.state,
                "first_year": min(e.date.start for e in mine).year if mine else None,
                "exists_from": status.first_day,
                "term_end": status.term_end,
                "last_activity": status.last_event_date.end if status.last_event_date else None,
                "status": status_json(status),
            },
        )
    return derived


def prepare(session: Session, today: dt.date) -> dict[int, Status]:
    """Make the cache ready for reading today's statuses; returns, for a reader, the statuses
    of the rows that are stale in what it sees, derived from their events just now.

    Where writing is the work at hand (a write request, the CLI), the stale rows are refreshed
    in place and nothing is returned. A reader never writes in its own transaction: it derives
    what it needs, and tries once to refresh the cache in a transaction of its own that does
    not wait (so the next readers find it fresh).
    """
    if session.info.get(_FRESH_ON) == today:
        return {}
    if may_write_here():
        refresh(session, today)
        return {}
    memo = session.info.get(_DERIVED)
    if memo is not None and memo[0] == today:
        derived: dict[int, Status] = memo[1]
        return derived
    ids = _stale_ids(session, today)
    if not ids:
        session.info[_FRESH_ON] = today
        return {}
    derived = {}
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        derived.update(
            (measure_id, status)
            for measure_id, (status, _) in _derive(session, chunk, today).items()
        )
    session.info[_DERIVED] = (today, derived)
    _refresh_without_waiting(session, today)
    return derived


# One reader of this process at a time tries it; the others do not even ask the database.
_REFRESHING = threading.Lock()


def _refresh_without_waiting(session: Session, today: dt.date) -> None:
    """Refresh the cache in a transaction of its own, unless another writer holds the database
    (then it is left for the next reader, or for the next write)."""
    if not _REFRESHING.acquire(blocking=False):
        return
    try:
        with write_now(engine_of(session), lock=_REFRESH_LOCK) as writer:
            if writer is not None:
                refresh(writer, today)
    except OperationalError as error:
        if not is_busy(error):  # a row another writer holds (PostgreSQL): someone else's turn
            raise
    finally:
        _REFRESHING.release()


def cached_statuses(session: Session, ids: Iterable[int], today: dt.date) -> dict[int, Status]:
    """The statuses of these measures as of today: from the cache, and derived just now for
    rows that are stale (``prepare``)."""
    derived = prepare(session, today)
    wanted = list(ids)
    found: dict[int, Status] = {}
    for start in range(0, len(wanted), _BATCH):
        query = select(MeasureStatus.measure_id, MeasureStatus.status).where(
            MeasureStatus.measure_id.in_(wanted[start : start + _BATCH])
        )
        for measure_id, data in session.execute(query):
            if measure_id in derived:
                found[measure_id] = derived[measure_id]
            elif data is not None:
                found[measure_id] = status_from_json(data, today)
    return found


def fresh_status(session: Session, measure_id: int, today: dt.date) -> Status | None:
    """One measure's status as of today if its row holds it; None when the row is stale (the
    caller derives it from the events it has loaded anyway). One query, without ``prepare``'s
    look for every stale row: what a page of one measure needs."""
    query = select(MeasureStatus.status).where(
        MeasureStatus.measure_id == measure_id, fresh_row(today)
    )
    data = session.scalar(query)
    return status_from_json(data, today) if data is not None else None


def state_condition(session: Session, states: Iterable[str], today: dt.date) -> ColumnElement[bool]:
    """SQL for "the measure's status today is one of ``states``": the cached state where the
    row is fresh, and the state derived just now where it is stale."""
    wanted = set(states)
    derived = prepare(session, today)
    if not derived:
        return MeasureStatus.state.in_(wanted)
    matching = [measure_id for measure_id, status in derived.items() if status.state in wanted]
    return (fresh_row(today) & MeasureStatus.state.in_(wanted)) | MeasureStatus.measure_id.in_(
        matching
    )
