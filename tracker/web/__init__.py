"""The web faces of the tracker: one blueprint per area, shared helpers, error pages."""

from __future__ import annotations

from flask import Flask

from tracker import security
from tracker.web import access, auth, errors, helpers
from tracker.web.admin import bp as admin_bp
from tracker.web.editing import bp as editing_bp
from tracker.web.history import bp as history_bp
from tracker.web.home import bp as home_bp
from tracker.web.measures import bp as measures_bp
from tracker.web.organizations import bp as organizations_bp
from tracker.web.statements import bp as statements_bp


def register(app: Flask) -> None:
    auth.init_app(app)  # first: sets g.user, which access control reads
    security.check_addresses(app)
    access.init_app(app)
    helpers.init_app(app)
    errors.init_app(app)
    for blueprint in (home_bp, measures_bp, statements_bp, organizations_bp):
        app.register_blueprint(blueprint)
    for blueprint in (editing_bp, history_bp, admin_bp):
        app.register_blueprint(blueprint)
