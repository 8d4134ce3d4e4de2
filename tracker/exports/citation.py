"""'Cite this': a ready citation of a measure's record or of a statement, as text and BibTeX.

BibTeX keys are the records' slugs, which never change, so a bibliography keeps working when a
citation is fetched again. Values are escaped for LaTeX (``&``, ``%``, ``_``, braces...), titles
are double-braced so BibTeX styles keep their capitals, and dates use biblatex's ``date`` field,
which takes partial and approximate dates as they are (``2024-02``, ``2023~``), next to the
classic ``year`` and ``month``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker import vocab
from tracker.countries import country_name
from tracker.dates import PartialDate
from tracker.models import Measure, Statement
from tracker.services.organizations import name_for
from tracker.viewpoint import Viewpoint


@dataclass(frozen=True, slots=True)
class CitationText:
    key: str
    plain: str
    bibtex: str


_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bibtex_escape(text: str) -> str:
    """Text safe inside a braced BibTeX value (UTF-8 is kept: biber and modern BibTeX read it)."""
    return "".join(_LATEX.get(char, char) for char in " ".join(text.split()))


def _bibtex_url(url: str) -> str:
    # Inside url = {...}, biblatex reads the address verbatim; only braces would break it.
    return url.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def _day(value: dt.date) -> str:
    return PartialDate.from_date(value).format()


def _entry(kind: str, key: str, fields: list[tuple[str, str | None]]) -> str:
    width = max(len(name) for name, value in fields if value is not None)
    lines = [f"  {name.ljust(width)} = {value}" for name, value in fields if value is not None]
    return f"@{kind}{{{key},\n" + ",\n".join(lines) + "\n}\n"


def _date_fields(date: PartialDate) -> list[tuple[str, str | None]]:
    return [
        ("year", f"{{{date.year:04d}}}"),
        ("month", _MONTHS[date.month - 1] if date.month else None),
        ("date", f"{{{date.edtf()}}}"),
    ]


def cite_measure(
    measure: Measure,
    url: str,
    site_name: str,
    accessed: dt.date,
    as_of: dt.date | None = None,
) -> CitationText:
    """A citation of the tracker's record of a measure (its page)."""
    what = [country_name(measure.country), vocab.MEASURE_KINDS[measure.kind].lower()]
    if measure.identifier:
        what.append(measure.identifier)
    description = ", ".join(what)
    updated = measure.updated_at.date()
    state = f" Status as of {_day(as_of)}." if as_of else ""
    plain = (
        f"“{' '.join(measure.title.split())}” ({description}). {site_name}, record updated "
        f"{_day(updated)}.{state} {url} (accessed {_day(accessed)})."
    )
    note = f"{description}. Record updated {_day(updated)}"
    if as_of:
        note += f"; status as of {_day(as_of)}"
    bibtex = _entry(
        "misc",
        measure.slug,
        [
            ("title", f"{{{{{bibtex_escape(measure.title)}}}}}"),
            ("author", f"{{{{{bibtex_escape(site_name)}}}}}"),
            ("howpublished", f"{{{bibtex_escape(site_name)}}}"),
            ("year", f"{{{updated.year}}}"),
            ("date", f"{{{updated.isoformat()}}}"),
            ("note", f"{{{bibtex_escape(note)}}}"),
            ("url", f"{{{_bibtex_url(url)}}}"),
            ("urldate", f"{{{accessed.isoformat()}}}"),
        ],
    )
    return CitationText(measure.slug, plain, bibtex)


def cite_statement(
    statement: Statement, url: str, site_name: str, accessed: dt.date, view: Viewpoint
) -> CitationText:
    """A citation of the statement itself (its author, date and address), with the tracker's
    record as a note; an author the reader may not see is cited by the neutral wording."""
    author = name_for(statement.organization, view)
    signatories = len(statement.signatories)
    authors = author + (
        f" and {signatories} co-signator{'ies' if signatories != 1 else 'y'}" if signatories else ""
    )
    kind = vocab.STATEMENT_TYPES.get(statement.type) if statement.type else None
    published = f"{kind}, {statement.date.format()}" if kind else statement.date.format()
    original = statement.url or url
    plain = f"{authors}. “{' '.join(statement.title.split())}.” {published}. {original}."
    if statement.url:
        plain += f" Recorded in {site_name}: {url}"
    else:
        plain += f" Recorded in {site_name}"
    plain += f" (accessed {_day(accessed)})."
    note = f"Recorded in {site_name}: "
    bibtex = _entry(
        "misc",
        statement.slug,
        [
            ("author", f"{{{{{bibtex_escape(author)}}}}}"),
            ("title", f"{{{{{bibtex_escape(statement.title)}}}}}"),
            ("howpublished", f"{{{bibtex_escape(kind)}}}" if kind else None),
            *_date_fields(statement.date),
            ("url", f"{{{_bibtex_url(original)}}}"),
            ("urldate", f"{{{accessed.isoformat()}}}"),
            ("note", f"{{{bibtex_escape(note)}\\url{{{_bibtex_url(url)}}}}}"),
        ],
    )
    return CitationText(statement.slug, plain, bibtex)
