"""The journalist's journey: find a measure, download its brief (PDF, Word, Markdown) and the
list it was found in (CSV, XLSX), and open each file with the tool a reader would use."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser import skip_unless_browser

skip_unless_browser()

from docx import Document  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from playwright.sync_api import Locator, Page, expect  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from tests.browser.support import find_measure  # noqa: E402

if TYPE_CHECKING:
    from tests.browser.conftest import OpenJourney

pytestmark = pytest.mark.browser

MEDIA_LAW = "Mass Media Law (2025)"
MEDIA_LAW_TITLE = "Law of the Kyrgyz Republic 'On Mass Media' (2025)"
ORIGINAL_TITLE = "Закон Кыргызской Республики «О средствах массовой информации»"
QUOTE = "Freedom of media and expression are once again under siege in Kyrgyzstan today"


def download(page: Page, link: Locator) -> tuple[str, bytes]:
    """Click a download link; the file's suggested name and its bytes."""
    with page.expect_download() as started:
        link.click()
    done = started.value
    assert done.failure() is None, done.failure()
    return done.suggested_filename, Path(done.path()).read_bytes()


def flat(text: str) -> str:
    """Whitespace collapsed and typographic quotes kept: line breaks do not split phrases."""
    return re.sub(r"\s+", " ", text)


def pdf_text(data: bytes) -> str:
    return flat(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return flat("\n".join(parts))


def test_a_journalist_finds_a_measure_and_takes_away_its_brief_and_the_list(
    open_journey: OpenJourney,
) -> None:
    journey = open_journey()
    page = journey.page
    journey.go("/")
    journey.check()

    find_measure(journey, "mass media")
    rows = page.locator("table.measures-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator(".result-count")).to_have_text("2 measures")
    listed = [text.strip() for text in rows.locator("td:first-child a").all_inner_texts()]
    assert MEDIA_LAW in listed
    journey.check("measures-found")

    # The list as found, as a spreadsheet: the same measures, Cyrillic intact.
    downloads = page.get_by_role("region", name="Download this list")
    name, data = download(page, downloads.get_by_role("link", name="CSV", exact=True))
    assert name.endswith(".csv")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert len(table) == 2
    media = next(row for row in table if row["slug"] == "kg-mass-media-law-2025")
    assert media["title"] == MEDIA_LAW_TITLE
    assert media["original_title"] == ORIGINAL_TITLE
    assert media["country_name"] == "Kyrgyzstan"
    assert media["status_label"] == "Entry into force not recorded"
    assert media["url"].endswith("/measures/kg-mass-media-law-2025")

    name, data = download(page, downloads.get_by_role("link", name="XLSX"))
    assert name.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    cells = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    header = cells[0]
    records = [dict(zip(header, row, strict=False)) for row in cells[1:] if any(row)]
    assert {record["slug"] for record in records} == {row["slug"] for row in table}
    spreadsheet_media = next(r for r in records if r["slug"] == "kg-mass-media-law-2025")
    assert spreadsheet_media["original_title"] == ORIGINAL_TITLE
    assert spreadsheet_media["status_label"] == "Entry into force not recorded"

    # The measure, and its brief in three formats.
    page.get_by_role("link", name=MEDIA_LAW).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MEDIA_LAW)
    status = page.locator(".status-panel .status-summary .badge")
    expect(status).to_have_text("Entry into force not recorded")
    expect(page.locator("blockquote").filter(has_text=QUOTE)).to_have_count(1)
    journey.check("measure-mass-media-law")

    links = page.locator(".export-links")
    name, data = download(page, links.get_by_role("link", name="PDF"))
    assert name == "brief-kg-mass-media-law-2025-2026-11-28.pdf"
    assert data.startswith(b"%PDF-")
    # The link led to a page that said the PDF was being prepared, which fetched it by itself.
    expect(page.get_by_role("heading", level=1)).to_have_text("Preparing the PDF…")
    journey.check("preparing-pdf")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text(MEDIA_LAW)
    text = pdf_text(data)
    for fact in (
        MEDIA_LAW_TITLE,
        ORIGINAL_TITLE,
        "Status on 28 November 2026: Entry into force not recorded",
        "7 August 2025",  # signed
        "57 for, 3 against",
        QUOTE,
        "Human Rights Watch",
    ):
        assert fact in text, f"the PDF brief lacks {fact!r}"

    name, data = download(page, links.get_by_role("link", name="Word"))
    assert name == "brief-kg-mass-media-law-2025-2026-11-28.docx"
    text = docx_text(data)
    for fact in (MEDIA_LAW_TITLE, ORIGINAL_TITLE, "7 August 2025", QUOTE, "28 November 2026"):
        assert fact in text, f"the Word brief lacks {fact!r}"

    name, data = download(page, links.get_by_role("link", name="Markdown"))
    assert name == "brief-kg-mass-media-law-2025-2026-11-28.md"
    text = data.decode("utf-8")
    assert text.startswith(f"# {MEDIA_LAW}\n")  # the front sheet, by the short title
    assert f"## Appendix: the full record\n\n**{MEDIA_LAW_TITLE}**" in text
    for fact in (ORIGINAL_TITLE, "## Status on 28 November 2026", QUOTE, "## Timeline"):
        assert fact in text, f"the Markdown brief lacks {fact!r}"

    # And the brief to read in the browser, which says the same.
    links.get_by_role("link", name="read").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MEDIA_LAW)
    expect(page.locator(".brief-front")).to_contain_text("entry into force not recorded")
    expect(page.locator("body")).to_contain_text(ORIGINAL_TITLE)
    expect(page.locator("body")).to_contain_text(QUOTE)
    journey.check("brief-mass-media-law")
