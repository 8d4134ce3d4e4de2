"""What every journey shares: the guard, the accessibility scan, screenshots, keyboard helpers.

A ``Journey`` is one person's tab: after each step the test calls ``journey.check()``, which
fails on an unexpected HTTP status, any request that left this machine (the route guard aborts
it), any resource the page names on another host or a missing icon (fetched by the browser out
of the route guard's sight), any console or script error, any Content Security Policy violation
and any serious or critical axe-core finding on the page shown; it can save a screenshot.
``journey.finish()`` (run after each test) fails if a page was visited and never checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Frame,
    Page,
    Response,
    Route,
    WebError,
    expect,
)

from tests.browser import Account

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})

# Reported through a binding (not the console) so that a violation in any frame is caught even
# when the page silences console messages. Init scripts and bindings are installed by the
# browser itself, so the page's own strict policy does not block them.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__trackerCspViolation({
    directive: event.effectiveDirective || event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile || document.location.href,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""


class Guard:
    """Watches a browser context for what no page of the tracker may do."""

    def __init__(self, context: BrowserContext) -> None:
        self.external: list[str] = []
        self.console_errors: list[str] = []
        self.script_errors: list[str] = []
        self.csp_violations: list[str] = []
        context.route("**/*", self._route)
        context.on("console", self._console)
        context.on("weberror", self._web_error)
        context.expose_binding("__trackerCspViolation", self._csp)
        context.add_init_script(_CSP_LISTENER)

    def _route(self, route: Route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in LOCAL_HOSTS:
            route.continue_()
        else:
            self.external.append(f"{route.request.method} {route.request.url}")
            route.abort("blockedbyclient")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "") if message.location else ""
        text = f"{message.text} ({where})" if where else message.text
        if "Content Security Policy" in message.text:
            self.csp_violations.append(text)
        else:
            self.console_errors.append(text)

    def expected_failure(self, url: str, status: int) -> None:
        """The browser's own "failed to load" line for a page the test meant to fail (a form
        sent back with its errors and 422) is no error of the page."""
        line = f"the server responded with a status of {status}"
        self.console_errors = [
            text for text in self.console_errors if not (line in text and text.endswith(f"({url})"))
        ]

    def _web_error(self, error: WebError) -> None:
        self.script_errors.append(str(error.error))

    def _csp(self, _source: Any, info: dict[str, Any]) -> None:
        self.csp_violations.append(
            f"{info.get('directive')} blocked {info.get('blocked') or 'inline code'}"
            f" in {info.get('source')}:{info.get('line')} {info.get('sample') or ''}".rstrip()
        )

    def problems(self) -> list[str]:
        """Everything seen so far that should not have happened, one line each."""
        return [
            *(f"request left this machine: {line}" for line in self.external),
            *(f"console error: {line}" for line in self.console_errors),
            *(f"script error: {line}" for line in self.script_errors),
            *(f"Content Security Policy violation: {line}" for line in self.csp_violations),
        ]


# What the browser fetches on its own, outside the page's network events (so the route guard
# never sees it): the icon, resource hints (dns-prefetch, preconnect) and the like. A page must
# name nothing on another host there, and must name its icon, or every browser asks
# /favicon.ico and logs a 404.
_REFERENCES = """
() => {
  const found = [];
  const selectors = "link[href], script[src], img[src], iframe[src], source[src], video[src], "
    + "audio[src], track[src], embed[src], input[src], object[data], video[poster], [srcset], "
    + "form[action]";
  for (const el of document.querySelectorAll(selectors)) {
    for (const name of ["href", "src", "data", "poster", "action"]) {
      if (el.hasAttribute(name)) found.push([el.tagName.toLowerCase(), el.getAttribute("rel") || "",
        new URL(el.getAttribute(name), document.baseURI).href]);
    }
    for (const part of (el.getAttribute("srcset") || "").split(",")) {
      if (part.trim()) found.push([el.tagName.toLowerCase(), "srcset",
        new URL(part.trim().split(/\\s+/)[0], document.baseURI).href]);
    }
  }
  return {references: found, icon: !!document.querySelector("link[rel~='icon']")};
}
"""


def off_site_references(page: Page | Frame) -> list[str]:
    """Addresses on another host that the page would have the browser fetch, and a missing
    icon."""
    found = page.evaluate(_REFERENCES)
    problems = [
        f"<{tag}{' rel=' + rel if rel else ''}> refers to {url}"
        for tag, rel, url in found["references"]
        if url.startswith(("http:", "https:", "//")) and urlsplit(url).hostname not in LOCAL_HOSTS
    ]
    if not found["icon"]:
        problems.append("no <link rel=icon>: the browser asks /favicon.ico, which is a 404")
    return problems


# --------------------------------------------------------------------------------------------
# Accessibility

_AXE = Axe()
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(target: Page | Frame) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on a page or a frame."""
    # iframes: False, because a frame from another origin has no axe to answer; frames are
    # scanned on their own (the embed).
    results = _AXE.run(target, options={"resultTypes": ["violations"], "iframes": False})
    return [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """A report a person can act on: rule, what it asks, and where on the page."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            lines.append(f"    at {target}: {summary}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Screenshots


@dataclass
class Screenshots:
    """Full-page screenshots of the key pages, for a person to look at after the run."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def take(self, page: Page, name: str, device: str) -> Path:
        path = self.folder / f"{name}-{device}.png"
        page.screenshot(path=path, full_page=True)
        self.taken.append(path)
        return path


# --------------------------------------------------------------------------------------------
# The journey


def _page_address(url: str) -> str:
    return url.split("#", 1)[0]


class Journey:
    """One person's tab, checked after every step."""

    def __init__(
        self, page: Page, guard: Guard, screenshots: Screenshots, device: str, base_url: str
    ) -> None:
        self.page = page
        self.guard = guard
        self.screenshots = screenshots
        self.device = device
        self.base_url = base_url
        self.visited: list[str] = []
        self.checked: set[str] = set()
        self.statuses: dict[str, int] = {}
        page.on("framenavigated", self._navigated)
        page.on("response", self._response)

    def _response(self, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self.statuses[_page_address(response.url)] = response.status

    def _navigated(self, frame: Frame) -> None:
        if frame.parent_frame is None and frame.url.startswith("http"):
            address = _page_address(frame.url)
            if address not in self.visited:
                self.visited.append(address)

    def url(self, path: str) -> str:
        return self.base_url + path

    def go(self, path: str) -> None:
        """Open a page by its address, as a person following a bookmark or a shared link."""
        response = self.page.goto(self.url(path))
        assert response is not None
        assert response.ok, f"{path}: HTTP {response.status}"

    def check(self, screenshot: str | None = None, status: int = 200) -> None:
        """The page shown broke no rule: its HTTP status, guard, console, CSP, axe-core; then
        a screenshot (``status``: what the page should answer, 422 for a form with errors)."""
        self.page.wait_for_load_state("load")
        address = _page_address(self.page.url)
        assert self.statuses.get(address) == status, (
            f"{address} answered {self.statuses.get(address)}, not {status}"
        )
        if status >= 400:
            self.guard.expected_failure(address, status)
        self.assert_clean(self.page.url)
        references = off_site_references(self.page)
        assert not references, f"on {self.page.url}:\n" + "\n".join(references)
        violations = axe_violations(self.page)
        assert not violations, (
            f"accessibility problems on {self.page.url}:\n{describe_violations(violations)}"
        )
        self.checked.add(_page_address(self.page.url))
        if screenshot:
            self.screenshots.take(self.page, screenshot, self.device)

    def check_frame(self, frame: Frame) -> None:
        """A frame (the embed inside another site's page): what it refers to, accessibility."""
        references = off_site_references(frame)
        assert not references, f"in the frame {frame.url}:\n" + "\n".join(references)
        violations = axe_violations(frame)
        assert not violations, (
            f"accessibility problems in the frame {frame.url}:\n{describe_violations(violations)}"
        )

    def assert_clean(self, where: str) -> None:
        problems = self.guard.problems()
        assert not problems, f"at {where}:\n" + "\n".join(problems)

    def finish(self) -> None:
        """Nothing went wrong since the last check, and every page visited was checked."""
        self.assert_clean(self.page.url)
        unchecked = [url for url in self.visited if url not in self.checked]
        assert not unchecked, f"pages visited but never checked: {unchecked}"


# --------------------------------------------------------------------------------------------
# Signing in, finding a measure


def sign_in(journey: Journey, account: Account) -> None:
    """Sign in through the form, from the link in the header, as a person does."""
    page = journey.page
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    journey.check("sign-in")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    account_menu = page.get_by_role("navigation", name="Account")
    expect(account_menu.get_by_role("link", name=account.name)).to_be_visible()


def find_measure(journey: Journey, words: str) -> None:
    """Look measures up the way a reader does: the search box in the header, then the
    matching measures as a list (where their statuses, filters and downloads are)."""
    page = journey.page
    search = page.get_by_role("search", name="Search the tracker")
    search.get_by_label("Search").fill(words)
    search.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search\?q="))
    expect(page.get_by_role("heading", name=re.compile(r"^Measures"))).to_be_visible()
    journey.check("search-results")
    page.get_by_role("link", name=re.compile("These measures as a list")).click()
    page.wait_for_url(re.compile(r"/measures/\?.*q="))


# --------------------------------------------------------------------------------------------
# Keyboard and layout

_FOCUSED = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  let indicator = null;
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) {
    indicator = "outline";
  } else if (el.closest("svg")) {
    // Chart links show focus on what they contain: a thicker stroke, an underlined label.
    const shape = el.querySelector(".mark, .node");
    const label = el.querySelector(".lane-label, .node-label");
    if (shape && parseFloat(getComputedStyle(shape).strokeWidth) >= 2.5) indicator = "stroke";
    else if (label && getComputedStyle(label).textDecorationLine.includes("underline")) {
      indicator = "underline";
    }
  } else if (style.boxShadow !== "none") {
    indicator = "box-shadow";
  }
  const text = (el.getAttribute("aria-label") || el.innerText || el.textContent || "").trim();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id || "",
    name: el.getAttribute("name") || "",
    type: el.getAttribute("type") || "",
    href: el.getAttribute("href") || "",
    text: text.replace(/\\s+/g, " ").slice(0, 80),
    label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : "",
    in_chart: !!el.closest("svg.chart"),
    indicator: indicator,
  };
}
"""


@dataclass
class Focus:
    """What has the keyboard focus, as a person would describe it."""

    tag: str
    id: str
    name: str
    type: str
    href: str
    text: str
    label: str
    in_chart: bool
    indicator: str | None

    def __str__(self) -> str:
        what = self.label or self.text or self.href
        return f"<{self.tag}{' #' + self.id if self.id else ''}> {what!r}"


def focused(page: Page) -> Focus | None:
    """The element that has the focus now (None: the page itself)."""
    found = page.evaluate(_FOCUSED)
    return Focus(**found) if found else None


def tab(page: Page, key: str = "Tab") -> Focus:
    """Press Tab (or Shift+Tab) and say where the focus went."""
    page.keyboard.press(key)
    now = focused(page)
    assert now is not None, f"{key} left the focus nowhere"
    return now


def tab_stops(page: Page, until: Any, limit: int = 600) -> Iterator[Focus]:
    """Tab through the page, yielding each stop, up to the one ``until(focus)`` accepts."""
    for _ in range(limit):
        stop = tab(page)
        yield stop
        if until(stop):
            return
    raise AssertionError(f"{limit} presses of Tab never reached the stop looked for")


def tab_to(page: Page, until: Any, limit: int = 600) -> Focus:
    """Tab until ``until(focus)`` accepts the stop; that stop."""
    stops = list(tab_stops(page, until, limit))
    return stops[-1]


_OVERFLOW = """
() => {
  const width = document.documentElement.clientWidth;
  const insideScroller = (el) => {
    // A box positioned absolutely is clipped by the scroll containers around its containing
    // block, not by those around it in the document (the visually hidden text in a table).
    const position = getComputedStyle(el).position;
    if (position === "fixed") return false;
    const start = position === "absolute" ? el.offsetParent : el.parentElement;
    for (let p = start; p && p !== document.body; p = p.parentElement) {
      const overflow = getComputedStyle(p).overflowX;
      if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") return true;
    }
    return false;
  };
  const describe = (el) => {
    const classes = el.classList.length ? "." + Array.from(el.classList).join(".") : "";
    const text = (el.innerText || el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50);
    return `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${classes}> "${text}"`;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= width + 1) continue;
    if (insideScroller(el)) continue;
    wide.push(`${describe(el)} reaches ${Math.round(box.right)}px`);
  }
  return {page: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 12)};
}
"""


def horizontal_overflow(page: Page) -> list[str]:
    """What sticks out sideways beyond the viewport, outside scroll containers (the charts)."""
    found = page.evaluate(_OVERFLOW)
    problems = list(found["wide"])
    if found["page"] > found["width"]:
        problems.insert(0, f"the page is {found['page']}px wide in a {found['width']}px viewport")
    return problems
