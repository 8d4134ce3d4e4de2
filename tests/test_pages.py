"""The read-only pages show the article's facts, the sourced history and derived statuses."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


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
