"""A round of alerts against a real SMTP server: what arrives, once, and only to those who may
read it."""

from __future__ import annotations

import datetime as dt
import json
import smtplib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.alerts.conftest import BASE_URL, NOW, Inbox, measure, now_on
from tests.alerts.webhook_receiver import receiving
from tracker.alerts import outbox, rounds, webhooks
from tracker.models import AlertOutboxMessage, AlertSubscription, User
from tracker.services.events.write import save_event
from tracker.services.measures.write import save_measure, save_relation
from tracker.services.record_data import (
    EventData,
    MeasureData,
    RelationData,
    StatementData,
)
from tracker.services.statements.write import save_statement

MEDIA_LAW = "kg-mass-media-law-2025"
SOURCE = ["https://example.org/gazette"]


def in_force(session: Session, day: str = "2026-11-20") -> None:
    save_event(
        session,
        measure(session, MEDIA_LAW),
        None,
        EventData(type="entered-into-force", date=day, sources=SOURCE, description="Gazette"),
    )
    session.commit()


def outbox_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AlertOutboxMessage)) or 0


def test_a_status_change_arrives_once_with_old_and_new_links_and_unsubscribe_headers(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    follow("reader@example.org", "measure", MEDIA_LAW, label="Mass media law")
    in_force(session)

    report = run_round()

    assert report.sent == 1
    [message] = inbox.to("reader@example.org")
    subject = message["Subject"]
    assert "Mass Media" in subject or "media" in subject.lower()
    assert "→ In force" in subject
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Legal force: Entry into force not recorded → In force" in text
    assert "as of 28 November 2026" in text
    assert f"{BASE_URL}/measures/{MEDIA_LAW}" in text
    assert f'href="{BASE_URL}/measures/{MEDIA_LAW}' in html
    # RFC 8058: a URL to POST to, and the header that says one click is enough.
    assert message["List-Unsubscribe"].startswith(f"<{BASE_URL}/alerts/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{BASE_URL}/alerts/unsubscribe-all/" in text
    # No tracking: no image, every link on the tracker itself.
    assert "<img" not in html
    for link in html.split('href="')[1:]:
        assert link.startswith(BASE_URL)

    again = run_round()
    assert again.sent == 0
    assert len(inbox.received) == 1


def test_one_email_per_address_grouped_by_what_is_followed(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    follow("reader@example.org", "measure", MEDIA_LAW, label="Mass media law")
    follow("reader@example.org", "country", "KG", label="Kyrgyzstan")
    follow("other@example.org", "topic", "assembly", label="Freedom of assembly")
    in_force(session)

    run_round()

    [message] = inbox.to("reader@example.org")
    text = message.get_body(("plain",)).get_content()
    assert "== Mass media law ==" in text
    assert "== Kyrgyzstan ==" in text
    # A digest of several subscriptions: one click leaves them all.
    assert message["List-Unsubscribe"].startswith(f"<{BASE_URL}/alerts/unsubscribe-all/")
    assert text.count("/alerts/unsubscribe/") == 2
    assert inbox.to("other@example.org") == []  # the media law is not about assembly


def test_an_extended_ban_reaches_the_country_followers(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    follow("advocate@example.org", "country", "KG", label="Kyrgyzstan")
    ban = measure(session, "kg-bishkek-protest-bans-2022")
    save_event(
        session,
        ban,
        None,
        EventData(type="extended", date="2026-11-27", end_date="2027-02-28", sources=SOURCE),
    )
    session.commit()

    run_round()

    [message] = inbox.to("advocate@example.org")
    text = message.get_body(("plain",)).get_content()
    assert "Legal force: Expired → In force" in text
    assert "Extended, 27 November 2026" in text


def test_a_future_dated_event_alerts_when_recorded_and_when_its_day_comes_never_daily(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    follow("reader@example.org", "measure", MEDIA_LAW, label="Mass media law", due_days=3)
    in_force(session, "2026-12-05")

    run_round(NOW)
    [recorded] = inbox.to("reader@example.org")
    assert "Entered into force, 5 December 2026" in recorded.get_body(("plain",)).get_content()

    for day in (28, 29, 30):  # nothing new, day after day
        run_round(now_on(dt.date(2026, 11, day)))
    run_round(now_on(dt.date(2026, 12, 1)))
    assert len(inbox.to("reader@example.org")) == 1

    # It comes within due_days (3) on 2 December: a reminder, once.
    run_round(now_on(dt.date(2026, 12, 2)))
    run_round(now_on(dt.date(2026, 12, 3)))
    run_round(now_on(dt.date(2026, 12, 4)))
    [_, reminder] = inbox.to("reader@example.org")
    assert "coming up, Entered into force, 5 December 2026" in reminder["Subject"]

    run_round(now_on(dt.date(2026, 12, 5)))
    messages = inbox.to("reader@example.org")
    assert len(messages) == 3
    text = messages[2].get_body(("plain",)).get_content()
    # Signed with entry into force recorded for a later day: "not yet in force" until then.
    assert "Legal force: Not yet in force → In force" in text
    assert "its day has come" in text

    for day in (6, 7, 8):
        run_round(now_on(dt.date(2026, 12, day)))
    assert len(inbox.to("reader@example.org")) == 3


def test_an_event_recorded_earlier_is_told_once_when_it_comes_within_due_days(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    in_force(session, "2026-12-20")
    follow("reader@example.org", "measure", MEDIA_LAW, label="Mass media law", due_days=14)
    for day in range(28, 31):
        run_round(now_on(dt.date(2026, 11, day)))
    assert inbox.to("reader@example.org") == []
    for day in range(1, 10):
        run_round(now_on(dt.date(2026, 12, day)))
    [coming] = inbox.to("reader@example.org")  # on 6 December: 20 December is 14 days away
    assert "coming up, Entered into force, 20 December 2026" in coming["Subject"] + (
        coming.get_body(("plain",)).get_content()
    )


def test_dry_run_changes_nothing(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    subscription = follow("reader@example.org", "measure", MEDIA_LAW)
    in_force(session)
    mark = subscription.seen_revision_id
    rows = outbox_rows(session)

    report = run_round(dry_run=True)

    assert [m.to for m in report.composed] == ["reader@example.org"]
    assert "→ In force" in report.composed[0].subject
    session.expire_all()
    assert outbox_rows(session) == rows
    assert session.get(AlertSubscription, subscription.id).seen_revision_id == mark  # type: ignore[union-attr]
    assert inbox.received == []
    # The real round still has it all to tell.
    assert run_round().sent == 1


def test_unconfirmed_subscriptions_get_nothing(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    follow("pending@example.org", "measure", MEDIA_LAW, confirmed=False)
    in_force(session)
    report = run_round()
    assert report.unconfirmed == 1
    assert inbox.received == []


def test_internal_records_never_reach_an_anonymous_address(
    session: Session,
    as_editor: User,
    follow: Callable[..., Any],
    run_round: Any,
    inbox: Inbox,
    make_user: Callable[..., User],
) -> None:
    viewer = make_user("viewer", email="viewer@example.org")
    follow("anon@example.org", "country", "KG")
    follow(None, "country", "KG", user=viewer)
    secret = save_measure(
        session,
        None,
        MeasureData(title="Secret draft on NGOs", country="KG", kind="bill", visibility="internal"),
    )
    save_event(session, secret, None, EventData(type="drafted", date="2026-11-20", sources=SOURCE))
    session.commit()

    run_round()

    assert inbox.to("anon@example.org") == []
    [seen] = inbox.to("viewer@example.org")
    assert "Secret draft on NGOs" in seen.get_body(("plain",)).get_content()


def test_a_new_copycat_reaches_the_lineage_followers(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    follow("watcher@example.org", "lineage", "ru-foreign-agents-law-2012")
    copy = save_measure(
        session, None, MeasureData(title="Foreign agents bill", country="GE", kind="bill")
    )
    save_relation(
        session, copy, None, RelationData(type="modelled-on", target="ru-foreign-agents-law-2012")
    )
    session.commit()

    run_round()

    [message] = inbox.to("watcher@example.org")
    assert "Foreign agents bill modelled on" in message.get_body(("plain",)).get_content()


def test_a_saved_list_tells_of_what_its_own_query_now_shows(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    follow("kg@example.org", "search", "/measures/?country=KG&status=in-force")
    follow("ru@example.org", "search", "/measures/?country=RU")
    in_force(session)

    run_round()

    assert len(inbox.to("kg@example.org")) == 1
    assert inbox.to("ru@example.org") == []


def test_editors_hear_of_changes_to_records_they_created(
    session: Session,
    follow: Callable[..., Any],
    run_round: Any,
    inbox: Inbox,
    make_user: Callable[..., User],
) -> None:
    from tracker.services import history

    author = make_user("editor", email="author@example.org")
    colleague = make_user("editor", email="colleague@example.org", name="Colleague")
    follow(None, "mine", "mine", user=author)
    history.set_actor(session, history.actor_for(author))
    bill = save_measure(
        session, None, MeasureData(title="Assembly bill", country="KG", kind="bill")
    )
    session.commit()
    run_round()
    assert inbox.received == []  # one's own work is not news

    history.set_actor(session, history.actor_for(colleague))
    save_measure(
        session,
        bill,
        MeasureData(title="Assembly bill (amended)", country="KG", kind="bill", slug=bill.slug),
    )
    session.commit()
    run_round()
    [message] = inbox.to("author@example.org")
    assert "Colleague changed Assembly bill" in message.get_body(("plain",)).get_content()


def test_a_crash_mid_round_resends_nothing_already_sent(
    session: Session,
    as_editor: User,
    follow: Callable[..., Any],
    run_round: Any,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("first", "second", "third"):
        follow(f"{name}@example.org", "measure", MEDIA_LAW)
    in_force(session)
    real_send = smtplib.SMTP.send_message
    calls = []

    def dies_on_second(self: smtplib.SMTP, message: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(message["To"])
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process is killed while handing over the second
        return real_send(self, message, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "send_message", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        run_round()
    monkeypatch.setattr(smtplib.SMTP, "send_message", real_send)
    session.rollback()
    states = sorted(session.scalars(select(AlertOutboxMessage.state)))
    assert states == ["pending", "sending", "sent"]

    report = run_round()

    assert report.interrupted == 1
    assert report.sent == 1
    received = sorted(rcpt for rcpts, _ in inbox.received for rcpt in rcpts)
    assert received == sorted(["first@example.org", "third@example.org"])
    interrupted = session.scalar(
        select(AlertOutboxMessage).where(AlertOutboxMessage.state == "failed")
    )
    assert interrupted is not None
    assert interrupted.last_error == outbox.INTERRUPTED
    assert run_round().sent == 0


def test_without_smtp_the_emails_wait_in_the_outbox(
    app: Flask,
    session: Session,
    as_editor: User,
    follow: Callable[..., Any],
    config: dict[str, Any],
    links: Any,
    run_round: Any,
    inbox: Inbox,
) -> None:
    follow("reader@example.org", "measure", MEDIA_LAW)
    in_force(session)

    with app.test_request_context("/", base_url=BASE_URL):
        report = rounds.send_round(session, {**config, "SMTP_URL": None}, links, NOW)

    assert report.mail_error is not None
    assert "TRACKER_SMTP_URL" in report.mail_error
    assert report.waiting == 1
    later = run_round()
    assert later.sent == 1
    assert len(inbox.to("reader@example.org")) == 1


def test_daily_subscriptions_wait_a_day(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    follow("daily@example.org", "measure", MEDIA_LAW, frequency="daily")
    run_round(NOW)
    in_force(session)
    run_round(NOW + dt.timedelta(hours=2))
    assert inbox.received == []
    run_round(NOW + dt.timedelta(days=1))
    assert len(inbox.to("daily@example.org")) == 1


def test_a_new_statement_reaches_the_organization_and_measure_followers_unless_internal(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    follow("org@example.org", "organization", "human-rights-watch")
    follow("law@example.org", "measure", MEDIA_LAW)
    save_statement(
        session,
        None,
        StatementData(
            title="Kyrgyzstan: repeal the media law",
            organization="human-rights-watch",
            date="2026-11-25",
            url="https://example.org/hrw",
            measures=[MEDIA_LAW],
        ),
    )
    save_statement(
        session,
        None,
        StatementData(
            title="Internal note on the media law",
            organization="human-rights-watch",
            date="2026-11-26",
            url="https://example.org/note",
            measures=[MEDIA_LAW],
            visibility="internal",
        ),
    )
    session.commit()

    run_round()

    for address in ("org@example.org", "law@example.org"):
        [message] = inbox.to(address)
        text = message.get_body(("plain",)).get_content()
        assert "Human Rights Watch: Kyrgyzstan: repeal the media law" in text
        assert "Internal note" not in text


def test_a_saved_event_list_tells_of_its_new_events_only(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    follow("bans@example.org", "search", "/events/?type=extended&country=KG")
    in_force(session)  # an entry into force: not in the list
    assert run_round().sent == 0
    save_event(
        session,
        measure(session, "kg-bishkek-protest-bans-2022"),
        None,
        EventData(type="extended", date="2026-11-27", end_date="2027-02-28", sources=SOURCE),
    )
    session.commit()
    run_round()
    [message] = inbox.to("bans@example.org")
    text = message.get_body(("plain",)).get_content()
    assert "Extended, 27 November 2026" in text
    assert "Entered into force" not in text


def test_webhook_subscriptions_are_delivered_signed_in_the_api_shapes(
    app: Flask,
    session: Session,
    as_editor: User,
    follow: Callable[..., Any],
    config: dict[str, Any],
    links: Any,
    inbox: Inbox,
) -> None:
    secret = "s" * 32
    with receiving() as receiver:
        hook = follow(
            None,
            "measure",
            MEDIA_LAW,
            user=as_editor,
            channel="webhook",
            webhook_url=receiver.url(),
            webhook_secret=secret,
        )
        in_force(session)
        # Only tests may send to 127.0.0.1 over plain HTTP (tracker.alerts.webhooks).
        local = {**config, "WEBHOOKS_ALLOW_PRIVATE": True}

        def run() -> rounds.RoundReport:
            with app.test_request_context("/", base_url=BASE_URL):
                return rounds.send_round(session, local, links, NOW)

        report = run()

        assert report.webhooks == 1
        assert report.webhooks_sent == 1
        assert inbox.received == []  # webhooks are not email
        [delivery] = receiver.received
        row = session.scalar(
            select(AlertOutboxMessage).where(AlertOutboxMessage.channel == "webhook")
        )
        assert row is not None
        assert row.subscription_id == hook.id
        assert row.state == "sent"
        assert delivery.headers["Tracker-Delivery"] == row.delivery_id
        # The receiver can tell the body came from us, unchanged.
        assert webhooks.verify(secret, delivery.headers["Tracker-Signature"], delivery.body, NOW)
        assert not webhooks.verify(
            secret, delivery.headers["Tracker-Signature"], delivery.body + b" ", NOW
        )
        body = json.loads(delivery.body)
        assert body["delivery_id"] == row.delivery_id
        assert body["subscription"]["target"] == MEDIA_LAW
        kinds = {change["kind"] for change in body["changes"]}
        assert kinds == {"status", "event"}
        status = next(c for c in body["changes"] if c["kind"] == "status")
        assert status["old_status"]["force"]["label"] == "Entry into force not recorded"
        assert status["new_status"]["force"]["code"] == "in-force"
        assert status["measure"]["html_url"] == f"{BASE_URL}/measures/{MEDIA_LAW}"
        event = next(c for c in body["changes"] if c["kind"] == "event")
        assert event["event"]["date"]["iso"] == "2026-11-20"
        # Nothing new: no second delivery.
        assert run().webhooks == 0
        assert len(receiver.received) == 1


def test_record_text_is_escaped_in_the_html_part(
    session: Session, as_editor: User, follow: Callable[..., Any], run_round: Any, inbox: Inbox
) -> None:
    follow("reader@example.org", "country", "KG", label="Kyrgyzstan <b>all</b>")
    save_measure(
        session,
        None,
        MeasureData(title='Bill <img src="https://evil.example/p.gif">', country="KG", kind="bill"),
    )
    session.commit()

    run_round()

    [message] = inbox.to("reader@example.org")
    html = message.get_body(("html",)).get_content()
    assert "<img" not in html
    assert "&lt;img src=" in html
    assert "Kyrgyzstan &lt;b&gt;all&lt;/b&gt;" in html
