"""A cache of the public pages, keyed by the version of the data.

An anonymous visitor's GET of a public page (or of the read API) gives the same bytes to every
anonymous visitor until the records change or the day does: statuses depend on "today". So the
response is kept in each worker's memory under (address, host, data version, today), and the
next such request is answered from it after one single-row query. The data version is moved on by
database triggers (migration 0004) on every write to a table pages show, whatever writes it, so a
page can never be served after the data it shows has changed.

Never cached: anything for a signed-in user, a request that carries a session (a flashed message
may be waiting in it), an API request with a token, responses that set a cookie, streams
(exports of a million rows) and large bodies. What a signed-in user or a token holder is
answered is kept by no cache outside either: tracker.http.access makes it ``private, no-store``.

Heavy downloads (tracker.http.heavy: PDF briefs, PNG charts) are kept under their path and only
the query parameters they read, sorted, so that made-up parameters cannot make each request a
new one, and may be larger (``PAGE_CACHE_DOWNLOAD_BYTES``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import select

from tracker import clock
from tracker.db import get_session
from tracker.http import heavy
from tracker.http.access import is_public_endpoint
from tracker.models import DataVersion
from tracker.security import allow_framing, is_framable

_KEY = "page_cache_key"


@dataclass(frozen=True, slots=True)
class _Entry:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]
    framable: bool


class PageCache:
    """A least-recently-used store of responses, bounded in bytes, safe across threads."""

    def __init__(self, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[tuple[str, ...], _Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, ...], entry: _Entry, max_entry_bytes: int | None = None) -> None:
        if len(entry.body) > (max_entry_bytes or self.max_entry_bytes):
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = entry
            self._size += len(entry.body)
            while self._size > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)


def _cache() -> PageCache:
    cache: PageCache = current_app.extensions["tracker.page_cache"]
    return cache


def data_version() -> int:
    return get_session().scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0


def _cacheable_request() -> bool:
    endpoint = request.endpoint
    return (
        request.method == "GET"
        and endpoint is not None
        and endpoint != "static"  # served by Flask with its own conditional-request headers
        and is_public_endpoint(current_app, endpoint)
        and g.get("user") is None
        and "Authorization" not in request.headers
        and not session  # an anonymous session holds flashed messages for this visitor
    )


def init_app(app: Flask) -> None:
    """Serve and keep public pages (register after the sign-in loader, which sets g.user)."""
    if not app.config["PAGE_CACHE"]:
        return
    app.extensions["tracker.page_cache"] = PageCache(
        max_bytes=app.config["PAGE_CACHE_BYTES"],
        max_entry_bytes=app.config["PAGE_CACHE_ENTRY_BYTES"],
    )

    @app.before_request
    def serve_from_cache() -> Response | None:
        if not _cacheable_request():
            return None
        key = (
            heavy.cache_path(current_app, request.endpoint or "", request) or request.full_path,
            request.host,
            request.scheme,
            str(data_version()),
            clock.today().isoformat(),
        )
        entry = _cache().get(key)
        if entry is None:
            g.setdefault(_KEY, key)
            return None
        if entry.framable:
            allow_framing()  # the embed view that made it said so; it does not run now
        return Response(entry.body, status=entry.status, headers=list(entry.headers))

    @app.after_request
    def keep_in_cache(response: Response) -> Response:
        key = g.pop(_KEY, None)
        if (
            key is None
            or response.status_code != 200
            or response.is_streamed
            or response.direct_passthrough
            or "Set-Cookie" in response.headers
            or session.modified
        ):
            return response
        headers = tuple(
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in ("content-length", "date")
        )
        entry = _Entry(response.get_data(), response.status_code, headers, is_framable())
        is_heavy = heavy.cache_path(current_app, request.endpoint or "", request) is not None
        limit = int(current_app.config["PAGE_CACHE_DOWNLOAD_BYTES"]) if is_heavy else None
        _cache().put(key, entry, limit)
        return response
