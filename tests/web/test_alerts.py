"""Following things from the pages: the follow controls, an anonymous reader's double opt-in
through a real SMTP server, the confirm and one-click unsubscribe links, /account/alerts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, current_app, g
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.mailbox import Mailbox, links_in, smtp_server, text_of
from tracker.alerts import tokens
from tracker.models import AlertRecipient, AlertSubscription

PROTEST_BANS = "kg-bishkek-protest-bans-2022"
BASE = "https://tracker.example"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def app_config(mailbox: Mailbox) -> dict[str, Any]:
    return {"SMTP_URL": mailbox.url, "BASE_URL": BASE}


# The forms as a browser sends them, CSRF token included (login_as signs in without one, so the
# tests of signed-in pages leave CSRF to tests/security/test_alerts.py).
WITH_CSRF = pytest.mark.parametrize("csrf", [True], indirect=True)


@pytest.fixture
def csrf(request: pytest.FixtureRequest, app: Flask) -> bool:
    app.config["WTF_CSRF_ENABLED"] = bool(getattr(request, "param", False))
    return bool(app.config["WTF_CSRF_ENABLED"])


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path``, as that client's browser would have it."""
    # The test's app context outlives requests, and Flask-WTF keeps the token it made in ``g``:
    # without this, a second client would be handed the first one's token.
    g.pop("csrf_token", None)
    page = client.get(path).get_data(as_text=True)
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return ""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def subscribe(
    client: FlaskClient, email: str, kind: str = "country", target: str = "KG", **extra: str
) -> Any:
    form_page = f"/alerts/subscribe?kind={kind}&target={target}"
    data = {"csrf_token": csrf_token(client, form_page), "kind": kind, "target": target}
    return client.post("/alerts/subscribe", data={**data, "email": email, **extra})


def rows_for(session: Session, email: str) -> tuple[AlertRecipient | None, list[AlertSubscription]]:
    session.expire_all()
    recipient = session.scalars(select(AlertRecipient).where(AlertRecipient.email == email)).first()
    if recipient is None:
        return None, []
    found = select(AlertSubscription).where(AlertSubscription.recipient_id == recipient.id)
    return recipient, list(session.scalars(found))


def path_of(url: str) -> str:
    assert url.startswith(BASE + "/"), url
    return urlsplit(url).path


# -- an anonymous reader, end to end ---------------------------------------------------------


@WITH_CSRF
def test_an_anonymous_reader_follows_a_country_confirms_by_email_and_unsubscribes_in_one_post(
    app: Flask, client: FlaskClient, session: Session, mailbox: Mailbox, csrf: bool
) -> None:
    country = client.get("/countries/KG").get_data(as_text=True)
    assert "/alerts/subscribe?kind=country&amp;target=KG" in country
    form = client.get("/alerts/subscribe?kind=country&target=KG").get_data(as_text=True)
    assert "Follow Kyrgyzstan" in form
    assert "Your email address" in form

    answer = subscribe(client, "  Advocate@Example.ORG ", frequency="daily")
    assert answer.status_code == 200
    assert "Check your inbox" in answer.get_data(as_text=True)
    recipient, subs = rows_for(session, "advocate@example.org")  # stored lower-cased
    assert recipient is not None
    assert len(subs) == 1
    assert subs[0].confirmed_at is None
    assert subs[0].frequency == "daily"

    [message] = mailbox.to("advocate@example.org")
    assert message["Subject"] == "Confirm: email alerts about Kyrgyzstan"
    body = text_of(message)
    assert "Kyrgyzstan" in body
    assert "72 hours" in body
    [link] = [url for url in links_in(body) if "/alerts/confirm/" in url]

    # A mail scanner fetching the link confirms nothing.
    shown = client.get(path_of(link))
    assert shown.status_code == 200
    assert "You asked for email alerts about" in shown.get_data(as_text=True)
    assert rows_for(session, "advocate@example.org")[1][0].confirmed_at is None

    reader = app.test_client()  # the person, opening the link from their mail
    token = csrf_token(reader, path_of(link))
    confirmed = reader.post(path_of(link), data={"csrf_token": token})
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"] == path_of(link)
    shown = reader.get(path_of(link)).get_data(as_text=True)
    assert "<h1>Alerts confirmed</h1>" in shown
    assert "Alerts confirmed: Kyrgyzstan, daily." in shown
    subscription = rows_for(session, "advocate@example.org")[1][0]
    assert subscription.confirmed_at is not None

    # The digest's List-Unsubscribe link, POSTed by a mail client: no cookie, no CSRF token,
    # from no page of ours (RFC 8058).
    unsubscribe = tokens.make(
        app.config["SECRET_KEY"], "unsubscribe", subscription.recipient, subscription
    )
    mail_client = app.test_client()
    gone = mail_client.post(
        f"/alerts/unsubscribe/{unsubscribe}",
        data={"List-Unsubscribe": "One-Click"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert gone.status_code == 200
    assert "You will get no more email about" in gone.get_data(as_text=True)
    assert rows_for(session, "advocate@example.org") == (None, [])  # the address went too


def test_the_answer_is_the_same_whether_the_address_is_known_or_not(
    client: FlaskClient, mailbox: Mailbox
) -> None:
    first = subscribe(client, "known@example.org")
    again = subscribe(client, "known@example.org")
    stranger = subscribe(client, "stranger@example.org")
    assert first.status_code == again.status_code == stranger.status_code == 200
    assert first.data == again.data == stranger.data
    # The known address is told it asked twice, with a fresh link; nothing is shown on the page.
    assert len(mailbox.to("known@example.org")) == 2


def test_a_second_request_from_a_confirmed_address_changes_nothing_and_says_so_by_email(
    app: Flask, client: FlaskClient, session: Session, mailbox: Mailbox
) -> None:
    subscribe(client, "twice@example.org")
    [message] = mailbox.to("twice@example.org")
    link = path_of(next(u for u in links_in(text_of(message)) if "/confirm/" in u))
    client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert subscribe(client, "twice@example.org").status_code == 200
    latest = mailbox.to("twice@example.org")[-1]
    assert latest["Subject"] == "You already follow Kyrgyzstan"
    assert any("/alerts/unsubscribe/" in url for url in links_in(text_of(latest)))
    assert len(rows_for(session, "twice@example.org")[1]) == 1


def test_a_wrong_address_is_refused_next_to_the_field_with_what_was_typed_kept(
    client: FlaskClient, session: Session, mailbox: Mailbox
) -> None:
    answer = subscribe(client, "not an address", frequency="weekly")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert re.search(r'class="field-error" id="email-error">.*like name@example.org', page)
    assert 'value="not an address"' in page
    assert re.search(r'value="weekly"[^>]*checked|checked[^>]*value="weekly"', page)
    assert session.scalar(select(func.count()).select_from(AlertRecipient)) == 0
    assert mailbox.messages == []


def test_signed_in_users_see_a_one_click_follow_form_and_anonymous_readers_a_link(
    client: FlaskClient, login_as: Callable[..., FlaskClient]
) -> None:
    pages = {
        f"/measures/{PROTEST_BANS}": ("measure", "lineage"),
        "/countries/KG": ("country",),
        "/organizations/amnesty-international": ("organization",),
        "/measures/?country=KG&topic=assembly": ("search", "topic"),
        "/events/?country=KG": ("search",),
        "/statements/": ("search",),
        "/search?q=protest": ("search",),
    }
    viewer = login_as("viewer")
    for path, kinds in pages.items():
        anonymous = client.get(path).get_data(as_text=True)
        signed_in = viewer.get(path).get_data(as_text=True)
        for kind in kinds:
            assert f"/alerts/subscribe?kind={kind}&amp;target=" in anonymous, (path, kind)
            assert f'data-follow="{kind}"' in signed_in, (path, kind)
        assert 'action="/alerts/follow"' in signed_in
        assert "How often" in signed_in
        assert 'action="/alerts/follow"' not in anonymous
    search = client.get("/measures/?country=KG&page=2&as_of=2024-02-08").get_data(as_text=True)
    assert "Save this search by email" in search


# -- without SMTP settings -------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"SMTP_URL": None}])
def test_without_smtp_settings_the_form_says_email_is_not_set_up_and_points_to_the_feed(
    client: FlaskClient, session: Session
) -> None:
    page = client.get("/alerts/subscribe?kind=country&target=KG")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Email alerts are not set up on this site" in text
    assert 'href="/feed.atom?country=KG"' in text
    assert 'type="email"' not in text
    sent = client.post(
        "/alerts/subscribe", data={"kind": "country", "target": "KG", "email": "a@example.org"}
    )
    assert sent.status_code == 200
    assert "Email alerts are not set up on this site" in sent.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(AlertRecipient)) == 0


# -- a signed-in user -----------------------------------------------------------------------


def follow(client: FlaskClient, kind: str, target: str, frequency: str = "instant") -> Any:
    token = csrf_token(client, "/account/alerts")
    data = {"csrf_token": token, "kind": kind, "target": target, "frequency": frequency}
    return client.post("/alerts/follow", data={**data, "next": "/countries/KG"})


def test_a_signed_in_user_follows_in_one_click_and_manages_it_at_account_alerts(
    login_as: Callable[..., Any], session: Session, mailbox: Mailbox
) -> None:
    viewer = login_as("viewer")
    followed = follow(viewer, "country", "KG", "daily")
    assert followed.status_code == 303
    assert followed.headers["Location"] == "/countries/KG"
    assert "You now follow Kyrgyzstan by email (daily)" in viewer.get("/countries/KG").get_data(
        as_text=True
    )
    assert mailbox.messages == []  # confirmed at once: no double opt-in for one's own account
    subscription = session.scalars(select(AlertSubscription)).one()
    assert subscription.confirmed_at is not None

    page = viewer.get("/account/alerts").get_data(as_text=True)
    assert "<h3>Kyrgyzstan</h3>" in page
    assert re.search(r'<option selected value="daily">|<option value="daily" selected>', page)

    sid = subscription.id
    base = {"csrf_token": csrf_token(viewer, "/account/alerts")}
    bad = viewer.post(
        f"/account/alerts/{sid}",
        data={**base, f"s{sid}-frequency": "weekly", f"s{sid}-due_days": "999"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Enter a number of days from 0 to 366." in text
    assert 'value="999"' in text
    good = viewer.post(
        f"/account/alerts/{sid}",
        data={**base, f"s{sid}-frequency": "weekly", f"s{sid}-due_days": "30"},
    )
    assert good.status_code == 303
    session.refresh(subscription)
    assert (subscription.frequency, subscription.due_days) == ("weekly", 30)

    # Someone else's subscription is not theirs to see, change or remove.
    other = login_as("viewer")
    other_token = csrf_token(other, "/account/alerts")
    assert "Kyrgyzstan" not in other.get("/account/alerts").get_data(as_text=True)
    assert (
        other.post(f"/account/alerts/{sid}/remove", data={"csrf_token": other_token}).status_code
        == 404
    )
    data = {"csrf_token": other_token, f"s{sid}-frequency": "daily", f"s{sid}-due_days": "1"}
    assert other.post(f"/account/alerts/{sid}", data=data).status_code == 404

    removed = viewer.post(f"/account/alerts/{sid}/remove", data=base)
    assert removed.status_code == 303
    assert "You no longer follow Kyrgyzstan" in viewer.get("/account/alerts").get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(AlertSubscription)) == 0


def test_following_again_changes_how_often_instead_of_following_twice(
    login_as: Callable[..., Any], session: Session
) -> None:
    editor = login_as("editor")
    follow(editor, "measure", PROTEST_BANS, "instant")
    follow(editor, "measure", PROTEST_BANS, "weekly")
    [subscription] = session.scalars(select(AlertSubscription)).all()
    assert subscription.frequency == "weekly"
    assert subscription.label == "Protest bans in central Bishkek (2022–)"


def test_a_saved_search_drops_paging_sort_and_as_of(
    login_as: Callable[..., Any], session: Session
) -> None:
    viewer = login_as("viewer")
    follow(
        viewer, "search", "/measures/?topic=assembly&page=3&country=KG&as_of=2024-02-08&sort=date"
    )
    subscription = session.scalars(select(AlertSubscription)).one()
    assert subscription.target == "/measures/?country=KG&topic=assembly"
    assert subscription.label == "Measures: Kyrgyzstan, Topic: Freedom of peaceful assembly"
    refused = follow(viewer, "search", "/account/tokens")
    assert refused.status_code == 400


def test_mine_is_for_editors_only(login_as: Callable[..., Any], session: Session) -> None:
    viewer = login_as("viewer")
    assert "Follow changes to my records" not in viewer.get("/account/alerts").get_data(
        as_text=True
    )
    assert follow(viewer, "mine", "").status_code == 400
    editor = login_as("editor")
    assert 'data-follow="mine"' in editor.get("/account/alerts").get_data(as_text=True)
    assert follow(editor, "mine", "").status_code == 303
    subscription = session.scalars(select(AlertSubscription)).one()
    assert subscription.label == "Changes to records you created"
    assert subscription.target == str(editor.user.id)


def test_internal_measures_are_followable_when_signed_in_but_not_even_revealed_to_others(
    client: FlaskClient, login_as: Callable[..., Any], session: Session
) -> None:
    factories.measure(session, "kg-secret-draft", title="Secret draft", visibility="internal")
    session.commit()
    hidden = client.get("/alerts/subscribe?kind=measure&target=kg-secret-draft")
    missing = client.get("/alerts/subscribe?kind=measure&target=kg-no-such-measure")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.data == missing.data
    posted = client.post(
        "/alerts/subscribe",
        data={"kind": "measure", "target": "kg-secret-draft", "email": "a@example.org"},
    )
    assert posted.status_code == 404
    assert follow(login_as("viewer"), "measure", "kg-secret-draft").status_code == 303
