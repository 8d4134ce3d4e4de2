"""The brief, read as a journalist would: each format opened with the tool a reader would use
(a browser, a Markdown file, pypdf, python-docx), and checked against the measure's page."""

from __future__ import annotations

import html as html_lib
import importlib
import io
import re
import zipfile
from typing import Any

import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from tests.exports_support import (
    FOREIGN_REPRESENTATIVES,
    SIGNED_IN,
    add_internal_records,
    add_measure,
    allow_signed_in,
    text_of,
)
from tests.security.content import markdown_problems
from tracker.exports.brief_pdf import FetchRefused, data_only_fetcher, render_pdf

BRIEF = f"/measures/{FOREIGN_REPRESENTATIVES}/brief"
CYRILLIC = "Закон Кыргызской Республики"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    allow_signed_in(app)
    return app.test_client()


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join((page.extract_text() or "") for page in reader.pages)


def flat(text: str) -> str:
    """Whitespace collapsed, so line breaks in a PDF or a DOCX do not split a phrase."""
    return re.sub(r"\s+", " ", text)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def docx_links(data: bytes) -> set[str]:
    """Addresses of the document's hyperlinks (in its relationships part)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rels = archive.read("word/_rels/document.xml.rels").decode()
    return {html_lib.unescape(url) for url in re.findall(r'Target="(https?://[^"]+)"', rels)}


def quotes_on_page(html: str) -> list[str]:
    return [text_of(q) for q in re.findall(r'<blockquote class="quote">\s*<p>“(.*?)”</p>', html)]


def source_urls_on_page(html: str) -> set[str]:
    pattern = r'<a href="([^"]+)" rel="noopener noreferrer nofollow" class="source">'
    return {html_lib.unescape(url) for url in re.findall(pattern, html)}


def citations(html: str) -> dict[int, str]:
    """The brief's numbered sources: number -> address."""
    found = re.findall(r'<li id="cite-(\d+)" value="\d+">.*?<a href="([^"]+)"[^>]*>', html)
    return {int(number): html_lib.unescape(url) for number, url in found}


def test_the_brief_page_has_status_quotes_and_numbered_sources(client: FlaskClient) -> None:
    response = client.get(BRIEF)
    assert response.status_code == 200
    html = response.data.decode()
    page = text_of(html)
    assert "As of 28 November 2026" in page
    assert "Generated 28 November 2026" in page
    assert f"http://localhost/measures/{FOREIGN_REPRESENTATIVES}" in page  # the permalink
    assert "Status on 28 November 2026: In force" in page
    assert "Enacted. Signed into law on 2 April 2024 (President Sadyr Japarov)." in page
    assert CYRILLIC in page
    # A key quote with its full attribution: speaker, role, organization and date.
    assert "strategically designed to stifle critics" in page
    assert (
        "— Maisy Weicherding, Central Asia Researcher, Amnesty International, 8 February 2024"
        in page
    )
    numbered = citations(html)
    assert sorted(numbered) == list(range(1, len(numbered) + 1))
    # Every citation marker points at a listed source.
    markers = {int(n) for n in re.findall(r'href="#cite-(\d+)"', html)}
    assert markers == set(numbered)


def test_the_brief_has_every_fact_the_page_has(client: FlaskClient) -> None:
    page_html = client.get(f"/measures/{FOREIGN_REPRESENTATIVES}").data.decode()
    brief_html = client.get(BRIEF).data.decode()
    brief = text_of(brief_html)
    for quote in quotes_on_page(page_html):
        assert quote in brief
    assert source_urls_on_page(page_html) <= set(citations(brief_html).values())
    event_dates = re.findall(r'<li class="timeline__item[^"]*" id="event-(\d+)">', page_html)
    brief_events = re.findall(r'<tr id="brief-event-(\d+)">', brief_html)
    assert event_dates == brief_events
    assert "66 for, 5 against" in brief  # the final vote
    assert "Modelled on" in brief


def test_each_status_axis_cites_the_event_that_decided_it(client: FlaskClient) -> None:
    html = client.get(BRIEF).data.decode()
    outcome = re.search(r"<dt>Outcome</dt><dd>(.*?)</dd>", html, re.S)
    assert outcome is not None
    numbers = [int(n) for n in re.findall(r"#cite-(\d+)", outcome.group(1))]
    assert numbers
    # The signature on 2 April 2024 is the deciding event; its row cites the same sources.
    signed_row = re.search(
        r'<tr id="brief-event-\d+">(?:(?!</tr>).)*Signed into law(.*?)</tr>', html, re.S
    )
    assert signed_row is not None
    assert set(numbers) <= {int(n) for n in re.findall(r"#cite-(\d+)", signed_row.group(0))}


def test_markdown_brief_matches_the_page(client: FlaskClient) -> None:
    response = client.get(f"{BRIEF}.md")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/markdown")
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=brief-{FOREIGN_REPRESENTATIVES}-2026-11-28.md"
    )
    markdown = response.data.decode("utf-8")
    html = client.get(BRIEF).data.decode()
    assert "As of **28 November 2026**" in markdown
    assert CYRILLIC in markdown
    assert (
        "> — Maisy Weicherding, Central Asia Researcher, Amnesty International, 8 February 2024."
        in markdown
    )
    for number, url in citations(html).items():
        assert re.search(rf"^{number}\. .*<{re.escape(url)}>", markdown, re.M), url
    for quote in quotes_on_page(client.get(f"/measures/{FOREIGN_REPRESENTATIVES}").data.decode()):
        assert quote in markdown.replace("\\", "")


def test_pdf_brief_reads_like_the_page_with_cyrillic_intact(client: FlaskClient) -> None:
    response = client.get(f"{BRIEF}.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=brief-")
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.metadata is not None
    assert "Law of the Kyrgyz Republic No. 72" in str(reader.metadata.title)
    text = flat(pdf_text(response.data))
    assert "Кыргызской Республики" in text
    assert "As of 28 November 2026" in text
    assert "Status on 28 November 2026: In force" in text
    assert (
        "Maisy Weicherding, Central Asia Researcher, Amnesty International, 8 February 2024" in text
    )
    assert "strategically designed to stifle critics" in text
    assert "Page 1 of" in text
    html = client.get(BRIEF).data.decode()
    last_number, last_url = max(citations(html).items())
    assert f"{last_number}." in text
    assert "24.kg" in text
    assert last_url.split("//")[1][:20] in text.replace(" ", "")


def test_docx_brief_reads_like_the_page_with_links_to_the_sources(client: FlaskClient) -> None:
    response = client.get(f"{BRIEF}.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(".docx")
    document = Document(io.BytesIO(response.data))
    assert "Law of the Kyrgyz Republic No. 72" in document.core_properties.title
    text = docx_text(response.data)
    assert CYRILLIC in text
    assert "Status on 28 November 2026: In force" in text
    assert "strategically designed to stifle critics" in text
    assert (
        "— Maisy Weicherding, Central Asia Researcher, Amnesty International, 8 February 2024"
        in text
    )
    assert "Signed into law" in text
    html = client.get(BRIEF).data.decode()
    assert set(citations(html).values()) <= docx_links(response.data)


def test_a_brief_as_of_amnestys_statement_shows_that_day(client: FlaskClient) -> None:
    html = client.get(f"{BRIEF}?as_of=2024-02-08").data.decode()
    page = text_of(html)
    assert "As of 8 February 2024" in page
    assert "Status on 8 February 2024: First reading" in page
    assert "Signed into law" not in page
    assert "later events are not included" in page
    assert f"/measures/{FOREIGN_REPRESENTATIVES}?as_of=2024-02-08" in page
    markdown = client.get(f"{BRIEF}.md?as_of=2024-02-08")
    assert (
        "filename=brief-kg-foreign-representatives-law-2024-2024-02-08.md"
        in (markdown.headers["Content-Disposition"])
    )
    assert "Signed into law" not in markdown.data.decode()
    text = flat(pdf_text(client.get(f"{BRIEF}.pdf?as_of=2024-02-08").data))
    assert "First reading" in text
    assert "Signed into law" not in text


def test_a_brief_of_a_country_covers_its_measures_only(client: FlaskClient) -> None:
    html = client.get("/brief?country=KG").data.decode()
    page = text_of(html)
    assert "Measures in Kyrgyzstan" in page
    assert "Brief of 7 measures" in page
    assert "Bishkek" in page
    assert "On Non-Commercial Organizations" in page
    overview = re.search(r'<section class="brief-overview".*?</section>', html, re.S)
    assert overview is not None
    assert "Russian Federation" not in text_of(overview.group(0))
    numbered = citations(html)
    assert sorted(numbered) == list(range(1, len(numbered) + 1))  # one numbering for all
    downloads = {}
    for fmt in ("pdf", "docx", "md"):
        response = client.get(f"/brief.{fmt}?country=KG")
        assert response.status_code == 200, fmt
        assert f"filename=brief-kg-2026-11-28.{fmt}" in response.headers["Content-Disposition"]
        downloads[fmt] = response.data
    assert "Measures in Kyrgyzstan" in flat(pdf_text(downloads["pdf"]))
    assert "Measures in Kyrgyzstan" in docx_text(downloads["docx"])
    assert downloads["md"].decode().startswith("# Measures in Kyrgyzstan")


def test_a_selection_too_large_for_a_brief_says_how_to_narrow_it(client: FlaskClient) -> None:
    client.application.config["BRIEF_MAX_MEASURES"] = 3
    response = client.get("/brief.pdf")
    assert response.status_code == 400
    assert "at most 3" in text_of(response.data)
    assert "Narrow them" in text_of(response.data)


def test_internal_measures_have_no_public_brief(client: FlaskClient, session: Session) -> None:
    measure, _ = add_internal_records(session)
    for suffix in ("", ".pdf", ".docx", ".md"):
        assert client.get(f"/measures/{measure.slug}/brief{suffix}").status_code == 404
    assert measure.title not in text_of(client.get("/brief?country=KG").data)
    signed_in = client.get(f"/measures/{measure.slug}/brief", headers=SIGNED_IN)
    assert signed_in.status_code == 200
    assert "Internal record" in text_of(signed_in.data)
    assert signed_in.headers["Cache-Control"] == "private, no-store"


def test_a_cyrillic_title_renders_in_every_format(client: FlaskClient, session: Session) -> None:
    title = "Закон «Об иностранных представителях» — проект № 6-11"
    add_measure(session, "kg-cyrillic-test", title, original_title="Оригинальное название")
    base = "/measures/kg-cyrillic-test/brief"
    assert title in text_of(client.get(base).data)
    assert title in client.get(f"{base}.md").data.decode("utf-8")
    assert title in flat(pdf_text(client.get(f"{base}.pdf").data))
    assert title in docx_text(client.get(f"{base}.docx").data)


def test_user_content_cannot_make_the_pdf_read_files_or_fetch_addresses(
    client: FlaskClient, session: Session
) -> None:
    summary = (
        'See <img src="file:///etc/passwd"> and ![x](file:///etc/passwd) and '
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css"> [a link](file:///etc/hosts).'
    )
    add_measure(session, "kg-hostile-summary", "Hostile summary", summary=summary)
    response = client.get("/measures/kg-hostile-summary/brief.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Hostile summary" in text
    assert "root:x:0:0" not in text
    assert b"root:x:0:0" not in response.data
    assert b"/URI (file:" not in response.data  # no link to a local file either


def test_the_markdown_brief_keeps_a_summarys_formatting_but_nothing_a_viewer_would_fetch_or_run(
    client: FlaskClient, session: Session
) -> None:
    summary = (
        "The law **bans** *foreign* funding; see [the text](https://example.org/law) or "
        "[write to us](mailto:desk@example.org).\n\n"
        "- ![tracking pixel](https://evil.example/pixel.png?reader=1)\n"
        "- [open](javascript:alert(document.cookie)) \\<img src=https://evil.example/x.png> "
        "<img src=https://evil.example/y.png>\n\n"
        "[ref]: javascript:alert(2)\n"
    )
    add_measure(session, "kg-tracking-summary", "Tracking summary", summary=summary)
    markdown = client.get("/measures/kg-tracking-summary/brief.md").data.decode("utf-8")
    assert markdown_problems(markdown.encode()) == []
    assert "**bans** *foreign*" in markdown  # formatting kept
    assert "https://evil.example/pixel.png" in markdown  # shown, not loaded
    assert "javascript:alert(document.cookie)" in markdown  # shown, not a link


def test_the_pdf_fetcher_serves_data_urls_and_refuses_everything_else() -> None:
    fetcher = data_only_fetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.png", "https://example.org/a.css"):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"

    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    html = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/evil.css"></head><body>'
        '<p>before</p><img src="file:///etc/passwd"><img src="http://127.0.0.1:9/p.png">'
        f'<img src="{pixel}"><p>after</p></body></html>'
    )
    fetcher = data_only_fetcher()
    pdf = render_pdf(html, fetcher)
    assert set(fetcher.refused) == {
        "file:///etc/passwd",
        "http://127.0.0.1:9/p.png",
        "http://127.0.0.1:9/evil.css",
    }
    text = pdf_text(pdf)
    assert "before" in text
    assert "after" in text
    assert "root:" not in text


def test_a_signed_in_users_brief_marks_internal_records(
    client: FlaskClient, session: Session
) -> None:
    from sqlalchemy import select

    from tests.exports_support import add_statement
    from tracker.models import Measure

    law = session.scalars(select(Measure).where(Measure.slug == FOREIGN_REPRESENTATIVES)).one()
    add_statement(
        session,
        "internal-note-on-the-law",
        "Internal note on the law",
        [law],
        visibility="internal",
        date="2025-01-10",
        quote="Our partners expect inspections in March.",
    )
    public = client.get(BRIEF)
    assert "Internal note" not in text_of(public.data)
    assert "partners expect inspections" not in text_of(public.data)

    page = text_of(client.get(BRIEF, headers=SIGNED_IN).data)
    assert "This brief includes internal records" in page
    assert "Internal 10 January 2025 — Amnesty International" in page
    markdown = client.get(f"{BRIEF}.md", headers=SIGNED_IN)
    assert "including-internal" in markdown.headers["Content-Disposition"]
    assert "**\\[Internal\\]** **10 January 2025**" in markdown.data.decode()
    document = client.get(f"{BRIEF}.docx", headers=SIGNED_IN)
    assert "[Internal] 10 January 2025" in docx_text(document.data)
    assert "This brief includes internal records" in flat(
        pdf_text(client.get(f"{BRIEF}.pdf", headers=SIGNED_IN).data)
    )


@pytest.mark.parametrize(
    ("url", "module"),
    [
        (f"/measures/{FOREIGN_REPRESENTATIVES}/brief.pdf", "weasyprint"),
        ("/timeline.png?country=KG", "cairosvg"),
    ],
)
def test_without_pango_or_cairo_the_download_says_what_to_install(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, url: str, module: str
) -> None:
    real_import = importlib.import_module

    def missing(name: str, package: str | None = None) -> Any:
        if name.split(".")[0] == module:
            raise OSError(f"cannot load library 'lib{module}.so.0'")  # as cffi says it
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", missing)
    response = client.get(url)
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "apt-get install" in page
    assert "libpango-1.0-0" in page
    assert "cannot load library" not in page  # the cause goes to the log, not to the reader
    assert client.get(f"/measures/{FOREIGN_REPRESENTATIVES}/brief.md").status_code == 200


# -- the front sheet (issue 16) ---------------------------------------------------------------

FRONT_LAW = "/measures/kg-foreign-representatives-law-2024/brief"


def test_a_brief_opens_with_a_one_page_front_sheet(client: FlaskClient) -> None:
    reader = PdfReader(io.BytesIO(client.get(f"{FRONT_LAW}.pdf").data))
    first = flat(reader.pages[0].extract_text())
    assert "Foreign Representatives Law (2024)" in first
    assert "In force since April 2024; latest: challenged in court on 20 March 2025" in first
    assert "Key dates" in first
    assert "2 April 2024 Signed into law (President Sadyr Japarov)" in first
    assert "What comes next Nothing scheduled is recorded." in first
    # The full record starts on the next page.
    assert "Appendix: the full record" not in first
    assert flat(reader.pages[1].extract_text()).startswith("APPENDIX: THE FULL RECORD")


def test_the_front_sheet_picks_five_dates_and_three_voices(client: FlaskClient) -> None:
    page = client.get(FRONT_LAW).get_data(as_text=True)
    front = page[page.index('class="brief-front') : page.index("</section>")]
    dates = re.findall(r'<span class="brief-date"><time datetime="([^"]+)"', front)
    assert dates == ["2023-05-19", "2023-10-25", "2024-03-14", "2024-04-02", "2024-04"]
    footers = re.findall(r"<footer>— ([^<]+)</footer>", front)
    assert len(footers) == 3
    # The most recent quotes, each from a different organization.
    assert footers[0].startswith("Volker Türk")
    organizations = [footer.rsplit(", ", 2)[-2] for footer in footers]
    assert len(set(organizations)) == 3
    assert "What comes next" in front


def test_the_front_sheet_is_in_every_format(client: FlaskClient) -> None:
    markdown = client.get(f"{FRONT_LAW}.md").get_data(as_text=True)
    assert markdown.startswith("# Foreign Representatives Law (2024)\n")
    assert markdown.index("## Key dates") < markdown.index("## Appendix: the full record")
    assert markdown.index("## What comes next") < markdown.index("## Appendix: the full record")
    text = docx_text(client.get(f"{FRONT_LAW}.docx").data)
    assert text.index("Key dates") < text.index("Appendix: the full record")
    assert "In force since April 2024" in text


def test_the_status_sentence_of_a_past_day_tells_nothing_later(client: FlaskClient) -> None:
    markdown = client.get(f"{FRONT_LAW}.md?as_of=2024-04-10").get_data(as_text=True)
    front = markdown[: markdown.index("## Appendix")]
    assert "not yet in force: enters into force in April 2024" in front
    assert "Nothing scheduled is recorded." in front
    assert "2025" not in front.split("## What they said")[0]
