"""The charts in a real browser: embedded in a page on another port (and every other page
refusing to be framed there), on a phone, without JavaScript."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

import pytest

from tests.browser import skip_unless_browser

skip_unless_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.support import Guard  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from tests.browser.conftest import LiveTracker, OtherSite
    from tests.browser.support import Screenshots

pytestmark = pytest.mark.browser


def snippet_from(page_html: str) -> str:
    match = re.search(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", page_html, re.DOTALL)
    assert match
    return html.unescape(match.group(1))


def test_the_timeline_embeds_in_another_site(
    browser: Browser, live_tracker: LiveTracker, other_site: OtherSite
) -> None:
    tracker_url = live_tracker.url
    page = browser.new_page()
    page.goto(f"{tracker_url}/timeline/?country=KG")
    snippet = snippet_from(page.content())
    page.close()
    assert snippet.startswith(f'<iframe src="{tracker_url}/embed/timeline?country=KG"')
    report_url = other_site.publish(
        "/framing.html",
        f"<!doctype html><title>An NGO's report</title><h1>Report</h1>{snippet}"
        f'<iframe id="blocked" src="{tracker_url}/timeline/"></iframe>',
    )
    context = browser.new_context()
    guard = Guard(context)
    report = context.new_page()
    report.goto(report_url, wait_until="networkidle")
    embedded = next(f for f in report.frames if "/embed/timeline" in f.url)
    # Drawn for four frame widths; the one that fits this frame shows.
    assert embedded.locator("svg.chart--timeline").count() == 4
    chart = embedded.locator("svg.chart--timeline:visible")
    assert chart.count() == 1
    assert chart.locator(".lane-label").count() >= 7
    assert chart.locator("a[target=_blank]").count() > 20
    # Every other page refuses to be framed: the browser shows nothing of it.
    blocked = [f for f in report.frames if f.url.startswith(f"{tracker_url}/timeline/")]
    assert not blocked or "Timeline" not in blocked[0].content()
    # The only policy violation is the refused frame: the embed itself uses no inline
    # style or script that its Content-Security-Policy would block.
    assert guard.csp_violations
    assert all("frame-ancestors" in line for line in guard.csp_violations), guard.csp_violations
    assert not guard.external
    assert not guard.script_errors
    # No cookie was set for the tracker's origin through the embed.
    assert context.cookies(tracker_url) == []
    context.close()


def test_on_a_phone_the_chart_keeps_readable_text_and_scrolls(
    browser: Browser, live_tracker: LiveTracker
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone = context.new_page()
    phone.goto(f"{live_tracker.url}/timeline/?country=KG&as_of=2024-02-08", wait_until="load")
    box = phone.locator(".chart-scroll").first
    sizes = box.evaluate("b => [b.scrollWidth, b.clientWidth, b.scrollLeft]")
    assert sizes[0] > sizes[1]  # wider than the phone: it scrolls sideways...
    assert sizes[2] > 0  # ... and starts at its recent end (charts.js)
    label = phone.locator("svg .lane-meta").first
    height = label.evaluate("t => t.getBoundingClientRect().height")
    assert height >= 11  # CSS pixels: as legible as the page's small print
    context.close()


def test_the_chart_works_without_javascript(browser: Browser, live_tracker: LiveTracker) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_tracker.url}/timeline/?country=KG")
    assert page.locator("svg.chart--timeline a").count() > 20
    assert page.locator("ol.entries li").count() > 60
    first = page.locator("svg.chart--timeline .marks a").first
    href = first.get_attribute("href")
    assert href is not None
    assert href.startswith("/measures/")
    context.close()


def test_marks_show_their_details_on_focus_and_on_tap(
    browser: Browser, live_tracker: LiveTracker, screenshots: Screenshots
) -> None:
    from tests.browser.support import axe_violations, describe_violations

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    guard = Guard(context)
    page = context.new_page()
    page.goto(f"{live_tracker.url}/timeline/?country=KG", wait_until="load")
    panel = page.locator(".chart-details")
    single = page.locator("svg.chart--timeline .marks > a").filter(
        has_not=page.locator("g.mark-group")
    )
    first = single.first
    title = first.locator("title").text_content() or ""
    # Keyboard: focusing a mark says what it is, next to it...
    first.focus()
    expect(panel).to_be_visible()
    expect(panel.locator(".chart-details__title")).to_have_text(title.split("\n")[0])
    expect(panel.get_by_role("link", name="Open the measure")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    # ... a group of marks close together lists them all, and Escape comes back to it.
    group = page.locator("svg.chart--timeline .marks > a:has(g.mark-group)").first
    badge = group.locator(".mark-badge-label").text_content() or ""
    group.focus()
    page.keyboard.press("Enter")
    expect(panel.locator("li")).to_have_count(int(badge.removeprefix("+")) + 1)
    assert page.evaluate("document.activeElement.closest('.chart-details') !== null")
    screenshots.take(page, "timeline-group-details", "desktop")
    assert "/timeline/" in page.url  # listed, not followed
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert page.evaluate("document.activeElement.closest('.marks') !== null")
    # Enter on a single mark opens its measure.
    first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/measures/" in page.url
    context.close()
    assert not guard.script_errors, guard.script_errors

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    tab = phone.new_page()
    tab.goto(f"{live_tracker.url}/timeline/?country=KG", wait_until="load")
    mark = (
        tab.locator("svg.chart--timeline .marks > a")
        .filter(has_not=tab.locator("g.mark-group"))
        .last
    )
    mark.scroll_into_view_if_needed()
    mark.tap()
    details = tab.locator(".chart-details")
    expect(details).to_be_visible()  # the first tap shows the details...
    screenshots.take(tab, "timeline-mark-details", "phone")
    assert "/timeline/" in tab.url
    with tab.expect_navigation():
        details.get_by_role("link").first.tap()  # ... and the panel's link opens the mark
    assert "/measures/" in tab.url or "/statements/" in tab.url
    phone.close()
