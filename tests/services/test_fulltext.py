"""Reading, matching and ranking what a researcher types, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable

from tracker.services.fulltext import document_rank, parse_query, snippet, word_matcher


def _matcher(raw: str) -> Callable[[str], bool]:
    query = parse_query(raw)
    assert query is not None
    return word_matcher(query)


def test_accents_and_case_do_not_matter_and_the_last_word_is_a_prefix() -> None:
    matches = _matcher("Agnes callam")
    assert matches("Agnès")
    assert matches("Callamard")
    assert not matches("Agnesa")  # an earlier word is whole


def test_a_snippet_shows_the_words_around_the_match_in_the_best_text() -> None:
    summary = " ".join(f"w{n}" for n in range(40)) + " foreign agents " + "x " * 30
    shown = str(snippet(["no match here", summary], _matcher('"foreign agents"')))
    assert "<mark>foreign</mark> <mark>agents</mark>" in shown
    assert shown.startswith("… ")
    assert shown.endswith(" …")
    assert "w0 " not in shown


def test_a_snippet_escapes_the_record() -> None:
    shown = str(snippet(["a <b>foreign</b> agent"], _matcher("foreign")))
    assert shown == "a &lt;b&gt;<mark>foreign</mark>&lt;/b&gt; agent"


def test_a_match_in_the_title_ranks_above_one_in_the_summary() -> None:
    query = parse_query("protest")
    assert query is not None
    encoded = json.dumps([query.groups, query.prefix_last], ensure_ascii=False)
    in_title = document_rank(encoded, "measures", "Protest ban", None, None, "A ban.")
    in_summary = document_rank(encoded, "measures", "Ban", None, None, "A protest ban.")
    no_match = document_rank(encoded, "measures", "Ban", None, None, "A ban.")
    assert in_title < in_summary < no_match == 0  # lower is better, as bm25's
