"""Which face a request is for: the JSON API under /api/, the HTML pages everywhere else.

Asked by what both faces share and answers each in its own way: the error handler (JSON or an
HTML page), the session (the API never gets one) and the sign-in loader.
"""

from __future__ import annotations

from flask import request

API_PREFIX = "/api/"


def is_api_request() -> bool:
    """Whether this request is for the JSON API (its path below the mount point)."""
    return request.path.startswith(API_PREFIX)
