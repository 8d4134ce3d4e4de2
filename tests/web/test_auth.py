"""Signing in and out as a person would, and the ways a session must end or be refused."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD
from tracker.models import User
from tracker.services import users

COOKIE = "tracker_session"


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **kwargs: Any) -> Any:
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def copy_cookie(source: FlaskClient, target: FlaskClient) -> None:
    cookie = source.get_cookie(COOKIE)
    assert cookie is not None
    target.set_cookie(COOKIE, cookie.value)


def test_signing_in_goes_back_to_the_page_asked_for(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user("viewer", name="Aida Researcher")
    page = client.get("/changes")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=/changes"
    response = client.post(
        "/login", data={"email": user.email.upper(), "password": PASSWORD, "next": "/changes"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/changes"
    assert "Aida Researcher" in client.get("/changes").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_sign_in_never_redirects_to_another_site(
    client: FlaskClient, make_user: Callable[..., User], target: str
) -> None:
    user = make_user("viewer")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_a_wrong_password_and_an_unknown_email_read_the_same(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user("editor")
    wrong = sign_in(client, user.email, "not the right password at all")
    unknown = sign_in(client, "nobody@example.org")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "The email or the password is wrong." in response.get_data(as_text=True)
    assert client.get("/changes").status_code == 302


def test_a_deactivated_account_cannot_sign_in(
    client: FlaskClient, make_user: Callable[..., User], session: Session
) -> None:
    user = make_user("editor")
    make_user("admin")
    users.update_user(session, user, name=user.name, email=user.email, role="editor", active=False)
    session.commit()
    assert sign_in(client, user.email).status_code == 200
    assert client.get("/changes").status_code == 302


def test_a_copied_cookie_is_dead_after_sign_out(
    app: Flask, login_as: Callable[..., FlaskClient]
) -> None:
    owner = login_as("editor")
    thief = app.test_client()
    copy_cookie(owner, thief)
    assert thief.get("/changes").status_code == 200  # the copy works while the session lives
    signed_out = owner.post("/logout")
    assert signed_out.status_code == 303
    assert thief.get("/changes").status_code == 302
    assert owner.get("/changes").status_code == 302


def test_changing_the_password_ends_other_sessions_but_not_this_one(
    app: Flask, login_as: Callable[..., FlaskClient]
) -> None:
    me = login_as("viewer")
    elsewhere = app.test_client()
    copy_cookie(me, elsewhere)
    response = me.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "a brand new long passphrase",
            "confirm": "a brand new long passphrase",
        },
    )
    assert response.status_code == 303
    assert me.get("/changes").status_code == 200
    assert elsewhere.get("/changes").status_code == 302
    fresh = app.test_client()
    assert sign_in(fresh, me.user.email).status_code == 200  # the old password is refused
    assert sign_in(fresh, me.user.email, "a brand new long passphrase").status_code == 303


def test_a_weak_new_password_is_refused_next_to_the_field(
    login_as: Callable[..., FlaskClient],
) -> None:
    me = login_as("viewer")
    response = me.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "password1234", "confirm": "password1234"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "too common" in page
    assert 'aria-invalid="true"' in page


def test_a_role_change_ends_the_users_sessions(login_as: Callable[..., FlaskClient]) -> None:
    editor = login_as("editor")
    admin = login_as("admin")
    response = admin.post(
        f"/admin/users/{editor.user.id}",
        data={
            "name": editor.user.name,
            "email": editor.user.email,
            "role": "viewer",
            "active": "y",
        },
    )
    assert response.status_code == 303
    assert editor.get("/changes").status_code == 302


def test_sessions_end_after_being_idle_and_after_the_longest_time(
    login_as: Callable[..., FlaskClient],
) -> None:
    idle = login_as("viewer")
    with idle.session_transaction() as cookie_session:
        cookie_session["seen_at"] = int(time.time()) - 121 * 60
    response = idle.get("/changes")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]

    busy = login_as("viewer")
    with busy.session_transaction() as cookie_session:
        cookie_session["signed_in_at"] = int(time.time()) - 13 * 3600
    assert busy.get("/changes").status_code == 302


def test_signing_in_starts_a_fresh_session(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user("viewer")
    with client.session_transaction() as cookie_session:
        cookie_session["planted"] = "by someone else"
    sign_in(client, user.email)
    with client.session_transaction() as cookie_session:
        assert "planted" not in cookie_session


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user("viewer")
    plain = sign_in(app.test_client(), user.email)
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    secure = sign_in(app.test_client(), user.email, base_url="https://tracker.example")
    assert "Secure" in secure.headers["Set-Cookie"]


def test_failed_sign_ins_are_limited_per_account_not_per_address(
    app: Flask, make_user: Callable[..., User]
) -> None:
    target = make_user("editor")
    other = make_user("editor")
    for attempt in range(6):
        # Each attempt from another address: the limit must not care.
        address = {"REMOTE_ADDR": f"198.51.100.{attempt}"}
        response = sign_in(
            app.test_client(), target.email, "wrong guess number", environ_base=address
        )
        assert response.status_code == 200
    # A browser that never signed in to the account waits, even with the right password,
    # which is not checked (the answer tells nothing).
    blocked = sign_in(app.test_client(), target.email)
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "2"
    assert "so it waits 2 seconds before the next try" in blocked.get_data(as_text=True)
    assert sign_in(app.test_client(), other.email).status_code == 303


def test_successful_sign_ins_do_not_count_against_the_limit(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user("viewer")
    for _ in range(7):
        assert sign_in(app.test_client(), user.email).status_code == 303


class TestWithCsrf:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"WTF_CSRF_ENABLED": True}

    def test_a_post_without_a_csrf_token_is_refused(
        self, app: Flask, make_user: Callable[..., User]
    ) -> None:
        user = make_user("editor")
        client = app.test_client()
        refused = sign_in(client, user.email)
        assert refused.status_code == 400
        assert "nothing was saved" in refused.get_data(as_text=True)
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        accepted = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert accepted.status_code == 303
        edit = client.post(
            "/measures/kg-foreign-representatives-law-2024/edit",
            data={"title": "Hijacked", "country": "KG", "kind": "law"},
        )
        assert edit.status_code == 400
        assert "Hijacked" not in client.get(
            "/measures/kg-foreign-representatives-law-2024"
        ).get_data(as_text=True)
