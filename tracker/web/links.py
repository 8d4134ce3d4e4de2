"""Absolute addresses for exports, feeds and citations: ``BASE_URL`` when set, else the host
the request came to (set ``BASE_URL`` in production so permalinks do not depend on it)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from flask import current_app, has_request_context, request, url_for


def absolute_url(endpoint: str, **values: Any) -> str:
    """The permalink of an endpoint, e.g. ``https://tracker.example/measures/kg-...``."""
    values = {key: value for key, value in values.items() if value is not None}
    base = current_app.config.get("BASE_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root):
        path = path[len(root) :]  # BASE_URL already names the folder the app is mounted at
    return str(base).rstrip("/") + path


def authority() -> str:
    """The host name that owns the tracker's feed and calendar identifiers (tag: URIs)."""
    from urllib.parse import urlsplit

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
