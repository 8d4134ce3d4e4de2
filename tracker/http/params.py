"""Reading the query string the same way on every page, export and API endpoint."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import abort, request

from tracker import clock, vocab
from tracker.dates import DateParseError, PartialDate
from tracker.services.events import EventFilters
from tracker.services.measures import MeasureFilters
from tracker.services.statements import StatementFilters


def as_of() -> dt.date:
    """``?as_of=YYYY-MM-DD`` or today; a malformed date is a 400 that says what to write."""
    day, error = read_as_of()
    if error is not None:
        abort(400, description=error)
    return day


def read_as_of() -> tuple[dt.date, str | None]:
    """``?as_of=`` as a day (today when absent), or today and what is wrong with it: for the
    request's viewpoint (tracker.http.access), made for pages that ignore the day too."""
    value = request.args.get("as_of", "").strip()
    if not value:
        return clock.today(), None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return clock.today(), (f'"{value}" is not a date; write as_of=YYYY-MM-DD, e.g. 2024-02-08.')
    # Views reach a year or more either side of the day (quiet measures, chart margins); the
    # calendar's first and last centuries leave them no room, and no record is dated there.
    if not AS_OF_FIRST <= day <= AS_OF_LAST:
        return clock.today(), f"as_of must be a day between {AS_OF_FIRST} and {AS_OF_LAST}."
    return day, None


AS_OF_FIRST = dt.date(1000, 1, 1)
AS_OF_LAST = dt.date(9000, 12, 31)


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


_FILTER_RULES: dict[str, tuple[Callable[[str], bool], str]] = {
    "country": (lambda v: bool(re.fullmatch(r"[A-Za-z]{2}", v)), "a two-letter country code"),
    "kind": (lambda v: v in vocab.MEASURE_KINDS, "a kind of measure"),
    "status": (lambda v: v in vocab.STATES, "a status"),
    "topic": (lambda v: bool(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", v)), "a topic slug"),
    "year": (lambda v: bool(re.fullmatch(r"[0-9]{4}", v)), "a year (YYYY)"),
}


# The query parameters measure_filters reads (downloads made from them are cached by them).
MEASURE_FILTER_ARGS = ("country", "kind", "status", "topic", "q", "year")


def measure_filters(strict: bool = False) -> MeasureFilters:
    """The measure filters of the query string. Pages ignore values they don't know (a stale
    link still shows something); the API (``strict``) answers 400 and says which value."""
    if strict:
        for name, (valid, what) in _FILTER_RULES.items():
            for value in _values(name):
                if not valid(value):
                    abort(400, description=f'{name}: "{value}" is not {what}.')
    query = request.args.get("q", "").strip() or None
    return MeasureFilters(
        countries=tuple(code.upper() for code in _values("country")),
        kinds=_values("kind", vocab.MEASURE_KINDS),
        states=_values("status", vocab.STATES),
        topics=_values("topic"),
        query=query[:200] if query else None,
        years=tuple(int(year) for year in _values("year") if year.isdigit() and len(year) == 4),
    )


@dataclass(frozen=True, slots=True)
class DateRange:
    """``?from=...&to=...`` as typed (``2023``, ``Oct 2023``...), and what was wrong."""

    start: dt.date | None = None
    end: dt.date | None = None
    errors: dict[str, str] = field(default_factory=dict)


def date_range() -> DateRange:
    """The window of a chart: ``from`` is the first day of its date, ``to`` the last.

    A partial date covers its period: ``from=2023&to=2023`` is the whole of 2023. What cannot
    be read is reported per field (the page says so next to the field) and left out.
    """
    values: dict[str, dt.date] = {}
    errors: dict[str, str] = {}
    for name in ("from", "to"):
        text = request.args.get(name, "").strip()
        if not text:
            continue
        try:
            date = PartialDate.parse(text)
        except DateParseError as exc:
            errors[name] = str(exc)
            continue
        day = date.start if name == "from" else date.end
        if not AS_OF_FIRST <= day <= AS_OF_LAST:
            # As for as_of: a chart pads its window, and the calendar ends at 9999.
            errors[name] = f"Choose a date between {AS_OF_FIRST.year} and {AS_OF_LAST.year}."
            continue
        values[name] = day
    start, end = values.get("from"), values.get("to")
    if start and end and end < start:
        errors["to"] = "The date range ends before it starts: swap 'from' and 'to'."
        end = None
    return DateRange(start, end, errors)


def relation_types() -> tuple[str, ...]:
    """``?relation=modelled-on`` (repeatable or comma-separated), known codes only."""
    return _values("relation", vocab.RELATION_TYPES)


def _date_range() -> tuple[dt.date | None, dt.date | None]:
    """The date range of a list or a download; what cannot be read is a 400 saying why."""
    window = date_range()
    if window.errors:
        abort(400, description=" ".join(f"{k}: {v}" for k, v in window.errors.items()))
    return window.start, window.end


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


def page(default_size: int = 50, max_size: int = 100) -> tuple[int, int]:
    """``?page=N&size=M`` (1-based); a malformed or out-of-range value is a 400 that says why."""
    numbers = []
    for name, default, top in (("page", 1, 1_000_000), ("size", default_size, max_size)):
        raw = request.args.get(name, "").strip()
        if not raw:
            numbers.append(default)
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= top:
            abort(
                400,
                description=f'"{raw}" is not a valid {name}; use a whole number from 1 to {top}.',
            )
        numbers.append(int(raw))
    return numbers[0], numbers[1]


def pages_of(page: int, total: int, shown: int, per_page: int, cap: int) -> tuple[int, bool]:
    """(pages, more) of a list counted up to ``cap`` (``total`` is cap + 1 past it): past the
    cap the last page is not known, so there is a next page while this one is full."""
    if total > cap:
        return (page + 1 if shown == per_page else page), True
    return max(1, -(-total // per_page)), False
