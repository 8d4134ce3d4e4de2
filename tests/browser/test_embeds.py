"""The embeds in another site's page, in frames from a phone's width to a wide column: nothing
is cut, nothing sticks out sideways, and the frame is as tall as the chart (issue 16)."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import skip_unless_browser

skip_unless_browser()

from tests.browser.support import Guard, axe_violations, describe_violations  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Frame

    from tests.browser.conftest import LiveTracker, OtherSite
    from tests.browser.support import Screenshots

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 760, 1200)

# What is drawn in the frame: every text of the chart shown, and the page's own paragraphs,
# with their boxes, as the frame's viewport sees them.
_BOXES = """() => {
  const shown = [...document.querySelectorAll(".embed-variant")]
    .filter((v) => getComputedStyle(v).display !== "none");
  const texts = shown.flatMap((v) => [...v.querySelectorAll("text")])
    .filter((t) => t.closest("[display=none]") === null);
  const boxes = [...texts, ...document.querySelectorAll("main p")].map((el) => {
    const r = el.getBoundingClientRect();
    return {text: el.textContent, cls: el.getAttribute("class") || "", left: r.left,
            right: r.right, top: r.top, bottom: r.bottom, height: r.height};
  });
  const main = document.querySelector("main").getBoundingClientRect();
  return {variants: shown.map((v) => v.className), boxes: boxes,
          width: document.documentElement.clientWidth, height: window.innerHeight,
          scrollWidth: document.documentElement.scrollWidth, content: main.height,
          nodes: shown.flatMap((v) => [...v.querySelectorAll("rect.node")])
            .map((n) => n.getBoundingClientRect()).map((r) => [r.left, r.top])};
}"""


def _snippet(browser: Browser, url: str) -> str:
    page = browser.new_page()
    page.goto(url)
    match = re.search(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", page.content(), re.DOTALL)
    page.close()
    assert match, f"no embed snippet on {url}"
    return html.unescape(match.group(1))


def _cut(found: dict[str, Any]) -> list[str]:
    """Texts not wholly inside the frame."""
    width, height = found["width"], found["height"]
    return [
        f"{box['text']!r} ({box['cls']}) at {box['left']:.0f}–{box['right']:.0f} x "
        f"{box['top']:.0f}–{box['bottom']:.0f} in a {width}x{height} frame"
        for box in found["boxes"]
        if box["text"].strip()
        and (
            box["left"] < -0.5
            or box["right"] > width + 0.5
            or box["top"] < -0.5
            or box["bottom"] > height + 0.5
        )
    ]


@pytest.mark.parametrize(("kind", "page"), [("timeline", "/timeline/"), ("lineage", "/lineage/")])
def test_each_embed_fits_frames_from_320_to_1200_px_on_another_site(
    browser: Browser,
    live_tracker: LiveTracker,
    other_site: OtherSite,
    screenshots: Screenshots,
    kind: str,
    page: str,
) -> None:
    snippet = _snippet(browser, live_tracker.url + page)
    assert snippet.startswith(f'<iframe src="{live_tracker.url}/embed/{kind}')
    for width in WIDTHS:
        report_url = other_site.publish(
            f"/report-{kind}-{width}.html",
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>An NGO\'s report</title></head><body style="margin:0">'
            f'<main style="width:{width}px"><h1>Report</h1>{snippet}<p>After the chart.</p>'
            "</main></body></html>",
        )
        context = browser.new_context(viewport={"width": max(width, 360), "height": 900})
        guard = Guard(context)
        report = context.new_page()
        report.goto(report_url, wait_until="networkidle")
        frame: Frame = next(f for f in report.frames if f"/embed/{kind}" in f.url)
        frame.wait_for_load_state("load")
        # The snippet's line of script fits the frame to the chart's height at this width.
        content = frame.evaluate("() => document.querySelector('main').offsetHeight")
        report.wait_for_function(
            "(content) => Math.abs("
            "document.querySelector('iframe[data-tracker-embed]').clientHeight - content) < 4",
            arg=content,
        )
        found = frame.evaluate(_BOXES)
        where = f"{kind} in a {width}-px column"
        assert len(found["variants"]) == 1, f"{where}: shows {found['variants']}"
        assert found["width"] == width, f"{where}: the frame is {found['width']} px wide"
        assert found["scrollWidth"] <= found["width"], f"{where}: scrolls sideways"
        assert not _cut(found), f"{where}: cut off:\n" + "\n".join(_cut(found)[:10])
        # Tall enough for the chart and its source line, without a band of empty space.
        assert found["content"] <= found["height"] <= found["content"] + 24, (where, found)
        if width == 760:
            # Where no script runs, the snippet's own height is right for a blog's column.
            match = re.search(r'height="(\d+)"', snippet)
            assert match
            fixed = int(match.group(1))
            assert found["content"] <= fixed <= found["content"] + 40, (fixed, found["content"])
        titles = [b for b in found["boxes"] if "chart-title" in b["cls"]]
        title = " ".join(b["text"] for b in titles)
        expected = "Timeline: all countries" if kind == "timeline" else "Lineage: all countries"
        assert title == expected, where
        assert all(b["height"] >= 14 for b in titles), f"{where}: the title is too small"
        if kind == "timeline":
            lanes = [b for b in found["boxes"] if b["cls"] == "lane-label"]
            assert len(lanes) >= 9, where
            assert not [b["text"] for b in lanes if b["text"].endswith("…")], where
            assert all(b["height"] >= 9 for b in lanes), f"{where}: lane names too small"
            legend = [b["text"] for b in found["boxes"] if b["cls"] == "legend-label"]
            assert "Statement by an organization" in legend, where
        else:
            lefts = {round(left) for left, _top in found["nodes"]}
            # Narrow frames: the lineage runs down the page, one measure under the other.
            assert (len(lefts) == 1) == (width < 600), f"{where}: boxes at {sorted(lefts)}"
        violations = axe_violations(frame)
        assert not violations, describe_violations(violations)
        assert not guard.external, guard.external
        assert not guard.script_errors, guard.script_errors
        screenshots.take(report, f"embed-{kind}-{width}px", "phone" if width < 600 else "desktop")
        context.close()
