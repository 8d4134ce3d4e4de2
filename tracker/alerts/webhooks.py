"""Webhooks: signed JSON deliveries to an HTTPS endpoint a signed-in user registers for
something they follow, retried with backoff; each outbox row counts its attempts and keeps the
last HTTP status and error for the delivery log (docs/webhooks.md is the receiver's side).

- ``check_url``: the endpoint must be HTTPS on a host that resolves only to public addresses.
  It is checked when registered and again before every delivery (DNS can change), and the
  connection goes to the very address just checked (the name is never looked up a second
  time by the HTTP client), so a host that answers a public address to the check and a
  private one to the connection (DNS rebinding) cannot make the tracker reach inside its
  network. Redirects are never followed.
- ``sign`` / ``verify``: ``Tracker-Signature: t=<unix time>,v1=<hex>``, HMAC-SHA256 with the
  subscription's secret over ``"<t>." + body``, the body exactly as sent.
- ``deliver`` (one attempt) and ``deliver_due`` (every webhook message whose time has come,
  called by the rounds, tracker.alerts.rounds); the pages ("send a test", "retry now") use
  ``attempt`` and ``record`` so as to wait for the endpoint with no transaction open.

HTTP goes through the standard library's ``http.client``: no HTTP client is among the
tracker's own dependencies (``requests`` is installed only for the test tools), and
``http.client`` lets the connection be opened to a given address while TLS still checks the
certificate against the host name, which is the one thing this module needs from a client.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from tracker.models import AlertOutboxMessage, AlertRecipient, AlertSubscription, Revision

SIGNATURE_HEADER = "Tracker-Signature"
DELIVERY_HEADER = "Tracker-Delivery"
EVENT_HEADER = "Tracker-Event"
USER_AGENT = "tracker-webhooks/1"

# How long after a failed attempt the next one is made: after the first failure 1 minute,
# then 5 minutes, 30 minutes, 2 hours, 12 hours; the attempt after the last wait is the last
# (six in all, over about 15 hours), and a message that fails it is "failed" for good (its
# owner can still "retry now" from the delivery log).
BACKOFF: tuple[dt.timedelta, ...] = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
DEFAULT_TIMEOUT_SECONDS = 10.0
# How old a signature a receiver should accept (verify's default), against replays.
DEFAULT_TOLERANCE_SECONDS = 300
TEST_EVENT = "test"
# How many deliveries a round makes at once (threads waiting on endpoints).
DELIVERY_THREADS = 8
MAX_URL_LENGTH = 2000

# Prefixes that carry an IPv4 address inside an IPv6 one; the IPv4 address is what is reached.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class BadWebhookURL(ValueError):
    """An endpoint that may not be used; the message says why, in words for the form."""


@dataclass(frozen=True)
class CheckedURL:
    """An endpoint that passed ``check_url``, with the addresses its host resolved to."""

    scheme: str
    host: str
    port: int
    target: str  # the path and query, as sent in the request line
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Attempt:
    """What one delivery attempt got: the HTTP status, or why there was none."""

    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class DeliverySummary:
    """What ``deliver_due`` did: messages sent, to be retried later, and failed for good."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


# --------------------------------------------------------------------------------------------
# Which endpoints may be reached


def _resolve(host: str, port: int) -> list[str]:
    """Every address the host resolves to (a literal address resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# The resolver, replaceable by tests that need a name to resolve to a given address.
resolve: Callable[[str, int], list[str]] = _resolve
# The TLS settings: the system's trusted certificates, the host name checked. Replaceable by
# tests, which trust a certificate of their own.
tls_context: Callable[[], ssl.SSLContext] = ssl.create_default_context


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address; the server's is public by design
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(text: str) -> bool:
    """Whether an address is one the whole internet routes to: not loopback, private,
    link-local (cloud metadata at 169.254.169.254), shared (100.64/10), multicast, reserved,
    documentation or unspecified, nor an IPv6 address that carries such an IPv4 address."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None and not is_public_address(str(inner)):
            return False
    return address.is_global and not address.is_multicast and not address.is_reserved


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_url(url: str, *, allow_private: bool) -> CheckedURL:
    """Check an endpoint and resolve its host; raises BadWebhookURL saying what is wrong.

    ``allow_private`` (the WEBHOOKS_ALLOW_PRIVATE setting, for tests only) also allows
    ``http://`` and loopback or private addresses.
    """
    url = url.strip()
    if not url:
        raise BadWebhookURL("Enter the address of your endpoint, starting with https://")
    if len(url) > MAX_URL_LENGTH:
        raise BadWebhookURL(f"The address is too long (at most {MAX_URL_LENGTH} characters).")
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise BadWebhookURL(
            "The address may not contain spaces or control characters (write a space as %20)."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadWebhookURL("This is not a web address the tracker can read.") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme.lower() not in schemes:
        raise BadWebhookURL("The address must start with https:// (deliveries are encrypted).")
    host = parts.hostname
    if not host:
        raise BadWebhookURL("The address names no host (for example https://example.org/hook).")
    if parts.username is not None or parts.password is not None:
        raise BadWebhookURL(
            "Leave the user name and password out of the address: every delivery is signed, "
            "and your endpoint checks the signature instead."
        )
    if parts.fragment:
        raise BadWebhookURL("Leave out the part after # (it is never sent to a server).")
    scheme = parts.scheme.lower()
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise BadWebhookURL(f"The host {host} could not be found (check its spelling).") from None
    if not addresses:
        raise BadWebhookURL(f"The host {host} could not be found (check its spelling).")
    if not allow_private:
        refused = [address for address in addresses if not is_public_address(address)]
        if refused:
            # The address is named only when it was typed: what a name resolves to on the
            # tracker's network is not told (it would map that network for whoever asks).
            where = f"The address {host} is" if _is_literal(host) else f"The host {host} leads to"
            raise BadWebhookURL(
                f"{where} a private, local or reserved address: "
                "webhooks go only to addresses on the public internet."
            )
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    # The request line is ASCII: other characters go percent-encoded, as a browser sends them.
    target = "".join(char if char.isascii() else quote(char) for char in target)
    return CheckedURL(scheme, host, port, target, tuple(addresses))


# --------------------------------------------------------------------------------------------
# Signatures


def new_secret() -> str:
    """A signing secret: 32 random bytes as 64 hex digits (the column's size)."""
    return secrets.token_hex(32)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``Tracker-Signature`` header's value for a body sent at ``timestamp`` (Unix time)."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    now: dt.datetime | float,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` at a time within ``tolerance``
    seconds of ``now``: what a receiver checks before trusting a delivery."""
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    current = now.timestamp() if isinstance(now, dt.datetime) else float(now)
    if abs(current - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, signature) for signature in signatures)


def encode_body(body: Mapping[str, Any]) -> bytes:
    """The bytes sent (and signed): compact JSON, UTF-8, keys in a stable order."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def event_of(body: Mapping[str, Any]) -> str:
    """The ``Tracker-Event`` header: the body's ``event`` ("test" for "send a test"), else
    "change" (the rounds' deliveries, tracker.alerts.payload, carry a list of changes)."""
    event = body.get("event")
    return event if isinstance(event, str) and event else "change"


# --------------------------------------------------------------------------------------------
# One HTTP attempt


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the host name resolves to now."""

    def __init__(
        self, checked: CheckedURL, address: str, timeout: float, expired: threading.Event
    ) -> None:
        super().__init__(checked.host, checked.port, timeout=timeout)
        self._address = address
        self._expired = expired

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = sock  # from here on, the deadline can cut it (see _post)
        if self._expired.is_set():
            raise TimeoutError("the deadline passed while connecting")
        return sock

    def connect(self) -> None:
        self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection, http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the host name (SNI too), the
    socket goes to the checked address."""

    def __init__(
        self, checked: CheckedURL, address: str, timeout: float, expired: threading.Event
    ) -> None:
        self._tls = tls_context()
        http.client.HTTPSConnection.__init__(
            self, checked.host, checked.port, timeout=timeout, context=self._tls
        )
        self._address = address
        self._expired = expired

    def connect(self) -> None:
        self.sock = self._tls.wrap_socket(self._open(), server_hostname=self.host)


def _post(
    checked: CheckedURL, address: str, body: bytes, headers: Mapping[str, str], timeout: float
) -> int:
    """POST and return the answer's status, all within ``timeout`` seconds in total.

    The socket's own timeout bounds each wait; the whole exchange is bounded too, by a timer
    that shuts the socket down, so that an endpoint that drips its answer a byte at a time
    cannot hold a round for long."""
    expired = threading.Event()
    connection_class = (
        _PinnedHTTPSConnection if checked.scheme == "https" else _PinnedHTTPConnection
    )
    connection = connection_class(checked, address, timeout, expired)

    def cut() -> None:
        expired.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    deadline = threading.Timer(timeout, cut)
    deadline.daemon = True
    deadline.start()
    try:
        connection.request("POST", checked.target, body=body, headers=dict(headers))
        # The status is all that counts: the body of the answer is neither read nor kept.
        return connection.getresponse().status
    except (OSError, http.client.HTTPException, ValueError) as error:
        if expired.is_set():
            raise TimeoutError("no whole answer before the deadline") from error
        raise
    finally:
        deadline.cancel()
        connection.close()


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):  # socket.timeout is TimeoutError
        return "No answer in time (timed out)."
    if isinstance(error, ConnectionRefusedError):
        return "The connection was refused."
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"The endpoint's certificate was not accepted: {error.verify_message}."
    if isinstance(error, ssl.SSLError):
        return "The secure connection failed."
    if isinstance(error, http.client.HTTPException):
        return "The endpoint's answer was not HTTP."
    if isinstance(error, ValueError):
        return "The address could not be used in a request."
    return f"The connection failed ({type(error).__name__})."


def attempt(
    config: Mapping[str, Any],
    url: str,
    secret: str,
    delivery_id: str,
    body: Mapping[str, Any],
    now: dt.datetime,
) -> Attempt:
    """POST one signed delivery and say what came of it; touches no database, so that no
    transaction is held open while waiting for an endpoint."""
    try:
        checked = check_url(url, allow_private=bool(config.get("WEBHOOKS_ALLOW_PRIVATE")))
    except BadWebhookURL as refused:
        return Attempt(None, f"Not sent: {refused}")
    payload = encode_body(body)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, payload, int(now.timestamp())),
        DELIVERY_HEADER: delivery_id,
        EVENT_HEADER: event_of(body),
    }
    timeout = float(config.get("WEBHOOK_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT_SECONDS)
    failure: BaseException = ConnectionError("no address")
    # Each checked address in turn (a host may have an IPv6 and an IPv4 one) until one
    # answers; an answer of any status ends it, and so does a timeout (one wait is enough).
    for address in checked.addresses:
        try:
            status = _post(checked, address, payload, headers, timeout)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # ValueError: http.client refusing what it was given (check_url should have first)
            failure = exc
            if isinstance(exc, TimeoutError):
                break
            continue
        if 200 <= status < 300:
            return Attempt(status, None)
        if 300 <= status < 400:
            return Attempt(status, f"The endpoint answered {status}, a redirect (not followed).")
        return Attempt(status, f"The endpoint answered {status}.")
    return Attempt(None, _describe(failure))


# --------------------------------------------------------------------------------------------
# The outbox: one attempt, every due message


def record(message: AlertOutboxMessage, result: Attempt, now: dt.datetime) -> None:
    """Mark a message after an attempt: sent, waiting for its next attempt, or failed."""
    message.attempts += 1
    message.response_status = result.status
    if result.ok:
        # An earlier attempt's error stays, so that the log can say the message got through
        # after it.
        message.state = "sent"
        message.sent_at = now
        message.next_attempt_at = None
        return
    message.last_error = (result.error or "Failed.")[:500]
    is_test = event_of(message.body) == TEST_EVENT
    if is_test or message.attempts >= MAX_ATTEMPTS:
        # A test shows its result at once and is not repeated behind its sender's back.
        message.state = "failed"
        message.next_attempt_at = None
    else:
        message.state = "pending"
        message.next_attempt_at = now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]


def _attempt_for(
    config: Mapping[str, Any], message: AlertOutboxMessage, now: dt.datetime
) -> Callable[[], Attempt]:
    """The attempt for a message, as a call that touches no database (its data read now)."""
    subscription = message.subscription
    if message.channel != "webhook" or subscription is None:
        raise ValueError(f"outbox message {message.id} is not a webhook delivery")
    url, secret = subscription.webhook_url, subscription.webhook_secret
    if not url or not secret:
        return lambda: Attempt(None, "Not sent: the webhook has no endpoint or secret.")
    delivery_id, body = message.delivery_id, dict(message.body)
    return lambda: attempt(config, url, secret, delivery_id, body, now)


def deliver(
    session: Session, config: Mapping[str, Any], message: AlertOutboxMessage, now: dt.datetime
) -> Attempt:
    """Make one attempt at a webhook message and record it (flushed, not committed).

    The endpoint is checked again first: a host that now resolves to a private address is a
    failed attempt like any other."""
    result = _attempt_for(config, message, now)()
    record(message, result, now)
    session.flush()
    return result


def due(session: Session, now: dt.datetime) -> Sequence[AlertOutboxMessage]:
    """Webhook messages to attempt now: pending ones whose time has come, and ones left
    "sending" by a round that stopped mid-way (a receiver drops a repeat by its delivery id)."""
    return session.scalars(
        select(AlertOutboxMessage)
        .where(
            AlertOutboxMessage.channel == "webhook",
            AlertOutboxMessage.state.in_(("pending", "sending")),
            or_(
                AlertOutboxMessage.next_attempt_at.is_(None),
                AlertOutboxMessage.next_attempt_at <= now,
            ),
        )
        .order_by(AlertOutboxMessage.id)
        .options(selectinload(AlertOutboxMessage.subscription))
    ).all()


def deliver_due(session: Session, config: Mapping[str, Any], now: dt.datetime) -> DeliverySummary:
    """Attempt every due webhook message once; says how many were sent, will be retried, and
    failed for good. The messages are marked and flushed at the end; the caller commits.

    The attempts run DELIVERY_THREADS at a time (they only wait on the network and touch no
    database), so that a few endpoints that time out do not hold up every other delivery
    for their timeout each."""
    messages = due(session, now)
    calls = [_attempt_for(config, message, now) for message in messages]
    with ThreadPoolExecutor(max_workers=max(1, min(DELIVERY_THREADS, len(calls)))) as pool:
        results = list(pool.map(lambda call: call(), calls))
    sent = retrying = failed = 0
    for message, result in zip(messages, results, strict=True):
        record(message, result, now)
        if result.ok:
            sent += 1
        elif message.state == "failed":
            failed += 1
        else:
            retrying += 1
    session.flush()
    return DeliverySummary(sent, retrying, failed)


# --------------------------------------------------------------------------------------------
# A user's webhooks (the pages, tracker.web.webhooks)


def recipient_of(session: Session, user_id: int) -> AlertRecipient | None:
    return session.scalar(select(AlertRecipient).where(AlertRecipient.user_id == user_id))


def followed(session: Session, user_id: int) -> list[AlertSubscription]:
    """What a user follows (one subscription per thing, whatever its channel), for the
    "Add a webhook" choices."""
    recipient = recipient_of(session, user_id)
    if recipient is None:
        return []
    seen: dict[tuple[str, str], AlertSubscription] = {}
    for subscription in sorted(recipient.subscriptions, key=lambda s: (s.label.casefold(), s.id)):
        seen.setdefault((subscription.target_kind, subscription.target), subscription)
    return list(seen.values())


def webhooks_of(session: Session, user_id: int) -> list[AlertSubscription]:
    """A user's webhooks, by what they follow."""
    recipient = recipient_of(session, user_id)
    if recipient is None:
        return []
    return sorted(
        (s for s in recipient.subscriptions if s.channel == "webhook"),
        key=lambda s: (s.label.casefold(), s.id),
    )


def webhook_of(session: Session, user_id: int, subscription_id: int) -> AlertSubscription | None:
    """A user's own webhook, or None (someone else's is as good as missing)."""
    subscription = session.get(AlertSubscription, subscription_id)
    if (
        subscription is None
        or subscription.channel != "webhook"
        or subscription.recipient.user_id != user_id
    ):
        return None
    return subscription


def add_webhook(
    session: Session, followed_item: AlertSubscription, url: str, now: dt.datetime
) -> AlertSubscription:
    """A webhook for something the user follows (``url`` already checked), told of changes
    from now on, never of the history before it."""
    latest = session.scalar(select(func.max(Revision.id))) or 0
    webhook = AlertSubscription(
        recipient_id=followed_item.recipient_id,
        target_kind=followed_item.target_kind,
        target=followed_item.target,
        label=followed_item.label,
        channel="webhook",
        frequency="instant",
        due_days=followed_item.due_days,
        webhook_url=url.strip(),
        webhook_secret=new_secret(),
        confirmed_at=now,  # a signed-in user's own: no confirmation link
        seen_revision_id=latest,
        seen_day=now.date(),
    )
    session.add(webhook)
    session.flush()
    return webhook


def new_message(
    webhook: AlertSubscription, body: dict[str, Any], subject: str
) -> AlertOutboxMessage:
    """An outbox row for one delivery to a webhook, with a fresh delivery id (not added)."""
    return AlertOutboxMessage(
        recipient_id=webhook.recipient_id,
        subscription_id=webhook.id,
        channel="webhook",
        delivery_id=str(uuid.uuid4()),
        subject=subject,
        body=body,
        state="pending",
        attempts=0,  # set here, not at the flush: "send a test" counts before it adds the row
    )


def ping_body(webhook: AlertSubscription, delivery_id: str, now: dt.datetime) -> dict[str, Any]:
    """What "send a test" sends: the shape of a real delivery, saying it is a test."""
    return {
        "event": TEST_EVENT,
        "delivery_id": delivery_id,
        "sent_at": now.isoformat(),
        "as_of": now.date().isoformat(),
        # As in a real delivery (tracker.alerts.payload), with no changes.
        "subscription": {
            "id": webhook.id,
            "target_kind": webhook.target_kind,
            "target": webhook.target,
            "label": webhook.label,
        },
        "changes": [],
        "message": "A test delivery from the tracker: if its signature checks out, all is well.",
    }


def deliveries(
    session: Session, webhook: AlertSubscription, limit: int = 50
) -> Sequence[AlertOutboxMessage]:
    """The latest deliveries to a webhook, newest first (the delivery log)."""
    return session.scalars(
        select(AlertOutboxMessage)
        .where(AlertOutboxMessage.subscription_id == webhook.id)
        .order_by(AlertOutboxMessage.created_at.desc(), AlertOutboxMessage.id.desc())
        .limit(limit)
    ).all()


def may_retry(message: AlertOutboxMessage) -> bool:
    """ "Retry now" is offered for a message that failed, or is waiting for its next attempt."""
    return message.state == "failed" or (message.state == "pending" and message.attempts > 0)
