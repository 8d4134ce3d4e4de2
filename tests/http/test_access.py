"""Access fails closed: every route is either explicitly public or refused to anonymous users."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule

from tracker.http.access import is_public_endpoint, is_token_endpoint, required_role

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
    "auth.login",
    # Anonymous readers follow by email; the links in alert messages work without an account.
    "alerts.subscribe",
    "alerts.confirm",
    "alerts.unsubscribe",
    "alerts.unsubscribe_all",
    "timeline.index",
    "timeline.download_svg",
    "timeline.download_png",
    "lineage.index",
    "lineage.download_svg",
    "lineage.download_png",
    "upcoming.index",
    "countries.index",
    "countries.show",
    "embed.timeline",
    "embed.lineage",
    # The map of the spread (tracker.web.map): public records only for anonymous readers.
    "map.index",
    "map.download_svg",
    "map.download_png",
    "embed.map",
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
    "subscribe.feed",
    "subscribe.calendar",
    "subscribe.measure_feed",
    "subscribe.measure_calendar",
    "preparing.measure_pdf",
    "preparing.selection_pdf",
    "exports.measure_citation",
    "exports.statement_citation",
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
    "api.event",
}


def test_every_route_is_public_on_purpose(app: Flask) -> None:
    public = {
        rule.endpoint: rule.rule
        for rule in app.url_map.iter_rules()
        if is_public_endpoint(app, rule.endpoint)
    }
    unlisted = [
        f"{endpoint} ({rule})"
        for endpoint, rule in public.items()
        if endpoint not in PUBLIC_ENDPOINTS
    ]
    gone = sorted(PUBLIC_ENDPOINTS - set(public))
    assert not unlisted, "public but not listed in PUBLIC_ENDPOINTS: " + ", ".join(sorted(unlisted))
    assert not gone, "listed in PUBLIC_ENDPOINTS but not public: " + ", ".join(gone)


def test_anonymous_visitors_are_refused_a_route_not_marked_public(app: Flask) -> None:
    app.add_url_rule("/internal-only", "internal_only", lambda: "secret")
    response = app.test_client().get("/internal-only")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/internal-only"
    assert b"secret" not in response.data


# Writes that any signed-in user may send (signing out, one's own password, one's own API
# tokens); every other write needs an editor or an admin.
SIGNED_IN_WRITES = {
    "auth.logout",
    "auth.password",
    "tokens.index",
    "tokens.revoke",
    # Following things: a viewer follows, changes and stops their own alerts (tracker.web.alerts).
    "alerts.follow",
    "alerts.change",
    "alerts.remove",
    # One's own webhooks (tracker.web.webhooks): viewers follow what they read, so they may too.
    "webhooks.add",
    "webhooks.new_secret",
    "webhooks.send_test",
    "webhooks.retry",
    "webhooks.remove",
}
SAFE = {"GET", "HEAD", "OPTIONS"}

# The JSON API's writes: they authenticate by API token only (tracker.api.auth), never by the
# session cookie, so they need no CSRF token and answer a request without a working token with
# 401 and a Bearer challenge, where the pages answer 403. They are the only exception to how the
# suites expect a write route to refuse, and they must all be here by name.
TOKEN_WRITES = {
    "api.create_measure",
    "api.update_measure",
    "api.delete_measure",
    "api.create_event",
    "api.update_event",
    "api.delete_event",
    "api.create_statement",
    "api.update_statement",
    "api.delete_statement",
}


def test_only_the_api_writes_authenticate_by_token_and_only_they_skip_csrf(app: Flask) -> None:
    from tracker.security import csrf

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    marked = {endpoint for endpoint in endpoints if is_token_endpoint(app, endpoint)}
    assert marked == TOKEN_WRITES
    for rule in app.url_map.iter_rules():
        if rule.endpoint in TOKEN_WRITES:
            assert rule.rule.startswith("/api/v1/"), rule
            assert not (rule.methods or set()) & {"GET"}, rule
            for method in (rule.methods or set()) - SAFE:
                assert required_role(app, rule.endpoint, method) == "editor"
    # The API blueprint alone is exempt from CSRF; every page's form keeps it. The two
    # exceptions are the unsubscribe links of alert messages, which a mail client POSTs with
    # one click (RFC 8058) and which the signed token in their address alone authorizes.
    assert {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints} == {"api"}
    assert csrf._exempt_views == {
        "tracker.web.alerts.unsubscribe",
        "tracker.web.alerts.unsubscribe_all",
    }


def _refused_as_expected(rule: Rule, response: object, page_status: int) -> bool:
    """403 (or what a page answers) for a page; 401 with a Bearer challenge for an API write,
    which takes no notice of the session cookie."""
    status = getattr(response, "status_code", None)
    if rule.endpoint in TOKEN_WRITES:
        headers = getattr(response, "headers", {})
        return status == 401 and headers.get("WWW-Authenticate", "").startswith("Bearer ")
    return status == page_status


def _url(rule: Rule) -> str:
    """The rule's URL with made-up arguments (access is refused before the view looks)."""
    values = {
        name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
        for name in rule.arguments
    }
    return rule.build(values)[1]


def _routes(app: Flask, write: bool) -> list[tuple[Rule, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - SAFE):
            if write:
                routes.append((rule, method))
        if not write and "GET" in (rule.methods or set()):
            routes.append((rule, "GET"))
    return routes


def test_every_write_route_needs_an_editor_unless_listed(app: Flask) -> None:
    offenders = []
    for rule, method in _routes(app, write=True):
        if rule.endpoint in PUBLIC_ENDPOINTS | SIGNED_IN_WRITES:
            continue
        role = required_role(app, rule.endpoint, method)
        if role not in ("editor", "admin"):
            offenders.append(f"{method} {rule.rule} ({rule.endpoint}) needs only {role}")
    assert not offenders, "write routes open to viewers: " + "; ".join(offenders)


def test_anonymous_visitors_are_sent_to_sign_in_from_every_protected_page(app: Flask) -> None:
    client = app.test_client()
    offenders = []
    for rule, _ in _routes(app, write=False):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.get(_url(rule))
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not location.startswith("/login?next="):
            offenders.append(f"GET {rule.rule} answered {response.status_code}")
    assert not offenders, "; ".join(offenders)


def test_anonymous_visitors_cannot_write_anywhere(app: Flask) -> None:
    client = app.test_client()
    offenders = []
    for rule, method in _routes(app, write=True):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.open(_url(rule), method=method, data={"title": "x"})
        if not _refused_as_expected(rule, response, 403):
            offenders.append(f"{method} {rule.rule} answered {response.status_code}")
    assert not offenders, "; ".join(offenders)


def test_viewers_cannot_write_anything(login_as: Callable[..., FlaskClient], app: Flask) -> None:
    viewer = login_as("viewer")
    offenders = []
    for rule, method in _routes(app, write=True):
        if rule.endpoint in PUBLIC_ENDPOINTS | SIGNED_IN_WRITES:
            continue
        response = viewer.open(_url(rule), method=method, data={"title": "x", "reason": "x"})
        if not _refused_as_expected(rule, response, 403):
            offenders.append(f"{method} {rule.rule} answered {response.status_code}")
    assert not offenders, "; ".join(offenders)


def test_editors_cannot_manage_users(login_as: Callable[..., FlaskClient], app: Flask) -> None:
    editor = login_as("editor")
    assert editor.get("/admin/users").status_code == 403
    response = editor.post("/admin/users/new", data={"email": "x@example.org", "role": "admin"})
    assert response.status_code == 403


def test_a_new_write_route_without_a_role_is_refused_to_viewers(
    app: Flask, login_as: Callable[..., FlaskClient]
) -> None:
    app.add_url_rule("/forgot-a-role", "forgot_a_role", lambda: "written", methods=["POST"])
    viewer = login_as("viewer")
    response = viewer.post("/forgot-a-role")
    assert response.status_code == 403
    assert b"written" not in response.data
    assert required_role(app, "forgot_a_role", "POST") == "editor"
