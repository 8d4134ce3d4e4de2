"""Reading the query string the same way on every page, export and API endpoint."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from flask import abort, request

from tracker import clock, vocab
from tracker.services.measures import MeasureFilters


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


_FILTER_RULES: dict[str, tuple[Callable[[str], bool], str]] = {
    "country": (lambda v: bool(re.fullmatch(r"[A-Za-z]{2}", v)), "a two-letter country code"),
    "kind": (lambda v: v in vocab.MEASURE_KINDS, "a kind of measure"),
    "status": (lambda v: v in vocab.STATES, "a status"),
    "topic": (lambda v: bool(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", v)), "a topic slug"),
    "year": (lambda v: bool(re.fullmatch(r"[0-9]{4}", v)), "a year (YYYY)"),
}


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
