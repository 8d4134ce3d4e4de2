"""Issue 16, what a reader sees first: the status under a measure's title, lists as cards on a
phone with their filters behind one button, a short header, and the left-out note."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.browser import skip_unless_browser

skip_unless_browser()

from playwright.sync_api import expect  # noqa: E402

if TYPE_CHECKING:
    from tests.browser.conftest import OpenJourney

pytestmark = pytest.mark.browser

LAW = "/measures/kg-foreign-representatives-law-2024"
PHONE_HEIGHT = 844


def test_on_a_phone_the_status_comes_first(open_journey: OpenJourney) -> None:
    journey = open_journey("phone")
    page = journey.page
    journey.go(LAW)
    journey.check("reading-measure-status-first")
    status = page.locator(".status-summary")
    expect(status).to_contain_text("In force since April 2024")
    status_box = status.bounding_box()
    title_box = page.locator(".official-title").bounding_box()
    assert status_box is not None
    assert title_box is not None
    assert status_box["y"] < title_box["y"], "the status is below the official title"
    assert status_box["y"] + status_box["height"] < PHONE_HEIGHT / 2
    # The three axes are folded under the sentence and open on a tap.
    axes = page.locator(".status-axes")
    expect(axes).to_be_hidden()
    page.get_by_text("Stage, outcome and legal force").click()
    expect(axes).to_be_visible()
    expect(axes).to_contain_text("Signed into law on 2 April 2024")


def test_a_list_on_a_phone_is_cards_with_the_filters_folded(open_journey: OpenJourney) -> None:
    journey = open_journey("phone")
    page = journey.page
    journey.go("/measures/?country=KG&status=in-force")
    journey.check("reading-measures-phone-filtered")
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    assert header["height"] < PHONE_HEIGHT / 5
    form = page.locator("form.filters")
    expect(form).to_be_hidden()
    # The results and what the filter leaves out are on the first screen.
    count = page.locator(".result-count")
    # (How many are in force depends on what earlier journeys did to the shared server: the
    # advocate's editor extends the protest ban. The two left out are the seed's.)
    expect(count).to_contain_text(re.compile(r"\b[0-9]+ measures? · "))
    expect(count).to_contain_text("+2 enacted, entry into force not recorded")
    count_box = count.bounding_box()
    assert count_box is not None
    assert count_box["y"] + count_box["height"] < PHONE_HEIGHT
    # Each measure is a card whose status badge is on the screen, not off to the right.
    card = page.locator(".measures-table tbody tr").first
    badge = card.locator(".badge")
    expect(badge).to_be_visible()
    box = badge.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390
    expect(card).to_contain_text("Kyrgyzstan")
    expect(card).to_contain_text("Latest event:")
    # "Filters" opens them.
    page.locator("summary", has_text="Filters").click()
    expect(form).to_be_visible()
    expect(page.locator(".facets")).to_be_visible()
    journey.check("reading-measures-phone-filters-open")
    # The note's link lists the two left out.
    page.get_by_role("link", name="+2 enacted, entry into force not recorded").click()
    expect(page.locator(".result-count")).to_contain_text("2 measures")
    expect(page.locator(".measures-table")).to_contain_text("Harmful information")
    journey.check()


def test_on_a_desktop_the_filters_are_open_without_a_button(open_journey: OpenJourney) -> None:
    journey = open_journey("desktop")
    page = journey.page
    journey.go("/events/?country=KG")
    journey.check()
    expect(page.locator("form.filters")).to_be_visible()
    expect(page.locator("summary", has_text="Filters")).to_be_hidden()
    journey.go("/measures/")
    journey.check()
    expect(page.locator("form.filters")).to_be_visible()
    expect(page.locator(".facets")).to_be_visible()
    expect(page.locator(".measures-table thead")).to_be_visible()


def test_add_an_event_opens_the_form(open_journey: OpenJourney) -> None:
    journey = open_journey("desktop", signed_in_as="editor")
    page = journey.page
    journey.go(LAW)
    journey.check()
    page.locator(".record-tools").get_by_role("link", name="Add an event").click()
    expect(page.get_by_label("What happened")).to_be_visible()
    expect(page.get_by_label("Date", exact=True)).to_be_visible()
    journey.check()
