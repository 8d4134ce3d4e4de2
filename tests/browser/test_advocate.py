"""The advocate's journey: a country's timeline, filtered by topic, as it stood on a past day and
back; a measure opened from the chart, its lineage back to Russia's 2012 law; what is coming up;
and the timeline embedded in an NGO's page on another site."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pytest

from tests.browser import skip_unless_browser

skip_unless_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.support import Journey  # noqa: E402

if TYPE_CHECKING:
    from tests.browser.conftest import LiveTracker, OpenJourney, OtherSite

pytestmark = pytest.mark.browser

PROTEST_BANS = "Protest bans in central Bishkek (2022–)"
FOREIGN_REPRESENTATIVES = "Foreign Representatives Law (2024)"
RUSSIA_2012 = "Foreign Agents Law (121-FZ, 2012)"
RUSSIA_2012_OFFICIAL = "Federal Law No. 121-FZ of 20 July 2012"


def show_timeline(journey: Journey, **choices: str) -> None:
    """Choose in the chart's filter form (by the labels on screen) and press Show."""
    page = journey.page
    for label, option in choices.items():
        page.get_by_label(label.capitalize(), exact=True).select_option(label=option)
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()


def test_an_advocate_follows_a_country_and_embeds_its_timeline(
    open_journey: OpenJourney, live_tracker: LiveTracker, other_site: OtherSite
) -> None:
    journey = open_journey()
    page = journey.page
    chart = page.locator("svg.chart--timeline")
    banner = page.locator(".as-of-banner")

    journey.go("/")
    journey.check()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline: all countries")
    journey.check("timeline-all-countries")

    # Kyrgyzstan, freedom of assembly: the protest bans alone.
    show_timeline(journey, country="Kyrgyzstan", topic="Freedom of peaceful assembly")
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline: Kyrgyzstan")
    expect(chart.locator("g.lane")).to_have_count(1)
    lane = chart.locator("g.lane")
    expect(lane.locator(".lane-label")).to_have_text(PROTEST_BANS)
    expect(lane.locator(".lane-meta")).to_contain_text("Expired")
    expect(banner).to_have_count(0)
    journey.check("timeline-kyrgyzstan-assembly")

    # As it stood on 8 February 2024, the day Amnesty spoke: the ban was in force.
    page.get_by_label("As of").fill("2024-02-08")
    page.get_by_role("button", name="Show").click()
    expect(banner).to_contain_text("as it stood on 8 February 2024")
    expect(lane.locator(".lane-meta")).to_contain_text("In force")
    expect(chart.locator(".line-label")).to_have_text("As of 8 Feb 2024")
    expect(page.locator(".result-count")).to_contain_text("later events are hidden")
    journey.check("timeline-as-of-2024-02-08")
    # ... and back to today, from the banner.
    banner.get_by_role("link", name="Back to today").click()
    expect(banner).to_have_count(0)
    expect(lane.locator(".lane-meta")).to_contain_text("Expired")
    expect(page.get_by_label("As of")).to_have_value("2026-11-28")
    journey.check()

    # Every topic again; open the foreign representatives law from its lane.
    show_timeline(journey, topic="All topics")
    expect(chart.locator("g.lane")).to_have_count(7)
    journey.check("timeline-kyrgyzstan")
    chart.get_by_role("link", name=FOREIGN_REPRESENTATIVES, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FOREIGN_REPRESENTATIVES)
    journey.check("measure-foreign-representatives-law")

    # Its lineage leads to Russia's 2012 law.
    lineage = page.locator("section.measure-lineage")
    expect(lineage.locator("svg.chart--lineage")).to_be_visible()
    lineage.get_by_role("link", name="Open, download or embed this diagram").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lineage")
    relations = page.locator("ol.relations-list")
    expect(relations).to_contain_text(f"{RUSSIA_2012} (Russian Federation, Jul 2012) model for")
    journey.check("lineage-foreign-representatives-law")
    # A box of the diagram is a link named by the law's official title.
    page.locator("svg.chart--lineage").get_by_role("link", name=RUSSIA_2012_OFFICIAL).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RUSSIA_2012)
    expect(page.locator(".eyebrow").first).to_contain_text("Russian Federation")
    copied_by = page.locator("ul.relations > li").filter(has_text=FOREIGN_REPRESENTATIVES)
    expect(copied_by.locator(".relation-type")).to_have_text("model for")
    journey.check("measure-russia-2012")

    # What was coming up on 8 February 2024: the protest ban's term ending on 31 March.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Upcoming").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coming up")
    journey.check("upcoming")
    page.get_by_label("As of").fill("2024-02-08")
    page.get_by_role("button", name="Show").click()
    expect(banner).to_contain_text("as it stood on 8 February 2024")
    coming = page.locator("ul.upcoming-list > li").filter(has_text=PROTEST_BANS)
    expect(coming).to_have_count(1)
    expect(coming.locator("time")).to_have_text("31 Mar 2024")
    expect(coming.locator(".badge")).to_have_text("Term ends")
    journey.check("upcoming-as-of-2024-02-08")

    # The embed code of Kyrgyzstan's timeline, pasted into an NGO's page on another site.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline: all countries")
    journey.check()
    show_timeline(journey, country="Kyrgyzstan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline: Kyrgyzstan")
    journey.check()
    snippet = page.get_by_label("HTML to embed this timeline").input_value()
    assert snippet.startswith(f'<iframe src="{live_tracker.url}/embed/timeline?country=KG')
    # Embedded today, it keeps showing today: the date the code was copied is not frozen in.
    assert "as_of" not in html.unescape(snippet), snippet
    report = other_site.publish(
        "/report.html",
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        "<title>Civic space in"
        " Kyrgyzstan · An NGO's report</title></head><body><main><h1>Civic space in"
        f" Kyrgyzstan</h1><p>Our timeline, from the tracker:</p>{snippet}</main></body></html>",
    )
    reader = open_journey()  # someone else, reading the NGO's site
    reader.page.goto(report)
    frame_element = reader.page.locator("iframe")
    expect(frame_element).to_be_visible()
    embedded = reader.page.frame_locator("iframe")
    # The chart drawn for the frame's width (the embed holds it at four widths).
    shown = embedded.locator("svg.chart--timeline:visible")
    expect(shown).to_have_count(1)
    expect(shown.locator("g.lane")).to_have_count(7)
    expect(embedded.get_by_role("link", name="Open in the tracker")).to_have_attribute(
        "target", "_blank"
    )
    # All of it shows in the frame the snippet sized: the last lane and the link back too.
    expect(shown.locator(".lane-label").last).to_be_in_viewport()
    expect(embedded.get_by_role("link", name="Open in the tracker")).to_be_in_viewport()
    frame = next(f for f in reader.page.frames if "/embed/timeline" in f.url)
    assert frame.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    box = frame_element.bounding_box()
    assert box is not None
    assert box["height"] >= 300
    reader.check("embed-in-another-site")
    reader.check_frame(frame)
    # Reading it left no cookie of the tracker behind, nor of anyone else.
    assert reader.page.context.cookies() == []
