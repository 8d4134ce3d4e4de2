"""Heavy downloads: made on demand, bounded so that they cannot take the pages down with them.

A PDF brief of twenty measures takes seconds of a worker's CPU, and anyone may ask for one with
a new query string each time; twelve at once used to leave no worker for anything else. So a
view marked ``@heavy``:

- runs at most ``HEAVY_DOWNLOADS`` at a time in each worker process (a semaphore: it needs no
  IP address, so it cannot be shared out per visitor, only kept small). When all are taken the
  answer is at once a 503 "busy, try again in N seconds" page with ``Retry-After``; the pages,
  which are not heavy, keep their threads.
- is kept by the page cache (tracker.http.page_cache) for anonymous visitors, up to
  ``PAGE_CACHE_DOWNLOAD_BYTES`` each, under a key made of only the query parameters it reads
  (``params``), sorted: a question asked again, in another order or with made-up parameters
  added, is answered from memory without taking a slot.

A streamed download (the dataset) is made while it is sent: its slot is given back when the
response closes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from threading import BoundedSemaphore, Lock
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from flask import Flask, Request, Response, current_app, render_template

View = TypeVar("View", bound=Callable[..., Response])

_PARAMS = "_tracker_heavy_params"
_SLOTS = "tracker.heavy_slots"


def init_app(app: Flask) -> None:
    app.extensions[_SLOTS] = BoundedSemaphore(int(app.config["HEAVY_DOWNLOADS"]))


def heavy(params: Iterable[str] = ()) -> Callable[[View], View]:
    """Mark a download as heavy; ``params``: the query parameters its content depends on."""
    names = tuple(sorted(set(params)))

    def mark(view: View) -> View:
        @wraps(view)
        def bounded(*args: Any, **kwargs: Any) -> Response:
            slots: BoundedSemaphore = current_app.extensions[_SLOTS]
            if not slots.acquire(blocking=False):
                return busy()
            try:
                response = view(*args, **kwargs)
            except BaseException:
                slots.release()
                raise
            if response.is_streamed:
                _release_when_sent(response, slots)  # made while it is sent
            else:
                slots.release()
            return response

        setattr(bounded, _PARAMS, names)
        return bounded  # type: ignore[return-value]  # same signature, wrapped

    return mark


def _release_when_sent(response: Response, slots: BoundedSemaphore) -> None:
    """Give the slot back once the stream has been sent, or the client went away (the server
    closes the response), whichever comes first, once."""
    once = Lock()

    def release() -> None:
        if once.acquire(blocking=False):
            slots.release()

    def sending(chunks: Iterable[bytes]) -> Iterator[bytes]:
        try:
            yield from chunks
        finally:
            release()

    response.response = sending(cast(Iterable[bytes], response.response))
    response.call_on_close(release)


def cache_path(app: Flask, endpoint: str, request: Request) -> str | None:
    """The page cache's key for a heavy download: its path and the parameters it reads, in
    order; None for any other endpoint (the cache keys those by their full path)."""
    names = getattr(app.view_functions.get(endpoint), _PARAMS, None)
    if names is None:
        return None
    query = [(name, value) for name in names for value in sorted(request.args.getlist(name))]
    return f"{request.path}?{urlencode(query)}"


def busy() -> Response:
    wait = int(current_app.config["HEAVY_DOWNLOAD_RETRY_SECONDS"])
    page = render_template(
        "errors/error.html",
        code=503,
        title="Busy making other downloads, please try again",
        error=None,
        message=(
            "This file is made when it is asked for, and the tracker is making others right "
            f"now. Try again in {wait} seconds. The pages keep working meanwhile, and a file "
            "someone asked for before comes at once."
        ),
    )
    return Response(page, status=503, headers={"Retry-After": str(wait)})
