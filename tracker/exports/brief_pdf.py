"""The brief as a PDF, with WeasyPrint.

User content (titles, summaries, quotes) ends up in the HTML that WeasyPrint lays out. Whatever
slips through sanitizing, the renderer must not read a file or make a request on its behalf: an
``<img src="file:///etc/passwd">`` or a stylesheet on another server would otherwise put a
server file into the PDF, or tell a third party who asked for the brief. The fetcher below allows
``data:`` URLs only and refuses everything else; the stylesheet is passed as a string and fonts
come from the system's fontconfig (DejaVu Sans, which has Cyrillic).
"""

from __future__ import annotations

from typing import Any

from tracker import paths, system

BRIEF_CSS = "css/brief.css"


class FetchRefused(ValueError):
    """A URL other than ``data:`` was asked for while rendering a PDF."""


def data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves ``data:`` URLs and raises for anything else."""
    fetcher_base: Any = system.load("weasyprint.urls", "pango").URLFetcher

    class DataOnlyFetcher(fetcher_base):  # type: ignore[misc]  # WeasyPrint has no type hints
        def __init__(self) -> None:
            # allowed_protocols makes WeasyPrint's own fetch refuse too: two locks, one key.
            super().__init__(allowed_protocols={"data"}, allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.strip().lower().startswith("data:"):
                self.refused.append(url)
                raise FetchRefused(f"not fetched while rendering a PDF: {url[:200]}")
            return super().fetch(url, headers)

    return DataOnlyFetcher()


# For the PDF alone, one font for every run of text: the screen's stack ("Noto Sans", "Segoe
# UI", Arial...) sends Pango to fontconfig for each fallback, which took an eighth of a
# brief's layout time (bench/brief_pdf.py); DejaVu Sans has Latin and Cyrillic.
PDF_ONLY_CSS = 'body.brief, body.brief * { font-family: "DejaVu Sans", sans-serif; }'


def brief_stylesheet() -> str:
    return (paths.static() / BRIEF_CSS).read_text(encoding="utf-8") + "\n" + PDF_ONLY_CSS


def render_pdf(html: str, fetcher: Any | None = None) -> bytes:
    """Lay out ``html`` (a brief rendered ``for_pdf``) as PDF bytes."""
    weasyprint = system.load("weasyprint", "pango")
    CSS, HTML = weasyprint.CSS, weasyprint.HTML

    fetcher = fetcher or data_only_fetcher()
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    stylesheet = CSS(string=brief_stylesheet(), url_fetcher=fetcher)
    # A tagged PDF (headings, lists, tables, reading order) is what screen readers need.
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet], pdf_tags=True)
    return pdf


def warm_up() -> None:
    """Lay out a one-line brief, so that the first real PDF of a new worker does not also pay
    for loading WeasyPrint, Pango and the fonts (most of the first PDF's time:
    bench/brief_pdf.py). Quiet when the system libraries are missing: the download says so."""
    try:
        render_pdf('<html><body class="brief"><h1>Бриф · Brief</h1><p>tracker</p></body></html>')
    except Exception:  # a warm-up must never stop a worker from serving
        return
