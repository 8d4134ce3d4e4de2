"""The alert pages under attack: rate limits that never look at who asks, links that expire
and work once, a token that touches only what it names, addresses deleted and never shown, roles
and CSRF on every form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import TODAY
from tests.mailbox import Mailbox, links_in, smtp_server, text_of
from tests.security.state import csrf_token, database_rows
from tests.security.test_sessions import sign_in as sign_in_with_form
from tracker.alerts import tokens
from tracker.http.limits import limiter
from tracker.models import AlertRecipient, AlertSubscription, User

ADDRESS = "203.0.113.77"  # the requester's IP address, which nothing may keep


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def app_config(mailbox: Mailbox) -> dict[str, Any]:
    return {
        "SMTP_URL": mailbox.url,
        "BASE_URL": "https://tracker.example",
        "WTF_CSRF_ENABLED": True,
        "ALERT_ADDRESS_RATE_LIMIT": "2 per day",
        "ALERT_RATE_LIMIT": "30 per minute",
    }


def token_of(client: FlaskClient, path: str, **kwargs: Any) -> str:
    # The test's app context outlives requests and Flask-WTF keeps its token in ``g``: clear it
    # so that each client gets its own, as each browser would.
    g.pop("csrf_token", None)
    return csrf_token(client.get(path, **kwargs).data)


def sign_in(client: FlaskClient, user: User) -> Any:
    g.pop("csrf_token", None)  # as in token_of
    return sign_in_with_form(client, user)


def subscribe(client: FlaskClient, email: str, target: str = "KG", **kwargs: Any) -> Any:
    token = token_of(client, f"/alerts/subscribe?kind=country&target={target}", **kwargs)
    data = {"csrf_token": token, "kind": "country", "target": target, "email": email}
    return client.post("/alerts/subscribe", data=data, **kwargs)


def confirm_path(mailbox: Mailbox, email: str) -> str:
    text = text_of(mailbox.to(email)[-1])
    [link] = [url for url in links_in(text) if "/alerts/confirm/" in url]
    return link.removeprefix("https://tracker.example")


def count(session: Session, model: type[Any]) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# -- rate limits without addresses ------------------------------------------------------------


def test_confirmation_emails_are_limited_per_address_typed_never_per_requester(
    app: Flask, mailbox: Mailbox, session: Session
) -> None:
    # Three different requesters (IP addresses), one address typed in three spellings.
    for n, spelling in enumerate(["flood@example.org", "FLOOD@example.org"]):
        answer = subscribe(
            app.test_client(), spelling, environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}
        )
        assert answer.status_code == 200
    refused = subscribe(
        app.test_client(), " Flood@Example.org", environ_base={"REMOTE_ADDR": ADDRESS}
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert 'id="email-error"' in page
    assert "Several confirmation emails were sent to this address recently" in page
    assert 'value=" Flood@Example.org"' in page  # what was typed is kept
    assert len(mailbox.to("flood@example.org")) == 2  # the inbox is not flooded
    # Another address from the same requester is not held back by that one.
    assert subscribe(app.test_client(), "other@example.org").status_code == 200
    # The store counts under keyed hashes: no address typed, no requester's address.
    storage = repr(vars(limiter.storage))
    assert "flood@example.org" not in storage.lower()
    assert ADDRESS not in storage
    for rows in database_rows(session).values():
        assert not any(ADDRESS in str(value) for row in rows for value in row)


@pytest.mark.parametrize(
    "app_config", [{"ALERT_RATE_LIMIT": "3 per minute", "SMTP_URL": None}], indirect=False
)
def test_each_link_endpoint_is_limited_as_a_whole_whoever_asks(app: Flask) -> None:
    answers = [
        app.test_client().get(
            f"/alerts/unsubscribe/not-a-token-{n}", environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}
        )
        for n in range(4)
    ]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert int(answers[-1].headers["Retry-After"]) > 0
    # Another endpoint has its own count.
    assert app.test_client().get("/alerts/confirm/not-a-token").status_code == 404


# -- links ----------------------------------------------------------------------------------


def test_a_confirmation_link_works_once_and_not_after_alert_confirm_hours(
    app: Flask, mailbox: Mailbox, session: Session
) -> None:
    subscribe(app.test_client(), "once@example.org")
    path = confirm_path(mailbox, "once@example.org")
    reader = app.test_client()
    token = token_of(reader, path)
    first = reader.post(path, data={"csrf_token": token}, follow_redirects=True)
    assert "Alerts confirmed: Kyrgyzstan" in first.get_data(as_text=True)
    stamp = session.scalars(select(AlertSubscription.confirmed_at)).one()
    second = reader.post(path, data={"csrf_token": token}, follow_redirects=True)  # again
    assert "This link was used already" in second.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(AlertSubscription.confirmed_at)).one() == stamp

    subscribe(app.test_client(), "late@example.org")
    late = confirm_path(mailbox, "late@example.org")
    app.config["TODAY"] = (TODAY + dt.timedelta(hours=73)).isoformat()
    expired = app.test_client().get(late)
    assert expired.status_code == 410
    assert "This confirmation link has expired" in expired.get_data(as_text=True)


def test_confirming_needs_the_button_not_just_the_link(
    app: Flask, mailbox: Mailbox, session: Session
) -> None:
    subscribe(app.test_client(), "scanner@example.org")
    path = confirm_path(mailbox, "scanner@example.org")
    assert app.test_client().get(path).status_code == 200  # a mail scanner's fetch
    assert app.test_client().head(path).status_code == 200
    forged = app.test_client().post(path)  # no CSRF token: not from our page
    assert forged.status_code == 400
    session.expire_all()
    assert session.scalars(select(AlertSubscription.confirmed_at)).one() is None


def test_an_unsubscribe_token_touches_only_its_own_subscription(
    app: Flask, mailbox: Mailbox, session: Session
) -> None:
    subscribe(app.test_client(), "mine@example.org")
    subscribe(app.test_client(), "theirs@example.org")
    mine, theirs = (
        session.scalars(
            select(AlertSubscription).join(AlertRecipient).where(AlertRecipient.email == email)
        ).one()
        for email in ("mine@example.org", "theirs@example.org")
    )
    key = app.config["SECRET_KEY"]
    token = tokens.make(key, "unsubscribe", mine.recipient, mine)
    # The same signed payload pointed at the other subscription is not valid; neither is a
    # confirmation token, nor an unsubscribe-all token, used as an unsubscribe token.
    confirm = tokens.make(key, "confirm", theirs.recipient, theirs)
    everything = tokens.make(key, "unsubscribe-all", theirs.recipient)
    for wrong in (token[:-3] + "abc", confirm, everything):
        assert app.test_client().post(f"/alerts/unsubscribe/{wrong}").status_code == 404
    assert count(session, AlertSubscription) == 2
    button = app.test_client().post(f"/alerts/unsubscribe/{token}", follow_redirects=True)
    assert "Unsubscribed: you will get no more email about Kyrgyzstan" in button.get_data(
        as_text=True
    )
    left = session.scalars(select(AlertRecipient.email)).all()
    assert left == ["theirs@example.org"]
    # Used: the link now names nothing, and says so without an error.
    again = app.test_client().post(f"/alerts/unsubscribe/{token}")
    assert "these alerts were stopped already" in again.get_data(as_text=True)


def test_one_click_unsubscribe_needs_nothing_but_the_token_even_from_another_site(
    app: Flask, mailbox: Mailbox, session: Session
) -> None:
    subscribe(app.test_client(), "oneclick@example.org")
    recipient = session.scalars(select(AlertRecipient)).one()
    token = tokens.make(app.config["SECRET_KEY"], "unsubscribe-all", recipient)
    page = app.test_client().get(f"/alerts/unsubscribe-all/{token}")
    assert "Stop all email alerts" in page.get_data(as_text=True)
    assert count(session, AlertSubscription) == 1  # the page changed nothing
    done = app.test_client().post(
        f"/alerts/unsubscribe-all/{token}",
        data={"List-Unsubscribe": "One-Click"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert done.status_code == 200
    assert count(session, AlertSubscription) == 0
    assert count(session, AlertRecipient) == 0


# -- addresses, roles, CSRF -------------------------------------------------------------------


def test_no_address_is_shown_on_any_page_of_the_journey(
    app: Flask, mailbox: Mailbox, session: Session, make_user: Callable[..., User]
) -> None:
    email = "hidden-advocate@example.org"
    client = app.test_client()
    pages = [subscribe(client, email).get_data(as_text=True)]
    path = confirm_path(mailbox, email)
    pages.append(client.get(path).get_data(as_text=True))
    pages.append(
        client.post(path, data={"csrf_token": token_of(client, path)}).get_data(as_text=True)
    )
    subscription = session.scalars(select(AlertSubscription)).one()
    token = tokens.make(
        app.config["SECRET_KEY"], "unsubscribe", subscription.recipient, subscription
    )
    pages.append(client.get(f"/alerts/unsubscribe/{token}").get_data(as_text=True))
    # Another user, signed in, sees only their own alerts.
    other = app.test_client()
    user = make_user("admin")
    assert sign_in(other, user).status_code == 303
    pages += [other.get(p).get_data(as_text=True) for p in ("/account/alerts", "/countries/KG")]
    assert not [page for page in pages if email in page]


def test_every_alert_form_needs_its_csrf_token(
    app: Flask, session: Session, make_user: Callable[..., User]
) -> None:
    anonymous = app.test_client()
    data = {"kind": "country", "target": "KG", "email": "csrf@example.org"}
    assert anonymous.post("/alerts/subscribe", data=data).status_code == 400
    viewer = app.test_client()
    assert sign_in(viewer, make_user("viewer")).status_code == 303
    follow = {"kind": "country", "target": "KG", "frequency": "daily"}
    assert viewer.post("/alerts/follow", data=follow).status_code == 400
    assert count(session, AlertSubscription) == 0
    token = token_of(viewer, "/account/alerts")
    assert viewer.post("/alerts/follow", data={**follow, "csrf_token": token}).status_code == 303
    subscription_id = session.scalars(select(AlertSubscription.id)).one()
    assert viewer.post(f"/account/alerts/{subscription_id}/remove").status_code == 400
    assert count(session, AlertSubscription) == 1


def test_anonymous_visitors_cannot_follow_mine_or_manage_anything(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/alerts/subscribe?kind=mine&target=1").status_code == 400
    managed = client.get("/account/alerts")
    assert managed.status_code == 302
    assert managed.headers["Location"].startswith("/login")
    token = token_of(client, "/alerts/subscribe?kind=country&target=KG")
    posted = client.post(
        "/alerts/follow", data={"csrf_token": token, "kind": "country", "target": "KG"}
    )
    assert posted.status_code in (302, 403)


def test_labels_are_escaped_where_they_are_shown(
    app: Flask, session: Session, make_user: Callable[..., User]
) -> None:
    viewer = app.test_client()
    assert sign_in(viewer, make_user("viewer")).status_code == 303
    token = token_of(viewer, "/account/alerts")
    target = "/search?q=<script>alert(1)</script>"
    viewer.post("/alerts/follow", data={"csrf_token": token, "kind": "search", "target": target})
    page = viewer.get("/account/alerts").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
