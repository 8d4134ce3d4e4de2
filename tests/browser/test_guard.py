"""The checks every journey relies on can fail: each is shown a page that breaks its rule.

The pages come from the other site (a plain server with no Content-Security-Policy), where
anything can be written, so these tests do not depend on the tracker's own pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser import skip_unless_browser

skip_unless_browser()

from playwright.sync_api import BrowserContext, Page  # noqa: E402

from tests.browser.support import (  # noqa: E402
    Guard,
    axe_violations,
    horizontal_overflow,
    off_site_references,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from tests.browser.conftest import OtherSite

pytestmark = pytest.mark.browser

HEAD = '<!doctype html><html lang="en"><head><title>Test</title><link rel="icon" href="data:,">'


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context
    context.close()


def show(context: BrowserContext, other_site: OtherSite, name: str, body: str) -> Page:
    page = context.new_page()
    page.goto(other_site.publish(f"/guard/{name}.html", f"{HEAD}{body}"))
    page.wait_for_load_state("load")
    return page


def test_a_request_to_another_host_is_stopped_and_recorded(
    context: BrowserContext, other_site: OtherSite
) -> None:
    guard = Guard(context)
    show(context, other_site, "font", '<link rel="stylesheet" href="https://fonts.example/x.css">')
    assert guard.external == ["GET https://fonts.example/x.css"]
    assert any("request left this machine" in line for line in guard.problems())


def test_console_and_script_errors_are_recorded(
    context: BrowserContext, other_site: OtherSite
) -> None:
    guard = Guard(context)
    # (The other site has no policy against inline scripts; the tracker's pages do.)
    show(context, other_site, "errors", "<script>console.error('boom'); null.x;</script>")
    assert guard.console_errors == ["boom (" + other_site.url + "/guard/errors.html)"]
    assert len(guard.script_errors) == 1
    assert "null" in guard.script_errors[0]


def test_a_content_security_policy_violation_is_recorded(
    context: BrowserContext, other_site: OtherSite
) -> None:
    guard = Guard(context)
    show(
        context,
        other_site,
        "csp",
        '<meta http-equiv="Content-Security-Policy" content="img-src \'none\'">'
        f'<img src="{other_site.url}/pixel.png" alt="">',
    )
    assert any("img-src" in line for line in guard.csp_violations), guard.csp_violations


def test_resource_hints_and_a_missing_icon_are_caught(
    context: BrowserContext, other_site: OtherSite
) -> None:
    page = context.new_page()
    page.goto(
        other_site.publish(
            "/guard/hints.html",
            "<!doctype html><title>Hints</title>"
            '<link rel="preconnect" href="https://fonts.gstatic.example">',
        )
    )
    problems = off_site_references(page)
    assert "<link rel=preconnect> refers to https://fonts.gstatic.example/" in problems
    assert any("rel=icon" in line for line in problems)


def test_axe_reports_a_field_without_a_label(
    context: BrowserContext, other_site: OtherSite
) -> None:
    page = show(context, other_site, "label", '<main><h1>Form</h1><input type="text"></main>')
    assert [v["id"] for v in axe_violations(page)] == ["label"]


def test_overflow_is_caught_outside_a_scroll_container_only(
    context: BrowserContext, other_site: OtherSite
) -> None:
    page = show(
        context,
        other_site,
        "wide",
        '<div style="overflow-x: auto"><div style="width: 900px">scrolls</div></div>'
        '<p id="wide" style="width: 600px">too wide</p>',
    )
    problems = horizontal_overflow(page)
    assert problems[0].startswith("the page is 6"), problems  # 600 px and the body's margin
    assert problems[0].endswith("wide in a 390px viewport"), problems
    assert any(line.startswith('<p#wide> "too wide" reaches 6') for line in problems)
    assert not any("scrolls" in line for line in problems)
