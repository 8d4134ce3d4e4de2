"""The web faces of the tracker: one blueprint per area, shared helpers, error pages."""

from __future__ import annotations

from flask import Flask

from tracker import api, security
from tracker.web import access, auth, errors, heavy, helpers, page_cache
from tracker.web.admin import bp as admin_bp
from tracker.web.countries import bp as countries_bp
from tracker.web.editing import bp as editing_bp
from tracker.web.embed import bp as embed_bp
from tracker.web.events import bp as events_bp
from tracker.web.exports import bp as exports_bp
from tracker.web.history import bp as history_bp
from tracker.web.home import bp as home_bp
from tracker.web.lineage import bp as lineage_bp
from tracker.web.measures import bp as measures_bp
from tracker.web.merging import bp as merging_bp
from tracker.web.organizations import bp as organizations_bp
from tracker.web.search import bp as search_bp
from tracker.web.statements import bp as statements_bp
from tracker.web.timeline import bp as timeline_bp
from tracker.web.tokens import bp as tokens_bp
from tracker.web.upcoming import bp as upcoming_bp


def register(app: Flask) -> None:
    auth.init_app(app)  # first: sets g.user, which access control reads
    security.check_addresses(app)
    access.init_app(app)
    page_cache.init_app(app)  # after the sign-in loader and access control it relies on
    heavy.init_app(app)
    helpers.init_app(app)
    errors.init_app(app)
    blueprints = (
        home_bp, measures_bp, events_bp, statements_bp, organizations_bp, countries_bp,
        search_bp, timeline_bp, lineage_bp, upcoming_bp, embed_bp, exports_bp,
        editing_bp, merging_bp, history_bp, admin_bp,
    )  # fmt: skip
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.register_blueprint(tokens_bp)
    api.init_app(app)
