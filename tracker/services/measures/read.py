"""Reading measures: lists with filters, one measure with everything around it, statuses.

Every face (pages, exports, API, CLI) reads through these functions with its reader's viewpoint
(tracker.viewpoint: who may see what, and as of which day), and the status rule lives here once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Integer, Select, bindparam, false, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from tracker import clock
from tracker.countries import by_name
from tracker.models import (
    Event,
    Measure,
    MeasureStatus,
    Quote,
    Relation,
    Statement,
    Topic,
    measure_topics,
    statement_measures,
)
from tracker.services import status_cache
from tracker.services.as_of import event_dated_by, event_order, measure_exists, statement_order
from tracker.services.fulltext import matching_ids
from tracker.services.sources import first_source_name, source_namer
from tracker.status import Status, dated_by, derive_status, sort_events, warnings
from tracker.viewpoint import Viewpoint


@dataclass(frozen=True, slots=True)
class MeasureFilters:
    """The filters every measure list shares (pages, exports and API)."""

    countries: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    query: str | None = None
    years: tuple[int, ...] = ()
    """Years of the first recorded event (the "year" facet)."""

    @property
    def active(self) -> bool:
        return bool(
            self.countries or self.kinds or self.states or self.topics or self.query or self.years
        )


@dataclass(slots=True)
class MeasureRow:
    """A measure as lists show it: the record and its status on the day asked."""

    measure: Measure
    status: Status


def statuses(session: Session, measure_ids: Iterable[int], as_of: dt.date) -> dict[int, Status]:
    """The status of many measures: from the cache for today, else from all their events."""
    ids = list(measure_ids)
    if as_of == clock.today():
        cached = status_cache.cached_statuses(session, ids, as_of)
        if len(cached) == len(set(ids)):
            return cached
    events: dict[int, list[Event]] = defaultdict(list)
    for chunk in range(0, len(ids), 500):
        query = (
            select(Event)
            .where(Event.measure_id.in_(ids[chunk : chunk + 500]))
            .order_by(Event.date_iso, Event.id)
        )
        for event in session.scalars(query):
            events[event.measure_id].append(event)
    cite = source_namer(session)
    return {measure_id: derive_status(events[measure_id], as_of, cite) for measure_id in ids}


def list_measures(session: Session, filters: MeasureFilters, view: Viewpoint) -> list[MeasureRow]:
    """Every measure matching the filters, by country then title, each with its status as of
    the reader's day: what the measure list shows page by page, whole (downloads, briefs,
    country pages)."""
    selection = select_measures(session, filters, view)
    query = selection.measures().options(selectinload(Measure.topics)).order_by(*MEASURE_ORDER)
    return selection.rows(session, list(session.scalars(query)), view.as_of)


@dataclass(slots=True)
class RelationView:
    """A relation seen from one measure: "modelled on X" or, from X, "model for Y"."""

    relation: Relation
    other: Measure
    inverse: bool


@dataclass(slots=True)
class MeasureView:
    measure: Measure
    status: Status
    events: list[Event]
    relations: list[RelationView]
    statements: list[Statement]
    later_events: list[Event] = field(default_factory=list)
    """Events dated after the day asked (scheduled, or later than a past day)."""
    hidden_statements: int = 0
    event_warnings: dict[int, str] = field(default_factory=dict)
    """Notes for editors by event id: events the status ignores (tracker.status.warnings)."""

    @property
    def hidden_events(self) -> int:
        return len(self.later_events)

    @property
    def not_yet_recorded(self) -> bool:
        """As of the day asked, the measure did not exist yet (tracker.status.Status.existed)."""
        return not self.status.existed


def get_measure(session: Session, slug: str, view: Viewpoint) -> MeasureView | None:
    """One measure with its events, relations both ways and statements, as of the reader's
    day.

    Each query loads exactly what the page shows, in as few statements as the shapes allow
    (a statement costs more in SQLAlchemy's compiling and loading than in the database): the
    measure with its topics, sources and events (with theirs), the relations of both
    directions in one query with both ends joined, and the statements with their
    organization and speaker joined. Today's status comes from the maintained table
    (tracker.services.status_cache); another day's is derived from the events.
    """
    as_of = view.as_of
    query = view.select(Measure).where(Measure.slug == slug)
    # Selected, not joined: SQLite plans the measure joined to its topics and sources as a
    # scan (100 ms), and the events joined to their sources likewise.
    query = query.options(
        selectinload(Measure.topics),
        selectinload(Measure.sources),
        selectinload(Measure.events).selectinload(Event.sources),
    )
    measure = session.scalars(query).first()
    if measure is None:
        return None
    ordered = sort_events(measure.events)
    events = [event for event in ordered if dated_by(event.date, as_of)]
    relation_query = (
        select(Relation)
        .where(or_(Relation.subject_id == measure.id, Relation.object_id == measure.id))
        .options(joinedload(Relation.subject), joinedload(Relation.object))
    )
    relations = []
    for relation in session.scalars(relation_query):
        # A relation of the measure with itself is shown once, as stored.
        inverse = relation.subject_id != measure.id
        other = relation.subject if inverse else relation.object
        if view.sees(other):
            relations.append(RelationView(relation, other, inverse=inverse))
    relations.sort(key=lambda seen: (seen.inverse, seen.relation.type, seen.other.title))
    statement_query = (
        view.select(Statement)
        # IN over the association's measure_id index; ".any()" made SQLite test every statement.
        .where(
            Statement.id.in_(
                select(statement_measures.c.statement_id).where(
                    statement_measures.c.measure_id == measure.id
                )
            )
        )
        .options(
            joinedload(Statement.organization),
            joinedload(Statement.speaker),
            selectinload(Statement.signatories),
            selectinload(Statement.quotes).joinedload(Quote.speaker),
            selectinload(Statement.sources),
        )
        .order_by(*statement_order())
    )
    all_statements = list(session.scalars(statement_query).unique())
    statements = [s for s in all_statements if dated_by(s.date, as_of)]
    status = None
    if as_of == clock.today():
        # One row, if it holds today's status; a stale one is derived below like another day.
        status = status_cache.fresh_status(session, measure.id, as_of)
    if status is None:
        status = derive_status(measure.events, as_of, first_source_name)
    return MeasureView(
        measure=measure,
        status=status,
        events=events,
        relations=relations,
        statements=statements,
        later_events=[event for event in ordered if not dated_by(event.date, as_of)],
        event_warnings=event_warnings(measure.events),
        hidden_statements=len(all_statements) - len(statements),
    )


def event_warnings(events: Iterable[Event]) -> dict[int, str]:
    """Events the status ignores because they cannot follow an enactment, with a note each."""
    return {event.id: note for event, note in warnings(events)}


def recent_events(session: Session, view: Viewpoint, limit: int = 8) -> list[Event]:
    """The latest events dated by the reader's day, of measures the reader may see."""
    # The full order ranks event types with a CASE, which no index holds: sorted alone it
    # sorts every event (a million). The ``limit`` latest last days come from the index on
    # date_end first, and only the events of those days are sorted. The measure is joined by
    # its key (``measure_id + 0``): SQLite would otherwise start from the visible measures and
    # sort all their events.
    query = select(Event).join(Measure, Measure.id == Event.measure_id + 0)
    query = query.where(event_dated_by(view.as_of), view.visible(Measure))
    days = session.scalars(
        query.with_only_columns(Event.date_end).order_by(Event.date_end.desc()).limit(limit)
    ).all()
    if len(days) == limit:
        query = query.where(Event.date_end >= days[-1])
    query = query.options(selectinload(Event.measure)).order_by(*event_order(newest_first=True))
    return list(session.scalars(query.limit(limit)))


def countries_in_use(session: Session, view: Viewpoint) -> list[str]:
    # From the status rows' copy of the country: a scan of a covering index, not of measures.
    query = view.select(MeasureStatus).with_only_columns(MeasureStatus.country).distinct()
    # By name, as readers look for a country, not by code ("RU" before "TJ" is not "Russia"
    # before "Tajikistan" in every language).
    return by_name(session.scalars(query))


def visible_topics(view: Viewpoint) -> Select[Topic]:
    """Topics the reader may see: anonymous visitors only those public measures use, since a
    topic only internal measures use is as telling as the measures themselves ("inspections
    of Pamiri NGOs")."""
    if view.sees_internal:
        return select(Topic)
    # A correlated EXISTS per topic stops at its first public measure (an index probe or a
    # few); "topic id IN (the topics of every public measure)" read all of measure_topics,
    # 75 ms a page at 100,000 measures.
    used_publicly = (
        select(measure_topics.c.measure_id)
        .join(Measure, Measure.id == measure_topics.c.measure_id)
        .where(measure_topics.c.topic_id == Topic.id, view.visible(Measure))
        .exists()
    )
    return select(Topic).where(used_publicly)


def topic_names(session: Session, slugs: Iterable[str], view: Viewpoint) -> dict[str, str]:
    """Names of the topics among ``slugs`` that the reader may see. Echoing a filter, callers
    show any other slug as typed: an internal-only topic reads exactly as an unknown one."""
    wanted = list(slugs)
    if not wanted:
        return {}
    query = visible_topics(view).where(Topic.slug.in_(wanted))
    return {topic.slug: topic.name for topic in session.scalars(query)}


def topics_in_use(session: Session, view: Viewpoint) -> Sequence[Topic]:
    """Topics for the filters of lists and charts, by name."""
    return session.scalars(visible_topics(view).order_by(Topic.name)).all()


# -- lists at scale: filters in SQL, one page at a time ----------------------------------------

FACET_NAMES = ("country", "kind", "status", "topic", "year")


def filter_clauses(
    session: Session,
    filters: MeasureFilters,
    *,
    as_of: dt.date | None,
    by_cached_status: bool,
    skip: str | None = None,
) -> list[ColumnElement[bool]]:
    """SQL conditions on MeasureStatus (alone, or joined to Measure) for the filters, and for
    the measures that existed as of ``as_of`` (None: every measure, for search, which finds
    records whatever their dates).

    ``skip`` leaves one facet's own filter out, so that its counts show what adding another
    value would give. The status filter is applied here only when ``by_cached_status`` (a view
    of today); as of another day the caller filters by the derived status itself.
    """
    clauses: list[ColumnElement[bool]] = [] if as_of is None else [measure_exists(as_of)]
    if filters.countries and skip != "country":
        clauses.append(MeasureStatus.country.in_(filters.countries))
    if filters.kinds and skip != "kind":
        clauses.append(MeasureStatus.kind.in_(filters.kinds))
    if filters.topics and skip != "topic":
        clauses.append(
            MeasureStatus.measure_id.in_(
                select(measure_topics.c.measure_id)
                .join(Topic, Topic.id == measure_topics.c.topic_id)
                .where(Topic.slug.in_(filters.topics))
            )
        )
    if filters.years and skip != "year":
        clauses.append(MeasureStatus.first_year.in_(filters.years))
    if filters.states and skip != "status" and by_cached_status:
        clauses.append(status_cache.state_condition(session, filters.states, clock.today()))
    if filters.query:
        matching = matching_ids(session, "measures", filters.query)
        clauses.append(MeasureStatus.measure_id.in_(matching) if matching is not None else false())
    return clauses


def measures_with_status(view: Viewpoint) -> Select[Measure]:
    """Visible measures joined to their cached status (refresh the cache before running it)."""
    return (
        select(Measure)
        .join(MeasureStatus, MeasureStatus.measure_id == Measure.id)
        .where(view.visible(MeasureStatus))
    )


MEASURE_ORDER = (Measure.country, Measure.title, Measure.id)
"""The order of every measure list (pages, downloads, briefs)."""


@dataclass(frozen=True, slots=True)
class MeasureSelection:
    """The visible measures that match every filter on a day (``select_measures``)."""

    clauses: tuple[ColumnElement[bool], ...]
    """Conditions on MeasureStatus (the status rows), joined to Measure or alone."""
    view: Viewpoint
    derived: Mapping[int, Status]
    """The statuses derived while selecting (a status filter on a day other than today)."""

    def measures(self) -> Select[Measure]:
        """The measures, unordered (order by MEASURE_ORDER to list them)."""
        return measures_with_status(self.view).where(*self.clauses)

    def ids(self) -> Select[tuple[int]]:
        """Their ids, read from the status rows alone: what lists built on measures (events,
        statements about them) join."""
        return (
            self.view.select(MeasureStatus)
            .where(*self.clauses)
            .with_only_columns(MeasureStatus.measure_id)
        )

    def count(self, session: Session) -> int:
        # Keep the FROM: with no filter at all (a signed-in reader, who sees internal records
        # too) nothing else names the table, and "SELECT count(*)" alone counts one row.
        counted = self.ids().with_only_columns(func.count(), maintain_column_froms=True)
        return session.scalar(counted) or 0

    def rows(
        self, session: Session, measures: Sequence[Measure], as_of: dt.date
    ) -> list[MeasureRow]:
        """The measures with their statuses on ``as_of`` (those derived already are reused)."""
        missing = [m.id for m in measures if m.id not in self.derived]
        found = {**self.derived, **(statuses(session, missing, as_of) if missing else {})}
        return [MeasureRow(measure, found[measure.id]) for measure in measures]


def select_measures(
    session: Session,
    filters: MeasureFilters,
    view: Viewpoint,
    *,
    existing_only: bool = True,
) -> MeasureSelection:
    """The one query of the measures a list shows: every filter (country, kind, status, topic,
    year, the words of ``q``) on the reader's day, what the reader may see, and only measures that
    existed that day (tracker.status.Status.existed; ``existing_only=False`` for what covers
    every date, such as a feed or a calendar).

    The measure list, its CSV, JSON and XLSX, the brief of a selection, the feed, the country
    pages, the timeline, the events list (and every list of things about measures) and the API
    all select through it, so that a download holds exactly the measures its page counts.

    For today everything is SQL on the cached statuses. On another day the status of every
    candidate must be derived from its events to filter by it: correct, but a pass over the
    candidates' events, done only when the status filter is used.
    """
    as_of, today = view.as_of, clock.today()
    is_today = as_of == today
    exists_on = as_of if existing_only else None
    clauses = filter_clauses(session, filters, as_of=exists_on, by_cached_status=is_today)
    derived: dict[int, Status] = {}
    if filters.states and not is_today:
        candidates = view.select(MeasureStatus).where(*clauses)
        ids = list(session.scalars(candidates.with_only_columns(MeasureStatus.measure_id)))
        derived = {
            measure_id: status
            for measure_id, status in statuses(session, ids, as_of).items()
            if status.state in filters.states
        }
        # Written into the SQL as numbers (ids only): a bound parameter per id would pass the
        # databases' limits on parameters (32,766 on SQLite, 65,535 on PostgreSQL).
        kept = bindparam(
            "kept", list(derived), Integer, expanding=True, literal_execute=True, unique=True
        )
        clauses.append(MeasureStatus.measure_id.in_(kept))
    return MeasureSelection(tuple(clauses), view, derived)


@dataclass(slots=True)
class MeasurePage:
    rows: list[MeasureRow]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def page_measures(
    session: Session,
    filters: MeasureFilters,
    view: Viewpoint,
    page: int = 1,
    size: int = 50,
    changed_since: dt.datetime | None = None,
    by_update: bool = False,
) -> MeasurePage:
    """One page of the measures matching the filters, by country then title (``by_update``: in
    the order of their last change, then by id), with statuses as of the reader's day; with
    ``changed_since``, only measures whose record was created or changed at or after it."""
    selection = select_measures(session, filters, view)
    measures = selection.measures()
    if changed_since is not None:
        measures = measures.where(Measure.updated_at >= changed_since)
        total = session.scalar(select(func.count()).select_from(measures.subquery())) or 0
    else:
        total = selection.count(session)
    query = (
        measures.options(selectinload(Measure.topics))
        .order_by(*((Measure.updated_at, Measure.id) if by_update else MEASURE_ORDER))
        .limit(size)
        .offset((page - 1) * size)
    )
    rows = selection.rows(session, list(session.scalars(query)), view.as_of)
    return MeasurePage(rows, total, page, size)
