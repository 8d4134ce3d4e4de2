"""Country names and the order readers find them in."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories
from tracker.countries import all_countries, by_name, collation_key


def test_countries_sort_by_name_not_by_code() -> None:
    # Switzerland's code (CH) comes before Germany's (DE); its name does not.
    assert by_name(["CH", "DE", "RU", "KG"]) == ["DE", "KG", "RU", "CH"]


def test_accents_and_case_do_not_move_a_name_out_of_its_letter() -> None:
    names = ["Czechia", "Côte d'Ivoire", "Cuba", "åland Islands", "Austria"]
    assert sorted(names, key=collation_key) == [
        "åland Islands",
        "Austria",
        "Côte d'Ivoire",
        "Cuba",
        "Czechia",
    ]


def test_russian_names_sort_as_a_russian_dictionary_does() -> None:
    # "Ё" is sorted as "Е" (plain code points would put it before "А"): Ёлкино before Ереван.
    names = ["Ереван", "Армения", "Ёлкино", "Жодино", "Грузия"]
    assert sorted(names, key=collation_key) == ["Армения", "Грузия", "Ёлкино", "Ереван", "Жодино"]


def test_the_country_picker_is_in_name_order() -> None:
    names = [name for _code, name in all_countries()]
    assert names == sorted(names, key=collation_key)
    assert names.index("Afghanistan") < names.index("Åland Islands") < names.index("Albania")


def test_list_filters_offer_countries_by_name(client: FlaskClient, session: Session) -> None:
    factories.measure(session, "ch-test-law", country="CH")
    factories.measure(session, "de-test-law", country="DE")
    page = client.get("/measures/").data.decode()
    filter_form = page[page.index('name="country"') :]
    order = [filter_form.index(name) for name in ("Germany", "Kyrgyzstan", "Russia", "Switzerland")]
    assert order == sorted(order)
