"""The tracker mounted under a sub-path (``SCRIPT_NAME=/tracker``, as behind a proxy that
serves it at https://example.org/tracker/): every address it writes must lead back into it.

The app is served through werkzeug's DispatcherMiddleware, as a WSGI server mounting it would,
and every link, source, form action, redirect, embed snippet and chart link of the main pages is
followed: a same-site address must start with /tracker/ (never /tracker/tracker/, which a second
copy of the prefix makes) and be answered with neither 404 nor 500.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client, TestResponse

PREFIX = "/tracker"
HOST = "localhost"
MEASURE = "kg-foreign-representatives-law-2024"

PAGES = [
    "/",
    "/measures/",
    f"/measures/{MEASURE}",
    "/countries/",
    "/countries/KG",
    "/timeline/?country=KG",
    "/lineage/",
    f"/lineage/?measure={MEASURE}",
    "/statements/",
    "/events/",
    "/organizations/",
    "/search?q=foreign",
    "/upcoming/",
    "/embed/timeline?country=KG",
    "/embed/lineage",
    f"/measures/{MEASURE}/brief",
    "/brief?country=KG",
    "/data/",
]

# What chart pages offer for download: their own links must lead into the tracker too.
CHART_DOWNLOADS = ["/timeline.svg?country=KG", "/lineage.svg", f"/measures/{MEASURE}/feed.atom"]

# href, src, action, and SVG's xlink:href; quoted either way.
ATTRIBUTE = re.compile(r"""(?:\bhref|\bsrc|\baction|xlink:href)\s*=\s*("[^"]*"|'[^']*')""")
SNIPPET = re.compile(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", flags=re.DOTALL)


def mounted(app: Flask) -> Client:
    """A client of the app as a server mounting it at /tracker runs it."""
    return Client(DispatcherMiddleware(NotFound(), {PREFIX: app}))


def addresses(body: str) -> Iterator[str]:
    """Every address a page names: attributes, and the embed snippet's iframe inside its
    textarea (text there, escaped twice over: once as HTML, once as the snippet's own)."""
    for match in ATTRIBUTE.finditer(body):
        yield html.unescape(match.group(1)[1:-1])
    for snippet in SNIPPET.findall(body):
        yield from addresses(html.unescape(snippet))


def same_site(base: str, address: str) -> str | None:
    """The path and query of a same-site address, resolved against the page; None otherwise."""
    if address.startswith(("mailto:", "tel:", "data:", "javascript:")) or address.startswith("#"):
        return None
    url = urlsplit(urljoin(f"http://{HOST}{base}", address))
    if url.scheme not in ("http", "https") or url.hostname != HOST:
        return None
    return url.path + (f"?{url.query}" if url.query else "")


def get(client: Client, path: str) -> TestResponse:
    # Buffered: a streamed download is read to its end and closed, as a server does.
    return client.get(path, base_url=f"http://{HOST}", buffered=True)


def misplaced(found: str) -> str | None:
    """What is wrong with a same-site address, if anything."""
    if found.startswith(PREFIX + PREFIX + "/"):
        return "the prefix twice"
    if not found.startswith(PREFIX + "/"):
        return f"outside {PREFIX}/"
    return None


@pytest.fixture
def client(app: Flask) -> Client:
    return mounted(app)


def test_the_pages_answer_under_the_prefix(client: Client) -> None:
    for page in PAGES:
        response = get(client, PREFIX + page)
        assert response.status_code == 200, page


def test_every_address_of_the_main_pages_leads_into_the_mounted_tracker(client: Client) -> None:
    to_follow: dict[str, str] = {}  # address -> the page that names it
    named: set[str] = set()
    failures = []
    for page in [*PAGES, *CHART_DOWNLOADS]:
        response = get(client, PREFIX + page)
        assert response.status_code == 200, page
        for address in addresses(response.get_data(as_text=True)):
            found = same_site(PREFIX + page, address)
            if found is None:
                continue
            named.add(found)
            if (wrong := misplaced(found)) is not None:
                failures.append(f"{page} names {found}: {wrong}")
            else:
                to_follow.setdefault(found, page)
    # The chart links, the downloads and the embeds are among them (the test sees them all).
    for expected in ("/embed/timeline?", "/timeline.svg", "/timeline.png", "/events.csv"):
        assert any(expected in found for found in named), expected

    for found, page in sorted(to_follow.items()):
        response = get(client, found)
        if response.status_code in (404, 500):
            failures.append(f"{found} (named by {page}): {response.status_code}")
        location = response.headers.get("Location")
        if location:
            target = same_site(found, location)
            if target is not None and (wrong := misplaced(target)) is not None:
                failures.append(f"{found} redirects to {target}: {wrong}")
    assert not failures, "\n".join(failures)


def test_the_sign_in_page_comes_back_to_the_page_under_the_prefix(client: Client) -> None:
    response = get(client, f"{PREFIX}/changes?page=2")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == f"{PREFIX}/login"
    assert parse_qs(location.query)["next"] == [f"{PREFIX}/changes?page=2"]
