"""In a real browser: the timeline embedded in a page on another port, on a phone, without JS.

Skipped when Chromium or the playwright package is missing (see pyproject's browser marker).
"""

from __future__ import annotations

import html
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from tracker.db import get_engine

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip("Chromium is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def tracker_url(
    database_url: str, engine: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The tracker served over HTTP on 127.0.0.1, reading the seeded test database."""
    app = make_app(database_url, tmp_path_factory.mktemp("live"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    get_engine(app).dispose()  # close its pooled connections now, not whenever GC runs


def serve_page(body: str) -> tuple[ThreadingHTTPServer, str]:
    """Another site, on another port, serving one page."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless", "--no-sandbox", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
            ],
        )  # fmt: skip
        yield browser
        browser.close()


def snippet_from(page_html: str) -> str:
    match = re.search(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", page_html, re.DOTALL)
    assert match
    return html.unescape(match.group(1))


def test_the_timeline_embeds_in_another_site(browser: Any, tracker_url: str) -> None:
    page = browser.new_page()
    page.goto(f"{tracker_url}/timeline/?country=KG")
    snippet = snippet_from(page.content())
    assert snippet.startswith(f'<iframe src="{tracker_url}/embed/timeline?country=KG"')
    other_site, other_url = serve_page(
        f"<!doctype html><title>An NGO's report</title><h1>Report</h1>{snippet}"
        f'<iframe id="blocked" src="{tracker_url}/timeline/"></iframe>'
    )
    try:
        errors: list[str] = []
        report = browser.new_page()
        report.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        report.goto(other_url, wait_until="networkidle")
        embedded = next(f for f in report.frames if "/embed/timeline" in f.url)
        chart = embedded.locator("svg.chart--timeline")
        assert chart.count() == 1
        assert embedded.locator("svg .lane-label").count() >= 7
        assert embedded.locator("svg a[target=_blank]").count() > 20
        # Every other page refuses to be framed: the browser shows nothing of it.
        blocked = [f for f in report.frames if f.url.startswith(f"{tracker_url}/timeline/")]
        assert not blocked or "Timeline" not in blocked[0].content()
        # The only policy violation is the refused frame: the embed itself uses no inline
        # style or script that its Content-Security-Policy would block.
        violations = [e for e in errors if "Content Security Policy" in e]
        assert violations
        assert all("frame-ancestors" in e for e in violations), violations
        # No cookie was set for the tracker's origin through the embed.
        assert report.context.cookies(tracker_url) == []
    finally:
        other_site.shutdown()
        other_site.server_close()


def test_on_a_phone_the_chart_keeps_readable_text_and_scrolls(
    browser: Any, tracker_url: str
) -> None:
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.goto(f"{tracker_url}/timeline/?country=KG&as_of=2024-02-08", wait_until="load")
    box = phone.locator(".chart-scroll").first
    sizes = box.evaluate("b => [b.scrollWidth, b.clientWidth, b.scrollLeft]")
    assert sizes[0] > sizes[1]  # wider than the phone: it scrolls sideways...
    assert sizes[2] > 0  # ... and starts at its recent end (charts.js)
    label = phone.locator("svg .lane-meta").first
    height = label.evaluate("t => t.getBoundingClientRect().height")
    assert height >= 11  # CSS pixels: as legible as the page's small print


def test_the_chart_works_without_javascript(browser: Any, tracker_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{tracker_url}/timeline/?country=KG")
    assert page.locator("svg.chart--timeline a").count() > 20
    assert page.locator("ol.entries li").count() > 60
    first = page.locator("svg.chart--timeline .marks a").first
    href = first.get_attribute("href")
    assert href is not None
    assert href.startswith("/measures/")
    context.close()
