"""The signed links in alert messages: confirm a subscription, unsubscribe from one or from
everything. Signed with the app's secret key by itsdangerous, each for one purpose only.

A token names its subscription (or recipient) and carries a fingerprint of the row's random
secret and creation time: a link stops working when what it names is deleted, and never
works for a row made later with the same id (SQLite may reuse an id). Links that change state
are single-use by what they do: a confirmed subscription stays confirmed, a deleted one is gone.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tracker.models import AlertRecipient, AlertSubscription

Purpose = Literal["confirm", "unsubscribe", "unsubscribe-all"]


class BadToken(ValueError):
    """A link that was altered, made for another purpose, or names nothing any more."""


class ExpiredToken(BadToken):
    """A genuine link past its time (a confirmation link older than ALERT_CONFIRM_HOURS)."""


def _serializer(secret_key: str, purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"tracker.alerts.{purpose}")


def fingerprint(recipient: AlertRecipient, subscription: AlertSubscription | None = None) -> str:
    parts = [recipient.secret, recipient.created_at.isoformat()]
    if subscription is not None:
        parts += [str(subscription.id), subscription.created_at.isoformat()]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def make(
    secret_key: str,
    purpose: Purpose,
    recipient: AlertRecipient,
    subscription: AlertSubscription | None = None,
) -> str:
    """A token for ``purpose``; "unsubscribe-all" names the recipient, the others a
    subscription."""
    target = recipient.id if subscription is None else subscription.id
    return str(
        _serializer(secret_key, purpose).dumps([target, fingerprint(recipient, subscription)])
    )


def read(
    secret_key: str, purpose: Purpose, token: str, max_age_seconds: int | None = None
) -> tuple[int, str]:
    """The id a token names and its fingerprint (to compare with ``fingerprint`` of the row
    found); raises ExpiredToken or BadToken."""
    try:
        target, mark = _serializer(secret_key, purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise ExpiredToken("this link has expired") from None
    except (BadSignature, ValueError, TypeError):
        raise BadToken("this link is not valid") from None
    if not isinstance(target, int) or not isinstance(mark, str):
        raise BadToken("this link is not valid")
    return target, mark
