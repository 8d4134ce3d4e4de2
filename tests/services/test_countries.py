"""Countries: which have measures, and how many are in each state, as of a day."""

from __future__ import annotations

from flask.testing import FlaskClient

from tracker.services.countries import state_counts


def test_counts_by_state_follow_the_vocabulary_and_leave_out_zeros() -> None:
    counts = state_counts(["in-force", "pending", "in-force"])
    assert counts == {"pending": 1, "in-force": 2}
    assert list(counts) == ["pending", "in-force"]


def test_the_country_list_knows_only_the_countries_with_a_measure_that_day(
    client: FlaskClient,
) -> None:
    today = client.get("/countries/").get_data(as_text=True)
    assert "/countries/KG" in today
    assert "/countries/RU" in today
    # Russia's law was introduced in July 2012; Kyrgyzstan's first measure came in 2013.
    in_2012 = client.get("/countries/?as_of=2012-12-31").get_data(as_text=True)
    assert "/countries/RU" in in_2012
    assert "/countries/KG" not in in_2012
