"""Feed landing pages: a feed link on a page opens a page that says how to subscribe and gives
the address; the feeds themselves stay where they were, unchanged for feed readers."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories


def links(page: str) -> dict[str, str]:
    """The page's links by their text (the first of each: the footer's come last)."""
    found: dict[str, str] = {}
    for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', page):
        found.setdefault(re.sub(r"<[^>]+>", "", text).strip(), html.unescape(href))
    return found


def copied_address(page: str) -> str:
    found = re.search(r'<textarea id="feed-address"[^>]*>([^<]*)</textarea>', page)
    assert found is not None
    return html.unescape(found.group(1))


def test_the_list_feed_link_opens_a_page_with_the_address_to_copy(client: FlaskClient) -> None:
    listing = client.get("/measures/?country=KG&topic=assembly&page=1").data.decode()
    landing_url = links(listing)["Atom feed"]
    assert landing_url.startswith("/feed?")
    landing = client.get(landing_url)
    assert landing.status_code == 200
    assert landing.mimetype == "text/html"
    page = landing.data.decode()
    assert "How to subscribe" in page
    assert "country Kyrgyzstan; topic Freedom of peaceful assembly" in page
    address = copied_address(page)
    assert address.startswith("http://localhost/feed.atom?")
    assert "country=KG" in address
    assert "topic=assembly" in address
    assert "page=" not in address
    # The address is the feed itself, as a feed reader gets it.
    feed = client.get(address.removeprefix("http://localhost"))
    assert feed.status_code == 200
    assert feed.mimetype == "application/atom+xml"
    assert feed.data.lstrip().startswith(b"<?xml")


def test_the_calendar_link_opens_a_page_that_says_how_to_subscribe(client: FlaskClient) -> None:
    listing = client.get("/events/?country=KG").data.decode()
    landing = client.get(links(listing)["Calendar"]).data.decode()
    assert "Google Calendar" in landing
    address = copied_address(landing)
    assert address == "http://localhost/calendar.ics?country=KG"
    calendar = client.get("/calendar.ics?country=KG")
    assert calendar.mimetype == "text/calendar"
    assert calendar.data.startswith(b"BEGIN:VCALENDAR")


def test_a_measures_follow_and_calendar_links(client: FlaskClient) -> None:
    slug = "kg-foreign-representatives-law-2024"
    page = client.get(f"/measures/{slug}").data.decode()
    found = links(page)
    follow = client.get(found["Follow (Atom)"]).data.decode()
    assert copied_address(follow) == f"http://localhost/measures/{slug}/feed.atom"
    assert "Foreign Representatives Law (2024)" in follow
    calendar = client.get(found["Calendar"]).data.decode()
    assert copied_address(calendar) == f"http://localhost/measures/{slug}/calendar.ics"
    # Feed readers that discover feeds from the page still find the feed itself.
    assert 'type="application/atom+xml" title="New events and statements: ' in page
    assert f'href="/measures/{slug}/feed.atom"' in page
    assert client.get("/measures/no-such-measure/follow").status_code == 404


def test_an_internal_measure_has_no_landing_page_for_anonymous_readers(
    client: FlaskClient, session: Session
) -> None:
    factories.measure(session, "kg-internal-draft", visibility="internal")
    assert client.get("/measures/kg-internal-draft/follow").status_code == 404
    assert client.get("/measures/kg-internal-draft/calendar").status_code == 404
