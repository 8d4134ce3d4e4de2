"""PDF links open a page that says the PDF is being prepared, then fetches it (no script)."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

LAW = "kg-foreign-representatives-law-2024"


def refresh_target(page: str) -> str:
    found = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', page)
    assert found is not None, "the page does not fetch the PDF by itself"
    return html.unescape(found.group(1))


def test_the_measure_pages_pdf_link_says_it_is_being_prepared(client: FlaskClient) -> None:
    page = client.get(f"/measures/{LAW}").get_data(as_text=True)
    assert f'href="/measures/{LAW}/brief/pdf">PDF</a>' in page
    preparing = client.get(f"/measures/{LAW}/brief/pdf")
    assert preparing.status_code == 200
    text = preparing.get_data(as_text=True)
    assert "Preparing the PDF…" in text
    assert "Foreign Representatives Law (2024)" in text
    target = refresh_target(text)
    assert target == f"/measures/{LAW}/brief.pdf"
    pdf = client.get(target)
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")


def test_the_day_and_the_filters_travel_to_the_pdf(client: FlaskClient) -> None:
    text = client.get(f"/measures/{LAW}/brief/pdf?as_of=2024-02-08").get_data(as_text=True)
    assert refresh_target(text) == f"/measures/{LAW}/brief.pdf?as_of=2024-02-08"
    listing = client.get("/measures/?country=KG&status=in-force").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">PDF</a>', listing)
    assert link is not None
    text = client.get(html.unescape(link.group(1))).get_data(as_text=True)
    assert refresh_target(text) == "/brief.pdf?country=KG&status=in-force"
    brief = client.get(f"/measures/{LAW}/brief").get_data(as_text=True)
    assert f'<a href="/measures/{LAW}/brief/pdf">PDF</a>' in brief


def test_an_unknown_or_internal_measure_has_no_such_page(client: FlaskClient) -> None:
    assert client.get("/measures/no-such-law/brief/pdf").status_code == 404
