"""Reading the query string the same way on every page, export and API endpoint."""

from __future__ import annotations

import datetime as dt

from flask import abort, request

from tracker import clock, vocab
from tracker.services.events import EventFilters
from tracker.services.measures import MeasureFilters
from tracker.services.statements import StatementFilters


def as_of() -> dt.date:
    """``?as_of=YYYY-MM-DD`` or today; a malformed date is a 400 that says what to write."""
    value = request.args.get("as_of", "").strip()
    if not value:
        return clock.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        abort(400, description=f'"{value}" is not a date; write as_of=YYYY-MM-DD, e.g. 2024-02-08.')


def is_past_view() -> bool:
    return bool(request.args.get("as_of", "").strip()) and as_of() != clock.today()


def _values(name: str, allowed: object | None = None) -> tuple[str, ...]:
    values = []
    for raw in request.args.getlist(name):
        for value in raw.split(","):
            value = value.strip()
            if value and (allowed is None or value in allowed):  # type: ignore[operator]
                values.append(value)
    return tuple(dict.fromkeys(values))


def measure_filters() -> MeasureFilters:
    query = request.args.get("q", "").strip() or None
    return MeasureFilters(
        countries=tuple(code.upper() for code in _values("country")),
        kinds=_values("kind", vocab.MEASURE_KINDS),
        states=_values("status", vocab.STATES),
        topics=_values("topic"),
        query=query[:200] if query else None,
    )


def _date_bound(name: str, last: bool) -> dt.date | None:
    """A partial date as a range bound: "2024" from 1 January, or to 31 December."""
    from tracker.dates import DateParseError, parse_partial_date

    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        date = parse_partial_date(value)
    except DateParseError as exc:
        abort(400, description=f"{name}: {exc}")
    return date.end if last else date.start


def _date_range() -> tuple[dt.date | None, dt.date | None]:
    start, end = _date_bound("from", last=False), _date_bound("to", last=True)
    if start and end and start > end:
        abort(400, description="The date range ends before it starts: swap 'from' and 'to'.")
    return start, end


def event_filters() -> EventFilters:
    """The events list's filters: the measure list's, plus ``type``, ``from``, ``to``."""
    start, end = _date_range()
    measure = request.args.get("measure", "").strip() or None
    return EventFilters(
        measures=measure_filters(),
        types=_values("type", vocab.EVENT_TYPES),
        start=start,
        end=end,
        measure=measure[:120] if measure else None,
    )


def statement_filters() -> StatementFilters:
    start, end = _date_range()
    measure = request.args.get("measure", "").strip() or None
    return StatementFilters(
        countries=tuple(code.upper() for code in _values("country")),
        topics=_values("topic"),
        organizations=_values("organization"),
        stances=_values("stance", vocab.STANCES),
        types=_values("type", vocab.STATEMENT_TYPES),
        measure=measure[:120] if measure else None,
        start=start,
        end=end,
    )


def page() -> int:
    """``?page=N`` (from 1); anything else is a 400."""
    value = request.args.get("page", "1").strip() or "1"
    if not value.isdigit() or int(value) < 1:
        abort(400, description=f'"{value}" is not a page number.')
    return int(value)
