"""Delivering the email rows of the outbox (tracker.models.AlertOutboxMessage).

A row moves pending → sending → sent, each step committed, one message at a time, so that a
round that stops half-way leaves every message it handed over marked sent and the next round
sends only the rest.

**A row found "sending"** was being handed to the SMTP server when the process stopped: the
server may or may not have taken it, and SMTP gives no way to ask. Such a row is marked
``failed`` ("interrupted…") and never resent: a subscriber may miss one digest (the changes stay
on the tracker's pages), but is never sent the same one twice. At most once, on purpose.

A temporary refusal (an SMTP 4xx answer, the server unreachable) leaves the row pending for the
next round, up to ``MAX_ATTEMPTS``; a permanent one (5xx: no such mailbox) fails the row.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from tracker.alerts import mail
from tracker.models import AlertOutboxMessage, AlertRecipient

MAX_ATTEMPTS = 5
INTERRUPTED = "interrupted while being handed to the SMTP server; not resent, so never sent twice"


@dataclass(slots=True)
class Delivery:
    """What one delivery pass did."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0
    interrupted: int = 0
    errors: list[str] = field(default_factory=list)


def address(recipient: AlertRecipient) -> str | None:
    """Where a recipient's email goes: the account's address now, or the address alone."""
    if recipient.user is not None:
        return recipient.user.email if recipient.user.active else None
    return recipient.email


def _due(now: dt.datetime) -> Any:
    return select(AlertOutboxMessage).where(
        AlertOutboxMessage.channel == "email",
        AlertOutboxMessage.state == "pending",
        or_(
            AlertOutboxMessage.next_attempt_at.is_(None),
            AlertOutboxMessage.next_attempt_at <= now,
        ),
    )


def settle_interrupted(session: Session) -> int:
    """Mark the email rows an earlier, interrupted round left "sending" (see the module)."""
    rows = session.scalars(
        select(AlertOutboxMessage).where(
            AlertOutboxMessage.channel == "email", AlertOutboxMessage.state == "sending"
        )
    ).all()
    for row in rows:
        row.state = "failed"
        row.last_error = INTERRUPTED
    session.commit()
    return len(rows)


def _retry_later(row: AlertOutboxMessage, now: dt.datetime, error: str) -> bool:
    """Back to pending with a growing wait; False when it has been tried too often."""
    row.last_error = error[:500]
    if row.attempts >= MAX_ATTEMPTS:
        row.state = "failed"
        return False
    row.state = "pending"
    row.next_attempt_at = now + dt.timedelta(minutes=5 * 2 ** (row.attempts - 1))
    return True


def deliver_email(session: Session, config: Mapping[str, Any], now: dt.datetime) -> Delivery:
    """Send the pending email rows through one SMTP session, committing each as it goes.

    Raises mail.MailNotConfigured (or BadMailSetting) before touching a row when email is not
    set up: the rows wait in the outbox.
    """
    mail.settings(config)  # refuse early, before a row moves
    report = Delivery(interrupted=settle_interrupted(session))
    ids = list(
        session.scalars(
            _due(now).with_only_columns(AlertOutboxMessage.id).order_by(AlertOutboxMessage.id)
        )
    )
    if not ids:
        return report
    loaded = selectinload(AlertOutboxMessage.recipient).selectinload(AlertRecipient.user)
    row: AlertOutboxMessage | None = None
    try:
        with mail.connection(config) as smtp:
            for row_id in ids:
                # One row at a time, let go once settled: a round of thousands of messages
                # keeps neither their bodies nor a growing session in memory.
                row = session.get(AlertOutboxMessage, row_id, options=[loaded])
                if row is None or row.state != "pending":
                    continue
                to = address(row.recipient)
                if to is None:
                    row.state, row.last_error = "failed", "the account is deactivated"
                    session.commit()
                    report.failed += 1
                    continue
                message = mail.message(
                    config,
                    to=to,
                    subject=row.subject,
                    text=row.body["text"],
                    html=row.body.get("html"),
                    headers={
                        **row.body.get("headers", {}),
                        "X-Tracker-Delivery": row.delivery_id,
                    },
                )
                row.state = "sending"
                row.attempts += 1
                session.commit()
                try:
                    smtp.send_message(message)
                except smtplib.SMTPRecipientsRefused as error:
                    row.state, row.last_error = "failed", f"refused: {error.recipients}"[:500]
                    report.failed += 1
                except smtplib.SMTPResponseException as error:
                    text = f"{error.smtp_code} {error.smtp_error!r}"
                    if error.smtp_code >= 500:
                        row.state, row.last_error = "failed", text[:500]
                        report.failed += 1
                    elif not _retry_later(row, now, text):
                        report.failed += 1
                else:
                    row.state, row.sent_at, row.last_error = "sent", now, None
                    report.sent += 1
                session.commit()
                session.expunge(row)
                row = None
    except (OSError, smtplib.SMTPException) as error:
        # The server went away (or never answered): the message being handed over was not
        # taken (a server accepts only at the end of DATA), so it waits with the rest.
        session.rollback()
        report.errors.append(f"SMTP: {error}")
        if row is not None and row.state == "sending":
            _retry_later(row, now, f"SMTP: {error}")
            session.commit()
    report.waiting = _count_pending(session)
    return report


def _count_pending(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(AlertOutboxMessage)
            .where(AlertOutboxMessage.channel == "email", AlertOutboxMessage.state == "pending")
        )
        or 0
    )
