"""Keyboard only: the timeline (its filters, its chart's marks, its downloads) and the event
form (filled in and sent without a mouse), following document.activeElement at each step."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tests.browser import skip_unless_browser

skip_unless_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.support import Focus, Journey, focused, tab, tab_stops, tab_to  # noqa: E402

if TYPE_CHECKING:
    from tests.browser.conftest import LiveTracker, OpenJourney

pytestmark = pytest.mark.browser

GEORGIA_LAW = "/measures/ge-transparency-of-foreign-influence-law-2024"


def position(stops: list[Focus], found: str, test: Callable[[Focus], bool]) -> int:
    """Where in the Tab order the first stop that ``test(stop)`` accepts is."""
    for index, stop in enumerate(stops):
        if test(stop):
            return index
    raise AssertionError(f"Tab never reached {found}: {[str(s) for s in stops]}")


def skip_to_content(journey: Journey) -> None:
    """The first Tab of a page reaches "Skip to content", which jumps past the navigation."""
    page = journey.page
    first = tab(page)
    assert first.text == "Skip to content", first
    assert first.indicator, "the skip link shows no focus"
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert (now := focused(page)) is not None
    assert now.id == "main", now


SWITCH = ("Show the whole history", "Fit to the recent events")


def test_the_timeline_from_the_keyboard(open_journey: OpenJourney) -> None:
    journey = open_journey()
    page = journey.page
    journey.go("/timeline/?country=KG")
    journey.check()
    skip_to_content(journey)
    stops = list(tab_stops(page, lambda stop: stop.id == "embed-snippet"))

    # Every stop shows where the focus is.
    unmarked = [str(stop) for stop in stops if not stop.indicator]
    assert not unmarked, f"no visible focus on {len(unmarked)} stops: {unmarked[:8]}"
    # In reading order: the filters, the downloads, the chart and its marks, the events as a
    # list, the embed code.
    order = [
        position(stops, "the country filter", lambda s: s.id == "filter-country"),
        position(stops, "the topic filter", lambda s: s.id == "filter-topic"),
        position(stops, "the date field", lambda s: s.id == "filter-as-of"),
        position(stops, "Show", lambda s: s.tag == "button" and s.text == "Show"),
        position(stops, "Download SVG", lambda s: s.text == "Download SVG"),
        position(stops, "Download PNG", lambda s: s.text == "Download PNG"),
        position(stops, "the chart", lambda s: s.tag == "div" and s.id == ""),
        position(stops, "a lane of the chart", lambda s: s.in_chart),
        position(stops, "a mark of the chart", lambda s: s.in_chart and "#event-" in s.href),
        position(stops, "the embed code", lambda s: s.id == "embed-snippet"),
    ]
    assert order == sorted(order), order
    assert stops[0].id == "filter-country", "after skipping, the filters come first"
    # The chart's links come one after the other: 7 lanes, then every event and statement.
    in_chart = [index for index, stop in enumerate(stops) if stop.in_chart]
    assert in_chart == list(range(in_chart[0], in_chart[-1] + 1))
    # Then the details of the last mark focused (charts.js), then the events as a list.
    panel = ("Open the measure", "Open the statement", "Close")
    after_chart = next(stop for stop in stops[in_chart[-1] + 1 :] if stop.text not in panel)
    assert after_chart.href.startswith("/measures/"), f"{after_chart}: not the events as a list"
    # Every link drawn (a group of marks close together is one; the marks it lists are not).
    links = page.locator("svg.chart--timeline a").count()
    listed_only = page.locator("svg.chart--timeline .mark-group__members a").count()
    # (The "whole history" switch above the drawing is a stop of its own, not a mark.)
    switch = [i for i in in_chart if stops[i].text in SWITCH]
    assert len(switch) <= 1
    assert len(in_chart) - len(switch) == links - listed_only
    # Every mark is reached: a stop of its own, or listed by its group's stop (charts.js).
    marks = [stop for stop in stops if stop.in_chart and "#event-" in stop.href]
    groups = page.locator("svg.chart--timeline .marks > a:has(g.mark-group)").count()
    listed = page.locator("svg.chart--timeline .mark-group__members a").count()
    assert groups > 0
    assert len(marks) - groups + listed > 60

    # Filter by topic with the keyboard: type to choose, Tab to Show, Enter.
    page.get_by_label("Topic").focus()
    page.keyboard.type("Freedom of peaceful")
    expect(page.get_by_label("Topic")).to_have_value("assembly")
    tab_to(page, lambda stop: stop.tag == "button" and stop.text == "Show")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"topic=assembly"))
    expect(page.locator("svg.chart--timeline g.lane")).to_have_count(1)
    journey.check()

    # A mark opens its event on the measure's page (a mark of its own: Enter on a group of
    # marks close together lists them instead, charts.js). Every mark was reached by Tab above.
    single = page.locator("svg.chart--timeline .marks > a:not(:has(g.mark-group))").first
    single.focus()
    event_id = (single.get_attribute("href") or "").rsplit("#", 1)[1]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Protest bans in central Bishkek (2022–)"
    )
    expect(page.locator(f"li#{event_id}")).to_be_in_viewport()
    journey.check()


def test_the_event_form_from_the_keyboard(
    open_journey: OpenJourney, live_tracker: LiveTracker
) -> None:
    journey = open_journey()
    page = journey.page
    account = live_tracker.accounts["editor"]

    # Signing in: the email field has the focus; Enter sends the form.
    journey.go("/login")
    journey.check()
    assert (start := focused(page)) is not None
    assert start.id == "email", start
    page.keyboard.type(account.email)
    assert tab(page).id == "password"
    page.keyboard.type(account.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    account_menu = page.get_by_role("navigation", name="Account")
    expect(account_menu.get_by_role("link", name=account.name)).to_be_visible()
    journey.check()

    journey.go(f"{GEORGIA_LAW}/events/new")
    journey.check()
    skip_to_content(journey)
    assert tab(page).text == "Law of Georgia on Transparency of Foreign Influence"
    # Each field in turn, each with its label, each showing the focus.
    expected = [
        ("type", "What happened"),
        ("date", "Date"),
        ("approximate", "The date is approximate"),
        ("end_date", "Until"),
        ("actor", "Who acted"),
        ("votes_for", "Votes for"),
        ("votes_against", "against"),
        ("votes_abstain", "abstaining"),
        ("description", "Description"),
        ("sources", "Sources"),
        ("curator_notes", "Curators’ notes (internal)"),
        ("reason", "Why this change? (optional)"),
    ]
    typed = {
        "type": "Court ch",  # type-ahead in the list: "Court challenge"
        "date": "sometime in June",  # not a date: refused below
        "actor": "Georgian Young Lawyers' Association and others",
        "description": "Constitutional complaint against the law by civil society groups.",
        "sources": "https://example.org/ge/constitutional-complaint Complaint as filed",
        "reason": "Entered from the keyboard",
    }
    for field_id, label in expected:
        stop = tab(page)
        assert (stop.id, stop.label) == (field_id, label), stop
        assert stop.indicator, f"no visible focus on {stop}"
        if field_id in typed:
            page.keyboard.type(typed[field_id])
        if field_id == "approximate":
            page.keyboard.press("Space")
    expect(page.get_by_label("What happened")).to_have_value("court-challenge")
    expect(page.get_by_label("The date is approximate")).to_be_checked()
    submit = tab(page)
    assert (submit.tag, submit.text) == ("button", "Add the event")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Refused: the summary takes the focus, its link leads to the field, nothing typed is lost.
    assert (summary := focused(page)) is not None
    assert summary.text.startswith("Nothing was saved yet"), summary
    journey.check("event-form-keyboard-error", status=422)
    link = tab(page)
    assert link.text == "Date", link
    page.keyboard.press("Enter")
    assert (field := focused(page)) is not None
    assert field.id == "date", field
    expect(page.get_by_label("Date", exact=True)).to_have_value("sometime in June")
    expect(page.get_by_label("Who acted")).to_have_value(typed["actor"])
    page.keyboard.press("Control+A")
    page.keyboard.type("June 2024")
    tab_to(page, lambda stop: stop.tag == "button" and stop.text == "Add the event")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator(".flash--success")).to_contain_text("Created: Court challenge")
    added = page.locator("li.timeline__item").filter(has_text=typed["description"])
    expect(added.locator("time")).to_have_text("c. June 2024")
    expect(added).to_contain_text(typed["actor"])
    journey.check()
