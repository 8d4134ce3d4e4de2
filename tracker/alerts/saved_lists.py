"""A saved list or search ("/measures/?country=KG&status=in-force", "/events/?type=extended",
"/statements/?organization=…", "/search?q=…") re-run through the services' own queries, so a
subscriber hears of exactly the records the list shows them now.

The pages read their filters from the request (tracker.http.params), which this package may not
import; the few rules are repeated here for a stored query string, and a value the pages would
ignore is ignored here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import parse_qs, urlsplit

from tracker import vocab
from tracker.dates import DateParseError, PartialDate
from tracker.services import fulltext
from tracker.services.events import EventFilters
from tracker.services.events.read import list_events
from tracker.services.measures import MeasureFilters
from tracker.services.measures.read import select_measures
from tracker.services.statements import StatementFilters
from tracker.services.statements.read import list_statements
from tracker.viewpoint import Viewpoint

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tracker.models import Event, Measure, Relation, Statement


class Told(Protocol):
    """What a list needs of an item to know whether it shows it (tracker.alerts.changes.Item)."""

    @property
    def measure(self) -> Measure | None: ...
    @property
    def event(self) -> Event | None: ...
    @property
    def statement(self) -> Statement | None: ...
    @property
    def relation(self) -> Relation | None: ...


ListKind = Literal["measures", "events", "statements", "search"]

PATHS: dict[str, ListKind] = {
    "/measures": "measures",
    "/events": "events",
    "/statements": "statements",
    "/search": "search",
}

# A saved list of events or statements is re-read whole each round; past this many rows the
# list is too broad to be worth an alert per record, and its newest rows are what matter.
LIST_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class SavedList:
    kind: ListKind
    args: dict[str, list[str]]


def parse(target: str) -> SavedList | None:
    """The list a target names, or None when it is not one of the lists that can be saved."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    kind = PATHS.get(parts.path.rstrip("/") or "/")
    if kind is None:
        return None
    return SavedList(kind, parse_qs(parts.query))


def _values(
    args: dict[str, list[str]], name: str, allowed: object | None = None
) -> tuple[str, ...]:
    found = []
    for raw in args.get(name, ()):
        for value in raw.split(","):
            value = value.strip()
            if value and (allowed is None or value in allowed):  # type: ignore[operator]
                found.append(value)
    return tuple(dict.fromkeys(found))


def _one(args: dict[str, list[str]], name: str, limit: int) -> str | None:
    values = args.get(name) or [""]
    value = values[0].strip()
    return value[:limit] if value else None


def measure_filters(args: dict[str, list[str]]) -> MeasureFilters:
    return MeasureFilters(
        countries=tuple(
            code.upper() for code in _values(args, "country") if re.fullmatch(r"[A-Za-z]{2}", code)
        ),
        kinds=_values(args, "kind", vocab.MEASURE_KINDS),
        states=_values(args, "status", vocab.STATES),
        topics=_values(args, "topic"),
        query=_one(args, "q", 200),
        years=tuple(int(y) for y in _values(args, "year") if y.isdigit() and len(y) == 4),
    )


def _day(args: dict[str, list[str]], name: str) -> PartialDate | None:
    text = _one(args, name, 100)
    if text is None:
        return None
    try:
        return PartialDate.parse(text)
    except DateParseError:
        return None  # as a page would say so and list without it


def event_filters(args: dict[str, list[str]]) -> EventFilters:
    start, end = _day(args, "from"), _day(args, "to")
    return EventFilters(
        measures=measure_filters(args),
        types=_values(args, "type", vocab.EVENT_TYPES),
        start=start.start if start else None,
        end=end.end if end else None,
        measure=_one(args, "measure", 120),
    )


def statement_filters(args: dict[str, list[str]]) -> StatementFilters:
    start, end = _day(args, "from"), _day(args, "to")
    return StatementFilters(
        countries=tuple(code.upper() for code in _values(args, "country")),
        topics=_values(args, "topic"),
        organizations=_values(args, "organization"),
        stances=_values(args, "stance", vocab.STANCES),
        types=_values(args, "type", vocab.STATEMENT_TYPES),
        measure=_one(args, "measure", 120),
        start=start.start if start else None,
        end=end.end if end else None,
    )


@dataclass(frozen=True, slots=True)
class Matches:
    """The records a saved list shows its subscriber now: measures (a measure list, or what a
    search finds), events, statements."""

    kind: ListKind
    measures: frozenset[int] = frozenset()
    events: frozenset[int] = frozenset()
    statements: frozenset[int] = frozenset()

    def holds_measure(self, measure_id: int) -> bool:
        """Whether a measure's own changes (its status) belong to the list."""
        return self.kind in ("measures", "search") and measure_id in self.measures

    def holds(self, item: Told) -> bool:
        """Whether the list shows what ``item`` is about."""
        if item.event is not None and item.event.id in self.events:
            return True
        if item.statement is not None:
            if item.statement.id in self.statements:
                return True
            if self.kind == "measures":
                return any(m.id in self.measures for m in item.statement.measures)
            return False
        if self.kind in ("events", "statements"):
            return False
        if item.relation is not None:
            return bool({item.relation.subject_id, item.relation.object_id} & self.measures)
        if self.kind == "search" and item.event is not None:
            return False  # a search lists the events it finds, not every event of a measure
        return item.measure is not None and item.measure.id in self.measures


def matches(session: Session, target: str, view: Viewpoint) -> Matches | None:
    """Run the saved list's own query for ``view``; None when the target is not a list."""
    saved = parse(target)
    if saved is None:
        return None
    args = saved.args
    if saved.kind == "measures":
        selection = select_measures(session, measure_filters(args), view)
        return Matches("measures", measures=frozenset(session.scalars(selection.ids())))
    if saved.kind == "events":
        events = list_events(session, event_filters(args), view, limit=LIST_LIMIT)
        return Matches("events", events=frozenset(e.id for e in events))
    if saved.kind == "statements":
        statements = list_statements(session, view, statement_filters(args), limit=LIST_LIMIT)
        return Matches("statements", statements=frozenset(s.id for s in statements))
    text = _one(args, "q", 200) or ""
    found: dict[str, frozenset[int]] = {}
    for kind in ("measures", "events", "statements"):
        ids = fulltext.matching_ids(session, kind, text)
        found[kind] = frozenset(session.scalars(ids)) if ids is not None else frozenset()
    # The search's own filters narrow its measures, as on the page.
    filters = measure_filters({k: v for k, v in args.items() if k != "q"})
    if filters.active:
        selection = select_measures(session, filters, view)
        found["measures"] = found["measures"] & frozenset(session.scalars(selection.ids()))
    return Matches(
        "search",
        measures=found["measures"],
        events=found["events"],
        statements=found["statements"],
    )
