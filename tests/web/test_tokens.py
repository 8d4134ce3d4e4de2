"""The API tokens page: make a token, see it once, list and revoke them; and what happens to
tokens when an account changes (password, role, deactivation)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, TODAY, SignedInClient, bearer
from tests.security.state import changed_tables, csrf_token, database_rows, form_fields
from tracker.models import ApiToken, User
from tracker.services import users

TOKEN = re.compile(r"trk_[a-z0-9]{8}_[A-Za-z0-9]{43}")
LAW = "kg-foreign-representatives-law-2024"


def make(client: FlaskClient, **fields: str) -> Any:
    page = client.get("/account/tokens")
    data = {**form_fields(page.data, "/account/tokens"), **fields}
    return client.post("/account/tokens", data=data)


def a_write(client: FlaskClient, token: str) -> int:
    """A real write through the API: a new bill (the answer's status)."""
    body = {"country": "KG", "kind": "bill", "title": f"A bill written with {token[:12]}"}
    return client.post("/api/v1/measures", json=body, headers=bearer(token)).status_code


def test_a_token_is_shown_once_works_and_only_its_hash_is_kept(
    app: Flask, session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    editor = login_as("editor")
    page = editor.get("/account/tokens")
    assert page.status_code == 200
    assert "You have no tokens." in page.get_data(as_text=True)
    response = make(editor, name="nightly import", scope="write", expires="30")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    shown = TOKEN.findall(response.get_data(as_text=True))
    assert len(shown) == 1
    token = shown[0]
    assert "will not be shown again" in response.get_data(as_text=True)
    # It works, as its user, for writing.
    assert a_write(app.test_client(), token) == 201
    # Listed, never shown again.
    listed = editor.get("/account/tokens").get_data(as_text=True)
    assert "nightly import" in listed
    assert not TOKEN.search(listed)
    assert token.split("_")[1] in listed  # the prefix, to tell tokens apart
    expires = TODAY + dt.timedelta(days=30)  # the tests' pinned "today" (tests/conftest.py)
    assert f"{expires.day} {expires:%b %Y}" in listed
    # The database holds the prefix and a hash: neither the token nor its secret.
    secret = token.split("_")[2]
    stored = [str(v) for rows in database_rows(session).values() for row in rows for v in row]
    assert not any(secret in value for value in stored)
    row = session.scalar(select(ApiToken).where(ApiToken.prefix == token.split("_")[1]))
    assert row is not None
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (row.scope, row.name, row.last_used_on) == ("write", "nightly import", TODAY)


def test_viewers_may_make_read_tokens_only(
    app: Flask, session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    viewer = login_as("viewer")
    page = viewer.get("/account/tokens").get_data(as_text=True)
    assert 'value="write"' not in page
    assert "its tokens may read only" in page
    before = database_rows(session)
    refused = make(viewer, name="sneaky", scope="write")
    assert refused.status_code == 422
    assert not TOKEN.search(refused.get_data(as_text=True))
    assert not changed_tables(before, database_rows(session))
    made = make(viewer, name="reader", scope="read", expires="never")
    token = TOKEN.findall(made.get_data(as_text=True))[0]
    assert app.test_client().get("/api/v1/measures", headers=bearer(token)).status_code == 200
    assert a_write(app.test_client(), token) == 403


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 101}, "Field cannot be longer than 100 characters."),
        ({"name": "a\u0000b"}, "invisible control character"),
        ({"name": "ok", "scope": "admin"}, "Not a valid choice"),
        ({"name": "ok", "expires": "7"}, "Not a valid choice"),
    ],
)
def test_a_bad_form_says_why_and_makes_nothing(
    session: Session,
    login_as: Callable[..., SignedInClient],
    fields: dict[str, str],
    says: str,
) -> None:
    editor = login_as("editor")
    before = database_rows(session)
    response = make(editor, **fields)
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    assert not changed_tables(before, database_rows(session))


def test_revoking_a_token_stops_it_at_once(
    app: Flask, session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    editor = login_as("editor")
    token = TOKEN.findall(make(editor, name="old script", scope="write").get_data(as_text=True))[0]
    row = session.scalar(select(ApiToken).where(ApiToken.prefix == token.split("_")[1]))
    assert row is not None
    page = editor.get("/account/tokens")
    form = form_fields(page.data, f"/account/tokens/{row.id}/revoke")
    response = editor.post(f"/account/tokens/{row.id}/revoke", data=form)
    assert response.status_code == 303
    listed = editor.get("/account/tokens").get_data(as_text=True)
    assert "Revoked the token “old script”" in listed
    assert "Revoked 28 Nov 2026" in listed
    refused = app.test_client().get("/api/v1/measures", headers=bearer(token))
    assert refused.status_code == 401
    assert "revoked" in refused.get_json()["error"]["message"]


def test_nobody_revokes_someone_elses_token(
    session: Session,
    login_as: Callable[..., SignedInClient],
    make_token: Callable[..., str],
) -> None:
    make_token("editor")
    row = session.scalar(select(ApiToken))
    assert row is not None
    admin = login_as("admin")  # even an admin: a token is its user's own
    response = admin.post(f"/account/tokens/{row.id}/revoke")
    assert response.status_code == 404
    session.refresh(row)
    assert row.revoked_at is None


def test_the_page_is_for_signed_in_users(client: FlaskClient) -> None:
    response = client.get("/account/tokens")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/account/tokens")
    assert client.post("/account/tokens", data={"name": "x", "scope": "read"}).status_code == 403


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_token_forms_need_their_csrf_token(
    app: Flask, session: Session, make_user: Callable[..., User]
) -> None:
    @app.before_request
    def forget_cached_token() -> None:  # each request its own token, as in production
        from flask import g

        g.pop("csrf_token", None)

    client = app.test_client()
    user = make_user("editor")
    login = csrf_token(client.get("/login").data)
    signed_in = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": login}
    )
    assert signed_in.status_code == 303
    before = database_rows(session)
    forged = {"name": "forged", "scope": "write", "expires": "never"}
    refused = client.post("/account/tokens", data=forged)
    assert refused.status_code == 400
    assert "nothing was saved" in refused.get_data(as_text=True)
    assert not changed_tables(before, database_rows(session))
    made = client.post(
        "/account/tokens", data={**forged, "csrf_token": csrf_token(client.get("/").data)}
    )
    assert made.status_code == 200
    assert TOKEN.search(made.get_data(as_text=True))
    row = session.scalar(select(ApiToken))
    assert row is not None
    before = database_rows(session)
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 400
    assert not changed_tables(before, database_rows(session))


# --------------------------------------------------------------------------------------------
# Tokens follow the account


def test_changing_ones_password_revokes_ones_tokens(
    app: Flask, login_as: Callable[..., SignedInClient], make_token: Callable[..., str]
) -> None:
    editor = login_as("editor")
    token = make_token(user=editor.user)
    assert a_write(app.test_client(), token) == 201
    page = editor.get("/account/password")
    assert "revokes your API tokens" in page.get_data(as_text=True)
    new = "an entirely new passphrase"
    data = {**form_fields(page.data, "/account/password"), "current_password": PASSWORD,
            "password": new, "confirm": new}  # fmt: skip
    assert editor.post("/account/password", data=data).status_code == 303
    assert a_write(app.test_client(), token) == 401


def test_an_admin_resetting_a_password_or_deactivating_revokes_the_tokens(
    app: Flask,
    session: Session,
    make_user: Callable[..., User],
    make_token: Callable[..., str],
) -> None:
    reset, deactivated = make_user("editor"), make_user("editor")
    reset_token, deactivated_token = make_token(user=reset), make_token(user=deactivated)
    users.reset_password(session, reset, "another long passphrase")
    users.update_user(
        session,
        deactivated,
        name=deactivated.name,
        email=deactivated.email,
        role="editor",
        active=False,
    )
    session.commit()
    for token in (reset_token, deactivated_token):
        response = app.test_client().get("/api/v1/measures", headers=bearer(token))
        assert response.status_code == 401
    # Coming back does not bring the tokens back.
    users.update_user(
        session,
        deactivated,
        name=deactivated.name,
        email=deactivated.email,
        role="editor",
        active=True,
    )
    session.commit()
    assert a_write(app.test_client(), deactivated_token) == 401


def test_a_token_follows_its_users_role_at_each_request(
    app: Flask,
    session: Session,
    make_user: Callable[..., User],
    make_token: Callable[..., str],
) -> None:
    user = make_user("editor")
    token = make_token(user=user)
    client = app.test_client()
    assert a_write(client, token) == 201

    def set_role(role: str) -> None:
        users.update_user(session, user, name=user.name, email=user.email, role=role, active=True)
        session.commit()

    set_role("viewer")
    refused = client.post("/api/v1/measures", json={"title": "x"}, headers=bearer(token))
    assert refused.status_code == 403
    assert "is a viewer" in refused.get_json()["error"]["message"]
    assert client.get("/api/v1/measures", headers=bearer(token)).status_code == 200  # still reads
    set_role("admin")
    assert a_write(client, token) == 201
