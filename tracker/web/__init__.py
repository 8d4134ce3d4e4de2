"""The HTML face of the tracker: one blueprint per area, sign-in, and what templates share.

What it shares with the JSON API (access, params, errors, links, limits, the page cache) is in
tracker.http; the two faces never import each other.
"""

from __future__ import annotations

from flask import Flask

from tracker.web import auth, helpers
from tracker.web.admin import bp as admin_bp
from tracker.web.alerts import bp as alerts_bp
from tracker.web.countries import bp as countries_bp
from tracker.web.editing import bp as editing_bp
from tracker.web.embed import bp as embed_bp
from tracker.web.events import bp as events_bp
from tracker.web.exports import bp as exports_bp
from tracker.web.history import bp as history_bp
from tracker.web.home import bp as home_bp
from tracker.web.lineage import bp as lineage_bp
from tracker.web.map import bp as map_bp
from tracker.web.measures import bp as measures_bp
from tracker.web.merging import bp as merging_bp
from tracker.web.organizations import bp as organizations_bp
from tracker.web.preparing import bp as preparing_bp
from tracker.web.search import bp as search_bp
from tracker.web.statements import bp as statements_bp
from tracker.web.subscribe import bp as subscribe_bp
from tracker.web.timeline import bp as timeline_bp
from tracker.web.tokens import bp as tokens_bp
from tracker.web.upcoming import bp as upcoming_bp
from tracker.web.webhooks import bp as webhooks_bp


def init_sessions(app: Flask) -> None:
    """Sessions and the signed-in user (``g.user``): before the shared layer, which reads it."""
    auth.init_app(app)


def init_app(app: Flask) -> None:
    """The pages: template helpers and every blueprint."""
    helpers.init_app(app)
    blueprints = (
        home_bp, measures_bp, events_bp, statements_bp, organizations_bp, countries_bp,
        search_bp, timeline_bp, lineage_bp, map_bp, upcoming_bp, embed_bp, exports_bp,
        editing_bp, merging_bp, history_bp, admin_bp, subscribe_bp, preparing_bp,
    )  # fmt: skip
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(webhooks_bp)
