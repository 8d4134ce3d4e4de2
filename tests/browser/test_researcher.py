"""The researcher's journey: sign in, log a new bill with its events and a statement, see the
status and the timeline follow, correct an event, read the change in the history, restore it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.browser import skip_unless_browser

skip_unless_browser()

from playwright.sync_api import Locator, Page, expect  # noqa: E402

from tests.browser.support import Journey, sign_in  # noqa: E402

if TYPE_CHECKING:
    from tests.browser.conftest import LiveTracker, OpenJourney

pytestmark = pytest.mark.browser

TITLE = "Draft law on the transparency of organizations receiving foreign funding"
SHORT_TITLE = "Foreign funding transparency bill (2023)"
ORIGINAL_TITLE = "Проект закона о прозрачности организаций, получающих иностранное финансирование"


def event_item(page: Page, what: str) -> Locator:
    """The event of the measure page's timeline whose type reads ``what``."""
    return page.locator("li.timeline__item").filter(
        has=page.locator(".timeline__what strong", has_text=re.compile(f"^{what}$"))
    )


def status_axis(page: Page, axis: str) -> Locator:
    """The value of one axis (stage, outcome, legal force) in the measure's status panel."""
    return (
        page.locator(".status-axes > div")
        .filter(has=page.locator("dt", has_text=re.compile(f"^{axis}$")))
        .locator("dd strong")
    )


def add_event(journey: Journey, what: str, typed_date: str, **fields: str) -> None:
    """Add an event from the measure page's own form, typing the date as a person would."""
    page = journey.page
    page.locator("summary", has_text="Add an event").click()
    form = page.locator("#add-event form")
    form.get_by_label("What happened").select_option(label=what)
    form.get_by_label("Date", exact=True).fill(typed_date)
    for label, value in fields.items():
        form.get_by_label(label.replace("_", " "), exact=True).fill(value)
    form.get_by_label("Sources").fill(
        "https://example.org/tj/parliament-register Register of bills, Majlisi Oli"
    )
    form.get_by_role("button", name="Add the event").click()
    expect(page.locator(".flash--success")).to_contain_text(f"Created: {what}")
    journey.check()


def test_a_researcher_logs_a_bill_and_corrects_it(
    open_journey: OpenJourney, live_tracker: LiveTracker
) -> None:
    journey = open_journey()
    page = journey.page
    journey.go("/")
    journey.check("home")
    sign_in(journey, live_tracker.accounts["editor"])
    journey.check()

    # A new bill, from the account menu.
    page.get_by_role("navigation", name="Account").get_by_role("link", name="New measure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New measure")
    journey.check("new-measure-form")
    page.get_by_label("Official title (English)").fill(TITLE)
    page.get_by_label("Short title").fill(SHORT_TITLE)
    page.get_by_label("Country").select_option(label="Tajikistan")
    page.get_by_label("Kind").select_option(label="Bill")
    page.get_by_label("Title in the original language").fill(ORIGINAL_TITLE)
    page.get_by_label("Language code").fill("ru")
    page.get_by_label("Popular names").fill("foreign funding bill")
    page.get_by_label("Freedom of association").check()
    page.get_by_label("Foreign funding").check()
    page.get_by_label("Summary").fill(
        "Would oblige organizations that receive **foreign funding** to register and report."
    )
    page.get_by_label("Sources for the measure").fill(
        "https://example.org/tj/draft-law Draft published by the Ministry of Justice"
    )
    page.get_by_role("button", name="Create the measure").click()
    expect(page.locator(".flash--success")).to_contain_text("Created")
    expect(page.get_by_role("heading", level=1)).to_have_text(SHORT_TITLE)
    expect(page.locator(".original-title")).to_have_text(ORIGINAL_TITLE)
    expect(page.locator(".status-panel")).to_contain_text("Derived from 0 recorded events")
    journey.check()
    measure_url = page.url

    # A date typed in a form nobody can read is refused, and what was typed stays.
    page.locator("summary", has_text="Add an event").click()
    form = page.locator("#add-event form")
    form.get_by_label("What happened").select_option(label="Introduced")
    form.get_by_label("Date", exact=True).fill("sometime in autumn")
    form.get_by_role("button", name="Add the event").click()
    expect(page.get_by_role("heading", name="Nothing was saved yet")).to_be_visible()
    date_field = page.get_by_label("Date", exact=True)
    expect(date_field).to_have_value("sometime in autumn")
    expect(date_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error").first).to_contain_text("Oct 2023")
    journey.check("event-form-error", status=422)
    page.goto(measure_url)
    journey.check()

    # Events typed the way people type dates.
    add_event(journey, "Drafted", "c. 2022", Who_acted="Ministry of Justice")
    add_event(journey, "Introduced", "Oct 2023", Who_acted="Government")
    add_event(journey, "First reading", "25.10.2023", Votes_for="48", against="9")
    add_event(journey, "Passed", "end of March 2024", Who_acted="Majlisi Namoyandagon")

    expect(event_item(page, "Drafted").locator("time")).to_have_text("c. 2022")
    expect(event_item(page, "Introduced").locator("time")).to_have_text("October 2023")
    expect(event_item(page, "First reading").locator("time")).to_have_text("25 October 2023")
    expect(event_item(page, "First reading")).to_contain_text("Vote: 48 for, 9 against")
    expect(event_item(page, "Passed").locator("time")).to_have_text("31 March 2024")
    # The status is derived from them.
    status = page.locator(".status-panel")
    expect(status.locator(".status-summary .badge")).to_have_text("Passed")
    expect(status_axis(page, "Stage")).to_have_text("Passed")
    expect(status_axis(page, "Outcome")).to_have_text("Pending")
    expect(status_axis(page, "Legal force")).to_have_text("Not in force")
    expect(status).to_contain_text("Derived from 4 recorded events")
    journey.check("measure-page-signed-in")

    # A statement about it, with a quote and a source.
    page.get_by_role("link", name="Add a statement about this measure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New statement")
    journey.check("new-statement-form")
    page.get_by_label("Title", exact=True).fill("Tajikistan: drop the foreign funding bill")
    page.get_by_label("Organization", exact=True).fill("Amnesty International")
    page.get_by_label("Date", exact=True).fill("2 апреля 2024")
    page.get_by_label("Type").select_option(label="Public statement")
    page.get_by_label("Stance").select_option(label="Opposes")
    page.get_by_label("Withdraw").check()
    page.get_by_label("Web address of the statement").fill("https://example.org/amnesty/tj-bill")
    page.get_by_label("Quote").first.fill(
        "This bill would brand independent groups as agents of foreign interests."
    )
    page.get_by_label("Sources", exact=True).fill(
        "https://example.org/amnesty/tj-bill-report Amnesty International report"
    )
    page.get_by_role("button", name="Create the statement").click()
    expect(page.locator(".flash--success")).to_contain_text("Created")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tajikistan: drop the foreign funding bill"
    )
    expect(page.locator("blockquote")).to_contain_text("agents of foreign interests")
    journey.check("statement-page")
    page.get_by_role("link", name=SHORT_TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SHORT_TITLE)
    statement = page.locator("article.statement")
    expect(statement).to_contain_text("2 April 2024")
    expect(statement).to_contain_text("Amnesty International")
    expect(statement.locator("blockquote")).to_contain_text("agents of foreign interests")
    journey.check()

    # The timeline has a lane for it, with a mark for each event and the statement.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline: all countries")
    journey.check()
    page.get_by_label("Country").select_option(label="Tajikistan")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline: Tajikistan")
    journey.check()
    lane = page.locator("svg.chart--timeline g.lane").filter(has_text=SHORT_TITLE)
    expect(lane).to_have_count(1)
    expect(lane.locator(".lane-meta")).to_have_text("Foreign funding bill · Bill · Passed")
    # Five marks drawn, alone or in a group of marks close together.
    expect(page.locator("svg.chart--timeline .marks .mark")).to_have_count(5)
    expect(page.locator("ol.entries")).to_contain_text("Tajikistan: drop the foreign funding bill")
    journey.check("timeline-new-bill")

    # Correct the date of the introduction, with a reason.
    page.goto(measure_url)
    journey.check()
    event_item(page, "Introduced").get_by_role("link", name="Edit this event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the event")
    journey.check("edit-event-form")
    expect(page.get_by_label("Date", exact=True)).to_have_value("October 2023")
    page.get_by_label("Date", exact=True).fill("17.10.2023")
    page.get_by_label("Why this change? (optional)").fill("Date from the parliament's register")
    page.get_by_role("button", name="Save the event").click()
    expect(page.locator(".flash--success")).to_contain_text("Saved")
    expect(event_item(page, "Introduced").locator("time")).to_have_text("17 October 2023")
    journey.check()

    # The history says who changed what, when and why.
    event_item(page, "Introduced").get_by_role("link", name="History of this event").click()
    expect(page.locator(".eyebrow")).to_have_text("History of the event")
    revisions = page.locator("ol.revisions > li")
    expect(revisions).to_have_count(2)
    newest = revisions.first
    expect(newest.locator(".revision__meta")).to_contain_text("Changed by Rosa Researcher")
    expect(newest.locator(".revision__meta")).to_contain_text("Date from the parliament's register")
    expect(newest.locator("table.diff")).to_contain_text("October 2023")
    expect(newest.locator("table.diff")).to_contain_text("17 October 2023")
    expect(revisions.last.locator(".revision__meta")).to_contain_text("Created by Rosa Researcher")
    journey.check("event-history")

    # Restore the version as first entered: the history grows, nothing is lost.
    created = revisions.last
    created.get_by_label("Reason").fill("The register date was for another bill")
    created.get_by_role("button", name="Restore this version").click()
    expect(page.locator(".flash--success")).to_contain_text("Restored")
    expect(revisions).to_have_count(3)
    expect(revisions.first.locator(".revision__meta")).to_contain_text(
        "Restored by Rosa Researcher"
    )
    journey.check("event-history-restored")
    page.get_by_role("link", name="See it as it is now").click()
    expect(event_item(page, "Introduced").locator("time")).to_have_text("October 2023")
    expect(page.locator(".status-panel")).to_contain_text("Derived from 4 recorded events")
    journey.check()
