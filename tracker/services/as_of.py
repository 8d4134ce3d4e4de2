"""The status rule's dates in SQL, for lists that filter and sort in the database.

tracker.status places an event on the last day its date could be ("April 2024" on 30 April),
orders events of the same day by their place in a measure's life, and lists an event as of a day
once its date has begun (``dated_by``). Lists, downloads, feeds and the API read events and
statements from SQL; these expressions apply the same rule there, on the stored first and last
days (``date_start``, ``date_end``), so that every face places a partial date alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, UnaryExpression, and_, case, or_

from tracker import vocab
from tracker.dates import shift
from tracker.models import Event, MeasureStatus, Statement

COMING_DAYS = 90
"""How far after the day shown "what is coming" looks by default."""

_TYPE_RANK = case(dict(vocab.EVENT_TYPE_RANK), value=Event.type, else_=len(vocab.EVENT_TYPE_RANK))
_PRECISION_RANK = case({"year": 0, "month": 1}, value=Event.date_precision, else_=2)


def event_dated_by(as_of: dt.date) -> ColumnElement[bool]:
    """Events a list shows as of ``as_of``: dated no later than that day
    (tracker.status.dated_by), "April 2024" from 1 April on, placed on 30 April."""
    # The second condition follows from the first (a date that begins by a day ends by the
    # end of that year); it lets the database read the events from the index on their last
    # day, which is the lists' order, rather than sort them all before the first row.
    return and_(Event.date_start <= as_of, Event.date_end <= dt.date(as_of.year, 12, 31))


def recorded_before(as_of: dt.date) -> dt.datetime:
    """The moment after which a record was not yet in the tracker on ``as_of``: the start of the
    next day (timestamps are UTC)."""
    return dt.datetime.combine(shift(as_of, 1), dt.time(), tzinfo=dt.UTC)


def event_recorded_by(as_of: dt.date) -> ColumnElement[bool]:
    """Events the tracker held by the end of ``as_of``: what could be known to be coming then."""
    return Event.created_at < recorded_before(as_of)


def statement_dated_by(as_of: dt.date) -> ColumnElement[bool]:
    """Statements a list shows as of ``as_of``: dated no later than that day (the second
    condition is there for the index, as in ``event_dated_by``)."""
    return and_(Statement.date_start <= as_of, Statement.date_end <= dt.date(as_of.year, 12, 31))


def event_order(newest_first: bool = False) -> list[UnaryExpression[Any]]:
    """ORDER BY for events in the rule's order (tracker.status.order_key), then as recorded."""
    keys: list[Any] = [Event.date_end, _TYPE_RANK, Event.date_start, _PRECISION_RANK, Event.id]
    return [key.desc() if newest_first else key.asc() for key in keys]


def statement_order(newest_first: bool = False) -> list[UnaryExpression[Any]]:
    keys: list[Any] = [Statement.date_end, Statement.date_start, Statement.id]
    return [key.desc() if newest_first else key.asc() for key in keys]


def measure_exists(as_of: dt.date) -> ColumnElement[bool]:
    """Cached status rows of measures that existed as of ``as_of``: their first event is not
    after that day (tracker.status.Status.existed), or none is recorded (nothing dates them).
    ``exists_from`` is filled whenever a row is refreshed (tracker.services.status_cache)."""
    return or_(MeasureStatus.exists_from.is_(None), MeasureStatus.exists_from <= as_of)
