"""The HTTP layer both faces stand on: the HTML pages (tracker.web) and the JSON API
(tracker.api) are siblings that never import each other, and everything they both need lives
here, once:

- ``faces``: which face a request is for (the API under /api/, pages elsewhere);
- ``access``: who may see and do what (``@public``, roles, internal records), failing closed;
- ``params``: the query string, read the same way by every page, download and API endpoint;
- ``errors`` and ``json_errors``: one error handler, answering in HTML or in the API's one JSON
  shape; ``redirects``: a slash added by routing, and merged records' old addresses;
- ``links``: absolute addresses (``BASE_URL``, a mount point) for exports, feeds, the API,
  charts and embeds;
- ``limits``: the rate limiter; ``page_cache`` and ``heavy``: public answers kept in memory,
  and costly downloads bounded.
"""

from __future__ import annotations

from flask import Flask

from tracker import security
from tracker.http import access, errors, heavy, limits, page_cache, redirects


def init_app(app: Flask) -> None:
    """Install the shared layer; after the sign-in loader (tracker.web.auth), which sets the
    ``g.user`` that access control and the page cache read."""
    limits.init_app(app)
    security.check_addresses(app)
    access.init_app(app)
    page_cache.init_app(app)  # after access control, whose marks it reads
    heavy.init_app(app)
    redirects.init_app(app)
    errors.init_app(app)
