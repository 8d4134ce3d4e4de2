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
    "search.index",
    "api.index",
    "api.openapi",
    "api.measures",
    "api.measure",
    "api.events",
    "api.statements",
    "api.statement",
    "api.organizations",
    "api.organization",
    "api.people",
    "api.person",
    "api.search",
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
