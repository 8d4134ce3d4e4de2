"""The advocate who follows a country by email: the follow link on Kyrgyzstan's page, an
address typed, the confirmation email read and its link followed; an editor extends the
protest ban through the edit form; a round runs and the digest that arrives says so."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.browser import skip_unless_browser

skip_unless_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.mailbox import links_in, text_of  # noqa: E402

if TYPE_CHECKING:
    from tests.browser.conftest import LiveTracker, OpenJourney
    from tests.mailbox import Mailbox

pytestmark = pytest.mark.browser

PROTEST_BANS = "kg-bishkek-protest-bans-2022"
ADVOCATE = "aigul.advocate@example.org"


def test_an_advocate_follows_kyrgyzstan_by_email_and_hears_that_the_ban_was_extended(
    open_journey: OpenJourney, live_tracker: LiveTracker, live_mailbox: Mailbox
) -> None:
    journey = open_journey()
    page = journey.page
    heading = page.get_by_role("heading", level=1)

    # Kyrgyzstan's page: follow it by email, with nothing but an address.
    journey.go("/countries/KG")
    journey.check()
    page.get_by_role("link", name="Follow by email").click()
    expect(heading).to_have_text("Follow Kyrgyzstan")
    journey.check("alerts-subscribe")
    page.get_by_label("Your email address").fill("not an address")
    page.get_by_role("button", name="Send me a confirmation link").click()
    expect(page.locator("#email-error")).to_contain_text("like name@example.org")
    expect(page.get_by_label("Your email address")).to_have_value("not an address")
    journey.check(status=422)
    page.get_by_label("Your email address").fill(ADVOCATE.upper())
    page.get_by_role("button", name="Send me a confirmation link").click()
    expect(heading).to_have_text("Check your inbox")
    expect(page.locator("main")).not_to_contain_text(ADVOCATE)
    journey.check("alerts-check-inbox")

    # The confirmation email: its link shows a button (a mail scanner's visit changes nothing).
    [confirmation] = live_mailbox.wait_for(ADVOCATE)
    assert confirmation["Subject"] == "Confirm: email alerts about Kyrgyzstan"
    [link] = [url for url in links_in(text_of(confirmation)) if "/alerts/confirm/" in url]
    assert link.startswith(live_tracker.url + "/")
    journey.go(urlsplit(link).path)
    expect(heading).to_have_text("Confirm your alerts")
    expect(page.locator("main")).to_contain_text("Kyrgyzstan")
    journey.check("alerts-confirm")
    page.get_by_role("button", name="Confirm").click()
    expect(heading).to_have_text("Alerts confirmed")
    journey.check("alerts-confirmed")

    # An editor extends the protest ban, through the measure page's own form.
    editor = open_journey(signed_in_as="editor")
    editor.go(f"/measures/{PROTEST_BANS}")
    editor.check()
    editor.page.locator("summary", has_text="Add an event").click()
    form = editor.page.locator("#add-event form")
    form.get_by_label("What happened").select_option(label="Extended")
    form.get_by_label("Date", exact=True).fill("28 November 2026")
    form.get_by_label("Until", exact=True).fill("31 March 2027")
    form.get_by_label("Who acted", exact=True).fill("Pervomaisky District Court")
    form.get_by_label("Sources").fill("https://example.org/24kg/ban-extended 24.kg")
    form.get_by_role("button", name="Add the event").click()
    expect(editor.page.locator(".flash--success")).to_contain_text("Created: Extended")
    editor.check("alerts-editor-extends-ban")
    # ... and follows it herself, in one click, then finds it among her alerts.
    follow = editor.page.locator('[data-follow="measure"]')
    follow.get_by_label("How often").select_option(label="Daily")
    follow.get_by_role("button", name="Follow").click()
    expect(editor.page.locator(".flash--success")).to_contain_text(
        "You now follow Protest bans in central Bishkek (2022–) by email (daily)"
    )
    editor.check()
    editor.page.get_by_role("navigation", name="Account").get_by_role(
        "link", name="Your alerts"
    ).click()
    expect(editor.page.get_by_role("heading", level=3)).to_have_text(
        ["Protest bans in central Bishkek (2022–)"]
    )
    expect(editor.page.locator("main")).not_to_contain_text(ADVOCATE)
    editor.check("alerts-account")

    # A round, as cron or the systemd timer runs it (README): the command, on the server's
    # database, sending through the server's mail settings.
    live_tracker.cli("alerts", "send")
    digest = live_mailbox.wait_for(ADVOCATE, count=2)[-1]
    text = text_of(digest)
    assert "Protest bans in central Bishkek" in text
    assert "Extended" in text
    assert "31 March 2027" in text
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/alerts/unsubscribe/" in digest["List-Unsubscribe"]
