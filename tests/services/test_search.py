"""Full-text search, on SQLite (FTS5) and PostgreSQL (tsvector): what a researcher would type."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories
from tracker import interchange
from tracker.models import Measure
from tracker.services import search
from tracker.services.measures import MeasureFilters
from tracker.services.search import highlight, parse_query
from tracker.viewpoint import Viewpoint


def slugs(results: search.SearchResults, kind: str) -> list[str]:
    group = next(g for g in results.groups if g.kind == kind)
    return [hit.record.slug for hit in group.hits]


def total(session: Session, text: str) -> int:
    return search.search(session, text, MeasureFilters(), Viewpoint.anonymous()).total


def find(session: Session, text: str, kind: str = "measures", internal: bool = False) -> list[str]:
    view = Viewpoint.viewer() if internal else Viewpoint.anonymous()
    results = search.search(session, text, MeasureFilters(), view, limit=50)
    return slugs(results, kind)


def test_foreign_agents_finds_the_measures_popularly_called_that(session: Session) -> None:
    found = find(session, "foreign agents")
    assert "kg-foreign-agents-bill-2013" in found
    assert "kg-foreign-representatives-law-2024" in found  # popular name "foreign agents law"
    assert "ru-foreign-agents-law-2012" in found


def test_cyrillic_words_and_prefixes_find_original_titles(session: Session) -> None:
    assert "ru-foreign-agents-law-2012" in find(session, "иностранного агента")
    assert "ru-foreign-agents-law-2012" in find(session, "ИНОСТРАН")  # case-folded prefix
    assert "kg-foreign-representatives-law-2024" in find(session, "некоммерческих")


def test_the_last_word_is_a_prefix_but_earlier_words_are_whole(session: Session) -> None:
    assert "kg-foreign-agents-bill-2013" in find(session, "foreign agen")
    assert find(session, "foreig agents") == []


def test_quoted_phrases_must_appear_in_order(session: Session) -> None:
    assert "kg-foreign-agents-bill-2013" in find(session, '"foreign agents"')
    assert find(session, '"agents foreign"') == []


def test_events_statements_organizations_and_people_are_searched(session: Session) -> None:
    results = search.search(session, "amnesty", MeasureFilters(), Viewpoint.anonymous(), limit=50)
    totals = {group.kind: group.total for group in results.groups}
    assert totals["organizations"] >= 1
    assert totals["statements"] >= 1
    assert "maisy-weicherding" in slugs(
        search.search(session, "Weicherding", MeasureFilters(), Viewpoint.anonymous()), "people"
    )
    events = search.search(
        session, "Pervomaisky", MeasureFilters(), Viewpoint.anonymous(), limit=50
    )
    assert any(g.kind == "events" and g.total for g in events.groups)


def test_title_matches_rank_above_summary_matches(session: Session) -> None:
    in_summary = factories.measure(
        session, "zz-summary", title="Decree on roads", summary="mentions quokkaword once"
    )
    in_title = factories.measure(session, "zz-title", title="Quokkaword protection act")
    found = find(session, "quokkaword")
    assert found.index(in_title.slug) < found.index(in_summary.slug)


def test_a_direct_orm_write_is_searchable_at_once(session: Session) -> None:
    record = factories.measure(session, "zz-orm", title="Law on wombatgrams")
    assert find(session, "wombatgrams") == ["zz-orm"]
    record.title = "Law on platypusgrams"
    session.flush()
    assert find(session, "wombatgrams") == []
    assert find(session, "platypusgrams") == ["zz-orm"]
    factories.event(session, record, "introduced", "2025-02", description="Tabled by numbatists")
    assert any(
        g.total
        for g in search.search(
            session, "numbatists", MeasureFilters(), Viewpoint.anonymous()
        ).groups
    )
    session.delete(record)
    session.flush()
    assert find(session, "platypusgrams") == []


def test_an_import_is_searchable_at_once(session: Session) -> None:
    document = {
        "format": "tracker-dataset",
        "version": 1,
        "measures": [
            {
                "slug": "ge-imported-law",
                "country": "GE",
                "kind": "law",
                "title": "Law on transparency of foreign influence",
                "original_title": "კანონი უცხოური გავლენის გამჭვირვალობის შესახებ",
                "popular_names": ["Russian law", "закон об иноагентах"],
                "topics": ["association"],
                "events": [
                    {
                        "type": "signed",
                        "date": "2024-06-03",
                        "actor": "Speaker Shalva Papuashvili",
                        "sources": [{"url": "https://example.org/ge"}],
                    }
                ],
            }
        ],
    }
    interchange.import_dataset(session, document)
    assert find(session, "иноагентах") == ["ge-imported-law"]
    assert find(session, "გავლენის") == ["ge-imported-law"]
    assert any(
        g.total
        for g in search.search(
            session, "Papuashvili", MeasureFilters(), Viewpoint.anonymous()
        ).groups
    )


def test_quotes_are_searchable_and_follow_edits(session: Session) -> None:
    measure = factories.measure(session, "zz-quoted")
    record = factories.statement(session, "zz-statement", [measure], quotes=["a bilbyword here"])
    assert find(session, "bilbyword", "statements") == ["zz-statement"]
    record.quotes[0].text = "now a dunnartword"
    session.flush()
    assert find(session, "bilbyword", "statements") == []
    assert find(session, "dunnartword", "statements") == ["zz-statement"]


def test_internal_records_are_never_found_anonymously(session: Session) -> None:
    hidden = factories.measure(
        session, "zz-internal", title="Secret numbatlaw", visibility="internal"
    )
    factories.event(session, hidden, "drafted", "2025-01", description="numbatlaw drafted")
    public = factories.measure(session, "zz-public", title="Public law")
    factories.statement(
        session, "zz-internal-statement", [public], title="numbatlaw memo", visibility="internal"
    )
    anonymous = search.search(session, "numbatlaw", MeasureFilters(), Viewpoint.anonymous())
    assert anonymous.total == 0
    signed_in = search.search(session, "numbatlaw", MeasureFilters(), Viewpoint.viewer())
    assert {g.kind: g.total for g in signed_in.groups} == {
        "measures": 1,
        "events": 1,
        "statements": 1,
        "organizations": 0,
        "people": 0,
    }


def test_an_internal_person_is_not_found_anonymously(session: Session) -> None:
    source = factories.person(session, "zz-source", "Quollname Witness", visibility="internal")
    public = factories.measure(session, "zz-m")
    factories.statement(session, "zz-s", [public], visibility="internal", speaker=source)
    assert find(session, "Quollname", "people") == []
    assert find(session, "Quollname", "people", internal=True) == ["zz-source"]


def test_filters_narrow_measures_events_and_statements(session: Session) -> None:
    kg = search.search(
        session, "law", MeasureFilters(countries=("RU",)), Viewpoint.anonymous(), limit=50
    )
    measures = slugs(kg, "measures")
    assert measures
    assert all(slug.startswith("ru-") for slug in measures)
    groups = {g.kind: g.total for g in kg.groups}
    assert groups["organizations"] == 0  # not about a measure: not shown when filtering


def test_snippets_escape_the_data_and_mark_the_matches(
    session: Session, client: FlaskClient
) -> None:
    factories.measure(
        session,
        "zz-xss",
        title='Law <script>alert("x")</script> on kowariword',
        summary="<img src=x onerror=alert(1)> kowariword & more",
    )
    page = client.get("/search?q=kowariword").data.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<mark>kowariword</mark>" in page


def test_highlighting_escapes_everything_and_marks_whole_words_and_the_prefix() -> None:
    parsed = parse_query("zakon agent")
    assert parsed is not None
    matches = search.word_matcher(parsed)
    assert highlight("<b>Zákon</b> & agents, agentur", matches) == (
        "&lt;b&gt;<mark>Zákon</mark>&lt;/b&gt; &amp; <mark>agents</mark>, <mark>agentur</mark>"
    )
    assert highlight("zakonodatel", matches) == "zakonodatel"  # not the last word: whole only


@pytest.mark.parametrize(
    ("raw", "fts5", "tsquery"),
    [
        ("foreign agents", '"foreign" "agents"*', "foreign & agents:*"),
        ('"foreign agents" law', '"foreign agents" "law"*', "(foreign <-> agents) & law:*"),
        ('law "foreign agents"', '"law" "foreign agents"', "law & (foreign <-> agents)"),
        ("Закон; OR \"'*", '"закон" "or"*', "закон & or:*"),
    ],
)
def test_queries_are_parsed_into_safe_expressions(raw: str, fts5: str, tsquery: str) -> None:
    parsed = parse_query(raw)
    assert parsed is not None
    assert parsed.fts5() == fts5
    assert parsed.tsquery() == tsquery


def test_nothing_to_search_for() -> None:
    assert parse_query("  ** ' \" ") is None


def test_search_page_groups_results_and_links_to_each_kind(client: FlaskClient) -> None:
    response = client.get("/search?q=law")
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", response.data.decode())
    assert 'id="group-measures"' in page
    assert 'id="group-events"' in page
    assert "scope=events" in page  # more events match than the group shows
    scoped = client.get("/search?q=law&scope=events").data.decode()
    assert 'id="group-measures"' not in scoped
    assert scoped.count('class="search-result ') > 5
    assert client.get("/search?q=amnesty&scope=nonsense").status_code == 400


def test_every_page_has_a_search_box(client: FlaskClient) -> None:
    assert 'action="/search"' in client.get("/measures/").data.decode()


def test_a_short_title_is_found_and_shown(client: FlaskClient, session: Session) -> None:
    session.add(
        Measure(
            slug="kg-zephyrine-act", country="KG", kind="law", short_title="Zephyrine Act (2026)",
            title="Law on Amendments to Certain Legislative Acts", popular_names=[],
        )
    )  # fmt: skip
    session.commit()
    page = client.get("/search?q=zephyrine")
    assert page.status_code == 200
    assert b"Zephyrine Act (2026)" in page.data
    assert b"These measures as a list" in page.data


# -- issue 16: a phrase in a title or a name ranks first ---------------------------------------


def test_foreign_agents_puts_kyrgyzstans_foreign_agents_law_first(session: Session) -> None:
    # Its popular name is "foreign agents law"; Russia's 2012 law (repealed) and the 2013 bill
    # (defeated) hold the phrase too, in their titles, and come after the law in force.
    found = find(session, "foreign agents")
    assert found[0] == "kg-foreign-representatives-law-2024"
    assert set(found[1:3]) == {"kg-foreign-agents-bill-2013", "ru-foreign-agents-law-2012"}
    assert find(session, "Foreign agen")[0] == "kg-foreign-representatives-law-2024"


def test_a_phrase_in_a_name_ranks_above_the_words_scattered_everywhere(session: Session) -> None:
    scattered = factories.measure(
        session,
        "zz-scattered",
        title="Decree on wombat shelters and quokka parks",
        summary="Quokka habitats; wombat burrows. " * 20,
    )
    named = factories.measure(
        session, "zz-named", title="Law No. 5", popular_names=["quokka wombat law"]
    )
    found = find(session, "quokka wombat")
    assert found.index(named.slug) < found.index(scattered.slug)
    # The words in the other order are not the phrase: the words counted decide again.
    found = find(session, "wombat quokka")
    assert found.index(scattered.slug) < found.index(named.slug)


def test_a_phrase_match_ranks_first_outside_the_ranking_window(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Broad queries rank only their newest matches (RANK_WINDOW); an older measure named by the
    # phrase must not fall out of the ranking for that.
    named = factories.measure(session, "zz-old-named", title="Numbat marsupial act")
    for number in range(4):
        factories.measure(
            session, f"zz-newer-{number}", title="Marsupial decree", summary="numbat " * 5
        )
    monkeypatch.setattr(search, "RANK_WINDOW", 2)
    found = find(session, "numbat marsupial")
    assert found[0] == named.slug
    assert len(found) == 3  # the phrase match and the two newest


def test_measure_results_show_status_and_year(client: FlaskClient) -> None:
    page = re.sub(r"\s+", " ", client.get("/search?q=foreign+agents").data.decode())
    first = page.split('class="search-result search-result--measures"')[1]
    assert "Foreign Representatives Law (2024)" in first
    assert "Kyrgyzstan · Law · 2022" in first  # the year of its first recorded event
    assert "In force</span>" in first
