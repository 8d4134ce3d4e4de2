"""Alerts fixtures: a real SMTP server on 127.0.0.1 (aiosmtpd), subscriptions made directly,
links on BASE_URL, and edits through the services' write path."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import TODAY, free_port
from tracker import clock
from tracker.alerts import rounds
from tracker.http.links import WebLinks
from tracker.models import AlertRecipient, AlertSubscription, Measure, User
from tracker.services import history

BASE_URL = "https://tracker.example.org"


@dataclass
class Inbox:
    """What the SMTP server received: (envelope recipients, message), in order."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpts, message in self.received if address in rcpts]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1 for the test, and its port."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BASE_URL": BASE_URL, "SITE_NAME": "tracker"}


@pytest.fixture
def links(app: Flask) -> WebLinks:
    return WebLinks()


@pytest.fixture
def config(app: Flask, smtp: tuple[Inbox, int]) -> dict[str, Any]:
    return {**app.config, "SMTP_URL": f"smtp+plain://127.0.0.1:{smtp[1]}"}


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


def now_on(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC)


NOW = now_on(TODAY)


@pytest.fixture
def run_round(
    app: Flask, session: Session, config: dict[str, Any], links: WebLinks
) -> Callable[..., rounds.RoundReport]:
    """A round as ``tracker alerts send`` runs it: links built for the public address."""

    def run(now: dt.datetime = NOW, dry_run: bool = False) -> rounds.RoundReport:
        with app.test_request_context("/", base_url=BASE_URL):
            return rounds.send_round(session, config, links, now, dry_run=dry_run)

    return run


@pytest.fixture
def follow(session: Session) -> Callable[..., AlertSubscription]:
    """``follow("reader@example.org", "measure", slug)``: a confirmed subscription (an address
    alone, or a user's when ``user`` is given), made as the pages make one."""

    def make(
        address: str | None,
        target_kind: str,
        target: str,
        *,
        user: User | None = None,
        label: str | None = None,
        confirmed: bool = True,
        **values: Any,
    ) -> AlertSubscription:
        if user is not None:
            recipient = session.scalar(
                select(AlertRecipient).where(AlertRecipient.user_id == user.id)
            ) or AlertRecipient(user_id=user.id, secret=secrets.token_hex(16))
        else:
            assert address is not None
            recipient = session.scalar(
                select(AlertRecipient).where(AlertRecipient.email == address)
            ) or AlertRecipient(email=address, secret=secrets.token_hex(16))
        subscription = AlertSubscription(
            recipient=recipient,
            target_kind=target_kind,
            target=target,
            label=label or f"{target_kind} {target}",
            confirmed_at=clock.now() if confirmed else None,
            **values,
        )
        session.add(subscription)
        session.commit()
        return subscription

    return make


def measure(session: Session, slug: str) -> Measure:
    found = session.scalar(select(Measure).where(Measure.slug == slug))
    assert found is not None
    return found


@pytest.fixture
def as_editor(session: Session, make_user: Callable[..., User]) -> User:
    """The session's later saves are an editor's."""
    editor = make_user("editor", name="Edna Editor")
    history.set_actor(session, history.actor_for(editor))
    return editor
