"""Roles are enforced on every write, with the real form a browser would send: a viewer (and an
anonymous visitor) is refused every write route of the URL map, and the database is unchanged.

tests/test_access.py holds the route inventory (deny by default); here each write route is
tried for real: with the slugs and ids of existing records in its arguments and the form the
route's own page shows an admin, so that a missing role check would let the write through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.security.routes import Route, fetch, pools_from, urls_for, write_rules
from tests.security.state import changed_tables, database_rows, form_fields
from tests.test_access import PUBLIC_ENDPOINTS, SIGNED_IN_WRITES


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
        if response.status != 403:
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
        if response.status != 403:
            offenders.append(f"{method} {route} answered {response.status}")
    assert not offenders, "\n".join(offenders)
    assert not changed_tables(before, database_rows(session))


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
