"""Full-text search over measures, events, statements, organizations and people.

One service, two backends: tracker.services.fulltext reads the query and finds it in the index
(SQLite FTS5 or a PostgreSQL tsvector); this module keeps to what the reader may see and the
measure filters, counts, ranks and pages the matches, and marks them up.

Both rank a record by its own text only, never by statistics of the whole index (bm25's
rarity of each word): those count internal records, which would then move, and give away,
what an anonymous reader finds. For the same reason, when a broad query is ranked over its
newest matches only, those are the newest the reader may see.

Both split words the same way and neither stems: the ``simple`` configuration lower-cases and
keeps every word, which works for English, Russian and Kyrgyz alike (PostgreSQL has no Kyrgyz
stemmer, and its Russian or English one would mangle the other languages' words in a mixed
record), and it makes both databases find the same records. Instead of stemming, the last word
is searched as a prefix, so "agent" finds "agents" and "иностран" finds "иностранных".

A query is words (all must match) and "quoted phrases". Titles and snippets are marked here, the
same way for both databases: the record's text is read back from the index, every piece of it
is HTML-escaped, and only the words the query looks for are wrapped in ``<mark>``, so nothing
from the data can become markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from markupsafe import Markup
from sqlalchemy import Select, case, func, select, text
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.models import (
    Event,
    Measure,
    MeasureStatus,
    Organization,
    Person,
    Statement,
    statement_measures,
)
from tracker.services import status_cache
from tracker.services.fulltext import (
    COLUMNS,
    KINDS,
    MAX_QUERY_LENGTH,
    PHRASE_BONUS,
    TITLE_COLUMN,
    Kind,
    ParsedQuery,
    highlight,
    is_sqlite,
    match_table,
    matching_ids,
    parse_query,
    snippet,
    stored_texts,
    word_matcher,
)
from tracker.services.measures import (
    MeasureFilters,
    filter_clauses,
)
from tracker.status import Status
from tracker.viewpoint import Viewpoint

KIND_LABELS: dict[str, str] = {
    "measures": "Measures",
    "events": "Events",
    "statements": "Statements",
    "organizations": "Organizations",
    "people": "People",
}
# Organizations and people are not about a measure: the measure filters cannot narrow them.
MEASURE_BOUND_KINDS = frozenset({"measures", "events", "statements"})

# Counting stops here ("1,000+ results"): an exact count of a word found in a hundred thousand
# records costs more than the page it is shown on, and tells the reader nothing more.
COUNT_CAP = 1000
# When a query matches more records than this, only the most recently added this many are
# ranked, with every older one whose title or name holds the words as a phrase: ranking scores
# every match, and "law" matches nearly everything. Narrower queries (the usual case) are ranked
# in full. (1,000 before the phrase matches were added: ranking them was 44% of a search's CPU.)
RANK_WINDOW = 250
# Measures that are law, or on their way to it.
LIVE_STATES = ("in-force", "partly-in-force", "not-recorded", "not-yet-in-force", "pending")
# Less than PHRASE_BONUS, more than any score of words counted (tracker.services.fulltext).
LIVE_BONUS = 100.0


def _window_start(session: Session, kind: Kind, query: ParsedQuery, view: Viewpoint) -> int:
    """The lowest id among the RANK_WINDOW newest matches the reader may see (0 when fewer
    match): records the reader may not see must not move the window either."""
    if not view.sees_internal:
        visible = _candidates(session, kind, query, MeasureFilters(), view, ranked=False).subquery()
        newest = select(visible.c.id).order_by(visible.c.id.desc()).offset(RANK_WINDOW - 1).limit(1)
        found = session.scalar(newest)
        return int(found) if found is not None else 0
    if is_sqlite(session):
        sql = (
            f"SELECT rowid FROM search_{kind} WHERE search_{kind} MATCH :match "  # noqa: S608  # nosec B608
            "ORDER BY rowid DESC LIMIT 1 OFFSET :window"
        )
        match = query.fts5()
    else:
        sql = (
            f"SELECT id FROM search_{kind} "  # noqa: S608  # nosec B608
            "WHERE document @@ to_tsquery('simple', :match) ORDER BY id DESC LIMIT 1 OFFSET :window"
        )
        match = query.tsquery()
    found = session.scalar(text(sql), {"match": match, "window": RANK_WINDOW - 1})
    return int(found) if found is not None else 0


# -- the service -------------------------------------------------------------------------------


@dataclass(slots=True)
class Hit:
    kind: Kind
    record: Any
    """The Measure, Event, Statement, Organization or Person found."""
    title: Markup | None
    snippet: Markup
    rank: float
    status: Status | None = None
    """Measures: the status today."""
    year: int | None = None
    """Measures: the year of the first recorded event."""


@dataclass(slots=True)
class Group:
    kind: Kind
    label: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    capped: bool = False
    """The total is COUNT_CAP and more match."""


@dataclass(slots=True)
class SearchResults:
    text: str
    query: ParsedQuery | None
    groups: list[Group]

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)

    @property
    def capped(self) -> bool:
        return any(group.capped for group in self.groups)


def _candidates(
    session: Session,
    kind: Kind,
    query: ParsedQuery,
    filters: MeasureFilters,
    view: Viewpoint,
    ranked: bool = True,
    scan: int | None = None,
) -> Select[Any]:
    """(record id, rank) of the visible records of ``kind`` that match and pass the filters."""
    start = _window_start(session, kind, query, view) if ranked else 0
    hits = match_table(session, kind, query, ranked, scan, start)
    base = select(hits.c.id, hits.c.rank)
    clauses = filter_clauses(session, filters, as_of=None, by_cached_status=True)
    if kind in ("measures", "events"):
        if kind == "measures" and ranked:
            # Among the measures whose title or name holds the phrase, those that are law or
            # on their way to it come first: "foreign agents" is Kyrgyzstan's law in force
            # before Russia's repealed one and the defeated bill. (The maintained state: a
            # ranking may lag a day change by one request, a filter may not.)
            live = (hits.c.rank <= -PHRASE_BONUS) & MeasureStatus.state.in_(LIVE_STATES)
            adjusted = hits.c.rank - case((live, LIVE_BONUS), else_=0.0)
            base = select(hits.c.id, adjusted.label("rank"))
        if kind == "events":
            base = base.join(Event, Event.id == hits.c.id)
            base = base.join(MeasureStatus, MeasureStatus.measure_id == Event.measure_id)
        else:
            base = base.join(MeasureStatus, MeasureStatus.measure_id == hits.c.id)
        base = base.where(view.visible(MeasureStatus))
        return base.where(*clauses)
    if kind == "statements":
        query_ = base.join(Statement, Statement.id == hits.c.id)
        query_ = query_.where(view.visible(Statement))
        if filters.active:
            about = (
                view.select(MeasureStatus)
                .where(*clauses)
                .join(
                    statement_measures,
                    statement_measures.c.measure_id == MeasureStatus.measure_id,
                )
                .with_only_columns(statement_measures.c.statement_id)
            )
            query_ = query_.where(Statement.id.in_(about))
        return query_
    visible = (
        view.select(Organization).with_only_columns(Organization.id)
        if kind == "organizations"
        else view.select(Person).with_only_columns(Person.id)
    )
    return base.where(hits.c.id.in_(visible))


def _count(
    session: Session,
    kind: Kind,
    query: ParsedQuery,
    filters: MeasureFilters,
    view: Viewpoint,
) -> int:
    """How many visible records match, up to COUNT_CAP + 1.

    Without filters, almost every match is visible: look at the first 2 × COUNT_CAP matches
    only, and count them all only if that sample falls short (many internal records).
    """

    def count(scan: int | None) -> int:
        counted = _candidates(session, kind, query, filters, view, ranked=False, scan=scan)
        limited = counted.limit(COUNT_CAP + 1).subquery()
        return session.scalar(select(func.count()).select_from(limited)) or 0

    if not filters.active:
        sample = count(2 * COUNT_CAP)
        if sample > COUNT_CAP:
            return sample
    return count(None)


def _load(session: Session, kind: Kind, ids: Sequence[int]) -> dict[int, Any]:
    if kind == "measures":
        query: Select[Any] = select(Measure).options(selectinload(Measure.topics))
        model: Any = Measure
    elif kind == "events":
        query, model = select(Event).options(selectinload(Event.measure)), Event
    elif kind == "statements":
        query = select(Statement).options(
            selectinload(Statement.organization), selectinload(Statement.measures)
        )
        model = Statement
    elif kind == "organizations":
        query, model = select(Organization), Organization
    else:
        query, model = select(Person).options(selectinload(Person.organization)), Person
    return {record.id: record for record in session.scalars(query.where(model.id.in_(ids)))}


@dataclass(slots=True)
class Matches:
    """One kind's visible matches: how many (up to COUNT_CAP) and one page, best first."""

    total: int
    capped: bool
    ranked: list[tuple[int, float]]
    """(record id, rank) of the page asked for."""


def ranked_matches(
    session: Session,
    kind: Kind,
    query: ParsedQuery,
    filters: MeasureFilters,
    view: Viewpoint,
    limit: int,
    offset: int = 0,
) -> Matches:
    """Every query search runs for one kind, without loading the records: the count and the
    ids of one page (the benchmark's ceiling runs exactly these)."""
    if kind not in MEASURE_BOUND_KINDS and filters.active:
        return Matches(0, False, [])
    candidates = _candidates(session, kind, query, filters, view).subquery()
    total = _count(session, kind, query, filters, view)
    ranked = session.execute(
        select(candidates.c.id, candidates.c.rank)
        .order_by(candidates.c.rank, candidates.c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return Matches(
        min(total, COUNT_CAP),
        total > COUNT_CAP,
        [(int(record_id), float(rank)) for record_id, rank in ranked],
    )


def search_kind(
    session: Session,
    kind: Kind,
    query: ParsedQuery,
    filters: MeasureFilters,
    view: Viewpoint,
    limit: int,
    offset: int = 0,
) -> Group:
    """One kind's matches: the total and one page of hits, best first."""
    found = ranked_matches(session, kind, query, filters, view, limit, offset)
    group = Group(kind, KIND_LABELS[kind], found.total, capped=found.capped)
    ids = [record_id for record_id, _ in found.ranked]
    records = _load(session, kind, ids)
    texts = stored_texts(session, kind, ids)
    standing = _standing(session, ids) if kind == "measures" else {}
    matches = word_matcher(query)
    title_column = TITLE_COLUMN[kind]
    for record_id, rank in found.ranked:
        values = dict(zip(COLUMNS[kind], texts.get(record_id, ()), strict=False))
        title = highlight(values[title_column], matches) if title_column in values else None
        others = [v for name, v in values.items() if name != title_column and v]
        status, year = standing.get(record_id, (None, None))
        group.hits.append(
            Hit(kind, records[record_id], title, snippet(others, matches), rank, status, year)
        )
    return group


def _standing(session: Session, ids: Sequence[int]) -> dict[int, tuple[Status | None, int | None]]:
    """Today's status (from the maintained table) and the year of the first recorded event of
    the measures found: search finds records whatever their dates, so it shows them as today."""
    if not ids:
        return {}
    statuses = status_cache.cached_statuses(session, ids, clock.today())
    years = session.execute(
        select(MeasureStatus.measure_id, MeasureStatus.first_year).where(
            MeasureStatus.measure_id.in_(ids)
        )
    )
    return {measure_id: (statuses.get(measure_id), year) for measure_id, year in years}


def search(
    session: Session,
    raw: str,
    filters: MeasureFilters,
    view: Viewpoint,
    kinds: Sequence[Kind] = KINDS,
    limit: int = 5,
    offset: int = 0,
) -> SearchResults:
    """Every kind's best matches for the text, grouped by kind, within the measure filters.

    Filters narrow measures, their events and the statements about them, by today's status;
    organizations and people are only searched without filters.
    """
    query = parse_query(raw)
    if query is None:
        return SearchResults(raw, None, [])
    filters = replace(filters, query=None)
    groups = [search_kind(session, kind, query, filters, view, limit, offset) for kind in kinds]
    return SearchResults(raw, query, groups)


# The query's parts come from tracker.services.fulltext; the search service passes them on, so
# that its callers need one module.
__all__ = [
    "KINDS",
    "KIND_LABELS",
    "MAX_QUERY_LENGTH",
    "Group",
    "Hit",
    "Kind",
    "Matches",
    "ParsedQuery",
    "SearchResults",
    "highlight",
    "matching_ids",
    "parse_query",
    "ranked_matches",
    "search",
    "search_kind",
    "word_matcher",
]
