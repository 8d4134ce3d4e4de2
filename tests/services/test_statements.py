"""Reading statements: by the organization that made them, by stance, as of a day, newest first
(through the JSON API, which reads them as the pages do)."""

from __future__ import annotations

from flask.testing import FlaskClient


def _slugs(client: FlaskClient, query: str) -> list[str]:
    response = client.get(f"/api/v1/statements?{query}&size=100")
    assert response.status_code == 200
    return [item["slug"] for item in response.get_json()["items"]]


def test_an_organizations_statements_are_its_own(client: FlaskClient) -> None:
    amnesty = _slugs(client, "organization=amnesty-international")
    assert "amnesty-2024-02-08-kyrgyzstan-crackdown" in amnesty
    assert all(slug.startswith("amnesty-") for slug in amnesty)


def test_a_stance_selects_the_statements_that_took_it(client: FlaskClient) -> None:
    assert _slugs(client, "stance=welcome") == ["odihr-2016-05-14-welcomes-rejection"]


def test_as_of_a_day_later_statements_are_not_there_yet(client: FlaskClient) -> None:
    february = _slugs(client, "organization=amnesty-international&as_of=2024-02-29")
    assert february[0] == "amnesty-2024-02-08-kyrgyzstan-crackdown"  # newest first
    assert "amnesty-2024-03-15-ngo-legislation-must-be-vetoed" not in february
    # A statement known only to the month ("March 2024") is listed from its first day.
    march = _slugs(client, "organization=amnesty-international&as_of=2024-03-01")
    assert march[0] == "amnesty-2024-03-callamard-veto-call"
