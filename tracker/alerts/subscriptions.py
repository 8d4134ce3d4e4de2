"""Following things: the rules behind the follow controls, the anonymous double opt-in, the
confirm and unsubscribe links and a signed-in user's list at /account/alerts.

- **What can be followed** (``resolve``): a measure, a country, a topic, an organization, a
  measure's lineage (everything modelled on it), a saved list (the measure, event and statement
  lists and search results, their filters normalised) and, for editors, "mine" (changes to the
  records they created). A target the reader may not see reads exactly as one that does not
  exist (``TargetNotFound``), so an internal measure is not even revealed to exist.
- **A signed-in user** follows at once: their subscription is confirmed when made.
- **An address alone** (``subscribe_address``) gets an unconfirmed subscription and a
  confirmation email with a signed link that expires after ``ALERT_CONFIRM_HOURS``; the caller
  answers the same whether the address was known or not. Nothing but the address and what it
  follows is stored; unconfirmed subscriptions are purged after the link's time.
- **Unsubscribe** deletes the subscription, and the address with its last one.

Like the rest of tracker.alerts this knows nothing of HTTP: the pages hand in the function that
turns a token into the absolute address of the confirmation page.

Long (~570 lines) because every rule of following is here, once: what each kind of target is and
is called, a user's list, the double opt-in and the links; the pages and the rounds only call it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.alerts import mail, tokens
from tracker.countries import country_name, is_country
from tracker.models import (
    ALERT_FREQUENCIES,
    AlertRecipient,
    AlertSubscription,
    Measure,
    Organization,
    Revision,
    Topic,
    User,
)
from tracker.services.measures.read import visible_topics
from tracker.services.saving import control_character
from tracker.services.users import ROLE_RANK, normalize_email
from tracker.viewpoint import Viewpoint

FREQUENCY_LABELS = {"instant": "At once", "daily": "Daily", "weekly": "Weekly"}
DEFAULT_DUE_DAYS = 14
MAX_DUE_DAYS = 366

# The saved lists one may follow, by path, with what their results are called. Anything else
# (an edit page, the API, another site) is refused.
SAVED_LISTS = {
    "/measures/": "Measures",
    "/events/": "Events",
    "/statements/": "Statements",
    "/search": "Search",
}
# Parameters that change how a list is shown, not what it holds: a saved search ignores them,
# so that page 3 sorted by date and page 1 are one search.
IGNORED_LIST_PARAMETERS = frozenset({"page", "size", "sort", "order", "as_of"})
# Parameters that mark where a visitor came from, not what they looked for: a saved search
# neither keeps nor is told apart by them (utm_* as well).
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_hsenc"}
)
MAX_SEARCH_LENGTH = 2000

EMAIL_MAX_LENGTH = 320
# Deliberately loose: one @, no spaces, a dotted domain. Whether the address works is what the
# confirmation email finds out; stricter syntax rules only refuse real addresses.
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


class TargetNotFound(LookupError):
    """No such thing to follow, or one the reader may not see (the two read the same)."""


class BadTarget(ValueError):
    """A target that cannot be followed (a list other than the four, "mine" for a viewer);
    the message says why, for the page."""


class BadAddress(ValueError):
    """An email address that cannot be one; the message goes next to the field."""


class LinkProblem(ValueError):
    """A confirm or unsubscribe link that does not work; ``reason`` says which way."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # "invalid", "expired" or "gone"


@dataclass(frozen=True, slots=True)
class Target:
    """Something to follow, as stored: its kind, its key and what it is called."""

    kind: str
    key: str
    label: str


# -- what can be followed ---------------------------------------------------------------------


def resolve(
    session: Session, view: Viewpoint, kind: str, key: str, user: User | None = None
) -> Target:
    """The target ``kind``/``key`` as this reader may follow it; raises TargetNotFound or
    BadTarget."""
    key = (key or "").strip()
    if control_character([key]):
        raise TargetNotFound(kind)
    if kind in ("measure", "lineage"):
        measure = _measure(session, view, key)
        if kind == "measure":
            return Target(kind, measure.slug, measure.display_title)
        return Target(kind, measure.slug, f"Everything modelled on {measure.display_title}")
    if kind == "country":
        if not (len(key) == 2 and key.isalpha() and is_country(key)):
            raise TargetNotFound(kind)
        return Target(kind, key.upper(), country_name(key.upper()))
    if kind == "topic":
        topic = session.scalars(visible_topics(view).where(Topic.slug == key)).first()
        if topic is None:
            raise TargetNotFound(kind)
        return Target(kind, topic.slug, f"Topic: {topic.name}")
    if kind == "organization":
        query = view.select(Organization).where(Organization.slug == key)
        organization = session.scalars(query).first()
        if organization is None:
            raise TargetNotFound(kind)
        return Target(kind, organization.slug, organization.name)
    if kind == "search":
        path_and_query = normalise_search(key)
        return Target(kind, path_and_query, search_label(session, view, path_and_query))
    if kind == "mine":
        if user is None or ROLE_RANK[user.role] < ROLE_RANK["editor"]:
            raise BadTarget("Only editors can follow changes to the records they created.")
        return Target(kind, str(user.id), "Changes to records you created")
    raise TargetNotFound(kind)


def _measure(session: Session, view: Viewpoint, slug: str) -> Measure:
    measure = session.scalars(view.select(Measure).where(Measure.slug == slug)).first()
    if measure is None:
        raise TargetNotFound("measure")
    return measure


def normalise_search(path_and_query: str) -> str:
    """A saved list as one canonical path and query: the list's path, its filters sorted,
    without paging, sort order or "as of"; raises BadTarget for anything else."""
    text = (path_and_query or "").strip()
    if not text or len(text) > MAX_SEARCH_LENGTH:
        raise BadTarget("Only the measure, event and statement lists and searches can be saved.")
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or parts.path not in SAVED_LISTS:
        raise BadTarget("Only the measure, event and statement lists and searches can be saved.")
    pairs = sorted(
        (name, value.strip())
        for name, value in parse_qsl(parts.query, keep_blank_values=False)
        if name not in IGNORED_LIST_PARAMETERS
        and name not in TRACKING_PARAMETERS
        and not name.startswith("utm_")
        and value.strip()
    )
    if control_character([value for pair in pairs for value in pair]):
        raise BadTarget("The search holds an invisible control character.")
    if parts.path == "/search" and not any(name == "q" for name, _ in pairs):
        raise BadTarget("Search for something first, then save the search.")
    query = urlencode(list(dict.fromkeys(pairs)))
    return parts.path + (f"?{query}" if query else "")


def search_label(session: Session, view: Viewpoint, path_and_query: str) -> str:
    """A saved list in words: "Measures: Kyrgyzstan, Topic: Freedom of peaceful assembly"."""
    parts = urlsplit(path_and_query)
    what = SAVED_LISTS[parts.path]
    pairs = parse_qsl(parts.query)
    topics = {
        topic.slug: topic.name
        for topic in session.scalars(
            visible_topics(view).where(
                Topic.slug.in_([value for name, value in pairs if name == "topic"])
            )
        )
    }
    words: list[str] = []
    for name, value in pairs:
        if name == "q":
            words.append(f"“{value}”")
        elif name == "country" and is_country(value):
            words.append(country_name(value.upper()))
        elif name == "topic":
            words.append(f"Topic: {topics.get(value, value)}")
        else:
            words.append(f"{name.replace('_', ' ').capitalize()}: {value}")
    label = f"{what}: {', '.join(words)}" if words else f"All {what.lower()}"
    return label[:300]


def check_frequency(frequency: str) -> str:
    if frequency not in ALERT_FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    return frequency


def check_address(email: str) -> str:
    """The address lower-cased, or BadAddress with what is wrong."""
    address = normalize_email(email)
    if not address:
        raise BadAddress("Enter your email address.")
    if len(address) > EMAIL_MAX_LENGTH or not _EMAIL.fullmatch(address):
        raise BadAddress("Enter an email address like name@example.org.")
    return address


# -- a signed-in user ---------------------------------------------------------------------------


def recipient_of(session: Session, user: User) -> AlertRecipient:
    """The user's recipient row, made the first time they follow something."""
    recipient = session.scalars(
        select(AlertRecipient).where(AlertRecipient.user_id == user.id)
    ).first()
    if recipient is None:
        recipient = AlertRecipient(
            user_id=user.id, secret=secrets.token_hex(32), created_at=clock.now()
        )
        session.add(recipient)
        session.flush()
    return recipient


def follow(
    session: Session,
    user: User,
    target: Target,
    frequency: str = "instant",
    due_days: int = DEFAULT_DUE_DAYS,
) -> tuple[AlertSubscription, bool]:
    """The user follows ``target`` by email, confirmed at once; following it again changes
    how often. Returns the subscription and whether it is new."""
    recipient = recipient_of(session, user)
    existing = _existing(session, recipient, target)
    if existing is not None:
        existing.frequency = check_frequency(frequency)
        session.flush()
        return existing, False
    now = clock.now()
    subscription = AlertSubscription(
        recipient=recipient,
        target_kind=target.kind,
        target=target.key,
        label=target.label,
        channel="email",
        frequency=check_frequency(frequency),
        due_days=due_days,
        confirmed_at=now,
        seen_revision_id=_latest_revision(session),
        created_at=now,
    )
    session.add(subscription)
    session.flush()
    return subscription, True


def _existing(
    session: Session, recipient: AlertRecipient, target: Target
) -> AlertSubscription | None:
    query = select(AlertSubscription).where(
        AlertSubscription.recipient_id == recipient.id,
        AlertSubscription.channel == "email",
        AlertSubscription.target_kind == target.kind,
        AlertSubscription.target == target.key,
    )
    return session.scalars(query).first()


def _latest_revision(session: Session) -> int:
    """Where a new subscription's high-water mark starts: changes made before one followed
    something are not news to them."""
    return int(session.scalar(select(func.max(Revision.id))) or 0)


def subscriptions_of(
    session: Session, user: User, channel: str = "email"
) -> list[AlertSubscription]:
    """What the user follows by ``channel``, by what it is called."""
    query = (
        select(AlertSubscription)
        .join(AlertRecipient)
        .where(AlertRecipient.user_id == user.id, AlertSubscription.channel == channel)
        .order_by(AlertSubscription.label, AlertSubscription.id)
    )
    return list(session.scalars(query))


def own_subscription(
    session: Session, user: User, subscription_id: int
) -> AlertSubscription | None:
    """The user's own subscription with that id; None for anyone else's (a 404 to them)."""
    query = (
        select(AlertSubscription)
        .join(AlertRecipient)
        .where(AlertSubscription.id == subscription_id, AlertRecipient.user_id == user.id)
    )
    return session.scalars(query).first()


def change(
    session: Session, subscription: AlertSubscription, frequency: str, due_days: int
) -> AlertSubscription:
    """How often, and how many days ahead dates coming due are told."""
    if not 0 <= due_days <= MAX_DUE_DAYS:
        raise ValueError(f"due_days must be between 0 and {MAX_DUE_DAYS}")
    subscription.frequency = check_frequency(frequency)
    subscription.due_days = due_days
    session.flush()
    return subscription


def remove(session: Session, subscription: AlertSubscription) -> str:
    """Stop following: the subscription is deleted (and its recipient with its last one).
    Returns what it followed, for the page."""
    label = subscription.label
    recipient = subscription.recipient
    session.delete(subscription)
    session.flush()
    _drop_if_empty(session, recipient)
    return label


def _drop_if_empty(session: Session, recipient: AlertRecipient) -> None:
    left = session.scalar(
        select(AlertSubscription.id).where(AlertSubscription.recipient_id == recipient.id).limit(1)
    )
    if left is None:
        # A collection loaded before the deletes would cascade to rows already gone.
        session.expire(recipient, ["subscriptions"])
        session.delete(recipient)
        session.flush()


# -- an address alone: double opt-in ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subscribed:
    """What ``subscribe_address`` did, for tests and logs; the page says the same in every
    case ("check your inbox")."""

    subscription_id: int
    new_address: bool
    already_confirmed: bool


def subscribe_address(
    session: Session,
    config: Mapping[str, Any],
    email: str,
    target: Target,
    frequency: str,
    confirm_url: Callable[[str], str],
    unsubscribe_url: Callable[[str], str],
) -> Subscribed:
    """An address asks to follow ``target``: an unconfirmed subscription (the address made if
    new) and, now, the email with the confirmation link. Raises BadAddress,
    mail.MailNotConfigured, or the SMTP error (the transaction is then rolled back by the
    caller: nothing is kept of an address that was never written to)."""
    address = check_address(email)
    check_frequency(frequency)
    mail.settings(config)  # refuse before writing anything when email cannot be sent
    purge_unconfirmed(session, config)
    recipient = session.scalars(
        select(AlertRecipient).where(AlertRecipient.email == address)
    ).first()
    new_address = recipient is None
    if recipient is None:
        recipient = AlertRecipient(
            email=address, secret=secrets.token_hex(32), created_at=clock.now()
        )
        session.add(recipient)
        session.flush()
    subscription = _existing(session, recipient, target)
    if subscription is None:
        subscription = AlertSubscription(
            recipient=recipient,
            target_kind=target.kind,
            target=target.key,
            label=target.label,
            channel="email",
            frequency=frequency,
            due_days=DEFAULT_DUE_DAYS,
            created_at=clock.now(),
        )
        session.add(subscription)
        session.flush()
    elif subscription.confirmed_at is None:
        # Asked again before confirming: a fresh link, and the time it works starts again.
        subscription.frequency = frequency
        subscription.created_at = clock.now()
        session.flush()
    secret_key = str(config["SECRET_KEY"])
    site = str(config.get("SITE_NAME") or "tracker")
    if subscription.confirmed_at is None:
        link = confirm_url(tokens.make(secret_key, "confirm", recipient, subscription))
        message = mail.message(
            config,
            to=address,
            subject=f"Confirm: email alerts about {target.label}",
            text=_confirmation_text(site, target.label, frequency, link, config),
        )
    else:
        link = unsubscribe_url(tokens.make(secret_key, "unsubscribe", recipient, subscription))
        message = mail.message(
            config,
            to=address,
            subject=f"You already follow {target.label}",
            text=_already_text(site, target.label, link),
        )
    with mail.connection(config) as smtp:
        smtp.send_message(message)
    return Subscribed(subscription.id, new_address, subscription.confirmed_at is not None)


def _confirmation_text(
    site: str, label: str, frequency: str, link: str, config: Mapping[str, Any]
) -> str:
    hours = int(config.get("ALERT_CONFIRM_HOURS") or 72)
    return (
        f"Someone, hopefully you, asked {site} to email this address when something changes "
        f"about:\n\n    {label}\n\nHow often: {FREQUENCY_LABELS[frequency].lower()}.\n\n"
        f"To start, open this link and press “Confirm”:\n\n{link}\n\n"
        f"The link works for {hours} hours. If you did not ask for this, ignore this message: "
        "nothing more will be sent, and your address will be deleted.\n"
    )


def _already_text(site: str, label: str, link: str) -> str:
    return (
        f"Someone, hopefully you, asked {site} again to email this address about:\n\n"
        f"    {label}\n\nThis address already follows it, so nothing has changed.\n\n"
        f"To stop these alerts, open this link:\n\n{link}\n"
    )


def purge_unconfirmed(session: Session, config: Mapping[str, Any]) -> int:
    """Delete subscriptions never confirmed within ``ALERT_CONFIRM_HOURS`` (and addresses
    left with nothing); returns how many subscriptions went."""
    cutoff = clock.now() - dt.timedelta(hours=int(config.get("ALERT_CONFIRM_HOURS") or 72))
    stale = list(
        session.scalars(
            select(AlertSubscription)
            .where(AlertSubscription.confirmed_at.is_(None))
            .options(selectinload(AlertSubscription.recipient))
        )
    )
    stale = [s for s in stale if _aware(s.created_at) < cutoff]
    recipients = {s.recipient for s in stale}
    if stale:
        session.execute(
            delete(AlertSubscription).where(AlertSubscription.id.in_([s.id for s in stale]))
        )
        session.expire_all()
    for recipient in recipients:
        _drop_if_empty(session, recipient)
    return len(stale)


def _aware(stamp: dt.datetime) -> dt.datetime:
    """SQLite hands back naive timestamps; they were stored in UTC (tracker.clock)."""
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)


# -- the links in messages ----------------------------------------------------------------------


def _subscription_for(
    session: Session, secret_key: str, purpose: tokens.Purpose, token: str, max_age: int | None
) -> AlertSubscription:
    try:
        target_id, mark = tokens.read(secret_key, purpose, token, max_age)
    except tokens.ExpiredToken as error:
        raise LinkProblem("expired", str(error)) from None
    except tokens.BadToken as error:
        raise LinkProblem("invalid", str(error)) from None
    subscription = session.get(AlertSubscription, target_id)
    if subscription is None or not hmac.compare_digest(
        tokens.fingerprint(subscription.recipient, subscription), mark
    ):
        # Deleted (unsubscribed, purged), or a later row that reuses the id.
        raise LinkProblem("gone", "this link names nothing any more")
    return subscription


def confirmation(session: Session, config: Mapping[str, Any], token: str) -> AlertSubscription:
    """The subscription a confirmation link names (to show before confirming); raises
    LinkProblem. Expired after ``ALERT_CONFIRM_HOURS`` on the tracker's clock, and on the
    signature's own, whichever says so first."""
    hours = int(config.get("ALERT_CONFIRM_HOURS") or 72)
    subscription = _subscription_for(
        session, str(config["SECRET_KEY"]), "confirm", token, hours * 3600
    )
    if (
        subscription.confirmed_at is None
        and _aware(subscription.created_at) + dt.timedelta(hours=hours) < clock.now()
    ):
        raise LinkProblem("expired", "this link has expired")
    return subscription


def confirm(
    session: Session, config: Mapping[str, Any], token: str
) -> tuple[AlertSubscription, bool]:
    """Follow a confirmation link: the subscription starts from now on. Returns it and
    whether this use confirmed it (False: it was confirmed already; nothing changes)."""
    subscription = confirmation(session, config, token)
    if subscription.confirmed_at is not None:
        return subscription, False
    subscription.confirmed_at = clock.now()
    subscription.seen_revision_id = _latest_revision(session)
    session.flush()
    return subscription, True


def unsubscription(session: Session, config: Mapping[str, Any], token: str) -> AlertSubscription:
    """The subscription an unsubscribe link names; raises LinkProblem. These links do not
    expire: a digest read a year later must still stop the next one."""
    return _subscription_for(session, str(config["SECRET_KEY"]), "unsubscribe", token, None)


def unsubscribe(session: Session, config: Mapping[str, Any], token: str) -> str:
    """Follow an unsubscribe link: delete the subscription (and the address with its last);
    returns what it followed."""
    return remove(session, unsubscription(session, config, token))


def recipient_for_all(session: Session, config: Mapping[str, Any], token: str) -> AlertRecipient:
    """The recipient an unsubscribe-all link names; raises LinkProblem."""
    try:
        recipient_id, mark = tokens.read(str(config["SECRET_KEY"]), "unsubscribe-all", token)
    except tokens.BadToken as error:
        raise LinkProblem("invalid", str(error)) from None
    recipient = session.get(AlertRecipient, recipient_id)
    if recipient is None or not hmac.compare_digest(tokens.fingerprint(recipient), mark):
        raise LinkProblem("gone", "this link names nothing any more")
    return recipient


def unsubscribe_all(session: Session, config: Mapping[str, Any], token: str) -> int:
    """Stop every email alert of the recipient the link names; the address is deleted with
    them (a signed-in user's webhooks stay: they are managed on the account page). Returns how
    many subscriptions went."""
    recipient = recipient_for_all(session, config, token)
    going = list(
        session.scalars(
            select(AlertSubscription).where(
                AlertSubscription.recipient_id == recipient.id,
                AlertSubscription.channel == "email",
            )
        )
    )
    for subscription in going:
        session.delete(subscription)
    session.flush()
    _drop_if_empty(session, recipient)
    gone = len(going)
    return int(gone or 0)
