"""Full-text search over measures, events, statements, organizations and people.

One service, two backends. The index itself lives in the database (migration 0003), one table
per kind of record, kept in step with the records by triggers:

- SQLite: FTS5 with the ``unicode61 remove_diacritics 2`` tokenizer, ranked by bm25, with
  ``highlight()``/``snippet()`` for the marked text;
- PostgreSQL: a generated ``tsvector`` in the ``simple`` configuration with a GIN index, ranked
  by ``ts_rank``, marked with ``ts_headline``.

Both split words the same way and neither stems: the ``simple`` configuration lower-cases and
keeps every word, which works for English, Russian and Kyrgyz alike (PostgreSQL has no Kyrgyz
stemmer, and its Russian or English one would mangle the other languages' words in a mixed
record), and it makes both databases find the same records. Instead of stemming, the last word
is searched as a prefix, so "agent" finds "agents" and "иностран" finds "иностранных".

A query is words (all must match) and "quoted phrases". The marked text is built safely: the
database marks matches with two control characters, the text is HTML-escaped, and only then are
the marks turned into ``<mark>`` elements, so nothing from the data can become markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from markupsafe import Markup, escape
from sqlalchemy import Float, Integer, Select, func, select, text
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.selectable import CTE

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
from tracker.services.measures import MeasureFilters, filter_clauses, status_rows
from tracker.services.statements import hidden_from_public

Kind = Literal["measures", "events", "statements", "organizations", "people"]
KINDS: tuple[Kind, ...] = ("measures", "events", "statements", "organizations", "people")
KIND_LABELS: dict[str, str] = {
    "measures": "Measures",
    "events": "Events",
    "statements": "Statements",
    "organizations": "Organizations",
    "people": "People",
}
# Organizations and people are not about a measure: the measure filters cannot narrow them.
MEASURE_BOUND_KINDS = frozenset({"measures", "events", "statements"})

MAX_TERMS = 12
MAX_QUERY_LENGTH = 200
# Counting stops here ("1,000+ results"): an exact count of a word found in a hundred thousand
# records costs more than the page it is shown on, and tells the reader nothing more.
COUNT_CAP = 1000
# When a query matches more records than this, only the most recently added this many are
# ranked: ranking scores every match, and "law" matches nearly everything. Narrower queries
# (the usual case) are ranked in full.
RANK_WINDOW = 3000
_OPEN, _CLOSE = "\x02", "\x03"
_WORD = re.compile(r"[^\W_]+")
_PIECE = re.compile(r'"([^"]*)"?|([^\s"]+)')


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """Groups of words: a lone word, or a quoted phrase; the last lone word is a prefix."""

    groups: tuple[tuple[str, ...], ...]
    prefix_last: bool

    def fts5(self) -> str:
        parts = [
            '"' + " ".join(group) + '"' if len(group) > 1 else f'"{group[0]}"'
            for group in self.groups
        ]
        if self.prefix_last:
            parts[-1] += "*"
        return " ".join(parts)

    def tsquery(self) -> str:
        parts = [" <-> ".join(group) for group in self.groups]
        parts = [f"({part})" if " " in part else part for part in parts]
        if self.prefix_last:
            parts[-1] += ":*"
        return " & ".join(parts)


def parse_query(raw: str) -> ParsedQuery | None:
    """Words and "phrases" of a search box; None when there is nothing to search for."""
    groups: list[tuple[str, ...]] = []
    last_is_word = False
    for match in _PIECE.finditer(raw[:MAX_QUERY_LENGTH]):
        phrase, word = match.groups()
        words = tuple(w.lower() for w in _WORD.findall(phrase if phrase is not None else word))
        if not words:
            continue
        if phrase is not None:
            groups.append(words)
            last_is_word = False
        else:
            groups.extend((w,) for w in words)
            last_is_word = True
        if len(groups) >= MAX_TERMS:
            break
    if not groups:
        return None
    return ParsedQuery(tuple(groups[:MAX_TERMS]), prefix_last=last_is_word)


def marked(value: str | None) -> Markup:
    """HTML-escape text marked by the database, then turn its marks into ``<mark>``."""
    out: list[str] = []
    is_open = False
    for piece in re.split(f"([{_OPEN}{_CLOSE}])", value or ""):
        if piece == _OPEN:
            if not is_open:
                out.append("<mark>")
                is_open = True
        elif piece == _CLOSE:
            if is_open:
                out.append("</mark>")
                is_open = False
        else:
            out.append(str(escape(piece)))
    if is_open:
        out.append("</mark>")
    return Markup("".join(out))  # noqa: S704 - every piece of data was escaped just above


# -- the two backends --------------------------------------------------------------------------

# Column weights for bm25 (SQLite), in the order of the index's columns (migration 0003).
_BM25_WEIGHTS = {
    "measures": (10.0, 8.0, 8.0, 1.0),
    "events": (2.0, 3.0, 1.0),
    "statements": (6.0, 1.0, 1.0),
    "organizations": (10.0, 10.0),
    "people": (10.0, 2.0),
}
# The column shown as the result's title (highlighted whole), and the others for the snippet.
_TITLE_COLUMN = {
    "measures": "title",
    "events": None,
    "statements": "title",
    "organizations": "name",
    "people": "name",
}
_COLUMNS = {
    "measures": ("title", "original_title", "names", "summary"),
    "events": ("what", "actor", "description"),
    "statements": ("title", "summary", "quotes"),
    "organizations": ("name", "acronym"),
    "people": ("name", "role"),
}
_SNIPPET_WORDS = 18


# The SQL below is built with f-strings only from fixed names (``kind`` is one of KINDS, the
# columns and weights are the constants above) and integer ids; every user-supplied value is a
# bound parameter. Hence the S608 exemptions.


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _window_start(session: Session, kind: Kind, query: ParsedQuery) -> int:
    """The lowest id among the RANK_WINDOW newest matches (0 when fewer match)."""
    if _is_sqlite(session):
        sql = (
            f"SELECT rowid FROM search_{kind} WHERE search_{kind} MATCH :match "  # noqa: S608
            "ORDER BY rowid DESC LIMIT 1 OFFSET :window"
        )
        match = query.fts5()
    else:
        sql = (
            f"SELECT id FROM search_{kind} "  # noqa: S608
            "WHERE document @@ to_tsquery('simple', :match) ORDER BY id DESC LIMIT 1 OFFSET :window"
        )
        match = query.tsquery()
    found = session.scalar(text(sql), {"match": match, "window": RANK_WINDOW - 1})
    return int(found) if found is not None else 0


def _matches(session: Session, kind: Kind, query: ParsedQuery, ranked: bool = True) -> CTE:
    """(id, rank) of the records of ``kind`` that match; a lower rank is a better match.

    Unranked (``ranked=False``, rank 0): every match, for counts and filters. Ranked: every
    match, or the RANK_WINDOW newest when more match.
    """
    start = _window_start(session, kind, query) if ranked else 0
    if _is_sqlite(session):
        weights = ", ".join(str(w) for w in _BM25_WEIGHTS[kind])
        rank = f"bm25(search_{kind}, {weights})" if ranked else "0.0"
        sql = (
            f"SELECT rowid AS id, {rank} AS rank "  # noqa: S608
            f"FROM search_{kind} WHERE search_{kind} MATCH :match AND rowid >= :start"
        )
        bound = text(sql).bindparams(match=query.fts5(), start=start)
    else:
        rank = "-ts_rank(document, to_tsquery('simple', :match))" if ranked else "0.0"
        sql = (
            f"SELECT id, {rank} AS rank "  # noqa: S608
            f"FROM search_{kind} WHERE document @@ to_tsquery('simple', :match) AND id >= :start"
        )
        bound = text(sql).bindparams(match=query.tsquery(), start=start)
    # MATERIALIZED: find the matches once, then join. Otherwise SQLite may drive the query from
    # the other side and run the full-text lookup once per visible record (seconds, not ms).
    return bound.columns(id=Integer, rank=Float).cte(f"match_{kind}").prefix_with("MATERIALIZED")


def _marks(
    session: Session, kind: Kind, query: ParsedQuery, ids: Sequence[int]
) -> dict[int, tuple[str | None, str]]:
    """For the records shown: (marked title or None, marked snippet), as raw marked text."""
    if not ids:
        return {}
    title_column = _TITLE_COLUMN[kind]
    columns = _COLUMNS[kind]
    if _is_sqlite(session):
        title = (
            f"highlight(search_{kind}, {columns.index(title_column)}, :open, :close)"
            if title_column
            else "NULL"
        )
        sql = (
            f"SELECT rowid, {title}, "  # noqa: S608
            f"snippet(search_{kind}, -1, :open, :close, '…', {_SNIPPET_WORDS}) "
            f"FROM search_{kind} WHERE search_{kind} MATCH :match AND rowid IN "
            f"({', '.join(str(int(i)) for i in ids)})"
        )
        params: dict[str, Any] = {"match": query.fts5(), "open": _OPEN, "close": _CLOSE}
    else:
        options = (
            f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxFragments=2, MaxWords={_SNIPPET_WORDS}, "
            'MinWords=6, FragmentDelimiter=" … "'
        )
        rest = [c for c in columns if c != title_column]
        body = " || ' · ' || ".join(rest)
        title = f"ts_headline('simple', {title_column}, q, :whole)" if title_column else "NULL"
        sql = (
            f"SELECT id, {title}, ts_headline('simple', {body}, q, :options) "  # noqa: S608
            f"FROM search_{kind}, to_tsquery('simple', :match) AS q "
            f"WHERE id IN ({', '.join(str(int(i)) for i in ids)})"
        )
        params = {
            "match": query.tsquery(),
            "options": options,
            "whole": f"StartSel={_OPEN}, StopSel={_CLOSE}, HighlightAll=true",
        }
    rows = session.execute(text(sql), params)
    return {int(row[0]): (row[1], row[2] or "") for row in rows}


def matching_ids(session: Session, kind: Kind, raw: str) -> Select[Any] | None:
    """A subquery of the ids of ``kind`` records matching the text; None if it has no words."""
    query = parse_query(raw)
    if query is None:
        return None
    return select(_matches(session, kind, query, ranked=False).c.id)


# -- the service -------------------------------------------------------------------------------


@dataclass(slots=True)
class Hit:
    kind: Kind
    record: Any
    """The Measure, Event, Statement, Organization or Person found."""
    title: Markup | None
    snippet: Markup
    rank: float


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
    include_internal: bool,
    ranked: bool = True,
) -> Select[Any]:
    """(record id, rank) of the visible records of ``kind`` that match and pass the filters."""
    hits = _matches(session, kind, query, ranked)
    base = select(hits.c.id, hits.c.rank)
    clauses = filter_clauses(session, filters, by_cached_status=True)
    if kind in ("measures", "events"):
        if kind == "events":
            base = base.join(Event, Event.id == hits.c.id)
            base = base.join(MeasureStatus, MeasureStatus.measure_id == Event.measure_id)
        else:
            base = base.join(MeasureStatus, MeasureStatus.measure_id == hits.c.id)
        if not include_internal:
            base = base.where(MeasureStatus.visibility == "public")
        return base.where(*clauses)
    if kind == "statements":
        query_ = base.join(Statement, Statement.id == hits.c.id)
        if not include_internal:
            query_ = query_.where(Statement.visibility == "public")
        if filters.active:
            about = (
                status_rows(include_internal)
                .where(*clauses)
                .join(
                    statement_measures,
                    statement_measures.c.measure_id == MeasureStatus.measure_id,
                )
                .with_only_columns(statement_measures.c.statement_id)
            )
            query_ = query_.where(Statement.id.in_(about))
        return query_
    return base


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


def _hidden(session: Session, kind: Kind, ids: Sequence[int]) -> set[int]:
    """Organizations or people among ``ids`` that only internal statements mention."""
    if kind == "organizations":
        return hidden_from_public(session, organization_ids=ids)[0]
    return hidden_from_public(session, person_ids=ids)[1]


def search_kind(
    session: Session,
    kind: Kind,
    query: ParsedQuery,
    filters: MeasureFilters,
    include_internal: bool,
    limit: int,
    offset: int = 0,
) -> Group:
    """One kind's matches: the total and one page of hits, best first."""
    group = Group(kind, KIND_LABELS[kind], 0)
    if kind not in MEASURE_BOUND_KINDS and filters.active:
        return group
    candidates = _candidates(session, kind, query, filters, include_internal).subquery()
    if kind in MEASURE_BOUND_KINDS or include_internal:
        unranked = _candidates(session, kind, query, filters, include_internal, ranked=False)
        capped = unranked.limit(COUNT_CAP + 1).subquery()
        group.total = session.scalar(select(func.count()).select_from(capped)) or 0
        if group.total > COUNT_CAP:
            group.total, group.capped = COUNT_CAP, True
        ranked = session.execute(
            select(candidates.c.id, candidates.c.rank)
            .order_by(candidates.c.rank, candidates.c.id)
            .limit(limit)
            .offset(offset)
        ).all()
    else:
        # Few organizations and people match any query; filter the hidden ones out in full so
        # the total never counts a name an anonymous visitor must not learn.
        every = session.execute(
            select(candidates.c.id, candidates.c.rank).order_by(candidates.c.rank, candidates.c.id)
        ).all()
        hidden = _hidden(session, kind, [row[0] for row in every])
        visible = [row for row in every if row[0] not in hidden]
        group.total = len(visible)
        ranked = visible[offset : offset + limit]
    ids = [int(row[0]) for row in ranked]
    records = _load(session, kind, ids)
    marks = _marks(session, kind, query, ids)
    for record_id, rank in ranked:
        title, snippet = marks.get(record_id, (None, ""))
        group.hits.append(
            Hit(
                kind,
                records[record_id],
                marked(title) if title is not None else None,
                marked(snippet),
                float(rank),
            )
        )
    return group


def search(
    session: Session,
    raw: str,
    filters: MeasureFilters,
    include_internal: bool,
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
    status_cache.refresh(session, clock.today())
    filters = replace(filters, query=None)
    groups = [
        search_kind(session, kind, query, filters, include_internal, limit, offset)
        for kind in kinds
    ]
    return SearchResults(raw, query, groups)


__all__ = [
    "KINDS",
    "KIND_LABELS",
    "Group",
    "Hit",
    "ParsedQuery",
    "SearchResults",
    "marked",
    "matching_ids",
    "parse_query",
    "search",
    "search_kind",
]
