"""Redirects that every page and API address makes the same way: a trailing slash that
routing adds, and the addresses of a record merged into another.

In the shared layer rather than in each view: every page of a measure (brief, feed, calendar,
citation) and its API address answer alike, and pages added later do too.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, redirect, request, url_for
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers.response import Response

from tracker.db import get_session
from tracker.http.access import reader
from tracker.services import merging

# The path segment before <slug> in a route, and the kind of record the slug names.
MERGED_PATHS = {"measures": "measure", "organizations": "organization", "people": "person"}


def init_app(app: Flask) -> None:
    @app.before_request
    def relative_slash_redirect() -> Response | None:
        # Werkzeug answers /timeline with a redirect to /timeline/ on the host the request
        # named (its Host header), whatever BASE_URL says, and no error handler sees it. A
        # relative Location is right behind any proxy and names no host at all.
        moved = request.routing_exception
        if not isinstance(moved, RequestRedirect):
            return None
        parts = urlsplit(moved.new_url)
        path = "/" + parts.path.lstrip("/")  # never "//host": that would name a host again
        return redirect(urlunsplit(("", "", path, parts.query, "")), moved.code)


def moved_permanently() -> Response | None:
    """A 301 to the same page of the record a merged one was merged into, for a GET of a
    page (or API address) of the merged record, if this reader may see where it leads."""
    rule, args = request.url_rule, request.view_args or {}
    if request.method not in ("GET", "HEAD") or rule is None or not args.get("slug"):
        return None
    segments = [part for part in rule.rule.split("<slug>")[0].split("/") if part]
    kind = MERGED_PATHS.get(segments[-1]) if segments else None
    if kind is None or request.endpoint is None:
        return None
    # The request's reader (each face decides its own way: the API by token only); not the
    # checked viewpoint: an error handler must not fail with a 400 of its own.
    target = merging.find_redirect(get_session(), kind, str(args["slug"]), reader())
    if target is None:
        return None
    location = url_for(request.endpoint, **{**args, "slug": target})
    if request.query_string:
        location += "?" + request.query_string.decode("utf-8", "replace")
    return redirect(location, 301)
