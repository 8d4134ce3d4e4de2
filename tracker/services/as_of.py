"""The status rule's "when does it count" in SQL, for lists that filter and sort in the database.

tracker.status places an event on the last day its date could be ("April 2024" on 30 April) and
orders events of the same day by their place in a measure's life. Lists, downloads, feeds and the
API read events and statements from SQL; these expressions apply the same rule there, on the
stored last day (``date_end``), so that a list as of a day holds exactly what the status counted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, UnaryExpression, case, or_

from tracker import vocab
from tracker.models import Event, MeasureStatus, Statement

COMING_DAYS = 90
"""How far after the day shown "what is coming" looks: upcoming lists and the timeline."""

_TYPE_RANK = case(dict(vocab.EVENT_TYPE_RANK), value=Event.type, else_=len(vocab.EVENT_TYPE_RANK))
_PRECISION_RANK = case({"year": 0, "month": 1}, value=Event.date_precision, else_=2)


def event_counted(as_of: dt.date) -> ColumnElement[bool]:
    """Events that count as of ``as_of`` (tracker.status.counted_by)."""
    return Event.date_end <= as_of


def statement_counted(as_of: dt.date) -> ColumnElement[bool]:
    """Statements made by ``as_of``; one known only to its month counts once the month is over."""
    return Statement.date_end <= as_of


def event_order(newest_first: bool = False) -> list[UnaryExpression[Any]]:
    """ORDER BY for events in the rule's order (tracker.status.order_key), then as recorded."""
    keys: list[Any] = [Event.date_end, _TYPE_RANK, Event.date_start, _PRECISION_RANK, Event.id]
    return [key.desc() if newest_first else key.asc() for key in keys]


def statement_order(newest_first: bool = False) -> list[UnaryExpression[Any]]:
    keys: list[Any] = [Statement.date_end, Statement.date_start, Statement.id]
    return [key.desc() if newest_first else key.asc() for key in keys]


def measure_exists(as_of: dt.date) -> ColumnElement[bool]:
    """Cached status rows of measures that existed as of ``as_of``: one of their events counts
    by then, or none is recorded (nothing dates them, so nothing says they did not exist yet).
    Read after tracker.services.status_cache.refresh, which fills ``exists_from``."""
    return or_(MeasureStatus.exists_from.is_(None), MeasureStatus.exists_from <= as_of)
