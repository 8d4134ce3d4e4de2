"""Webhook deliveries against a real HTTP receiver on 127.0.0.1: signed, with their delivery
id, retried after the backoff and logged, refused when the endpoint is not public HTTPS.

The clock is never waited for: each round is given its ``now`` (the tests' pinned day), and a
retry is a round run at the time the backoff names.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import socket
import subprocess
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.alerts.webhook_receiver import receiving
from tests.conftest import TODAY, free_port
from tracker.alerts import webhooks
from tracker.models import AlertOutboxMessage, AlertRecipient, AlertSubscription, User

NOW = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=dt.UTC)
PUBLIC = "93.184.215.14"  # a public address, written as one so that no DNS is needed


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WEBHOOKS_ALLOW_PRIVATE": True, "WEBHOOK_TIMEOUT_SECONDS": 0.5}


def a_webhook(session: Session, user: User, url: str) -> AlertSubscription:
    """A webhook on something the user follows (Kyrgyzstan), as the pages make one."""
    recipient = AlertRecipient(user_id=user.id, secret=secrets.token_hex(16))
    session.add(recipient)
    session.flush()
    follows = AlertSubscription(
        recipient_id=recipient.id, target_kind="country", target="KG", label="Kyrgyzstan"
    )
    session.add(follows)
    session.flush()
    return webhooks.add_webhook(session, follows, url, NOW)


def a_change(session: Session, webhook: AlertSubscription) -> AlertOutboxMessage:
    """A delivery as the rounds write it: the change in the API's shapes."""
    body = {
        "event": "change",
        "measure": {"slug": "kg-foreign-representatives-law-2024", "title": "Кыргызстан law"},
        "change": {"stage": {"old": "signed", "new": "in force"}},
    }
    message = webhooks.new_message(webhook, body, "Status changed")
    session.add(message)
    session.flush()
    return message


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    return make_user("viewer")


def test_a_delivery_arrives_signed_with_its_delivery_id_and_is_sent_once(
    app: Flask, session: Session, user: User
) -> None:
    with receiving() as receiver:
        webhook = a_webhook(session, user, receiver.url())
        message = a_change(session, webhook)
        summary = webhooks.deliver_due(session, app.config, NOW)
        assert (summary.sent, summary.retrying, summary.failed) == (1, 0, 0)
        assert len(receiver.received) == 1
        got = receiver.received[0]
        assert got.path == "/hook"
        assert got.headers["Tracker-Delivery"] == message.delivery_id
        assert got.headers["Tracker-Event"] == "change"
        assert got.headers["Content-Type"].startswith("application/json")
        assert webhooks.verify(
            webhook.webhook_secret or "", got.headers["Tracker-Signature"], got.body, NOW
        )
        assert json.loads(got.body) == message.body  # the change, Cyrillic intact
        assert (message.state, message.attempts, message.response_status) == ("sent", 1, 200)
        assert message.sent_at == NOW
        # A later round finds nothing to send.
        assert webhooks.deliver_due(session, app.config, NOW + dt.timedelta(hours=1)).attempted == 0
        assert len(receiver.received) == 1


def test_a_tampered_body_a_wrong_secret_or_an_old_signature_fails_verify() -> None:
    secret = webhooks.new_secret()
    body = b'{"event":"change","measure":{"slug":"kg-law"}}'
    stamp = int(NOW.timestamp())
    header = webhooks.sign(secret, body, stamp)
    assert header.startswith(f"t={stamp},v1=")
    assert webhooks.verify(secret, header, body, NOW)
    assert not webhooks.verify(secret, header, body.replace(b"kg-law", b"kg-law2"), NOW)
    assert not webhooks.verify(webhooks.new_secret(), header, body, NOW)
    # A replay long after, or a header whose time was changed to pass.
    assert not webhooks.verify(secret, header, body, NOW + dt.timedelta(minutes=6))
    moved = header.replace(f"t={stamp}", f"t={stamp + 3600}")
    assert not webhooks.verify(secret, moved, body, NOW + dt.timedelta(hours=1))
    for garbage in ("", "v1=abc", f"t={stamp}", "t=x,v1=" + "0" * 64):
        assert not webhooks.verify(secret, garbage, body, NOW)


def test_a_500_is_retried_after_the_backoff_and_both_attempts_are_logged(
    app: Flask, session: Session, user: User
) -> None:
    with receiving(answers=[500]) as receiver:
        webhook = a_webhook(session, user, receiver.url())
        message = a_change(session, webhook)
        first = webhooks.deliver_due(session, app.config, NOW)
        assert (first.sent, first.retrying, first.failed) == (0, 1, 0)
        assert (message.state, message.attempts, message.response_status) == ("pending", 1, 500)
        assert message.last_error == "The endpoint answered 500."
        assert message.next_attempt_at == NOW + dt.timedelta(minutes=1)
        # Not before its time...
        early = webhooks.deliver_due(session, app.config, NOW + dt.timedelta(seconds=59))
        assert early.attempted == 0
        assert len(receiver.received) == 1
        # ...and at its time, with the same delivery id, so the receiver can tell a repeat.
        second = webhooks.deliver_due(session, app.config, NOW + dt.timedelta(minutes=1))
        assert second.sent == 1
        assert [r.headers["Tracker-Delivery"] for r in receiver.received] == [
            message.delivery_id
        ] * 2
        assert (message.state, message.attempts, message.response_status) == ("sent", 2, 200)
        assert message.last_error == "The endpoint answered 500."  # the log says what preceded


def test_the_backoff_grows_and_a_message_fails_for_good_after_the_last_attempt(
    app: Flask, session: Session, user: User
) -> None:
    with receiving(answers=[503] * 10) as receiver:
        webhook = a_webhook(session, user, receiver.url())
        message = a_change(session, webhook)
        at = NOW
        waits = []
        for _ in range(webhooks.MAX_ATTEMPTS - 1):
            webhooks.deliver_due(session, app.config, at)
            assert message.state == "pending"
            assert message.next_attempt_at is not None
            waits.append(message.next_attempt_at - at)
            at = message.next_attempt_at
        assert waits == [
            dt.timedelta(minutes=1),
            dt.timedelta(minutes=5),
            dt.timedelta(minutes=30),
            dt.timedelta(hours=2),
            dt.timedelta(hours=12),
        ]
        last = webhooks.deliver_due(session, app.config, at)
        assert last.failed == 1
        assert (message.state, message.attempts, message.next_attempt_at) == ("failed", 6, None)
        assert webhooks.deliver_due(session, app.config, at + dt.timedelta(days=7)).attempted == 0
        assert len(receiver.received) == webhooks.MAX_ATTEMPTS


def test_a_timeout_is_logged_and_retried_later(app: Flask, session: Session, user: User) -> None:
    with receiving(hang=True) as receiver:
        webhook = a_webhook(session, user, receiver.url())
        message = a_change(session, webhook)
        summary = webhooks.deliver_due(session, app.config, NOW)
        assert summary.retrying == 1
        assert len(receiver.received) == 1
    assert message.response_status is None
    assert message.last_error == "No answer in time (timed out)."
    assert message.next_attempt_at == NOW + dt.timedelta(minutes=1)


def test_an_endpoint_that_drips_its_answer_is_cut_off_at_the_timeout(
    app: Flask, session: Session, user: User
) -> None:
    """Each byte comes well within the timeout, the whole answer (60 bytes, 0.1 s apart) well
    after it: the attempt ends at the timeout, as if the endpoint had said nothing."""
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 1
    with receiving(drip=0.1) as receiver:
        webhook = a_webhook(session, user, receiver.url())
        message = a_change(session, webhook)
        webhooks.deliver_due(session, app.config, NOW)
        assert len(receiver.received) == 1
    assert (message.state, message.response_status) == ("pending", None)
    assert message.last_error == "No answer in time (timed out)."


def test_a_round_waits_for_several_endpoints_at_once(
    app: Flask, session: Session, user: User
) -> None:
    """The receiver answers only when three deliveries are in hand together: one after the
    other, none would get through."""
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 15
    with receiving(together=3) as receiver:
        webhook = a_webhook(session, user, receiver.url())
        messages = [a_change(session, webhook) for _ in range(3)]
        summary = webhooks.deliver_due(session, app.config, NOW)
        assert summary.sent == 3
        assert len(receiver.received) == 3
    assert {m.state for m in messages} == {"sent"}
    assert len({m.delivery_id for m in messages}) == 3


def test_a_refused_connection_is_logged(app: Flask, session: Session, user: User) -> None:
    webhook = a_webhook(session, user, f"http://127.0.0.1:{free_port()}/hook")
    message = a_change(session, webhook)
    webhooks.deliver_due(session, app.config, NOW)
    assert (message.state, message.attempts) == ("pending", 1)
    assert message.last_error == "The connection was refused."


def test_redirects_are_not_followed(app: Flask, session: Session, user: User) -> None:
    with receiving() as elsewhere, receiving(answers=[307], location=elsewhere.url()) as receiver:
        webhook = a_webhook(session, user, receiver.url())
        message = a_change(session, webhook)
        webhooks.deliver_due(session, app.config, NOW)
        assert len(receiver.received) == 1
        assert elsewhere.received == []
    assert (message.state, message.response_status) == ("pending", 307)
    assert message.last_error == "The endpoint answered 307, a redirect (not followed)."


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"http://{PUBLIC}/hook", "must start with https://"),
        ("ftp://example.org/hook", "must start with https://"),
        ("https://10.0.0.1/hook", "10.0.0.1 is a private, local or reserved address"),
        ("https://192.168.1.20/hook", "private, local or reserved"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a private"),
        ("https://127.0.0.1/hook", "127.0.0.1 is a private"),
        ("https://[::1]/hook", "::1 is a private"),
        ("https://localhost/hook", "The host localhost leads to a private, local or reserved"),
        ("https://[::ffff:127.0.0.1]/hook", "a private"),
        ("https://[::ffff:10.0.0.1]/hook", "a private"),
        ("https://[64:ff9b::a9fe:a9fe]/hook", "a private"),  # NAT64 of 169.254.169.254
        ("https://[2002:7f00:1::1]/hook", "a private"),  # 6to4 of 127.0.0.1
        ("https://0.0.0.0/hook", "a private"),
        ("https://[::]/hook", "a private"),
        ("https://224.0.0.1/hook", "a private"),
        ("https://[ff02::1]/hook", "a private"),
        ("https://100.64.0.1/hook", "a private"),
        ("https://240.0.0.1/hook", "a private"),
        (f"https://user:secret@{PUBLIC}/hook", "Leave the user name and password out"),
        (f"https://{PUBLIC}/hook#part", "Leave out the part after #"),
        ("https:///hook", "names no host"),
        (f"https://{PUBLIC}:99999/hook", "not a web address"),
        ("https://no-such-host.invalid/hook", "could not be found"),
        ("", "Enter the address"),
        (f"https://{PUBLIC}/a hook", "may not contain spaces"),
        (f"https://{PUBLIC}/hook\x00", "control characters"),
    ],
)
def test_an_endpoint_that_is_not_public_https_is_refused(
    url: str, says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_dns_for_invalid(host: str, port: int) -> list[str]:
        if host.endswith(".invalid"):  # answered here: the tests make no DNS query
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return webhooks._resolve(host, port)  # literal addresses, and localhost from /etc/hosts

    monkeypatch.setattr(webhooks, "resolve", no_dns_for_invalid)
    with pytest.raises(webhooks.BadWebhookURL) as refused:
        webhooks.check_url(url, allow_private=False)
    assert says in str(refused.value)


def test_a_public_https_endpoint_is_accepted_as_written() -> None:
    checked = webhooks.check_url(f"https://{PUBLIC}/hooks/tracker?key=1", allow_private=False)
    assert (checked.scheme, checked.host, checked.port) == ("https", PUBLIC, 443)
    assert checked.target == "/hooks/tracker?key=1"
    assert checked.addresses == (PUBLIC,)
    # Non-ASCII characters go percent-encoded in the request line, as a browser sends them.
    cyrillic = webhooks.check_url(f"https://{PUBLIC}/хук?q=ä", allow_private=False)
    assert cyrillic.target == "/%D1%85%D1%83%D0%BA?q=%C3%A4"


def test_the_test_only_setting_allows_http_and_loopback() -> None:
    checked = webhooks.check_url("http://localhost:8080/hook", allow_private=True)
    assert "127.0.0.1" in checked.addresses
    with pytest.raises(webhooks.BadWebhookURL):
        webhooks.check_url("ftp://127.0.0.1/hook", allow_private=True)


def test_a_host_that_comes_to_resolve_to_a_private_address_is_not_delivered_to(
    app: Flask, session: Session, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: public when registered, loopback when delivering. Checked again at
    delivery, the attempt is refused and logged; the receiver on loopback hears nothing."""
    with receiving() as receiver:
        answers = iter([[PUBLIC], ["127.0.0.1"]])
        monkeypatch.setattr(webhooks, "resolve", lambda host, port: next(answers))
        url = f"https://rebind.example:{receiver.port}/hook"
        webhooks.check_url(url, allow_private=False)  # registration: fine
        webhook = a_webhook(session, user, url)
        message = a_change(session, webhook)
        production = {**app.config, "WEBHOOKS_ALLOW_PRIVATE": False}
        webhooks.deliver_due(session, production, NOW)
        assert receiver.received == []
    assert (message.state, message.attempts, message.response_status) == ("pending", 1, None)
    assert message.last_error is not None
    assert message.last_error.startswith("Not sent: The host rebind.example leads to a private")


def test_the_connection_goes_to_the_address_that_was_checked(
    app: Flask, session: Session, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name is resolved once, by the check; the HTTP client is handed that address and
    never looks the name up itself (this name resolves nowhere else)."""
    looked_up: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(webhooks, "resolve", resolve)
    with receiving() as receiver:
        webhook = a_webhook(session, user, receiver.url(host="hooks.invalid"))
        message = a_change(session, webhook)
        webhooks.deliver_due(session, app.config, NOW)
        assert message.state == "sent"
        assert receiver.received[0].headers["Host"] == f"hooks.invalid:{receiver.port}"
    assert looked_up == ["hooks.invalid"]


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, str]:
    """A self-signed certificate for the name hooks.test (openssl, as a CA would issue one)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=hooks.test"
    names = "subjectAltName=DNS:hooks.test"
    arguments = [*command.split(), "-addext", names, "-keyout", str(key), "-out", str(cert)]
    subprocess.run(arguments, check=True, capture_output=True)
    return str(cert), str(key)


def test_https_goes_to_the_checked_address_and_checks_the_certificate_for_the_name(
    app: Flask,
    session: Session,
    user: User,
    monkeypatch: pytest.MonkeyPatch,
    certificate: tuple[str, str],
) -> None:
    def trusting_our_certificate() -> Any:
        import ssl

        return ssl.create_default_context(cafile=certificate[0])

    monkeypatch.setattr(webhooks, "tls_context", trusting_our_certificate)
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["127.0.0.1"])
    with receiving(certificate=certificate) as receiver:
        good = a_webhook(session, user, receiver.url(host="hooks.test", scheme="https"))
        delivered = a_change(session, good)
        webhooks.deliver(session, app.config, delivered, NOW)
        assert delivered.state == "sent"
        assert len(receiver.received) == 1
        # The same address under a name the certificate is not for: refused by TLS.
        follows = good.recipient.subscriptions[0]
        wrong_name = webhooks.add_webhook(
            session, follows, receiver.url(host="other.test", scheme="https"), NOW
        )
        refused = a_change(session, wrong_name)
        webhooks.deliver(session, app.config, refused, NOW)
        assert refused.state == "pending"
        assert refused.last_error is not None
        assert "certificate was not accepted" in refused.last_error
        assert len(receiver.received) == 1


def test_the_verification_snippet_in_the_receivers_guide_checks_real_deliveries(
    app: Flask, session: Session, user: User
) -> None:
    """docs/webhooks.md's Python snippet, run as written against what a receiver got."""
    guide = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", guide, re.S)
    assert len(blocks) == 1
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], "docs/webhooks.md", "exec"), namespace)  # noqa: S102 - our own doc
    namespace["time"] = types.SimpleNamespace(time=NOW.timestamp)  # the receiver's clock
    snippet_verify = namespace["verify"]
    with receiving() as receiver:
        webhook = a_webhook(session, user, receiver.url())
        a_change(session, webhook)
        webhooks.deliver_due(session, app.config, NOW)
        got = receiver.received[0]
    secret, header = webhook.webhook_secret or "", got.headers["Tracker-Signature"]
    assert snippet_verify(secret, header, got.body)
    assert not snippet_verify(secret, header, got.body.replace(b"in force", b"repealed"))
    assert not snippet_verify(webhooks.new_secret(), header, got.body)
    assert not snippet_verify(secret, "garbage", got.body)
    namespace["time"] = types.SimpleNamespace(time=lambda: NOW.timestamp() + 301)
    assert not snippet_verify(secret, header, got.body)
