"""The full-text index: reading a query, finding it in either database, ranking, highlighting.

The index itself lives in the database (migration 0003), one table per kind of record, kept in
step with the records by triggers:

- SQLite: FTS5 with the ``unicode61 remove_diacritics 2`` tokenizer, ranked by
  ``document_rank`` (below);
- PostgreSQL: a generated ``tsvector`` in the ``simple`` configuration with a GIN index, ranked
  by ``ts_rank``.

This module knows nothing of who may see what: tracker.services.search joins its matches to
the visibility rules and the measure filters, and tracker.services.measures filters by text
through ``matching_ids``. Keeping it below both is what lets measures use it without a cycle.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from markupsafe import Markup, escape
from sqlalchemy import Float, Integer, Select, bindparam, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import CTE

Kind = Literal["measures", "events", "statements", "organizations", "people"]
KINDS: tuple[Kind, ...] = ("measures", "events", "statements", "organizations", "people")

MAX_TERMS = 12
MAX_QUERY_LENGTH = 200
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

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(word for group in self.groups for word in group)

    def fts5_phrase(self, columns: Sequence[str]) -> str:
        """Every word, in order and next to each other, in one of ``columns``."""
        phrase = '"' + " ".join(self.words) + '"' + ("*" if self.prefix_last else "")
        return "{" + " ".join(columns) + "} : " + phrase

    def tsquery_phrase(self) -> str:
        """Every word, in order and next to each other, among the A-weighted lexemes (the
        titles and names: migration 0003's weights, the columns of PHRASE_COLUMNS)."""
        parts = [f"{word}:A" for word in self.words]
        if self.prefix_last:
            parts[-1] = parts[-1].removesuffix(":A") + ":*A"
        return " <-> ".join(parts)


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


# Snippets and titles fold the same few thousand words on every search.
_fold_cached = functools.lru_cache(maxsize=65536)(_fold)


def word_matcher(query: ParsedQuery) -> Callable[[str], bool]:
    """Whether a word of a record is one the query looks for (the last one as a prefix)."""
    whole = {_fold(word) for group in query.groups for word in group}
    prefix = _fold(query.groups[-1][0]) if query.prefix_last else None

    def matches(word: str) -> bool:
        folded = word.lower() if word.isascii() else _fold_cached(word)
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
TITLE_COLUMN = {
    "measures": "title",
    "events": None,
    "statements": "title",
    "organizations": "name",
    "people": "name",
}
COLUMNS = {
    "measures": ("title", "original_title", "names", "summary"),
    "events": ("what", "actor", "description"),
    "statements": ("title", "summary", "quotes"),
    "organizations": ("name", "acronym"),
    "people": ("name", "role"),
}
# Titles and names: a record that holds the query's words as a phrase in one of these ranks
# above every record that does not ("foreign agents" finds the "foreign agents law" first, not
# a law whose summary says "foreign" a dozen times and "agents" once). The same columns are
# weighted A in PostgreSQL's index (migration 0003), where the phrase is looked for by weight.
PHRASE_COLUMNS: dict[str, tuple[str, ...]] = {
    "measures": ("title", "original_title", "names"),
    "events": (),
    "statements": ("title",),
    "organizations": ("name", "acronym"),
    "people": ("name",),
}
# Larger than any score of words counted (each column adds less than its weight, at most 27).
PHRASE_BONUS = 1000.0


# The SQL below is built with f-strings only from fixed names (``kind`` is one of KINDS, the
# columns and weights are the constants above) and integer ids; every user-supplied value is a
# bound parameter. Hence the S608 exemptions.


def is_sqlite(session: Session) -> bool:
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


@functools.lru_cache(maxsize=64)
def _phrase_pattern(encoded: str) -> re.Pattern[str]:
    """Every word of the query in order with only separators between (the last one as a
    prefix), in folded text: the phrase document_rank puts first."""
    groups, prefix_last = json.loads(encoded)
    words = [re.escape(_fold(word)) for group in groups for word in group]
    if prefix_last:
        words[-1] += r"[^\W_]*"
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])")


def _encoded(query: ParsedQuery) -> str:
    return json.dumps([query.groups, query.prefix_last], ensure_ascii=False)


def document_rank(encoded_query: str, kind: str, *texts: str | None) -> float:
    """How well one record matches, from its own text alone: for each column, the words the
    query looks for, counted with diminishing returns and weighted by the column (a title
    above a summary), and PHRASE_BONUS when a title or name holds the words as a phrase.
    Lower is better, as bm25's is.

    SQLite's bm25 also weighs each word by how rare it is in the whole index, internal records
    included: adding internal records that contain a word reordered (and rescored) what an
    anonymous reader found. PostgreSQL's ts_rank, like this, reads the record alone.
    """
    words = _words_pattern(encoded_query)
    phrase = _phrase_pattern(encoded_query)
    phrased = PHRASE_COLUMNS[kind]
    score, has_phrase = 0.0, False
    for name, weight, text_ in zip(COLUMNS[kind], _WEIGHTS[kind], texts, strict=False):
        if not text_:
            continue
        folded = _folded(text_)
        hits = len(words.findall(folded))
        score += weight * hits / (hits + 1.2)
        if not has_phrase and name in phrased and hits:
            has_phrase = phrase.search(folded) is not None
    if has_phrase:
        score += PHRASE_BONUS
    return -score


def _folded(text_: str) -> str:
    """The text folded as the index folds its words: one scan finds them all."""
    if text_.isascii():  # most text: nothing to fold but the case
        return text_.lower()
    # Folded whole: folding word by word was most of a search's time on the Russian and
    # Kyrgyz summaries (their "й" and "ё" decompose, so every word needs it).
    return _fold_text(text_)


def _fold_text(text_: str) -> str:
    """A whole text folded as _fold folds each word (case-folded, combining marks removed)."""
    decomposed = unicodedata.normalize("NFKD", text_.casefold())
    # The few distinct marks of this text, removed by a small character class: a class of
    # every combining mark is slow to test each character against.
    marks = "".join(sorted(set(decomposed) & _combining_marks()))
    return _without(marks).sub("", decomposed) if marks else decomposed


@functools.cache
def _combining_marks() -> frozenset[str]:
    """The characters _fold removes (unicodedata.combining: 912 of them, U+0300 to U+1E94A)."""
    return frozenset(
        char for char in map(chr, range(0x300, 0x1F000)) if unicodedata.combining(char)
    )


@functools.lru_cache(maxsize=256)
def _without(marks: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(marks) + "]")


_RANK_FUNCTION = "tracker_rank"


def _install_rank_function(session: Session) -> None:
    """Give this SQLite connection ``tracker_rank`` (document_rank), once per connection."""
    pooled = session.connection().connection
    if not pooled.info.get(_RANK_FUNCTION):
        driver: Any = pooled.driver_connection
        driver.create_function(_RANK_FUNCTION, -1, document_rank, deterministic=True)
        pooled.info[_RANK_FUNCTION] = True


def match_table(
    session: Session,
    kind: Kind,
    query: ParsedQuery,
    ranked: bool = True,
    scan: int | None = None,
    start: int = 0,
) -> CTE:
    """(id, rank) of the records of ``kind`` that match; a lower rank is a better match.

    Unranked (``ranked=False``, rank 0): every match, for counts and filters. Ranked: every
    match from id ``start`` on (the caller narrows a broad query to its newest matches the
    reader may see), and before it those whose title or name holds the words as a phrase.
    ``scan``: at most that many matches.
    """
    # A record whose title holds the words as a phrase ranks first even when the ranking
    # window (tracker.services.search.RANK_WINDOW) starts after it: phrase matches below
    # ``start`` are added, found through the index like the others.
    phrased = ranked and start > 0 and not scan and bool(PHRASE_COLUMNS[kind])
    if is_sqlite(session):
        rank = "0.0"
        if ranked:
            _install_rank_function(session)
            rank = f"{_RANK_FUNCTION}(:words, '{kind}', {', '.join(COLUMNS[kind])})"
        sql = (
            f"SELECT rowid AS id, {rank} AS rank "  # noqa: S608  # nosec B608
            f"FROM search_{kind} WHERE search_{kind} MATCH :match AND rowid >= :start"
            + (" LIMIT :scan" if scan else "")
        )
        if phrased:
            sql += (
                f" UNION ALL SELECT rowid AS id, {rank} AS rank FROM search_{kind} "  # noqa: S608  # nosec B608
                f"WHERE search_{kind} MATCH :phrase AND rowid < :start"
            )
        bound = text(sql).bindparams(match=query.fts5(), start=start)
        if ranked:
            bound = bound.bindparams(words=_encoded(query))
        if phrased:
            bound = bound.bindparams(phrase=query.fts5_phrase(PHRASE_COLUMNS[kind]))
    else:
        rank = "0.0"
        if ranked:
            rank = "-ts_rank(document, to_tsquery('simple', :match))"
            if PHRASE_COLUMNS[kind]:
                rank += (
                    " - CASE WHEN document @@ to_tsquery('simple', :phrase) "
                    f"THEN {PHRASE_BONUS} ELSE 0 END"
                )
        sql = (
            f"SELECT id, {rank} AS rank "  # noqa: S608  # nosec B608
            f"FROM search_{kind} WHERE document @@ to_tsquery('simple', :match) AND id >= :start"
            + (" LIMIT :scan" if scan else "")
        )
        if phrased:
            sql += (
                f" UNION ALL SELECT id, {rank} AS rank FROM search_{kind} "  # noqa: S608  # nosec B608
                "WHERE document @@ to_tsquery('simple', :phrase) AND id < :start"
            )
        bound = text(sql).bindparams(match=query.tsquery(), start=start)
        if ranked and PHRASE_COLUMNS[kind]:
            bound = bound.bindparams(phrase=query.tsquery_phrase())
    if scan:
        bound = bound.bindparams(scan=scan)
    # MATERIALIZED: find the matches once, then join. Otherwise SQLite may drive the query from
    # the other side and run the full-text lookup once per visible record (seconds, not ms).
    return bound.columns(id=Integer, rank=Float).cte(f"match_{kind}").prefix_with("MATERIALIZED")


def stored_texts(session: Session, kind: Kind, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """The indexed text of the records shown, read back from the index by id."""
    if not ids:
        return {}
    key = "rowid" if is_sqlite(session) else "id"
    columns = ", ".join(COLUMNS[kind])
    sql = f"SELECT {key}, {columns} FROM search_{kind} WHERE {key} IN :ids"  # noqa: S608  # nosec B608
    statement = text(sql).bindparams(bindparam("ids", expanding=True))
    rows = session.execute(statement, {"ids": [int(i) for i in ids]})
    return {int(row[0]): tuple(value or "" for value in row[1:]) for row in rows}


def matching_ids(session: Session, kind: Kind, raw: str) -> Select[Any] | None:
    """A subquery of the ids of ``kind`` records matching the text; None if it has no words."""
    query = parse_query(raw)
    if query is None:
        return None
    return select(match_table(session, kind, query, ranked=False).c.id)
