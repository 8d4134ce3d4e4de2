"""Atom feeds read with feedparser and calendars read with icalendar, as a newsroom's feed
reader and calendar app would read them."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy.orm import Session

from tests.exports_support import (
    FOREIGN_REPRESENTATIVES,
    SIGNED_IN,
    add_internal_records,
    add_measure,
    add_statement,
    allow_signed_in,
)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    allow_signed_in(app)
    return app.test_client()


def parse_feed(client: FlaskClient, url: str, **kwargs: object) -> feedparser.FeedParserDict:
    response = client.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def parse_calendar(client: FlaskClient, url: str, **kwargs: object) -> Calendar:
    response = client.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def vevents(calendar: Calendar) -> list[object]:
    return list(calendar.walk("VEVENT"))


def test_the_main_feed_announces_events_and_statements_with_sources(client: FlaskClient) -> None:
    feed = parse_feed(client, "/feed.atom")
    assert feed.feed.title == "tracker: new events and statements"
    assert any(link.rel == "self" for link in feed.feed.links)
    assert 0 < len(feed.entries) <= 50
    for entry in feed.entries:
        assert entry.id.startswith("tag:localhost,")
        assert entry.title
        assert entry.summary
        assert entry.link.startswith("http://localhost/")
        assert entry.updated_parsed is not None
    assert feed.feed.id == "tag:localhost,2024:feed/feed.atom"
    kinds = {entry.id.split(":")[-1].split("/")[0] for entry in feed.entries}
    assert kinds == {"event", "statement"}
    event = next(e for e in feed.entries if ":event/" in e.id)
    assert "#event-" in event.link
    assert "https://" in event.summary  # the event's sources


def test_feeds_per_country_topic_and_measure(client: FlaskClient) -> None:
    russia = parse_feed(client, "/feed.atom?country=RU&entries=events")
    assert russia.entries
    assert all("/measures/ru-foreign-agents-law-2012#event-" in e.link for e in russia.entries)
    kg = parse_feed(client, "/feed.atom?country=KG&entries=events")
    assert kg.entries
    assert all("#event-" in e.link for e in kg.entries)
    assert not any("ru-foreign-agents-law-2012" in e.link for e in kg.entries)
    assert any(tag.term == "KG" for e in kg.entries for tag in e.tags)

    assembly = parse_feed(client, "/feed.atom?topic=assembly&entries=events")
    assert assembly.entries
    assert all("kg-bishkek-protest-bans-2022" in e.link for e in assembly.entries)

    measure = parse_feed(client, f"/measures/{FOREIGN_REPRESENTATIVES}/feed.atom")
    assert measure.feed.title.startswith("tracker: Law of the Kyrgyz Republic No. 72")
    events = [e for e in measure.entries if ":event/" in e.id]
    statements = [e for e in measure.entries if ":statement/" in e.id]
    assert events
    assert statements
    assert all(FOREIGN_REPRESENTATIVES in e.link for e in events)
    assert any("Signed into law on 2 April 2024" in e.title for e in events)
    assert any("Amnesty International" in e.title for e in statements)

    only_statements = parse_feed(client, "/feed.atom?entries=statements")
    assert all(":statement/" in e.id for e in only_statements.entries)
    assert client.get("/feed.atom?entries=everything").status_code == 400


def test_entry_ids_do_not_change_when_a_record_is_edited(
    client: FlaskClient, session: Session
) -> None:
    measure = add_measure(
        session, "kg-feed-test", "Feed test bill", events=[("introduced", "2026-11-20")]
    )
    before = parse_feed(client, "/measures/kg-feed-test/feed.atom").entries
    assert [e.title for e in before] == ["Feed test bill: Introduced on 20 November 2026"]
    measure.title = "Feed test bill (renamed)"
    measure.events[0].description = "Registered by twelve deputies."
    session.flush()
    after = parse_feed(client, "/measures/kg-feed-test/feed.atom").entries
    assert [e.id for e in after] == [e.id for e in before]
    assert "renamed" in after[0].title
    assert "twelve deputies" in after[0].summary


def test_a_new_event_is_the_newest_entry(client: FlaskClient, session: Session) -> None:
    add_measure(session, "kg-new-bill", "Newest bill", events=[("introduced", "2026-11-27")])
    feed = parse_feed(client, "/feed.atom?country=KG")
    assert feed.entries[0].title == "Newest bill: Introduced on 27 November 2026"


def test_internal_records_stay_out_of_anonymous_feeds(
    client: FlaskClient, session: Session
) -> None:
    measure, statement = add_internal_records(session)
    for url in ("/feed.atom", "/feed.atom?country=KG", "/feed.atom?entries=statements"):
        text = client.get(url).data.decode()
        assert measure.title not in text, url
        assert statement.title not in text, url
        assert "confidential.example" not in text, url
    assert client.get(f"/measures/{measure.slug}/feed.atom").status_code == 404
    assert client.get(f"/measures/{measure.slug}/calendar.ics").status_code == 404
    assert measure.title not in client.get("/calendar.ics").data.decode()

    signed_in = parse_feed(client, "/feed.atom", headers=SIGNED_IN)
    assert any(e.title.startswith(f"[Internal] {measure.title}") for e in signed_in.entries)
    assert any(e.title.startswith("[Internal] Secret Partner") for e in signed_in.entries)
    assert client.get("/feed.atom", headers=SIGNED_IN).headers["Cache-Control"] == (
        "private, no-store"
    )


def test_a_public_statement_about_an_internal_measure_does_not_name_it(
    client: FlaskClient, session: Session
) -> None:
    measure, _ = add_internal_records(session)
    add_statement(session, "public-about-secret", "Public note", [measure], date="2026-10-05")
    feed = client.get("/feed.atom?entries=statements").data.decode()
    assert "Public note" in feed
    assert measure.title not in feed


def test_feeds_answer_conditional_requests(client: FlaskClient) -> None:
    first = client.get("/feed.atom")
    etag = first.headers["ETag"]
    again = client.get("/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get("/calendar.ics", headers={"If-None-Match": etag}).status_code == 200


def test_pages_announce_their_feeds(client: FlaskClient) -> None:
    home = client.get("/").data.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in home
    assert 'href="/feed.atom"' in home
    listing = client.get("/measures/?country=KG").data.decode()
    title = "New events and statements for these measures"
    assert f'type="application/atom+xml" title="{title}" href="/feed.atom?country=KG"' in listing
    page = client.get(f"/measures/{FOREIGN_REPRESENTATIVES}").data.decode()
    assert f'href="/measures/{FOREIGN_REPRESENTATIVES}/feed.atom"' in page
    assert 'type="text/calendar" title="Calendar: ' in page


def test_calendar_days_are_all_day_events_and_months_are_not_pinned_to_a_day(
    client: FlaskClient,
) -> None:
    calendar = parse_calendar(client, f"/measures/{FOREIGN_REPRESENTATIVES}/calendar.ics")
    assert calendar["X-WR-CALNAME"].startswith("tracker: Law of the Kyrgyz Republic No. 72")
    events = vevents(calendar)
    signed = next(e for e in events if "Signed" in str(e["SUMMARY"]))  # type: ignore[index]
    start = signed["DTSTART"]  # type: ignore[index]
    assert start.dt == dt.date(2024, 4, 2)
    assert not isinstance(start.dt, dt.datetime)
    assert start.params.get("VALUE") == "DATE"
    assert signed["DTEND"].dt == dt.date(2024, 4, 3)  # type: ignore[index]
    assert (
        b"DTSTART;VALUE=DATE:20240402"
        in client.get(f"/measures/{FOREIGN_REPRESENTATIVES}/calendar.ics").data
    )

    # "Entered into force in April 2024": the whole of April, and it says the day is not known.
    in_force = next(e for e in events if "Entered into force" in str(e["SUMMARY"]))  # type: ignore[index]
    assert str(in_force["SUMMARY"]).startswith("April 2024 (day not known)")  # type: ignore[index]
    assert in_force["DTSTART"].dt == dt.date(2024, 4, 1)  # type: ignore[index]
    assert in_force["DTEND"].dt == dt.date(2024, 5, 1)  # type: ignore[index]

    uids = [str(e["UID"]) for e in events]  # type: ignore[index]
    assert len(uids) == len(set(uids))
    assert all(uid.endswith("@localhost") for uid in uids)


def test_a_year_only_date_is_left_out_of_the_calendar(
    client: FlaskClient, session: Session
) -> None:
    add_measure(
        session,
        "kg-calendar-test",
        "Calendar test bill",
        events=[("drafted", "2025"), ("introduced", "2025-06"), ("reading-1", "2025-07-09")],
    )
    events = vevents(parse_calendar(client, "/measures/kg-calendar-test/calendar.ics"))
    summaries = [str(e["SUMMARY"]) for e in events]  # type: ignore[index]
    assert sorted(summaries) == [
        "First reading: Calendar test bill",
        "June 2025 (day not known): Introduced: Calendar test bill",
    ]


def test_the_calendar_shows_when_a_term_in_force_runs_out(
    client: FlaskClient, session: Session
) -> None:
    add_measure(
        session,
        "kg-ban-test",
        "Test ban on rallies",
        kind="court-order",
        events=[("imposed", "2026-10-01")],
        until={0: "2027-03-31"},
    )
    events = vevents(parse_calendar(client, "/calendar.ics?country=KG"))
    expiry = next(e for e in events if "Expires unless extended: Test ban" in str(e["SUMMARY"]))  # type: ignore[index]
    assert expiry["DTSTART"].dt == dt.date(2027, 3, 31)  # type: ignore[index]
    assert "until 31 March 2027" in str(expiry["DESCRIPTION"])  # type: ignore[index]
    assert "https://news.example/kg-ban-test" in str(expiry["DESCRIPTION"])  # type: ignore[index]
    imposed = next(e for e in events if str(e["SUMMARY"]) == "Imposed: Test ban on rallies")  # type: ignore[index]
    assert imposed["DTSTART"].dt == dt.date(2026, 10, 1)  # type: ignore[index]
    # The seed's Bishkek ban ran out on 31 March 2026, before "today": no expiry is announced.
    assert not any(
        "Expires unless extended: Court-sanctioned bans" in str(e["SUMMARY"])
        for e in events  # type: ignore[index]
    )
    add_measure(session, "kg-scheduled", "Scheduled bill", events=[("reading-2", "2026-12-10")])
    upcoming = vevents(parse_calendar(client, "/measures/kg-scheduled/calendar.ics"))
    assert str(upcoming[0]["STATUS"]) == "TENTATIVE"  # type: ignore[index]
