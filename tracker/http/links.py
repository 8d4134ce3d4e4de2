"""Absolute addresses, made in one place for both faces: permalinks in exports, feeds and
citations, the API's links and ``Location`` headers, chart links and embed snippets, all of
which are read away from this site.

The site's address is the ``BASE_URL`` setting (``TRACKER_BASE_URL``) when set, else the one
the request came to; set ``BASE_URL`` in production so that permalinks do not depend on the
Host header. The tracker may be mounted below a path (``SCRIPT_NAME=/tracker`` behind a proxy):
``BASE_URL`` then names that folder (``https://example.org/tracker``) and the request's root
holds it too, while every path ``url_for`` builds starts with it as well. So a path is joined to
the site's address without its mount point, once, here: never ``/tracker/tracker/...``.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for


def site_url() -> str:
    """The tracker's public address, mount point included, without a final slash."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    return request.url_root.rstrip("/")


def external_url(path: str) -> str:
    """The absolute URL of a path that ``url_for`` built (one that starts with the mount
    point, if the tracker has one)."""
    root = request.script_root if has_request_context() else ""
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root) :]  # site_url() already ends with the mount point
    return site_url() + path


def absolute_url(endpoint: str, **values: Any) -> str:
    """The permalink of an endpoint, e.g. ``https://tracker.example/measures/kg-...``."""
    if not has_request_context() and not current_app.config.get("BASE_URL"):
        # No request to take the host from (a script): Flask's SERVER_NAME, if it has one.
        return url_for(endpoint, _external=True, **values)
    return external_url(url_for(endpoint, **values))


def authority() -> str:
    """The host name that owns the tracker's feed and calendar identifiers (tag: URIs)."""
    return urlsplit(absolute_url("home.index")).hostname or "localhost"


class WebLinks:
    """``tracker.exports.links.Links`` for the current app; keeps an "as of" day in links to
    measures so that a brief of the past points at the page as it was."""

    def __init__(self, as_of: dt.date | None = None) -> None:
        self._as_of = as_of.isoformat() if as_of else None
        self.measure = cache(self._measure)  # a million event rows share a few measures

    def home(self) -> str:
        return absolute_url("home.index")

    def _measure(self, slug: str) -> str:
        return absolute_url("measures.show", slug=slug, as_of=self._as_of)

    def statement(self, slug: str) -> str:
        return absolute_url("statements.show", slug=slug)

    def organization(self, slug: str) -> str:
        return absolute_url("organizations.show", slug=slug)

    def person(self, slug: str) -> str:
        return absolute_url("organizations.person", slug=slug)

    # -- tracker.alerts.links.AlertLinks: the addresses alert messages carry ----------------

    def country(self, code: str) -> str:
        return absolute_url("countries.show", code=code)

    def history(self, record_type: str, record_id: int) -> str:
        return absolute_url("history.record", record_type=record_type, record_id=record_id)

    def listing(self, path_and_query: str) -> str:
        # A saved list is stored as the path and query the subscriber saw ("/measures/?...");
        # only a path on this site is joined, never another host.
        if not path_and_query.startswith("/") or path_and_query.startswith("//"):
            return self.home()
        return site_url() + path_and_query

    def manage(self) -> str:
        return absolute_url("alerts.manage")

    def unsubscribe(self, token: str) -> str:
        return absolute_url("alerts.unsubscribe", token=token)

    def unsubscribe_all(self, token: str) -> str:
        return absolute_url("alerts.unsubscribe_all", token=token)
