"""One round of alerts: compose what each due subscription is told, write it to the outbox and
move the high-water marks in one transaction, then deliver (``send_round``).

``tracker alerts send`` runs a round (from cron or a systemd timer); the order of its steps is
what keeps the promises of docs/alerts.md: nothing is told twice (the marks move with the rows
that tell it), nothing is lost when email is down (the rows wait in the outbox), and a crash
while delivering resends nothing already sent (tracker.alerts.outbox).
"""

from __future__ import annotations

import datetime as dt
import gc
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tracker.alerts import digest, mail, outbox, payload, webhooks
from tracker.alerts.changes import Item, Window
from tracker.alerts.links import AlertLinks
from tracker.models import (
    AlertOutboxMessage,
    AlertRecipient,
    AlertSubscription,
    Revision,
)
from tracker.viewpoint import Viewpoint

# How long after the last round a daily or weekly subscription is due again. A little under a
# day (a week): a cron job that starts a minute early must not skip a whole period.
PERIODS: dict[str, dt.timedelta] = {
    "instant": dt.timedelta(0),
    "daily": dt.timedelta(hours=23),
    "weekly": dt.timedelta(days=6, hours=23),
}


@dataclass(slots=True)
class Composed:
    """One message of the round, as composed (what ``--dry-run`` prints)."""

    channel: str
    to: str
    subject: str
    text: str
    body: dict[str, Any]
    subscription_ids: list[int]


@dataclass(slots=True)
class RoundReport:
    """What a round did."""

    as_of: dt.date
    dry_run: bool
    due: int = 0
    """Confirmed subscriptions whose turn it was."""
    not_due: int = 0
    """Daily and weekly subscriptions that had their round less than a period ago."""
    unconfirmed: int = 0
    """Subscriptions still waiting for their confirmation link: told nothing."""
    inactive: int = 0
    """Subscriptions of deactivated accounts: told nothing."""
    quiet: int = 0
    """Due subscriptions with nothing to tell."""
    composed: list[Composed] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    waiting: int = 0
    """Email rows left in the outbox: email not set up, or a temporary failure to retry."""
    interrupted: int = 0
    """Rows an earlier round left half-sent: marked failed, never resent."""
    webhooks_sent: int = 0
    webhooks_retrying: int = 0
    """Webhook deliveries that failed this time and wait for their next attempt."""
    webhooks_failed: int = 0
    """Webhook deliveries that failed their last attempt: failed for good."""
    webhooks_waiting: int = 0
    upto: int = 0
    """The newest revision the round considered: where the marks moved."""
    mail_error: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def emails(self) -> int:
        return sum(1 for m in self.composed if m.channel == "email")

    @property
    def webhooks(self) -> int:
        return sum(1 for m in self.composed if m.channel == "webhook")

    def summary(self) -> str:
        """One line for the command's output."""
        verb = "would send" if self.dry_run else "composed"
        line = (
            f"As of {self.as_of}: {self.due} subscription(s) due, {self.quiet} with nothing new; "
            f"{verb} {self.emails} email(s) and {self.webhooks} webhook delivery(ies)"
        )
        if not self.dry_run:
            line += f"; sent {self.sent}, failed {self.failed}, waiting {self.waiting}"
            if self.interrupted:
                line += f", {self.interrupted} interrupted earlier (not resent)"
            if self.webhooks_sent or self.webhooks_retrying or self.webhooks_failed:
                line += (
                    f"; webhooks delivered {self.webhooks_sent}, to retry"
                    f" {self.webhooks_retrying}, failed {self.webhooks_failed}"
                )
        return line + "."


def _is_due(subscription: AlertSubscription, now: dt.datetime) -> bool:
    last = subscription.last_round_at
    return last is None or now - last >= PERIODS[subscription.frequency]


def viewpoint(recipient: AlertRecipient, as_of: dt.date) -> Viewpoint:
    """Who reads a recipient's messages: an address alone is anyone; an active account reads
    as a signed-in user of its role does (every role sees internal records)."""
    if recipient.user is not None and recipient.user.active:
        return Viewpoint.viewer(as_of)
    return Viewpoint.anonymous(as_of)


def _start_marks(session: Session, subscriptions: list[AlertSubscription]) -> dict[int, int]:
    """Each subscription's mark; one never moved yet starts at its confirmation, so that a new
    follower is not sent the history that came before."""
    marks: dict[int, int] = {}
    at: dict[dt.datetime, int] = {}
    for subscription in subscriptions:
        if subscription.seen_revision_id:
            marks[subscription.id] = subscription.seen_revision_id
            continue
        since = subscription.confirmed_at or subscription.created_at
        if since not in at:
            at[since] = (
                session.scalar(select(func.max(Revision.id)).where(Revision.created_at < since))
                or 0
            )
        marks[subscription.id] = at[since]
    return marks


def send_round(
    session: Session,
    config: Mapping[str, Any],
    links: AlertLinks,
    now: dt.datetime,
    *,
    dry_run: bool = False,
) -> RoundReport:
    """Run one round (see the module); with ``dry_run`` compose only: nothing is written and
    no mark moves. Needs an app context (templates); ``links`` built with ``url_for``
    (tracker.http.links.WebLinks) also need a request context on the public address, which
    the command makes: ``app.test_request_context("/", base_url=BASE_URL)``."""
    today = now.date()
    report = RoundReport(today, dry_run)
    subscriptions = list(
        session.scalars(
            select(AlertSubscription)
            .options(selectinload(AlertSubscription.recipient).selectinload(AlertRecipient.user))
            .order_by(AlertSubscription.recipient_id, AlertSubscription.id)
        )
    )
    due: list[AlertSubscription] = []
    for subscription in subscriptions:
        user = subscription.recipient.user
        if subscription.confirmed_at is None:
            report.unconfirmed += 1
        elif user is not None and not user.active:
            # A deactivated account is told nothing; its marks stay where they were.
            report.inactive += 1
        elif _is_due(subscription, now):
            due.append(subscription)
        else:
            report.not_due += 1
    report.due = len(due)

    marks = _start_marks(session, due)
    seen_days = {s.id: s.seen_day or (s.confirmed_at or s.created_at).date() for s in due}
    written = 0

    def write(row: AlertOutboxMessage) -> None:
        # Flushed in batches and let go: the transaction holds them until the commit below,
        # and memory need not hold thousands of digests at once.
        nonlocal written
        session.add(row)
        written += 1
        if written % 200 == 0:
            session.flush()

    _compose(
        session, config, links, due, marks, seen_days, today, report, None if dry_run else write
    )
    if dry_run:
        return report  # nothing composed was added to the session

    # One transaction: the rows that tell the changes, and the marks saying they were told.
    for subscription in due:
        subscription.seen_revision_id = max(report.upto, marks[subscription.id])
        subscription.seen_day = today
        subscription.last_round_at = now
    session.commit()
    # The window's records hold each other in reference cycles; collecting them now keeps the
    # session small, so that each delivery's commit does not expire tens of thousands of them.
    del due, subscriptions
    gc.collect()

    try:
        delivered = outbox.deliver_email(session, config, now)
    except (mail.MailNotConfigured, mail.BadMailSetting) as error:
        report.mail_error = str(error)
        report.waiting = _waiting(session, "email")
    else:
        report.sent, report.failed = delivered.sent, delivered.failed
        report.waiting, report.interrupted = delivered.waiting, delivered.interrupted
        report.errors += delivered.errors

    # Webhook deliveries, whether or not email is set up: every due row (new ones, and earlier
    # ones whose retry time has come) is attempted once; tracker.alerts.webhooks keeps the
    # delivery log and the backoff. The rows were committed above, so SQLite's write lock is
    # not held while endpoints answer.
    delivered_hooks = webhooks.deliver_due(session, config, now)
    session.commit()
    report.webhooks_sent = delivered_hooks.sent
    report.webhooks_retrying = delivered_hooks.retrying
    report.webhooks_failed = delivered_hooks.failed
    report.webhooks_waiting = _waiting(session, "webhook")
    return report


def _compose(
    session: Session,
    config: Mapping[str, Any],
    links: AlertLinks,
    due: list[AlertSubscription],
    marks: dict[int, int],
    seen_days: dict[int, dt.date],
    today: dt.date,
    report: RoundReport,
    write: Callable[[AlertOutboxMessage], None] | None,
) -> None:
    """Compose the round's messages into ``report``, handing each outbox row to ``write``
    (None: a dry run, which writes nothing)."""
    window = Window.load(
        session,
        after=min(marks.values(), default=0),
        since=min(seen_days.values(), default=today),
        today=today,
        longest_due_days=max((s.due_days for s in due), default=0),
    )
    report.upto = window.upto
    keep = report.dry_run  # a real round reports what it composed without the bodies
    emails: dict[int, list[tuple[AlertSubscription, list[Item]]]] = defaultdict(list)
    described: dict[int, digest.Line] = {}
    for subscription in due:
        recipient = subscription.recipient
        view = viewpoint(recipient, today)
        items = window.items(
            subscription,
            view,
            recipient.user_id,
            marks[subscription.id],
            seen_days[subscription.id],
        )
        if not items:
            report.quiet += 1
            continue
        if subscription.channel == "email":
            emails[recipient.id].append((subscription, items))
            continue
        delivery_id = str(uuid.uuid4())
        body = payload.webhook_body(subscription, items, links, view, today, delivery_id)
        subject = digest.subject_line(
            str(config.get("SITE_NAME") or "tracker"), [digest.describe(i, links) for i in items]
        )
        row = AlertOutboxMessage(
            recipient_id=recipient.id,
            subscription_id=subscription.id,
            channel="webhook",
            delivery_id=delivery_id,
            subject=subject,
            body=body,
        )
        if write is not None:
            write(row)
        report.composed.append(
            Composed(
                "webhook",
                subscription.webhook_url or "",
                subject,
                "",
                body if keep else {},
                [subscription.id],
            )
        )

    for told in emails.values():
        recipient = told[0][0].recipient
        composed = digest.compose(config, links, recipient, told, today, described)
        if write is not None:
            write(
                AlertOutboxMessage(
                    recipient_id=recipient.id,
                    channel="email",
                    delivery_id=str(uuid.uuid4()),
                    subject=composed.subject,
                    body=composed.body(),
                )
            )
        report.composed.append(
            Composed(
                "email",
                outbox.address(recipient) or "(deactivated account)",
                composed.subject,
                composed.text if keep else "",
                {},  # the text is what --dry-run prints; the HTML would double the memory
                [s.id for s, _ in told],
            )
        )


def _waiting(session: Session, channel: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(AlertOutboxMessage)
            .where(AlertOutboxMessage.channel == channel, AlertOutboxMessage.state == "pending")
        )
        or 0
    )
