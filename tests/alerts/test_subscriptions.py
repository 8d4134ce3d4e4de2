"""The rules of following (tracker.alerts.subscriptions): what can be followed and what it is
called, saved lists normalised, double opt-in, links that expire and are single-use, and
addresses deleted with their last subscription."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import TODAY
from tests.mailbox import Mailbox, links_in, smtp_server, text_of
from tracker.alerts import subscriptions, tokens
from tracker.alerts.mail import MailNotConfigured
from tracker.alerts.subscriptions import BadAddress, BadTarget, LinkProblem, TargetNotFound
from tracker.models import AlertRecipient, AlertSubscription, Revision, Topic, User
from tracker.services import users
from tracker.viewpoint import Viewpoint

ANYONE = Viewpoint.anonymous(TODAY)
SIGNED_IN = Viewpoint.viewer(TODAY)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def app_config(mailbox: Mailbox) -> dict[str, Any]:
    return {"SMTP_URL": mailbox.url, "BASE_URL": "https://tracker.example"}


def user(session: Session, role: str) -> User:
    made = users.create_user(
        session, f"{role}-rules@example.org", "Rules", role, "velvet kettle orbit plum"
    )
    session.flush()
    return made


def ask(session: Session, app: Flask, email: str, kind: str = "country", key: str = "KG") -> Any:
    target = subscriptions.resolve(session, ANYONE, kind, key)
    return subscriptions.subscribe_address(
        session,
        app.config,
        email,
        target,
        "instant",
        confirm_url=lambda token: f"https://tracker.example/alerts/confirm/{token}",
        unsubscribe_url=lambda token: f"https://tracker.example/alerts/unsubscribe/{token}",
    )


def confirm_token(mailbox: Mailbox, email: str) -> str:
    text = text_of(mailbox.to(email)[-1])
    [link] = [url for url in links_in(text) if "/alerts/confirm/" in url]
    return link.rsplit("/", 1)[1]


# -- what can be followed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "key", "label"),
    [
        ("measure", "kg-bishkek-protest-bans-2022", "Protest bans in central Bishkek (2022–)"),
        (
            "lineage",
            "ru-foreign-agents-law-2012",
            "Everything modelled on Foreign Agents Law (121-FZ, 2012)",
        ),
        ("country", "kg", "Kyrgyzstan"),
        ("topic", "assembly", "Topic: Freedom of peaceful assembly"),
        ("organization", "amnesty-international", "Amnesty International"),
        ("search", "/search?q=foreign+agents&page=2", "Search: “foreign agents”"),
        ("search", "/events/", "All events"),
    ],
)
def test_every_kind_of_target_has_a_label_in_words(
    session: Session, kind: str, key: str, label: str
) -> None:
    assert subscriptions.resolve(session, ANYONE, kind, key).label == label


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("measure", "no-such-measure"),
        ("country", "XX"),
        ("country", "KGZ"),
        ("topic", "no-such-topic"),
        ("organization", "no-such-organization"),
        ("webhook", "anything"),
        ("measure", "kg-\x00"),
    ],
)
def test_what_does_not_exist_cannot_be_followed(session: Session, kind: str, key: str) -> None:
    with pytest.raises(TargetNotFound):
        subscriptions.resolve(session, ANYONE, kind, key)


def test_internal_records_read_as_missing_to_anonymous_readers_only(session: Session) -> None:
    factories.measure(session, "kg-secret", title="Secret draft", visibility="internal")
    for kind in ("measure", "lineage"):
        with pytest.raises(TargetNotFound):
            subscriptions.resolve(session, ANYONE, kind, "kg-secret")
        assert subscriptions.resolve(session, SIGNED_IN, kind, "kg-secret").key == "kg-secret"


def test_a_topic_only_internal_measures_use_is_not_revealed(session: Session) -> None:
    topic = Topic(slug="pamiri-ngo-inspections", name="Inspections of Pamiri NGOs")
    measure = factories.measure(session, "kg-inspections", visibility="internal")
    measure.topics.append(topic)
    session.flush()
    with pytest.raises(TargetNotFound):
        subscriptions.resolve(session, ANYONE, "topic", topic.slug)
    assert subscriptions.resolve(session, SIGNED_IN, "topic", topic.slug).key == topic.slug


@pytest.mark.parametrize(
    ("given", "saved"),
    [
        ("/measures/?topic=assembly&country=KG", "/measures/?country=KG&topic=assembly"),
        (
            "/measures/?country=KG&page=4&size=100&sort=date&as_of=2024-02-08",
            "/measures/?country=KG",
        ),
        ("/measures/?country=&q=", "/measures/"),
        ("/events/?country=KG&from=2024", "/events/?country=KG&from=2024"),
        ("/statements/?measure=kg-x&measure=kg-x", "/statements/?measure=kg-x"),
        ("/search?q=protest&scope=measures", "/search?q=protest&scope=measures"),
    ],
)
def test_a_saved_list_is_its_path_and_filters_without_paging_sort_or_as_of(
    given: str, saved: str
) -> None:
    assert subscriptions.normalise_search(given) == saved


@pytest.mark.parametrize(
    "given",
    [
        "",
        "/account/tokens",
        "/measures/kg-x",
        "/api/v1/measures",
        "https://elsewhere.example/measures/",
        "//elsewhere.example/measures/",
        "/search?page=2",  # a search for nothing
        "/measures/?q=%01",
        "/measures/?q=" + "x" * 3000,
    ],
)
def test_anything_else_is_refused_as_a_saved_list(given: str) -> None:
    with pytest.raises(BadTarget):
        subscriptions.normalise_search(given)


def test_mine_is_for_editors(session: Session) -> None:
    with pytest.raises(BadTarget):
        subscriptions.resolve(session, SIGNED_IN, "mine", "", user(session, "viewer"))
    with pytest.raises(BadTarget):
        subscriptions.resolve(session, ANYONE, "mine", "")
    editor = user(session, "editor")
    target = subscriptions.resolve(session, SIGNED_IN, "mine", "ignored", editor)
    assert (target.key, target.label) == (str(editor.id), "Changes to records you created")


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "name", "name@", "@example.org", "a b@example.org", "a@example", "a@@b.org"],
)
def test_addresses_that_cannot_be_one_are_refused(typed: str) -> None:
    with pytest.raises(BadAddress):
        subscriptions.check_address(typed)


def test_addresses_are_kept_lower_case() -> None:
    assert subscriptions.check_address(" Ada.Lovelace@Example.ORG ") == "ada.lovelace@example.org"


# -- double opt-in ----------------------------------------------------------------------------


def test_an_address_is_confirmed_once_by_its_link_and_starts_from_the_latest_change(
    app: Flask, session: Session, mailbox: Mailbox
) -> None:
    done = ask(session, app, "Ada@Example.org")
    assert done.new_address
    subscription = session.get(AlertSubscription, done.subscription_id)
    assert subscription is not None
    assert subscription.confirmed_at is None
    assert subscription.recipient.email == "ada@example.org"
    token = confirm_token(mailbox, "ada@example.org")
    assert subscriptions.confirmation(session, app.config, token).id == subscription.id
    assert subscription.confirmed_at is None  # looking is not confirming

    confirmed, now = subscriptions.confirm(session, app.config, token)
    assert now
    stamp = confirmed.confirmed_at
    assert stamp is not None
    latest = session.scalar(select(func.max(Revision.id)))
    assert confirmed.seen_revision_id == (latest or 0)
    # Single-use: the same link again changes nothing.
    again, now_again = subscriptions.confirm(session, app.config, token)
    assert not now_again
    assert again.confirmed_at == stamp


def test_a_confirmation_link_expires_after_alert_confirm_hours_and_is_purged(
    app: Flask, session: Session, mailbox: Mailbox
) -> None:
    ask(session, app, "late@example.org")
    token = confirm_token(mailbox, "late@example.org")
    app.config["TODAY"] = (TODAY + dt.timedelta(days=4)).isoformat()  # 96 hours > 72
    with pytest.raises(LinkProblem) as problem:
        subscriptions.confirm(session, app.config, token)
    assert problem.value.reason == "expired"
    assert subscriptions.purge_unconfirmed(session, app.config) == 1
    assert session.scalar(select(func.count()).select_from(AlertRecipient)) == 0


def test_purging_keeps_confirmed_and_recent_subscriptions(
    app: Flask, session: Session, mailbox: Mailbox
) -> None:
    ask(session, app, "kept@example.org")
    subscriptions.confirm(session, app.config, confirm_token(mailbox, "kept@example.org"))
    ask(session, app, "recent@example.org", "topic", "assembly")
    assert subscriptions.purge_unconfirmed(session, app.config) == 0
    app.config["TODAY"] = (TODAY + dt.timedelta(days=4)).isoformat()
    assert subscriptions.purge_unconfirmed(session, app.config) == 1
    emails = set(session.scalars(select(AlertRecipient.email)))
    assert emails == {"kept@example.org"}


def test_a_token_names_one_subscription_for_one_purpose(
    app: Flask, session: Session, mailbox: Mailbox
) -> None:
    ask(session, app, "two@example.org", "country", "KG")
    first_token = confirm_token(mailbox, "two@example.org")
    ask(session, app, "two@example.org", "topic", "assembly")
    second = session.scalars(
        select(AlertSubscription).where(AlertSubscription.target_kind == "topic")
    ).one()
    first, _ = subscriptions.confirm(session, app.config, first_token)
    assert first.target_kind == "country"
    assert second.confirmed_at is None  # the other subscription is untouched
    # A confirmation token is no unsubscribe token, and an altered one is nothing.
    for purpose_mismatch in (first_token, first_token[:-2] + "xx"):
        with pytest.raises(LinkProblem) as problem:
            subscriptions.unsubscribe(session, app.config, purpose_mismatch)
        assert problem.value.reason == "invalid"
    assert session.scalar(select(func.count()).select_from(AlertSubscription)) == 2


def test_unsubscribing_deletes_the_subscription_and_the_address_with_its_last(
    app: Flask, session: Session, mailbox: Mailbox
) -> None:
    ask(session, app, "bye@example.org", "country", "KG")
    ask(session, app, "bye@example.org", "topic", "assembly")
    recipient = session.scalars(select(AlertRecipient)).one()
    made = {
        s.target_kind: tokens.make(app.config["SECRET_KEY"], "unsubscribe", recipient, s)
        for s in recipient.subscriptions
    }
    assert subscriptions.unsubscribe(session, app.config, made["country"]) == "Kyrgyzstan"
    assert session.scalar(select(func.count()).select_from(AlertRecipient)) == 1
    with pytest.raises(LinkProblem) as problem:  # used: it names nothing any more
        subscriptions.unsubscribe(session, app.config, made["country"])
    assert problem.value.reason == "gone"
    subscriptions.unsubscribe(session, app.config, made["topic"])
    assert session.scalar(select(func.count()).select_from(AlertRecipient)) == 0
    assert session.scalar(select(func.count()).select_from(AlertSubscription)) == 0


def test_unsubscribe_all_deletes_every_email_alert_and_the_address(
    app: Flask, session: Session, mailbox: Mailbox
) -> None:
    ask(session, app, "all@example.org", "country", "KG")
    ask(session, app, "all@example.org", "topic", "assembly")
    ask(session, app, "other@example.org", "country", "KG")
    recipient = session.scalars(
        select(AlertRecipient).where(AlertRecipient.email == "all@example.org")
    ).one()
    token = tokens.make(app.config["SECRET_KEY"], "unsubscribe-all", recipient)
    assert subscriptions.unsubscribe_all(session, app.config, token) == 2
    assert set(session.scalars(select(AlertRecipient.email))) == {"other@example.org"}
    with pytest.raises(LinkProblem):
        subscriptions.unsubscribe_all(session, app.config, token)


def test_a_new_address_gets_nothing_stored_when_email_is_not_set_up(
    app: Flask, session: Session
) -> None:
    app.config["SMTP_URL"] = None
    with pytest.raises(MailNotConfigured):
        ask(session, app, "nobody@example.org")
    assert session.scalar(select(func.count()).select_from(AlertRecipient)) == 0


def test_a_user_follows_at_once_and_again_only_changes_how_often(session: Session) -> None:
    viewer = user(session, "viewer")
    target = subscriptions.resolve(session, SIGNED_IN, "country", "KG")
    made, new = subscriptions.follow(session, viewer, target, "daily")
    assert new
    assert made.confirmed_at is not None
    again, new_again = subscriptions.follow(session, viewer, target, "weekly")
    assert not new_again
    assert again.id == made.id
    assert again.frequency == "weekly"
    assert [s.label for s in subscriptions.subscriptions_of(session, viewer)] == ["Kyrgyzstan"]
    stranger = user(session, "editor")
    assert subscriptions.own_subscription(session, stranger, made.id) is None
    with pytest.raises(ValueError, match="due_days"):
        subscriptions.change(session, made, "daily", 400)
    subscriptions.remove(session, made)
    assert subscriptions.subscriptions_of(session, viewer) == []


def test_a_saved_search_keeps_no_tracking_parameters() -> None:
    saved = subscriptions.normalise_search(
        "/measures/?utm_source=newsletter&country=KG&fbclid=abc&utm_campaign=x&gclid=1"
    )
    assert saved == "/measures/?country=KG"
