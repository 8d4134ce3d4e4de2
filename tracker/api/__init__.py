"""The JSON API, /api/v1/: read endpoints for measures, events, statements, organizations,
people and search, described by an OpenAPI 3.1 document at /api/v1/openapi.json.

The API authenticates by token only (to come with accounts): it is exempt from CSRF because it
never acts on the session cookie, and it must stay that way when write endpoints are added.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: tracker.web.errors imports tracker.api.errors at start-up.
    from tracker.api.views import bp
    from tracker.security import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
