"""Country names from ISO 3166-1 (pycountry), never a hand-written table."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

import pycountry

# Codes in common use that ISO 3166-1 has not assigned (Kosovo); pycountry does not know them.
_USER_ASSIGNED = {"XK": "Kosovo"}


@cache
def country_name(code: str) -> str:
    """The common English name of a country: "Kyrgyzstan", "Russian Federation" -> "Russia"."""
    code = code.upper()
    if code in _USER_ASSIGNED:
        return _USER_ASSIGNED[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


def is_country(code: str) -> bool:
    code = code.upper()
    return code in _USER_ASSIGNED or pycountry.countries.get(alpha_2=code) is not None


def collation_key(name: str) -> str:
    """Sort key for names in alphabetical order, in English now and in Russian later.

    Accents and case only break ties in a language's alphabet ("Åland" goes with A, "Côte
    d'Ivoire" with C), and Cyrillic letters already stand in alphabetical order in Unicode
    except "ё", which decomposes to "е" with a diaeresis and so sorts with "е", as Russian
    dictionaries do. That is the primary level of the Unicode Collation Algorithm for these
    two alphabets; ICU (PyICU) would give the same for them at the cost of a compiled library.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def by_name(codes: Iterable[str]) -> list[str]:
    """Country codes in the order of their names (``collation_key``), not of the codes:
    "RU", "KG", "GE" -> Georgia, Kyrgyzstan, Russia."""
    return sorted(codes, key=lambda code: (collation_key(country_name(code)), code))


@cache
def all_countries() -> list[tuple[str, str]]:
    """(code, name) for every country, sorted by name, for pickers."""
    codes = [c.alpha_2 for c in pycountry.countries] + list(_USER_ASSIGNED)
    return sorted(
        ((code, country_name(code)) for code in codes), key=lambda pair: collation_key(pair[1])
    )
