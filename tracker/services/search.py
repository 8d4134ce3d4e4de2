"""Full-text search over measures, events, statements, organizations and people.

One service, two backends. The index itself lives in the database (migration 0003), one table
per kind of record, kept in step with the records by triggers:

- SQLite: FTS5 with the ``unicode61 remove_diacritics 2`` tokenizer, ranked by
  ``document_rank`` (below);
- PostgreSQL: a generated ``tsvector`` in the ``simple`` configuration with a GIN index, ranked
  by ``ts_rank``.

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

import functools
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from markupsafe import Markup, escape
from sqlalchemy import Float, Integer, Select, bindparam, func, select, text
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.selectable import CTE

from tracker.models import (
    Event,
    Measure,
    MeasureStatus,
    Organization,
    Person,
    Statement,
    statement_measures,
)
from tracker.services.measures import (
    MeasureFilters,
    filter_clauses,
    status_rows,
    visible_organizations,
    visible_people,
)

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
RANK_WINDOW = 1000
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


def _fold(word: str) -> str:
    """A word as the index compares it: case-folded, accents removed (like unicode61's
    remove_diacritics; PostgreSQL's simple configuration only lower-cases)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Ranking folds the same few thousand words in every record it reads.
_fold_cached = functools.lru_cache(maxsize=65536)(_fold)


def word_matcher(query: ParsedQuery) -> Callable[[str], bool]:
    """Whether a word of a record is one the query looks for (the last one as a prefix)."""
    whole = {_fold(word) for group in query.groups for word in group}
    prefix = _fold(query.groups[-1][0]) if query.prefix_last else None

    def matches(word: str) -> bool:
        folded = _fold(word)
        return folded in whole or (prefix is not None and folded.startswith(prefix))

    return matches


def highlight(text: str, matches: Callable[[str], bool]) -> Markup:
    """The text, HTML-escaped, with the words the query looks for in ``<mark>``."""
    out: list[str] = []
    position = 0
    for word in _WORD.finditer(text):
        out.append(str(escape(text[position : word.start()])))
        piece = str(escape(word.group()))
        out.append(f"<mark>{piece}</mark>" if matches(word.group()) else piece)
        position = word.end()
    out.append(str(escape(text[position:])))
    return Markup("".join(out))  # noqa: S704  # nosec B704 - every piece of the text was escaped above


def snippet(texts: Sequence[str], matches: Callable[[str], bool], words: int = 18) -> Markup:
    """A few words around the first match in the text that matches most, highlighted."""
    best: tuple[int, str, list[re.Match[str]]] | None = None
    for candidate in texts:
        found = list(_WORD.finditer(candidate))
        hits = sum(1 for word in found if matches(word.group()))
        if found and (best is None or hits > best[0]):
            best = (hits, candidate, found)
    if best is None:
        return Markup("")
    _, chosen, found = best
    first = next((i for i, word in enumerate(found) if matches(word.group())), 0)
    begin = max(0, min(first - 4, len(found) - words))
    finish = min(len(found), begin + words)
    piece = chosen[found[begin].start() : found[finish - 1].end()]
    lead = "… " if begin > 0 else ""
    tail = " …" if finish < len(found) else ""
    return escape(lead) + highlight(piece, matches) + escape(tail)


# -- the two backends --------------------------------------------------------------------------

# Column weights for the SQLite ranking (document_rank), in the order of the index's columns
# (migration 0003).
_WEIGHTS = {
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


# The SQL below is built with f-strings only from fixed names (``kind`` is one of KINDS, the
# columns and weights are the constants above) and integer ids; every user-supplied value is a
# bound parameter. Hence the S608 exemptions.


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


@functools.lru_cache(maxsize=64)
def _words_pattern(encoded: str) -> re.Pattern[str]:
    """The words a query looks for (the last as a prefix), in folded text: what word_matcher
    says of one word, found by one regular expression in a whole text (ranking reads a
    thousand records' summaries)."""
    groups, prefix_last = json.loads(encoded)
    words = {_fold(word) for group in groups for word in group}
    choices = [re.escape(word) for word in sorted(words, key=len, reverse=True)]
    if prefix_last:
        choices.insert(0, re.escape(_fold(groups[-1][0])) + r"[^\W_]*")
    return re.compile(r"(?<![^\W_])(?:" + "|".join(choices) + r")(?![^\W_])")


def _encoded(query: ParsedQuery) -> str:
    return json.dumps([query.groups, query.prefix_last], ensure_ascii=False)


def document_rank(encoded_query: str, kind: str, *texts: str | None) -> float:
    """How well one record matches, from its own text alone: for each column, the words the
    query looks for, counted with diminishing returns and weighted by the column (a title
    above a summary). Lower is better, as bm25's is.

    SQLite's bm25 also weighs each word by how rare it is in the whole index, internal records
    included: adding internal records that contain a word reordered (and rescored) what an
    anonymous reader found. PostgreSQL's ts_rank, like this, reads the record alone.
    """
    words = _words_pattern(encoded_query)
    score = 0.0
    for weight, text_ in zip(_WEIGHTS[kind], texts, strict=False):
        hits = _hits(words, text_) if text_ else 0
        score += weight * hits / (hits + 1.2)
    return -score


def _hits(words: re.Pattern[str], text_: str) -> int:
    """How many of the text's words the pattern finds, folded as the index folds them."""
    if text_.isascii():  # most text: nothing to fold but the case, so one scan
        return len(words.findall(text_.lower()))
    counts = Counter(_WORD.findall(text_))
    return sum(n for word, n in counts.items() if words.fullmatch(_fold_cached(word)))


_RANK_FUNCTION = "tracker_rank"


def _install_rank_function(session: Session) -> None:
    """Give this SQLite connection ``tracker_rank`` (document_rank), once per connection."""
    pooled = session.connection().connection
    if not pooled.info.get(_RANK_FUNCTION):
        driver: Any = pooled.driver_connection
        driver.create_function(_RANK_FUNCTION, -1, document_rank, deterministic=True)
        pooled.info[_RANK_FUNCTION] = True


def _window_start(session: Session, kind: Kind, query: ParsedQuery, include_internal: bool) -> int:
    """The lowest id among the RANK_WINDOW newest matches the reader may see (0 when fewer
    match): records the reader may not see must not move the window either."""
    if not include_internal:
        visible = _candidates(
            session, kind, query, MeasureFilters(), include_internal, ranked=False
        ).subquery()
        newest = select(visible.c.id).order_by(visible.c.id.desc()).offset(RANK_WINDOW - 1).limit(1)
        found = session.scalar(newest)
        return int(found) if found is not None else 0
    if _is_sqlite(session):
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


def _matches(
    session: Session,
    kind: Kind,
    query: ParsedQuery,
    ranked: bool = True,
    scan: int | None = None,
    include_internal: bool = False,
) -> CTE:
    """(id, rank) of the records of ``kind`` that match; a lower rank is a better match.

    Unranked (``ranked=False``, rank 0): every match, for counts and filters. Ranked: every
    match, or the RANK_WINDOW newest the reader may see when more match. ``scan``: at most
    that many matches.
    """
    start = _window_start(session, kind, query, include_internal) if ranked else 0
    if _is_sqlite(session):
        rank = "0.0"
        if ranked:
            _install_rank_function(session)
            rank = f"{_RANK_FUNCTION}(:words, '{kind}', {', '.join(_COLUMNS[kind])})"
        sql = (
            f"SELECT rowid AS id, {rank} AS rank "  # noqa: S608  # nosec B608
            f"FROM search_{kind} WHERE search_{kind} MATCH :match AND rowid >= :start"
            + (" LIMIT :scan" if scan else "")
        )
        bound = text(sql).bindparams(match=query.fts5(), start=start)
        if ranked:
            bound = bound.bindparams(words=_encoded(query))
    else:
        rank = "-ts_rank(document, to_tsquery('simple', :match))" if ranked else "0.0"
        sql = (
            f"SELECT id, {rank} AS rank "  # noqa: S608  # nosec B608
            f"FROM search_{kind} WHERE document @@ to_tsquery('simple', :match) AND id >= :start"
            + (" LIMIT :scan" if scan else "")
        )
        bound = text(sql).bindparams(match=query.tsquery(), start=start)
    if scan:
        bound = bound.bindparams(scan=scan)
    # MATERIALIZED: find the matches once, then join. Otherwise SQLite may drive the query from
    # the other side and run the full-text lookup once per visible record (seconds, not ms).
    return bound.columns(id=Integer, rank=Float).cte(f"match_{kind}").prefix_with("MATERIALIZED")


def _texts(session: Session, kind: Kind, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """The indexed text of the records shown, read back from the index by id."""
    if not ids:
        return {}
    key = "rowid" if _is_sqlite(session) else "id"
    columns = ", ".join(_COLUMNS[kind])
    sql = f"SELECT {key}, {columns} FROM search_{kind} WHERE {key} IN :ids"  # noqa: S608  # nosec B608
    statement = text(sql).bindparams(bindparam("ids", expanding=True))
    rows = session.execute(statement, {"ids": [int(i) for i in ids]})
    return {int(row[0]): tuple(value or "" for value in row[1:]) for row in rows}


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
    scan: int | None = None,
) -> Select[Any]:
    """(record id, rank) of the visible records of ``kind`` that match and pass the filters."""
    hits = _matches(session, kind, query, ranked, scan, include_internal)
    base = select(hits.c.id, hits.c.rank)
    clauses = filter_clauses(session, filters, as_of=None, by_cached_status=True)
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
    visible = (
        visible_organizations(include_internal).with_only_columns(Organization.id)
        if kind == "organizations"
        else visible_people(include_internal).with_only_columns(Person.id)
    )
    return base.where(hits.c.id.in_(visible))


def _count(
    session: Session,
    kind: Kind,
    query: ParsedQuery,
    filters: MeasureFilters,
    include_internal: bool,
) -> int:
    """How many visible records match, up to COUNT_CAP + 1.

    Without filters, almost every match is visible: look at the first 2 × COUNT_CAP matches
    only, and count them all only if that sample falls short (many internal records).
    """

    def count(scan: int | None) -> int:
        counted = _candidates(
            session, kind, query, filters, include_internal, ranked=False, scan=scan
        )
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
    group.total = _count(session, kind, query, filters, include_internal)
    if group.total > COUNT_CAP:
        group.total, group.capped = COUNT_CAP, True
    ranked = session.execute(
        select(candidates.c.id, candidates.c.rank)
        .order_by(candidates.c.rank, candidates.c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [int(row[0]) for row in ranked]
    records = _load(session, kind, ids)
    texts = _texts(session, kind, ids)
    matches = word_matcher(query)
    title_column = _TITLE_COLUMN[kind]
    for record_id, rank in ranked:
        values = dict(zip(_COLUMNS[kind], texts.get(record_id, ()), strict=False))
        title = highlight(values[title_column], matches) if title_column in values else None
        others = [v for name, v in values.items() if name != title_column and v]
        group.hits.append(
            Hit(kind, records[record_id], title, snippet(others, matches), float(rank))
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
    "highlight",
    "matching_ids",
    "parse_query",
    "search",
    "search_kind",
]
