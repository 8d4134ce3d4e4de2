"""The timeline page, as an advocate uses it: Kyrgyzstan's crackdown in order, as of a day,
downloaded for slides."""

from __future__ import annotations

import re

import pytest
from defusedxml import ElementTree as SafeET
from flask.testing import FlaskClient

from tests.chart_checks import (
    SVG,
    assert_png_shows_a_chart,
    assert_self_contained,
    inline_svgs,
    text_of,
    titles,
)


def entries_of(html: bytes) -> str:
    match = re.search(rb'<ol class="entries">(.*?)</ol>', html, flags=re.DOTALL)
    assert match, "the page lists the events"
    return text_of(match.group(1))


def test_kyrgyzstan_timeline_reads_in_the_order_things_happened(client: FlaskClient) -> None:
    response = client.get("/timeline/?country=KG")
    assert response.status_code == 200
    listed = entries_of(response.data)
    order = [
        "17 July 2023 Introduced",  # Constitutional Court law
        "3 October 2023 Signed",  # ... signed
        "25 October 2023 First reading",  # foreign representatives bill
        "12 January 2024 Extended, until 31 March 2024",  # protest ban extended again
        "2 April 2024 Signed",  # foreign representatives law
        "25 June 2025 Passed",  # media law
    ]
    positions = [listed.index(item) for item in order]
    assert positions == sorted(positions)
    assert "Mass Media Law (2025)" in listed
    assert "Russian Federation" not in listed


def test_as_of_8_february_2024_the_bill_was_pending_and_the_court_law_signed(
    client: FlaskClient,
) -> None:
    response = client.get("/timeline/?country=KG&as_of=2024-02-08")
    page = text_of(response.data)
    assert "as it stood on 8 February 2024" in page
    assert "Back to today" in page
    (chart,) = inline_svgs(response.data)
    lane_meta = [t.text for t in chart.iter(f"{SVG}text") if t.get("class") == "lane-meta"]
    assert "Foreign representatives law · Law · First reading" in lane_meta
    assert "Constitutional Court review law · Law · In force" in lane_meta
    listed = entries_of(response.data)
    assert "3 October 2023 Signed" in listed
    assert "2 April 2024 Signed" not in listed
    assert "Signed, 2 April 2024" not in " ".join(titles(chart))
    assert 'value="2024-02-08"' in response.data.decode()  # the date picker shows the day


def test_the_protest_ban_is_shaded_in_force_with_each_extension(client: FlaskClient) -> None:
    (chart,) = inline_svgs(client.get("/timeline/?country=KG").data)
    bands = [
        (rect.get("class") or "", rect.findtext(f"{SVG}title") or "")
        for rect in chart.iter(f"{SVG}rect")
        if (rect.get("class") or "").startswith("band ")
    ]
    in_force = [title for classes, title in bands if "band--in-force" in classes]
    assert any(
        "from 12 January 2024 to 27 March 2024" in t and "until 31 March 2024" in t
        for t in in_force
    )
    assert any("from 28 March 2024" in t and "until 30 June 2024" in t for t in in_force)
    assert any("band--expired" in classes for classes, _ in bands)
    legend = [t.text for t in chart.iter(f"{SVG}text") if t.get("class") == "legend-label"]
    assert {"In force", "Expired or lapsed", "Pending"} <= set(legend)


def test_marks_link_to_the_measure_and_say_what_they_are(client: FlaskClient) -> None:
    (chart,) = inline_svgs(client.get("/timeline/?country=KG").data)
    links = {a.get("href"): a.findtext(f"{SVG}title") or "" for a in chart.iter(f"{SVG}a")}
    reading = next(href for href, title in links.items() if title.startswith("First reading, 25"))
    assert reading.startswith("/measures/kg-foreign-representatives-law-2024#event-")
    assert any(title.startswith("Other, c. 18 July 2023") for title in links.values())
    assert any(href.startswith("/statements/") for href in links)


def test_the_page_obeys_its_own_content_security_policy(client: FlaskClient) -> None:
    html = client.get("/timeline/").data.decode()
    assert "<style" not in html
    assert ' style="' not in html  # (the embed snippet shows one, escaped, as text)
    assert "<script>" not in html
    for chart in inline_svgs(html.encode()):
        assert_self_contained(chart, own_links="/")


def test_date_range_narrows_the_chart_and_bad_input_is_explained(client: FlaskClient) -> None:
    narrowed = client.get("/timeline/?from=2024&to=Mar 2024")
    assert narrowed.status_code == 200
    (chart,) = inline_svgs(narrowed.data)
    years = [
        t.text for t in chart.iter(f"{SVG}text") if "axis-label--year" in (t.get("class") or "")
    ]
    assert years == ["2024"]
    months = [
        t.text for t in chart.iter(f"{SVG}text") if "axis-label--month" in (t.get("class") or "")
    ]
    assert months == ["January", "February", "March"]
    listed = entries_of(narrowed.data)
    assert "12 January 2024" in listed
    # no event of 2023 (a short title such as "… law (2023)" may name the year)
    assert not re.search(r"(?<!\()\b2023\b(?!\))", listed)

    bad = client.get("/timeline/?from=sometime")
    assert bad.status_code == 200
    assert "is not a date we can read" in text_of(bad.data)
    assert 'aria-invalid="true"' in bad.data.decode()
    backwards = client.get("/timeline/?from=2024&to=2023")
    assert "The date range ends before it starts" in text_of(backwards.data)


def test_svg_download_is_a_standalone_self_contained_file(client: FlaskClient) -> None:
    response = client.get("/timeline.svg?country=KG")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="timeline-kyrgyzstan-2026-11-28.svg"'
    )
    root = SafeET.fromstring(response.data)
    assert root.tag == f"{SVG}svg"
    assert root.findtext(f"{SVG}title") == "Timeline: Kyrgyzstan"
    assert "as of 28 November 2026" in (root.findtext(f"{SVG}desc") or "")
    style = root.find(f"{SVG}style")
    assert style is not None
    assert ".band--in-force" in (style.text or "")
    assert_self_contained(root, own_links="http://localhost/")
    words = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Source: tracker" in words
    assert "as of 28 November 2026" in words


def test_png_download_is_a_picture_of_the_chart(client: FlaskClient) -> None:
    response = client.get("/timeline.png?country=KG&as_of=2024-02-08")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="timeline-kyrgyzstan-2024-02-08.png"'
    )
    image = assert_png_shows_a_chart(response.data)
    assert image.width == 1920  # twice the size, sharp on slides


def test_downloads_refuse_an_unreadable_range_with_a_reason(client: FlaskClient) -> None:
    response = client.get("/timeline.svg?to=13/13/2024")
    assert response.status_code == 400
    assert "to:" in text_of(response.data)


@pytest.mark.parametrize("app_config", [{"BASE_URL": "https://tracker.example.org/"}])
def test_the_embed_snippet_is_ready_to_paste(client: FlaskClient) -> None:
    html = client.get("/timeline/?country=KG&as_of=2024-02-08").data.decode()
    match = re.search(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", html, flags=re.DOTALL)
    assert match
    snippet = match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"')
    snippet = snippet.replace("&amp;", "&").replace("&quot;", '"')
    assert snippet.startswith('<iframe src="https://tracker.example.org/embed/timeline?')
    assert "country=KG" in snippet
    assert "as_of=2024-02-08" in snippet
    assert 'title="Timeline: Kyrgyzstan"' in snippet
    downloads = client.get("/timeline.svg?country=KG").data.decode()
    assert 'href="https://tracker.example.org/measures/' in downloads


@pytest.mark.parametrize("page", ["/timeline/", "/lineage/", "/countries/KG"])
def test_an_embed_made_today_keeps_showing_today(client: FlaskClient, page: str) -> None:
    # The filter form sends its "as of" field even when left at today: the snippet copied
    # from that page must not freeze the chart on the day it was copied.
    html = client.get(f"{page}?country=KG&as_of=2026-11-28").data.decode()
    match = re.search(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", html, flags=re.DOTALL)
    assert match
    assert "/embed/" in match.group(1)
    assert "as_of" not in match.group(1)


def test_an_empty_selection_says_so(client: FlaskClient) -> None:
    page = text_of(client.get("/timeline/?country=GE").data)
    assert "No measure matches these filters" in page
    root = SafeET.fromstring(client.get("/timeline.svg?country=GE").data)
    assert "No measure matches these filters." in [t.text for t in root.iter(f"{SVG}text")]


def test_a_png_too_large_to_read_is_refused_with_advice(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracker.charts.svg.MAX_PNG_PIXELS", 200_000)
    response = client.get("/timeline.png")
    assert response.status_code == 413
    page = text_of(response.data)
    assert "too tall to turn into a picture" in page
    assert "download the SVG" in page
    assert client.get("/timeline.svg").status_code == 200
