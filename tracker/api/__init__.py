"""The JSON API, /api/v1/: read endpoints for measures, events, statements, organizations,
people and search, and write endpoints for measures, events and statements, described by an
OpenAPI 3.1 document at /api/v1/openapi.json.

The API authenticates by token only (tracker.api.auth): it is exempt from CSRF because it never
acts on the session cookie (its requests do not even get a session). What it shares with the
HTML pages (access, params, errors, links, limits) is in tracker.http.
"""

from __future__ import annotations

from flask import Flask

from tracker.api import writes  # noqa: F401 - registers the write endpoints on bp
from tracker.api.views import bp
from tracker.security import csrf


def init_app(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
