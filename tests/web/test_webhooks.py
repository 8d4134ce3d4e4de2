"""The webhook pages: add one for something you follow, see and renew its secret, send a test,
read the delivery log and retry from it, remove it; only its owner sees or changes it."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.alerts.webhook_receiver import receiving
from tests.conftest import PASSWORD, TODAY, SignedInClient
from tests.security.state import changed_tables, csrf_token, database_rows, form_fields
from tracker.alerts import webhooks
from tracker.models import AlertOutboxMessage, AlertRecipient, AlertSubscription, User

INDEX = "/account/alerts/webhooks"
SECRET = re.compile(r"\b[0-9a-f]{64}\b")
NOW = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=dt.UTC)


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WEBHOOKS_ALLOW_PRIVATE": True, "WEBHOOK_TIMEOUT_SECONDS": 0.5}


def follow(session: Session, user: User, label: str = "Kyrgyzstan") -> AlertSubscription:
    """The user follows a country by email (what the alerts page makes)."""
    recipient = session.scalar(select(AlertRecipient).where(AlertRecipient.user_id == user.id))
    if recipient is None:
        recipient = AlertRecipient(user_id=user.id, secret=secrets.token_hex(16))
        session.add(recipient)
        session.flush()
    follows = AlertSubscription(
        recipient_id=recipient.id, target_kind="country", target="KG", label=label
    )
    session.add(follows)
    session.commit()
    return follows


def add(client: FlaskClient, follows: AlertSubscription, url: str) -> Any:
    page = client.get(INDEX)
    data = {**form_fields(page.data, INDEX), "follows": str(follows.id), "url": url}
    return client.post(INDEX, data=data)


def webhook_of(session: Session, follows: AlertSubscription) -> AlertSubscription:
    found = session.scalar(
        select(AlertSubscription).where(
            AlertSubscription.recipient_id == follows.recipient_id,
            AlertSubscription.channel == "webhook",
        )
    )
    assert found is not None
    return found


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def test_a_viewer_adds_a_webhook_for_what_they_follow_and_sees_its_secret(
    session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    viewer = login_as("viewer")
    index = viewer.get(INDEX)
    assert index.status_code == 200
    assert "you follow nothing yet" in text(index)
    follows = follow(session, viewer.user)
    assert "Country: Kyrgyzstan" in text(viewer.get(INDEX))
    added = add(viewer, follows, "http://127.0.0.1:9/hook")
    assert added.status_code == 303
    page = viewer.get(added.headers["Location"])
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    webhook = webhook_of(session, follows)
    session.refresh(webhook)
    assert (webhook.webhook_url, webhook.target, webhook.frequency) == (
        "http://127.0.0.1:9/hook",
        "KG",
        "instant",
    )
    assert SECRET.findall(text(page)) == [webhook.webhook_secret]
    assert "Webhook added" in text(page)
    assert "Nothing delivered yet." in text(page)
    assert "http://127.0.0.1:9/hook" in text(viewer.get(INDEX))


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://93.184.215.14/hook", "must start with https://"),
        ("https://10.0.0.1/hook", "10.0.0.1 is a private, local or reserved address"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a private"),
        ("https://[::1]/hook", "::1 is a private"),
        ("https://localhost/hook", "a private, local or reserved address"),
        ("", "Enter the address of your endpoint"),
    ],
)
def test_an_endpoint_that_is_not_public_https_is_refused_next_to_the_field_and_kept(
    app: Flask,
    session: Session,
    login_as: Callable[..., SignedInClient],
    url: str,
    says: str,
) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False  # as in production
    editor = login_as("editor")
    follows = follow(session, editor.user)
    before = database_rows(session)
    refused = add(editor, follows, url)
    assert refused.status_code == 422
    page = text(refused)
    error = re.search(r'<p class="field-error" id="url-error">(.*?)</p>', page, re.S)
    assert error is not None
    assert says in error.group(1).replace("&#34;", '"')
    assert f'value="{url}"' in page or not url  # what was typed stays in the field
    assert not changed_tables(before, database_rows(session))


def test_send_a_test_delivers_a_signed_test_at_once_and_logs_it(
    session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    viewer = login_as("viewer")
    follows = follow(session, viewer.user)
    with receiving() as receiver:
        show = add(viewer, follows, receiver.url()).headers["Location"]
        page = viewer.get(show)
        sent = viewer.post(f"{show}/test", data={"csrf_token": csrf_token(page.data)})
        assert sent.status_code == 303
        assert len(receiver.received) == 1
        got = receiver.received[0]
    webhook = webhook_of(session, follows)
    session.refresh(webhook)
    assert got.headers["Tracker-Event"] == "test"
    signature = got.headers["Tracker-Signature"]
    stamp = int(signature.split(",")[0].removeprefix("t="))
    assert dt.datetime.fromtimestamp(stamp, dt.UTC).date() == TODAY  # signed "now", pinned day
    assert webhooks.verify(webhook.webhook_secret or "", signature, got.body, stamp)
    assert json.loads(got.body)["subscription"]["label"] == "Kyrgyzstan"
    log = text(viewer.get(sent.headers["Location"]))
    assert "Test delivered: your endpoint answered 200." in log
    delivery_id = got.headers["Tracker-Delivery"]
    row = re.search(rf"<tr class=\"delivery delivery--sent\">.*?{delivery_id}.*?</tr>", log, re.S)
    assert row is not None
    assert "Test" in row.group(0)
    assert "<td>200</td>" in row.group(0)


def test_a_failed_test_says_why_and_stays_in_the_log(
    session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    editor = login_as("editor")
    follows = follow(session, editor.user)
    with receiving(answers=[500]) as receiver:
        show = add(editor, follows, receiver.url()).headers["Location"]
        sent = editor.post(f"{show}/test", data={})
    page = text(editor.get(sent.headers["Location"]))
    assert "Test not delivered. The endpoint answered 500." in page
    assert 'class="delivery delivery--failed"' in page
    assert "Retry now" in page


def test_the_log_shows_a_retried_delivery_and_retry_now_sends_a_failed_one(
    app: Flask, session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    viewer = login_as("viewer")
    follows = follow(session, viewer.user)
    with receiving(answers=[500, 200, 502]) as receiver:
        show = add(viewer, follows, receiver.url()).headers["Location"]
        webhook = webhook_of(session, follows)
        change = webhooks.new_message(webhook, {"event": "change", "n": 1}, "Stage changed")
        session.add(change)
        session.commit()
        # A round: the endpoint answers 500; the next round, after the backoff, gets through.
        webhooks.deliver_due(session, app.config, NOW)
        session.commit()
        waiting = text(viewer.get(show))
        assert "Waiting to retry" in waiting
        assert "The endpoint answered 500." in waiting
        assert "12:01:00" in waiting  # the next attempt, a minute later
        webhooks.deliver_due(session, app.config, NOW + dt.timedelta(minutes=1))
        session.commit()
        assert len(receiver.received) == 2
        log = text(viewer.get(show))
        row = re.search(r'<tr class="delivery delivery--sent">.*?</tr>', log, re.S)
        assert row is not None
        assert change.delivery_id in row.group(0)
        assert "2 of 6" in row.group(0)
        assert "Earlier attempt: The endpoint answered 500." in row.group(0)
        assert "<td>200</td>" in row.group(0)
        # A test that failed (502) is retried from the log at once, by its owner.
        viewer.post(f"{show}/test", data={})
        failed = session.scalar(
            select(AlertOutboxMessage).where(AlertOutboxMessage.state == "failed")
        )
        assert failed is not None
        retried = viewer.post(f"{show}/deliveries/{failed.id}/retry", data={})
        assert retried.status_code == 303
        assert "Delivery delivered" in text(viewer.get(show))
        assert [r.headers["Tracker-Delivery"] for r in receiver.received[-2:]] == [
            failed.delivery_id
        ] * 2
    session.refresh(failed)
    assert (failed.state, failed.attempts) == ("sent", 2)


def test_a_new_secret_signs_the_next_deliveries(
    session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    editor = login_as("editor")
    follows = follow(session, editor.user)
    with receiving() as receiver:
        show = add(editor, follows, receiver.url()).headers["Location"]
        old = SECRET.findall(text(editor.get(show)))[0]
        renewed = editor.post(f"{show}/secret", data={})
        assert renewed.status_code == 303
        page = text(editor.get(show))
        new = SECRET.findall(page)[0]
        assert new != old
        assert "A new signing secret is made" in page
        editor.post(f"{show}/test", data={})
        got = receiver.received[0]
    stamp = int(got.headers["Tracker-Signature"].split(",")[0][2:])
    assert webhooks.verify(new, got.headers["Tracker-Signature"], got.body, stamp)
    assert not webhooks.verify(old, got.headers["Tracker-Signature"], got.body, stamp)


def test_removing_a_webhook_removes_its_log_and_keeps_what_is_followed(
    session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    editor = login_as("editor")
    follows = follow(session, editor.user)
    show = add(editor, follows, "http://127.0.0.1:9/hook").headers["Location"]
    editor.post(f"{show}/test", data={})  # refused connection: logged
    assert session.scalar(select(AlertOutboxMessage)) is not None
    removed = editor.post(f"{show}/remove", data={})
    assert removed.status_code == 303
    assert "Removed the webhook for “Kyrgyzstan”" in text(editor.get(removed.headers["Location"]))
    assert editor.get(show).status_code == 404
    assert session.scalars(select(AlertOutboxMessage)).all() == []
    assert session.get(AlertSubscription, follows.id) is not None


def test_only_the_owner_sees_or_changes_a_webhook(
    app: Flask, session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    owner = login_as("viewer")
    follows = follow(session, owner.user)
    with receiving() as receiver:
        show = add(owner, follows, receiver.url()).headers["Location"]
        owner.post(f"{show}/test", data={})
        message = session.scalar(select(AlertOutboxMessage))
        assert message is not None
        secret = webhook_of(session, follows).webhook_secret or ""
        others = (login_as("admin"), login_as("editor"))
        before = database_rows(session)
        for other in others:
            assert other.get(show).status_code == 404
            assert secret not in text(other.get(INDEX))
            for action in ("test", "secret", "remove", f"deliveries/{message.id}/retry"):
                assert other.post(f"{show}/{action}", data={}).status_code == 404
            # Their own form cannot name someone else's follow.
            theirs = other.post(INDEX, data={"follows": str(follows.id), "url": receiver.url()})
            assert theirs.status_code == 422
        anonymous = app.test_client()
        assert anonymous.get(show).status_code == 302
        assert anonymous.post(f"{show}/test", data={}).status_code == 403
        assert len(receiver.received) == 1
    assert not changed_tables(before, database_rows(session))


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True, "WEBHOOKS_ALLOW_PRIVATE": True}])
def test_the_webhook_forms_need_their_csrf_token(
    app: Flask, session: Session, make_user: Callable[..., User]
) -> None:
    @app.before_request
    def forget_cached_token() -> None:  # each request its own token, as in production
        from flask import g

        g.pop("csrf_token", None)

    user = make_user("viewer")
    follows = follow(session, user)
    client = app.test_client()
    login = csrf_token(client.get("/login").data)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": login})
    with receiving() as receiver:
        before = database_rows(session)
        forged = client.post(INDEX, data={"follows": str(follows.id), "url": receiver.url()})
        assert forged.status_code == 400
        assert not changed_tables(before, database_rows(session))
        token = csrf_token(client.get(INDEX).data)
        data = {"follows": str(follows.id), "url": receiver.url(), "csrf_token": token}
        show = client.post(INDEX, data=data).headers["Location"]
        for action in ("test", "secret", "remove"):
            assert client.post(f"{show}/{action}", data={}).status_code == 400
        assert receiver.received == []
        assert client.get(show).status_code == 200


def test_deliveries_sent_by_hand_are_limited_per_account(
    session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    """ "Send a test" makes the tracker POST to an address of the user's choosing: 20 a minute,
    then a 429 that says to wait; another account has its own budget."""
    sender, other = login_as("viewer"), login_as("viewer")
    with receiving() as receiver:
        show = add(sender, follow(session, sender.user), receiver.url()).headers["Location"]
        other_show = add(other, follow(session, other.user), receiver.url()).headers["Location"]
        answers = [sender.post(f"{show}/test", data={}).status_code for _ in range(21)]
        assert answers == [303] * 20 + [429]
        refused = sender.post(f"{show}/test", data={})
        assert "Too many deliveries sent by hand" in text(refused)
        assert len(receiver.received) == 20
        assert other.post(f"{other_show}/test", data={}).status_code == 303
        assert len(receiver.received) == 21


def test_the_alerts_page_leads_to_a_webhook_for_each_thing_followed(
    login_as: Callable[..., SignedInClient],
) -> None:
    viewer = login_as("viewer")
    token = csrf_token(viewer.get("/account/alerts").get_data())
    followed = viewer.post(
        "/alerts/follow",
        data={"csrf_token": token, "kind": "country", "target": "KG", "frequency": "daily"},
    )
    assert followed.status_code == 303
    page = viewer.get("/account/alerts").get_data(as_text=True)
    assert 'href="/account/alerts/webhooks"' in page
    match = re.search(r'href="(/account/alerts/webhooks\?follows=\d+)"', page)
    assert match, "no way from a followed item to a webhook for it"
    form = viewer.get(match.group(1)).get_data(as_text=True)
    assert re.search(r"<option[^>]*selected[^>]*>[^<]*Kyrgyzstan", form)
