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

Every other page is kept under its path and the query parameters it *reads*, learned per
endpoint: the request's parameters (``request.args``) note which names are asked for, and a
page that looks at them all (iterates them, copies them into links, reads ``full_path`` or
``url``) is keyed by the whole query string, as before. So ``?utm_source=…`` or ``?fbclid=…``
on a page that never reads them finds the page already made. Why this cannot mix two pages: a
view is a function of the parameters it reads (and the data, the day and the audience, which
are in the key too); two requests that agree on the names learned so far run the same code up
to the first read of another name. So an answer is kept under the names its key was made from
when it read no other, or else under a key made again from the names learned with it (which
include every one it read).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Request, Response, current_app, g, request, session
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from tracker import clock
from tracker.db import get_session
from tracker.http import heavy
from tracker.http.access import is_public_endpoint
from tracker.models import DataVersion
from tracker.security import allow_framing, is_framable

_KEY = "page_cache_key"
_KEYED_BY = "page_cache_keyed_by"
_ALL = "*"
"""The name that stands for "every parameter": the page read them all."""


class ReadParameters(ImmutableMultiDict[str, str]):
    """Query parameters that note which names the page reads (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names_read: set[str] = set()

    def _read(self, name: object) -> None:
        self.names_read.add(str(name))

    def _read_all(self) -> None:
        self.names_read.add(_ALL)

    # Every way of reading goes through one of these (wrapping, so the same signatures).
    def __getitem__(self, key: str) -> str:
        self._read(key)
        return super().__getitem__(key)

    def get(self, key: str, *args: Any, **kwargs: Any) -> Any:
        self._read(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key: str, *args: Any, **kwargs: Any) -> Any:
        self._read(key)
        return super().getlist(key, *args, **kwargs)

    def __contains__(self, key: object) -> bool:
        self._read(key)
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self._read_all()
        return super().__iter__()

    def __len__(self) -> int:
        self._read_all()
        return super().__len__()

    def keys(self) -> Any:
        self._read_all()
        return super().keys()

    def values(self) -> Any:
        self._read_all()
        return super().values()

    def items(self, *args: Any, **kwargs: Any) -> Any:
        self._read_all()
        return super().items(*args, **kwargs)

    def lists(self) -> Any:
        self._read_all()
        return super().lists()

    def listvalues(self) -> Any:
        self._read_all()
        return super().listvalues()

    def to_dict(self, *args: Any, **kwargs: Any) -> Any:
        self._read_all()
        return super().to_dict(*args, **kwargs)

    def copy(self) -> Any:
        self._read_all()
        return super().copy()

    def __eq__(self, other: object) -> bool:
        self._read_all()
        return super().__eq__(other)

    __hash__ = ImmutableMultiDict.__hash__  # type: ignore[assignment]  # immutable: hashable


class ReadingRequest(Request):
    """A request whose query parameters note what the page reads; the whole query string
    (``full_path``, ``url``) counts as reading every parameter."""

    parameter_storage_class = ReadParameters

    @property
    def names_read(self) -> set[str]:
        args = self.args
        return args.names_read if isinstance(args, ReadParameters) else {_ALL}

    @cached_property
    def full_path(self) -> str:
        self.names_read.add(_ALL)
        return f"{self.path}?{self.query_string.decode()}"

    @cached_property
    def url(self) -> str:
        self.names_read.add(_ALL)
        return super().url


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


class _LearnedNames:
    """Per endpoint, the query parameters its pages were seen to read (``_ALL``: every one)."""

    def __init__(self) -> None:
        self._names: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()

    def get(self, endpoint: str) -> frozenset[str] | None:
        return self._names.get(endpoint)

    def learn(self, endpoint: str, names: set[str]) -> None:
        with self._lock:
            known = self._names.get(endpoint, frozenset())
            self._names[endpoint] = frozenset({_ALL}) if _ALL in names else known | names


def _query_key(names: frozenset[str] | None) -> str:
    """The part of the key made of the query string: only the ``names`` given (their values in
    the order sent), or all of it while nothing is learned or when the page reads every one.
    Read past the noting (MultiDict's own methods) so that making the key reads nothing."""
    args = request.args
    if names is None or _ALL in names:
        return "?" + request.query_string.decode("latin-1")
    return urlencode([(name, MultiDict.getlist(args, name)) for name in sorted(names)], True)


def init_app(app: Flask) -> None:
    """Serve and keep public pages (register after the sign-in loader, which sets g.user)."""
    if not app.config["PAGE_CACHE"]:
        return
    app.extensions["tracker.page_cache"] = PageCache(
        max_bytes=app.config["PAGE_CACHE_BYTES"],
        max_entry_bytes=app.config["PAGE_CACHE_ENTRY_BYTES"],
    )
    learned = app.extensions["tracker.page_cache_names"] = _LearnedNames()
    app.request_class = ReadingRequest

    @app.before_request
    def serve_from_cache() -> Response | None:
        if not _cacheable_request():
            return None
        endpoint = request.endpoint or ""
        names = learned.get(endpoint)
        path = heavy.cache_path(current_app, endpoint, request)
        if path is None:
            # (None while nothing is learned: the key holds the whole query string.)
            g.setdefault(_KEYED_BY, (names,))
            path = request.path + _query_key(names)
        key = (
            path,
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
        keyed_by = g.pop(_KEYED_BY, None)
        if key is not None and keyed_by is not None:
            read = getattr(request, "names_read", {_ALL})
            names = keyed_by[0]
            if names is None or not read <= names:
                # The page read a parameter its key left out: learn it, and keep the answer
                # under the names known now, which include every one it read.
                endpoint = request.endpoint or ""
                learned.learn(endpoint, read)
                key = (request.path + _query_key(learned.get(endpoint)), *key[1:])
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
