"""The download formats, each registered once: its name (the extension in the address and the
file name), media type, label, and the function that writes it.

Routes accept exactly the registered names (``Formats.route``), download links and the brief
page's list of downloads are built from them, and the response takes the media type from
here: adding a format is one entry. The writers of briefs and citations live here; the writers
of list downloads, which stream from the request's own database session, register in
tracker.web.exports with the same ``Format``. Heavy libraries stay imported only by the
writer that needs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from tracker.exports.brief import Brief
from tracker.exports.citation import CitationText

Writer = TypeVar("Writer", bound=Callable[..., object])

CSV = "text/csv; charset=utf-8"
JSON = "application/json; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
MARKDOWN = "text/markdown; charset=utf-8"
BIBTEX = "application/x-bibtex; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
ICALENDAR = "text/calendar; charset=utf-8"
ZIP = "application/zip"


@dataclass(frozen=True, slots=True)
class Format(Generic[Writer]):
    """One download format."""

    name: str  # the extension: /measures.csv, brief.pdf, cite.bib
    media_type: str
    label: str  # as a link names it
    write: Writer


class Formats(Generic[Writer]):
    """The formats of one kind of download, in the order links list them."""

    def __init__(self, *formats: Format[Writer]) -> None:
        self._formats = {format_.name: format_ for format_ in formats}

    def __getitem__(self, name: str) -> Format[Writer]:
        return self._formats[name]

    def __iter__(self) -> Iterator[Format[Writer]]:
        return iter(self._formats.values())

    @property
    def route(self) -> str:
        """The route converter that accepts these names, and only these: ``<any(...):fmt>``."""
        return f"<any({', '.join(self._formats)}):fmt>"


def _brief_pdf(brief: Brief) -> bytes:
    from tracker.exports.brief_html import render_brief_html
    from tracker.exports.brief_pdf import render_pdf

    return render_pdf(render_brief_html(brief, for_pdf=True))


def _brief_docx(brief: Brief) -> bytes:
    from tracker.exports.brief_docx import render_docx

    return render_docx(brief)


def _brief_markdown(brief: Brief) -> bytes:
    from tracker.exports.brief_markdown import render_markdown

    return render_markdown(brief).encode("utf-8")


BRIEFS: Formats[Callable[[Brief], bytes]] = Formats(
    Format("pdf", PDF, "PDF", _brief_pdf),
    Format("docx", DOCX, "Word (DOCX)", _brief_docx),
    Format("md", MARKDOWN, "Markdown", _brief_markdown),
)


CITATIONS: Formats[Callable[[CitationText], bytes]] = Formats(
    Format("bib", BIBTEX, "BibTeX", lambda citation: citation.bibtex.encode("utf-8")),
    Format("txt", TEXT, "Text", lambda citation: (citation.plain + "\n").encode("utf-8")),
)
