"""Access fails closed: every route is either explicitly public or refused to anonymous users."""

from __future__ import annotations

from flask import Flask

from tracker.web.access import is_public_endpoint

# Endpoints anonymous visitors may use. A new public page is added here on purpose; a new route
# that is neither listed nor protected fails test_every_route_is_public_on_purpose by name.
PUBLIC_ENDPOINTS = {
    "static",
    "home.index",
    "measures.index",
    "measures.show",
    "statements.index",
    "statements.show",
    "organizations.index",
    "organizations.show",
    "organizations.person",
    "events.index",
    "exports.measures_table",
    "exports.events_table",
    "exports.statements_table",
    "exports.measure_brief",
    "exports.measure_brief_file",
    "exports.selection_brief",
    "exports.selection_brief_file",
    "exports.data_page",
    "exports.dataset_json",
    "exports.dataset_tables",
    "exports.feed",
    "exports.measure_feed",
    "exports.calendar",
    "exports.measure_calendar",
    "exports.measure_citation",
    "exports.statement_citation",
}


def test_every_route_is_public_on_purpose(app: Flask) -> None:
    public = {
        rule.endpoint for rule in app.url_map.iter_rules() if is_public_endpoint(app, rule.endpoint)
    }
    assert public == PUBLIC_ENDPOINTS


def test_anonymous_visitors_are_refused_a_route_not_marked_public(app: Flask) -> None:
    app.add_url_rule("/internal-only", "internal_only", lambda: "secret")
    response = app.test_client().get("/internal-only")
    assert response.status_code == 403
    assert b"secret" not in response.data
