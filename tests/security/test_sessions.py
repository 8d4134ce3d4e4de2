"""Authentication and sessions, with CSRF protection left on as in production.

tests/web/test_auth.py covers the sign-in page itself (redirects, deactivated accounts, the
cookie's flags, role changes); this suite covers what an attacker tries: forged forms on every
write route, fixed and copied sessions, sessions left open, guessing passwords, and finding
out who used the tracker from where.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import PASSWORD
from tests.http.test_access import TOKEN_WRITES
from tests.security.routes import fetch, pools_from, urls_for, write_rules
from tests.security.state import changed_tables, csrf_token, database_rows, form_fields
from tracker.models import User

COOKIE = "tracker_session"
CSRF_PAGE = "The form was too old or did not come from this site, so nothing was saved."
LAW = "kg-foreign-representatives-law-2024"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(autouse=True)
def fresh_token_per_request(app: Flask) -> None:
    """The test app context outlives requests (conftest pushes one around the test), and
    Flask-WTF caches the session's token in ``g``; in production each request has its own."""
    from flask import g

    @app.before_request
    def forget_cached_token() -> None:
        g.pop("csrf_token", None)


def sign_in(client: FlaskClient, user: User, password: str = PASSWORD, **kwargs: Any) -> Any:
    """Sign in through the real form, token included, as a browser does."""
    token = csrf_token(client.get("/login", **kwargs).data)
    return client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": token},
        **kwargs,
    )


@pytest.fixture
def signed_in(app: Flask, make_user: Callable[..., User]) -> Callable[[str], FlaskClient]:
    def make(role: str) -> FlaskClient:
        client = app.test_client()
        user = make_user(role)
        assert sign_in(client, user).status_code == 303
        client.user = user  # type: ignore[attr-defined]
        return client

    return make


def _edit_form(client: FlaskClient) -> dict[str, Any]:
    page = client.get(f"/measures/{LAW}/edit")
    assert page.status_code == 200
    return form_fields(page.data, f"/measures/{LAW}/edit")


# --------------------------------------------------------------------------------------------
# CSRF


# The one-click unsubscribe of RFC 8058 (tracker.security.authorized_by_link): a mail client
# POSTs it with no session and no form token; the signed token in its address is what
# authorizes it, and tests/security/test_alerts.py checks that nothing else does.
BY_LINK_ALONE = {"alerts.unsubscribe", "alerts.unsubscribe_all"}


def test_every_write_route_refuses_a_form_without_a_valid_token(
    app: Flask, session: Session, signed_in: Callable[[str], FlaskClient]
) -> None:
    admin = signed_in("admin")
    other = signed_in("admin")  # a token of another session is no better than none
    foreign_token = csrf_token(other.get("/").data)
    pools = pools_from(session, per_kind=1)
    before = database_rows(session)
    offenders = []
    tried = 0
    for rule, method in write_rules(app):
        if rule.endpoint in BY_LINK_ALONE:
            continue  # authorized by the signed token in its address alone (see above)
        for route in urls_for(rule, pools):
            page = fetch(admin, route.url) if "GET" in (rule.methods or ()) else None
            data = form_fields(page.data, route.url) if page and page.status == 200 else {}
            data.setdefault("reason", "forged")
            data.pop("csrf_token", None)
            for label, token in (("no token", None), ("another session's token", foreign_token),
                                 ("a made-up token", "x" * 40)):  # fmt: skip
                sent = data if token is None else {**data, "csrf_token": token}
                response = fetch(admin, route.url, method=method, data=sent)
                tried += 1
                if route.endpoint in TOKEN_WRITES:
                    # No CSRF token there because the cookie counts for nothing: the admin's
                    # browser is an anonymous caller, refused before anything is read.
                    if response.status != 401 or b'"unauthorized"' not in response.data:
                        offenders.append(f"{method} {route} with {label}: {response.status}")
                elif response.status != 400 or CSRF_PAGE not in response.data.decode():
                    offenders.append(f"{method} {route} with {label}: {response.status}")
    assert not offenders, "\n".join(offenders)
    assert not changed_tables(before, database_rows(session))
    assert tried >= 60
    # The same session, with its own token, is still signed in and may write.
    form = _edit_form(admin)
    assert form["csrf_token"]
    assert admin.post(f"/measures/{LAW}/edit", data=form).status_code == 303


def test_the_api_takes_no_notice_of_a_signed_in_browser(
    app: Flask, session: Session, signed_in: Callable[[str], FlaskClient]
) -> None:
    """What a page on another site can make a signed-in admin's browser send to the API: the
    cookie, even a valid CSRF token in the body, JSON or a form. All of it is anonymous there."""
    factories.measure(session, "zz-session-internal", visibility="internal")
    session.commit()
    admin = signed_in("admin")
    assert "zz-session-internal" in admin.get("/measures/").get_data(as_text=True)
    token = csrf_token(admin.get("/").data)
    before = database_rows(session)
    body = {"country": "KG", "kind": "law", "title": "Forged", "csrf_token": token}
    for send in ({"json": body}, {"data": body}, {"json": body, "headers": {"X-CSRFToken": token}}):
        response = admin.post("/api/v1/measures", **send)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="tracker"'
        assert "Set-Cookie" not in response.headers
    listed = admin.get("/api/v1/measures?size=100").get_json()
    assert "zz-session-internal" not in {item["slug"] for item in listed["items"]}
    assert listed["total"] == app.test_client().get("/api/v1/measures").get_json()["total"]
    assert not changed_tables(before, database_rows(session))


def test_a_form_sent_from_another_site_is_refused_even_with_a_token(
    session: Session, signed_in: Callable[[str], FlaskClient]
) -> None:
    editor = signed_in("editor")
    form = _edit_form(editor)
    form["title"] = "Defaced"
    before = database_rows(session)
    for site in ("cross-site", "same-site"):
        response = editor.post(f"/measures/{LAW}/edit", data=form, headers={"Sec-Fetch-Site": site})
        assert response.status_code == 400, site
        assert "nothing was saved" in response.get_data(as_text=True)
    assert not changed_tables(before, database_rows(session))
    accepted = editor.post(
        f"/measures/{LAW}/edit", data=form, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert accepted.status_code == 303


def test_forms_work_over_https_where_browsers_send_no_referrer(
    app: Flask, make_user: Callable[..., User]
) -> None:
    """Our pages send no Referer (Referrer-Policy: no-referrer); signing in and editing must
    still work over HTTPS."""
    client = app.test_client()
    https = {"base_url": "https://tracker.example"}
    assert sign_in(client, make_user("editor"), **https).status_code == 303
    page = client.get(f"/measures/{LAW}/edit", **https)
    form = form_fields(page.data, f"/measures/{LAW}/edit")
    assert client.post(f"/measures/{LAW}/edit", data=form, **https).status_code == 303


# --------------------------------------------------------------------------------------------
# Sessions


def test_signing_in_renews_the_session_and_its_token(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user("editor")
    client = app.test_client()
    page = client.get("/login")
    before_token = csrf_token(page.data)
    before_cookie = client.get_cookie(COOKIE)
    assert before_cookie is not None
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": before_token}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    after_cookie = client.get_cookie(COOKIE)
    assert after_cookie is not None
    assert after_cookie.value != before_cookie.value
    # The token from before signing in is worthless now: a planted one cannot be reused.
    form = _edit_form(client)
    form["csrf_token"] = before_token
    refused = client.post(f"/measures/{LAW}/edit", data=form)
    assert refused.status_code == 400
    # And whoever holds the pre-login cookie (session fixation) is not signed in.
    fixed = app.test_client()
    fixed.set_cookie(COOKIE, before_cookie.value)
    assert fixed.get("/changes").status_code == 302


class Clock:
    """Stands in for the time module of tracker.web.auth, so sessions can age."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import tracker.clock

    fake = Clock()
    # Session ages are measured on the real clock (tracker.clock.seconds).
    monkeypatch.setattr(tracker.clock, "time", fake)
    return fake


def test_an_idle_session_ends_and_a_form_sent_after_it_saves_nothing(
    clock: Clock, session: Session, signed_in: Callable[[str], FlaskClient]
) -> None:
    editor = signed_in("editor")
    form = _edit_form(editor)
    form["title"] = "Saved after two idle hours"
    clock.advance(119)
    assert editor.get("/changes").status_code == 200  # still alive, and renewed
    clock.advance(119)
    assert editor.get("/changes").status_code == 200
    clock.advance(121)
    before = database_rows(session)
    response = editor.post(f"/measures/{LAW}/edit", data=form)
    assert response.status_code in (400, 403)
    assert "nothing was saved" in response.get_data(as_text=True)
    assert not changed_tables(before, database_rows(session))
    assert editor.get("/changes").status_code == 302


def test_a_busy_session_still_ends_after_twelve_hours(
    clock: Clock, signed_in: Callable[[str], FlaskClient]
) -> None:
    viewer = signed_in("viewer")
    for _ in range(11):
        clock.advance(60)
        assert viewer.get("/changes").status_code == 200
    clock.advance(59)
    assert viewer.get("/changes").status_code == 200
    clock.advance(2)
    response = viewer.get("/changes")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("how", ["sign-out", "password change", "admin signs them out"])
def test_a_copied_cookie_and_token_are_dead_after(
    app: Flask,
    session: Session,
    signed_in: Callable[[str], FlaskClient],
    how: str,
) -> None:
    owner = signed_in("editor")
    thief = app.test_client()
    cookie = owner.get_cookie(COOKIE)
    assert cookie is not None
    thief.set_cookie(COOKIE, cookie.value)
    form = _edit_form(thief)  # works while the session lives: the copy is a real one
    form["title"] = "Written by whoever copied the cookie"
    if how == "sign-out":
        token = csrf_token(owner.get("/").data)
        assert owner.post("/logout", data={"csrf_token": token}).status_code == 303
    elif how == "password change":
        page = owner.get("/account/password")
        new = "a brand new long passphrase"
        data = {**form_fields(page.data, "/account/password"), "current_password": PASSWORD,
                "password": new, "confirm": new}  # fmt: skip
        assert owner.post("/account/password", data=data).status_code == 303
    else:
        admin = signed_in("admin")
        user_id = owner.user.id  # type: ignore[attr-defined]
        token = csrf_token(admin.get(f"/admin/users/{user_id}").data)
        url = f"/admin/users/{user_id}/sign-out"
        assert admin.post(url, data={"csrf_token": token}).status_code == 303
    before = database_rows(session)
    response = thief.post(f"/measures/{LAW}/edit", data=form)
    assert response.status_code in (400, 403)
    assert not changed_tables(before, database_rows(session))
    assert thief.get("/changes").status_code == 302


# --------------------------------------------------------------------------------------------
# Guessing passwords, and what is kept about who signed in from where


ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.99"


def test_guessing_is_throttled_and_no_address_is_kept_anywhere(
    app: Flask,
    session: Session,
    make_user: Callable[..., User],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    environ = {"REMOTE_ADDR": ADDRESS}
    headers = {"X-Forwarded-For": FORWARDED, "X-Real-IP": FORWARDED}
    target = make_user("editor")
    attacker = app.test_client()
    token = csrf_token(attacker.get("/login", environ_base=environ).data)
    statuses = []
    for attempt in range(7):
        response = attacker.post(
            "/login",
            data={"email": target.email, "password": f"guess {attempt}", "csrf_token": token},
            environ_base=environ,
            headers=headers,
        )
        statuses.append(response.status_code)
    assert statuses[:6] == [200] * 6
    assert statuses[6:] == [429]
    assert "Retry-After" in response.headers
    # Someone else, from the same address, signs in and edits: the limit is per account.
    editor = app.test_client()
    user = make_user("editor")
    assert sign_in(editor, user, environ_base=environ, headers=headers).status_code == 303
    form = _edit_form(editor)
    form["reason"] = "checked against the gazette"
    saved = editor.post(f"/measures/{LAW}/edit", data=form, environ_base=environ, headers=headers)
    assert saved.status_code == 303
    token = csrf_token(editor.get("/").data)
    editor.post("/logout", data={"csrf_token": token}, environ_base=environ, headers=headers)

    kept = []
    for table, rows in database_rows(session).items():
        for row in rows:
            if any(ADDRESS in str(value) or FORWARDED in str(value) for value in row):
                kept.append(f"{table}: {row}")
    assert not kept, "addresses stored: " + "; ".join(kept)
    logged = [r.getMessage() for r in caplog.records if ADDRESS in r.getMessage()]
    logged += [r.getMessage() for r in caplog.records if FORWARDED in r.getMessage()]
    assert not logged, logged
    cookie = editor.get_cookie(COOKIE)
    assert cookie is None or (ADDRESS not in cookie.value and FORWARDED not in cookie.value)
    from tracker.http.limits import limiter

    storage = repr(vars(limiter.storage)) if limiter.storage else ""
    assert ADDRESS not in storage
    assert FORWARDED not in storage


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short pass", "at least 12 characters"),
        ("password1234", "too common"),
        ("qwertyqwertyqwerty", "too common"),
        ("x" * 257, "256 characters"),
        ("my-name-is-{user}", "email address or name"),
        (PASSWORD, "different from the current one"),
    ],
)
def test_the_password_policy_holds_on_the_page(
    session: Session, signed_in: Callable[[str], FlaskClient], password: str, says: str
) -> None:
    me = signed_in("viewer")
    user: User = me.user  # type: ignore[attr-defined]
    password = password.replace("{user}", user.email.split("@")[0])
    page = me.get("/account/password")
    data = {**form_fields(page.data, "/account/password"), "current_password": PASSWORD,
            "password": password, "confirm": password}  # fmt: skip
    before = database_rows(session)
    response = me.post("/account/password", data=data)
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    assert not changed_tables(before, database_rows(session))
