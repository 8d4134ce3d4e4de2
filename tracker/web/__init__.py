"""The web faces of the tracker: one blueprint per area, shared helpers, error pages."""

from __future__ import annotations

from flask import Flask

from tracker import api
from tracker.web import access, errors, helpers
from tracker.web.home import bp as home_bp
from tracker.web.measures import bp as measures_bp
from tracker.web.organizations import bp as organizations_bp
from tracker.web.search import bp as search_bp
from tracker.web.statements import bp as statements_bp


def register(app: Flask) -> None:
    access.init_app(app)
    helpers.init_app(app)
    errors.init_app(app)
    for blueprint in (home_bp, measures_bp, statements_bp, organizations_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(search_bp)
    api.init_app(app)
