"""Roles are enforced on every write, with the real form a browser would send: a viewer (and an
anonymous visitor) is refused every write route of the URL map, and the database is unchanged.

tests/http/test_access.py holds the route inventory (deny by default); here each write route is
tried for real: with the slugs and ids of existing records in its arguments and the form the
route's own page shows an admin, so that a missing role check would let the write through.

The JSON API's writes (TOKEN_WRITES) authenticate by API token, never by the session cookie: a
signed-in viewer's browser, like an anonymous one, gets 401 from them. They are also tried with
the tokens that must not write: a viewer's, a read token, a revoked one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from tests.conftest import bearer
from tests.http.test_access import PUBLIC_ENDPOINTS, SIGNED_IN_WRITES, TOKEN_WRITES
from tests.security.routes import Fetched, Route, fetch, pools_from, urls_for, write_rules
from tests.security.state import changed_tables, database_rows, form_fields
from tracker import clock
from tracker.models import ApiToken, User
from tracker.services import users


def _attempts(app: Flask, session: Session, admin: FlaskClient) -> list[tuple[Route, str, Any]]:
    """(route, method, form data) for every write route, the data taken from its own page."""
    pools = pools_from(session, per_kind=1)
    attempts = []
    for rule, method in write_rules(app):
        for route in urls_for(rule, pools):
            page = fetch(admin, route.url) if "GET" in (rule.methods or ()) else None
            data = form_fields(page.data, route.url) if page and page.status == 200 else {}
            data.setdefault("reason", "an attempt that must be refused")
            attempts.append((route, method, data))
    return attempts


def test_a_viewer_is_refused_every_write_and_nothing_changes(
    app: Flask, session: Session, login_as: Callable[..., FlaskClient]
) -> None:
    admin = login_as("admin")
    viewer = login_as("viewer")
    attempts = _attempts(app, session, admin)
    before = database_rows(session)
    offenders = []
    for route, method, data in attempts:
        if route.endpoint in PUBLIC_ENDPOINTS | SIGNED_IN_WRITES:
            continue
        response = fetch(viewer, route.url, method=method, data=data)
        if route.endpoint in TOKEN_WRITES:
            if not _token_refusal(response, 401):
                offenders.append(f"{method} {route} answered {response.status} to a cookie")
        elif response.status != 403:
            offenders.append(f"{method} {route} answered {response.status}")
        elif "this needs the" not in response.data.decode():
            offenders.append(f"{method} {route}: the 403 page does not say why")
    assert not offenders, "\n".join(offenders)
    assert not changed_tables(before, database_rows(session))
    assert len(attempts) >= 20


def test_anonymous_visitors_are_refused_every_write_and_nothing_changes(
    app: Flask, session: Session, login_as: Callable[..., FlaskClient]
) -> None:
    attempts = _attempts(app, session, login_as("admin"))
    anonymous = app.test_client()
    before = database_rows(session)
    offenders = []
    for route, method, data in attempts:
        if route.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = fetch(anonymous, route.url, method=method, data=data)
        expected = _token_refusal(response, 401) if route.endpoint in TOKEN_WRITES else None
        if expected is False or (expected is None and response.status != 403):
            offenders.append(f"{method} {route} answered {response.status}")
    assert not offenders, "\n".join(offenders)
    assert not changed_tables(before, database_rows(session))


def _token_refusal(response: Fetched, status: int) -> bool:
    """The API's refusal: the status, in its JSON error shape, with a Bearer challenge on 401."""
    if response.status != status or response.mimetype != "application/json":
        return False
    if status == 401 and not response.headers.get("WWW-Authenticate", "").startswith("Bearer "):
        return False
    return json.loads(response.data)["error"]["code"] in ("unauthorized", "forbidden")


def test_tokens_that_may_not_write_are_refused_every_api_write_and_nothing_changes(
    app: Flask,
    session: Session,
    make_user: Callable[..., User],
    make_token: Callable[..., str],
) -> None:
    """A viewer's token (a demoted editor's write token), an admin's read token, a revoked
    write token: each api write route, on real records, with JSON bodies, refuses them all."""
    demoted = make_user("editor")
    viewers = make_token(user=demoted)
    users.update_user(
        session, demoted, name=demoted.name, email=demoted.email, role="viewer", active=True
    )
    revoked = make_token("editor")
    session.execute(
        update(ApiToken).where(ApiToken.user_id != demoted.id).values(revoked_at=clock.now())
    )
    reader = make_token("admin", "read")
    session.commit()
    tokens = {"a viewer's write token": (viewers, 403), "a read token": (reader, 403),
              "a revoked token": (revoked, 401)}  # fmt: skip
    pools = pools_from(session, per_kind=1)
    client = app.test_client()
    before = database_rows(session)
    offenders = []
    tried = 0
    for rule, method in write_rules(app):
        if rule.endpoint not in TOKEN_WRITES:
            continue
        for route in urls_for(rule, pools):
            for label, (token, status) in tokens.items():
                body = {"title": "Defaced", "version": 1, "country": "KG", "kind": "law"}
                response = fetch(client, route.url, method=method, json=body, headers=bearer(token))
                tried += 1
                if not _token_refusal(response, status):
                    offenders.append(f"{method} {route} with {label}: {response.status}")
    assert not offenders, "\n".join(offenders)
    assert not changed_tables(before, database_rows(session))
    assert tried >= 3 * len(TOKEN_WRITES)


def test_the_same_forms_sent_by_an_editor_do_write(
    app: Flask, session: Session, login_as: Callable[..., FlaskClient]
) -> None:
    """The refusals above are about the role: the same data from an editor is accepted."""
    admin = login_as("admin")
    editor = login_as("editor")
    attempts = _attempts(app, session, admin)
    accepted = []
    for route, method, data in attempts:
        if route.endpoint.startswith("edit.edit_") and route.endpoint != "edit.edit_source":
            before = database_rows(session)
            response = fetch(editor, route.url, method=method, data={**data, "reason": "ok"})
            assert response.status in (200, 303), (route, response.status)
            accepted.append(route.endpoint)
            assert before == database_rows(session) or response.status == 303
    assert len(accepted) >= 4


def test_editors_are_refused_the_admin_routes(
    app: Flask, session: Session, login_as: Callable[..., FlaskClient]
) -> None:
    admin = login_as("admin")
    editor = login_as("editor")
    attempts = [a for a in _attempts(app, session, admin) if a[0].endpoint.startswith("admin.")]
    before = database_rows(session)
    for route, method, data in attempts:
        assert fetch(editor, route.url, method=method, data=data).status == 403, route
        assert fetch(editor, route.url).status in (403, 405), route
    assert attempts
    assert not changed_tables(before, database_rows(session))
