"""Country pages: every measure of one country, its timeline, counts by status, statements."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories
from tests.chart_checks import inline_svgs, text_of
from tracker.dates import PartialDate


def test_kyrgyzstan_has_its_measures_counts_timeline_and_statements(client: FlaskClient) -> None:
    response = client.get("/countries/KG")
    assert response.status_code == 200
    page = text_of(response.data)
    assert "7 measures by status" in page
    assert "In force 2" in page
    assert "Defeated 1" in page
    assert "Withdrawn 1" in page
    assert "Mass Media Law (2025)" in page
    assert "Federal Law No. 121-FZ" not in page.split("Statements")[0]
    assert "Amnesty International" in page
    assert "Kyrgyzstan: Crackdown" in page or "crackdown" in page.lower()
    (chart,) = inline_svgs(response.data)
    assert chart.get("class") == "chart chart--timeline"
    assert "/timeline.png?country=KG" in response.data.decode()


def test_the_country_page_as_of_a_day(client: FlaskClient) -> None:
    page = text_of(client.get("/countries/KG?as_of=2024-02-08").data)
    assert "as it stood on 8 February 2024" in page
    assert "Pending 3" in page  # the NGO bill, its criminal-liability part, the media law
    assert "Term ends" in page  # the protest ban's term, ending 31 March 2024


def test_country_codes_in_any_case_and_unknown_ones(client: FlaskClient) -> None:
    lower = client.get("/countries/kg?as_of=2024-02-08")
    assert lower.status_code == 301
    assert lower.headers["Location"].endswith("/countries/KG?as_of=2024-02-08")
    assert client.get("/countries/ZZ").status_code == 404
    assert client.get("/countries/KGZ").status_code == 404
    georgia = client.get("/countries/GE")
    assert georgia.status_code == 200
    assert "No measures are recorded for Georgia" in text_of(georgia.data)


def test_the_country_index_and_the_links_to_it(client: FlaskClient) -> None:
    page = text_of(client.get("/countries/").data)
    assert "Kyrgyzstan 7" in page
    assert "Russian Federation 1" in page
    assert 'href="/countries/KG"' in client.get("/").data.decode()
    measure = client.get("/measures/kg-foreign-representatives-law-2024").data.decode()
    assert 'href="/countries/KG"' in measure


def test_a_country_with_many_statements_shows_the_newest_and_links_to_the_rest(
    client: FlaskClient, session: Session
) -> None:
    law = factories.measure(session, "xx-much-discussed", country="UZ")
    factories.event(session, law, "introduced", "2024-01-10")
    for number in range(1, 26):
        factories.statement(
            session, f"xx-said-{number}", [law], date=PartialDate.from_iso(f"2025-01-{number:02}")
        )
    session.commit()
    page = text_of(client.get("/countries/UZ").data)
    assert "Statements 25" in page
    section = page.split("Statements 25")[1]  # (the chart above marks every statement)
    assert "Statement xx-said-25" in section  # the newest
    assert "Statement xx-said-6" in section
    assert "Statement xx-said-5" not in section  # the 21st newest waits on the statements list
    assert "All 25 statements about Uzbekistan’s measures" in section
    listing = text_of(client.get("/statements/?country=UZ").data)
    assert "Statement xx-said-5" in listing
