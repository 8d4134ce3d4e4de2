"""Country names from ISO 3166-1 (pycountry), never a hand-written table."""

from __future__ import annotations

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


@cache
def all_countries() -> list[tuple[str, str]]:
    """(code, name) for every country, sorted by name, for pickers."""
    codes = [c.alpha_2 for c in pycountry.countries] + list(_USER_ASSIGNED)
    return sorted(((code, country_name(code)) for code in codes), key=lambda pair: pair[1])
