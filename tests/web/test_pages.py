"""The read-only pages show the article's facts, the sourced history and derived statuses."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tracker import interchange


def text_of(html: bytes) -> str:
    """What a reader sees: tags removed, whitespace collapsed."""
    stripped = re.sub(r"<[^>]+>", " ", html.decode())
    return re.sub(r"\s+", " ", stripped.replace("&#34;", '"').replace("&#39;", "'"))


def test_home_lists_measures_by_country_with_status(client: FlaskClient) -> None:
    page = text_of(client.get("/").data)
    assert "Kyrgyzstan" in page
    assert "Russian Federation" in page
    assert "In force" in page
    assert "Recent events" in page


def test_foreign_representatives_law_today(client: FlaskClient) -> None:
    response = client.get("/measures/kg-foreign-representatives-law-2024")
    assert response.status_code == 200
    page = text_of(response.data)
    assert "Legal force In force" in page
    assert "Signed into law on 2 April 2024" in page
    # The status sentence comes right after the title, before the original title and summary.
    sentence = "In force since April 2024; latest: challenged in court on 20 March 2025"
    assert page.index("Foreign Representatives") < page.index(sentence) < page.index("Summary")
    assert page.index(sentence) < page.index("Also known as")
    assert "66 for, 5 against" in page
    assert "modelled on" in page
    assert "Maisy Weicherding" in page
    assert "strategically designed to stifle critics" in page


def test_foreign_representatives_law_as_of_amnestys_statement(client: FlaskClient) -> None:
    response = client.get("/measures/kg-foreign-representatives-law-2024?as_of=2024-02-08")
    page = text_of(response.data)
    assert "as it stood on 8 February 2024" in page
    assert "Stage First reading" in page
    assert "Outcome Pending" in page
    assert "Signed into law" not in page
    assert "later events are hidden" in page.lower() or "hidden" in page


def test_relations_show_from_both_sides(client: FlaskClient) -> None:
    page = text_of(client.get("/measures/ru-foreign-agents-law-2012").data)
    assert "model for" in page
    assert "Foreign Representatives" in page or "foreign representatives" in page.lower()


def test_measure_list_filters_by_status_and_country(client: FlaskClient) -> None:
    page = text_of(client.get("/measures/?status=in-force&country=KG").data)
    assert "Foreign Representatives Law (2024)" in page
    assert "Constitutional Court review law (2023)" in page
    assert "Protest bans in central Bishkek" not in page  # expired by now
    assert "Foreign Agents Law (121-FZ, 2012)" not in page  # another country
    empty = text_of(client.get("/measures/?status=vetoed").data)
    assert "No measure matches these filters" in empty


def test_statement_page_shows_quotes_and_linked_measures(client: FlaskClient) -> None:
    response = client.get("/statements/amnesty-2024-02-08-kyrgyzstan-crackdown")
    assert response.status_code == 200
    page = text_of(response.data)
    assert "Amnesty International" in page
    assert "A thriving civil society" in page
    assert "Constitutional Court" in page


def test_organization_and_person_pages(client: FlaskClient) -> None:
    assert "Maisy Weicherding" in text_of(client.get("/organizations/amnesty-international").data)
    person = client.get("/people/maisy-weicherding")
    assert person.status_code == 200
    assert "Central Asia Researcher" in text_of(person.data)


def test_unknown_pages_are_404_and_bad_dates_are_400(client: FlaskClient) -> None:
    assert client.get("/measures/no-such-measure").status_code == 404
    response = client.get("/measures/?as_of=2024-13-01")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in text_of(response.data)


def test_home_counts_measures_by_country_once_there_are_too_many_to_list(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.web import home

    monkeypatch.setattr(home, "LIST_UP_TO", 3)  # the seed has more than three measures
    page = client.get("/").get_data(as_text=True)
    by_country = page.split('id="by-country"')[1].split("</section>")[0]
    assert re.search(r'href="/countries/KG">Kyrgyzstan</a> <span[^>]*>\d+ measures', by_country)
    assert "/measures/kg-foreign-representatives-law-2024" not in by_country
    assert 'href="/measures/">All measures, with filters' in by_country


def test_upcoming_lists_only_the_quietest_measures(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.web import upcoming

    source = [{"url": "https://example.org/quiet"}]
    bills = [
        {
            "slug": f"xx-quiet-bill-{year}",
            "country": "AM",
            "kind": "bill",
            "title": f"Quiet bill of {year}",
            "events": [{"type": "introduced", "date": f"{year}-03-01", "sources": source}],
        }
        for year in (2015, 2016, 2017)
    ]
    interchange.import_dataset(
        session, {"format": "tracker-dataset", "version": 1, "measures": bills}
    )
    session.commit()
    monkeypatch.setattr(upcoming, "QUIET_SHOWN", 2)
    page = client.get("/upcoming/").get_data(as_text=True)
    quiet = page.split('id="quiet-heading"')[1]
    assert "The 2 quietest are listed" in quiet
    assert "Quiet bill of 2015" in quiet
    assert "Quiet bill of 2016" in quiet
    assert "Quiet bill of 2017" not in quiet  # the third quietest is left out


def test_measure_page_status_sentence_says_what_is_not_recorded(client: FlaskClient) -> None:
    page = text_of(client.get("/measures/kg-mass-media-law-2025").data)
    assert (
        "Signed into law on 7 August 2025 (President Sadyr Japarov); entry into force not recorded."
        in page
    )


def test_measure_page_as_of_a_past_day_tells_nothing_of_what_came_later(
    client: FlaskClient,
) -> None:
    page = text_of(client.get("/measures/kg-mass-media-law-2025?as_of=2024-04-10").data)
    assert "Withdrawn on 13 March 2024" in page
    assert "Next:" not in page


def test_a_status_filter_says_what_it_leaves_out_with_a_link(client: FlaskClient) -> None:
    html = client.get("/measures/?country=KG&status=in-force").data.decode()
    page = text_of(html.encode())
    assert "2 measures" in page
    assert "+2 enacted, entry into force not recorded" in page
    link = re.search(r'<a href="([^"]+)">\+2 enacted, entry into force not recorded', html)
    assert link is not None
    followed = text_of(client.get(link.group(1).replace("&amp;", "&")).data)
    assert "2 measures" in followed
    assert "Harmful information to children law" in followed
    assert "Mass Media" in followed
    # Nothing to add when the filter already holds them, or when no status is chosen.
    both = text_of(client.get("/measures/?country=KG&status=in-force&status=not-recorded").data)
    assert "entry into force not recorded" in both
    assert "+2 enacted" not in both
    assert "+2 enacted" not in text_of(client.get("/measures/?country=KG").data)


def test_list_filters_fold_behind_a_filters_button(client: FlaskClient) -> None:
    for path in ("/measures/", "/events/", "/statements/"):
        html = client.get(path + "?country=KG").data.decode()
        drawer = html[html.index('<details class="filter-drawer">') :]
        assert drawer.index("<summary") < drawer.index('<form class="filters"')
        assert drawer.index('<form class="filters"') < drawer.index("</details>")
        assert "chosen)" in drawer[: drawer.index("</summary>")]
