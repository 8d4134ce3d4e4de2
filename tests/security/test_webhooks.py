"""Webhooks as an attacker would use them: to make the tracker reach inside its own network
(SSRF), to plant script in the pages that list them, or to learn someone else's secret."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.alerts.webhook_receiver import receiving
from tests.conftest import SignedInClient
from tests.security.content import PROBE_TAG, html_problems
from tests.security.payloads import payload
from tests.security.state import form_fields
from tracker import clock
from tracker.alerts import webhooks
from tracker.models import AlertOutboxMessage, AlertRecipient, AlertSubscription, User

INDEX = "/account/alerts/webhooks"
PUBLIC = "93.184.215.14"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WEBHOOKS_ALLOW_PRIVATE": False, "WEBHOOK_TIMEOUT_SECONDS": 0.5}


def follow(session: Session, user: User, label: str) -> AlertSubscription:
    recipient = AlertRecipient(user_id=user.id, secret=secrets.token_hex(16))
    session.add(recipient)
    session.flush()
    follows = AlertSubscription(
        recipient_id=recipient.id, target_kind="search", target="/measures/?q=x", label=label
    )
    session.add(follows)
    session.commit()
    return follows


def add(client: SignedInClient, follows: AlertSubscription, url: str) -> Any:
    data = {**form_fields(client.get(INDEX).data, INDEX), "follows": str(follows.id), "url": url}
    return client.post(INDEX, data=data)


def test_hostile_text_in_a_webhook_is_shown_as_text_on_its_pages(
    session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    viewer = login_as("viewer")
    follows = follow(session, viewer.user, payload("alert-label", 300))
    hostile = (
        f"https://{PUBLIC}/XSS-url<{PROBE_TAG}>x</{PROBE_TAG}><script>window.__xss=1</script>"
        "\"'><img/src=x/onerror=window.__xss=1>"
    )
    added = add(viewer, follows, hostile)
    assert added.status_code == 303
    show = added.headers["Location"]
    pages = {
        "index": viewer.get(INDEX),
        "webhook": viewer.get(show),
        "refused": add(viewer, follows, f"https://10.0.0.1/<{PROBE_TAG}>\"'><script>x</script>"),
    }
    # A delivery in the log, with a hostile subject and error (nothing is sent: no test may
    # reach a public address).
    webhook = session.get(AlertSubscription, int(show.rsplit("/", 1)[1]))
    assert webhook is not None
    message = webhooks.new_message(webhook, {"event": "change"}, payload("alert-subject", 300))
    webhooks.record(message, webhooks.Attempt(500, payload("alert-error", 400)), clock.now())
    session.add(message)
    session.commit()
    pages["log"] = viewer.get(show)
    for name, page in pages.items():
        text = page.get_data(as_text=True)
        assert html_problems(page.data) == [], name
        assert "XSS-alert-label" in text, name  # shown, as text
    assert "XSS-alert-subject" in pages["log"].get_data(as_text=True)
    assert "XSS-alert-error" in pages["log"].get_data(as_text=True)
    assert "XSS-url" in pages["webhook"].get_data(as_text=True)
    assert pages["refused"].status_code == 422


def test_no_page_makes_the_tracker_reach_a_private_address(
    session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    """With the production rules, a webhook pointing at loopback (stored while the test-only
    setting allowed it, or by a name that changed) delivers nothing, from a round or from
    "send a test"; adding one is refused."""
    editor = login_as("editor")
    follows = follow(session, editor.user, "Kyrgyzstan")
    with receiving() as receiver:
        for url in (receiver.url(), receiver.url(host="localhost").replace("http:", "https:")):
            refused = add(editor, follows, url)
            assert refused.status_code == 422
        planted = webhooks.add_webhook(session, follows, receiver.url(), clock.now())
        session.commit()
        show = f"{INDEX}/{planted.id}"
        tested = editor.post(f"{show}/test", data={})
        assert tested.status_code == 303
        page = editor.get(show).get_data(as_text=True)
        assert "Test not delivered. Not sent: The address must start with https://" in page
        message = session.scalar(select(AlertOutboxMessage))
        assert message is not None
        assert message.state == "failed"
        assert receiver.received == []


def test_a_delivery_never_carries_its_secret_and_others_never_see_it(
    app: Flask, session: Session, login_as: Callable[..., SignedInClient]
) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    owner = login_as("viewer")
    follows = follow(session, owner.user, "Kyrgyzstan")
    with receiving() as receiver:
        show = add(owner, follows, receiver.url()).headers["Location"]
        owner.post(f"{show}/test", data={})
        got = receiver.received[0]
    webhook = session.scalars(
        select(AlertSubscription).where(AlertSubscription.channel == "webhook")
    ).one()
    secret = webhook.webhook_secret or ""
    assert len(secret) == 64
    assert secret.encode() not in got.body
    assert all(secret not in value for value in got.headers.values())
    for other in (login_as("admin"), login_as("editor"), login_as("viewer")):
        for url in (INDEX, show):
            assert secret not in other.get(url).get_data(as_text=True)
