"""Embeds: the only framable pages; anonymous for everyone; never a cookie."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.chart_checks import SVG, assert_self_contained, inline_svgs, text_of
from tracker.dates import PartialDate
from tracker.models import Event, Measure

EMBEDS = [
    "/embed/timeline?country=KG",
    "/embed/lineage",
    "/embed/lineage?measure=ru-foreign-agents-law-2012",
]


def frame_ancestors(response: Response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(p for p in policy.split("; ") if p.startswith("frame-ancestors"))


@pytest.mark.parametrize("url", EMBEDS)
def test_embeds_may_be_framed_by_any_site(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert frame_ancestors(response) == "frame-ancestors *"
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    # Still no script or style from anywhere else, inline or not.
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/timeline/?country=KG",
        "/timeline.svg",
        "/lineage/",
        "/upcoming/",
        "/countries/KG",
        "/measures/kg-foreign-representatives-law-2024",
        "/embed/nothing-here",
    ],
)
def test_every_other_page_refuses_to_be_framed(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert frame_ancestors(response) == "frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_the_embed_is_minimal_and_its_links_leave_the_frame(client: FlaskClient) -> None:
    response = client.get("/embed/timeline?country=KG&as_of=2024-02-08")
    html = response.data.decode()
    assert "<nav" not in html
    assert "<form" not in html
    # The chart drawn for frames of four widths (CSS shows the one that fits), each complete.
    variants = inline_svgs(response.data)
    assert [svg.get("width") for svg in variants] == ["320.0", "480.0", "720.0", "1080.0"]
    for chart in variants:
        assert_self_contained(chart, own_links="http://localhost/")
    chart = variants[-1]
    links = list(chart.iter(f"{SVG}a"))
    assert links
    # Every link leaves the frame, but the switch between the fitted axis and the whole
    # history, which redraws the embed itself.
    assert all(a.get("target") == "_blank" for a in links if a.get("class") != "history-switch")
    assert all(
        "as_of=2024-02-08" in (a.get("href") or "")
        for a in links
        if "/measures/" in (a.get("href") or "")
    )
    page = text_of(response.data)
    assert "Timeline: Kyrgyzstan" in page
    assert "as of 8 February 2024" in page
    assert 'href="http://localhost/timeline/?country=KG&amp;as_of=2024-02-08"' in html


@pytest.fixture
def signed_in(
    app: Flask, db_session_internal: None, login_as: Callable[..., FlaskClient]
) -> FlaskClient:
    """A signed-in editor whose cookies the app refreshes on every response, as a "remember
    me" extension would: the embed must neither show them internal records nor send a cookie."""

    @app.after_request
    def remember(response: Response) -> Response:
        response.set_cookie("remember_token", "secret")
        return response

    return login_as("editor")


@pytest.fixture
def db_session_internal(session: Session) -> None:
    secret = Measure(
        slug="kg-internal-draft", country="KG", kind="bill", title="Unpublished internal draft",
        visibility="internal", popular_names=[],
    )  # fmt: skip
    secret.events.append(Event(type="introduced", date=PartialDate.from_iso("2024-01-10")))
    session.add(secret)
    session.flush()


def test_a_signed_in_user_gets_the_public_embed_and_no_cookie(signed_in: FlaskClient) -> None:
    client = signed_in
    page = client.get("/timeline/?country=KG")
    assert b"Unpublished internal draft" in page.data  # the signed-in page shows it...
    assert "Set-Cookie" in page.headers  # ... and refreshes the cookies (the test can fail)
    for url in EMBEDS:
        response = client.get(url)
        assert response.status_code == 200
        assert b"Unpublished internal draft" not in response.data
        assert "Set-Cookie" not in response.headers, url
    assert b"Unpublished internal draft" not in client.get("/embed/timeline").data


@pytest.mark.parametrize("page", ["/timeline/", "/lineage/", "/countries/KG"])
def test_the_snippet_fits_its_frame_to_the_chart_from_the_tracker_only(
    client: FlaskClient, page: str
) -> None:
    html_page = client.get(page).data.decode()
    match = re.search(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", html_page, re.DOTALL)
    assert match
    snippet = html.unescape(match.group(1))
    frame, script = snippet.split("</iframe>")
    assert "data-tracker-embed" in frame
    height = int(re.search(r'height="(\d+)"', frame).group(1))  # type: ignore[union-attr]
    assert 300 < height < 3000
    # The script takes heights only from the tracker's own origin, and only a number.
    assert script.startswith("<script>")
    assert script.endswith("</script>")
    assert "e.origin!=='http://localhost'" in script
    assert "typeof h!=='number'" in script
