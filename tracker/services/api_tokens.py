"""Personal API tokens: made, listed and revoked by their user; checked on every API request.

A token reads ``trk_<prefix>_<secret>``: ``trk_`` so that a leaked one is recognizable (secret
scanners, a reviewer reading a pasted script), an 8-character prefix that finds its row, and
256 random bits. Only the prefix and a SHA-256 hash of the secret are stored; a secret that
random needs no slow password hash, and the comparison takes the same time whatever matches.

What a token may do is decided at each request, never when it was made: its scope (``read``
or ``write``), whether it was revoked or has expired, and its user's current state: a
deactivated user's tokens stop working, and a write token whose user is no longer an editor
may still read but not write. Tokens are revoked together when their user's password is
changed or reset, or the user is deactivated: those are the moments when someone else may have
had the account, and may have made tokens with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tracker import clock
from tracker.models import TOKEN_SCOPES, ApiToken, User
from tracker.services.saving import CONTROL_MESSAGE, ValidationFailed, control_character

PREFIX_LENGTH = 8
SECRET_LENGTH = 43  # characters of [A-Za-z0-9]: 43 × log2(62) ≈ 256 bits
MAX_NAME = 100
# The least role that may hold (and use) a write token; anyone signed in may read.
WRITE_ROLES = frozenset({"editor", "admin"})
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits
TOKEN = re.compile(rf"trk_([a-z0-9]{{{PREFIX_LENGTH}}})_([A-Za-z0-9]{{{SECRET_LENGTH}}})")
SCOPE_LABELS = {
    "read": "Read: internal records too, as when signed in",
    "write": "Write: create, change and delete records (editors and admins)",
}


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: the row, and the only copy of the token itself."""

    token: ApiToken
    plaintext: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def may_write(user: User) -> bool:
    """Whether the user, as now, may hold and use a write token."""
    return user.active and user.role in WRITE_ROLES


def create_token(
    session: Session,
    user: User,
    name: str,
    scope: str,
    expires_on: dt.date | None,
    today: dt.date,
) -> NewToken:
    """Make a token for ``user``; raise ValidationFailed (one message per field) otherwise."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    code = control_character(name)
    if code:
        errors["name"] = CONTROL_MESSAGE.format(code=code)
    elif not name:
        errors["name"] = "Name the token after what will use it, e.g. “import script”."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Keep the name under {MAX_NAME} characters (it has {len(name)})."
    if scope not in TOKEN_SCOPES:
        errors["scope"] = "Choose read or write."
    elif scope == "write" and not may_write(user):
        errors["scope"] = (
            f"Your account is a {user.role}: its tokens may read, not write. "
            "Ask an admin for the editor role to write through the API."
        )
    # The day it stops working: today would make a token that never works.
    if expires_on is not None and expires_on <= today:
        errors["expires_on"] = "Choose a day after today."
    if errors:
        raise ValidationFailed(errors)
    prefix = _random(_PREFIX_ALPHABET, PREFIX_LENGTH)
    # 36^8 prefixes: a collision is all but impossible, but it would make a token unusable.
    while session.scalar(select(ApiToken.id).where(ApiToken.prefix == prefix)) is not None:
        prefix = _random(_PREFIX_ALPHABET, PREFIX_LENGTH)
    secret = _random(_SECRET_ALPHABET, SECRET_LENGTH)
    token = ApiToken(
        user=user,
        name=name,
        scope=scope,
        prefix=prefix,
        secret_hash=_hash(secret),
        expires_on=expires_on,
    )
    session.add(token)
    session.flush()
    return NewToken(token, f"trk_{prefix}_{secret}")


def list_tokens(session: Session, user: User) -> Sequence[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, marked as such)."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return session.scalars(query).all()


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens; None when the user has no such token."""
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        session.flush()
    return token


def revoke_all(session: Session, user: User) -> int:
    """Revoke every token of the user that still works; how many were."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def state(token: ApiToken, today: dt.date) -> str:
    """``active``, ``revoked`` or ``expired``."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_on is not None and token.expires_on <= today:
        return "expired"
    return "active"


class TokenRefused(Exception):
    """The token does not authenticate anyone; the message says why, without the token."""


def authenticate(session: Session, presented: str, today: dt.date) -> ApiToken:
    """The working token that ``presented`` is; raise TokenRefused otherwise.

    Why a token is refused (revoked, expired, account deactivated) is said only once its secret
    has matched: whoever holds it may know, and anyone guessing learns nothing.
    """
    found = TOKEN.fullmatch(presented.strip())
    if found is None:
        raise TokenRefused("This is not a tracker API token (they look like trk_…).")
    prefix, secret = found.groups()
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    # Hash and compare even when no row has the prefix, so that timing says nothing either.
    stored = token.secret_hash if token is not None else _hash("")
    if not hmac.compare_digest(_hash(secret), stored) or token is None:
        raise TokenRefused("The token is not valid.")
    if token.revoked_at is not None:
        raise TokenRefused("This token was revoked. Create a new one on your account page.")
    if token.expires_on is not None and token.expires_on <= today:
        raise TokenRefused(
            f"This token expired on {token.expires_on.isoformat()}. "
            "Create a new one on your account page."
        )
    if not token.user.active:
        raise TokenRefused("The account this token belongs to is deactivated.")
    if token.last_used_on != today:
        # A day, not a time and never an address: enough to spot a token nobody uses.
        token.last_used_on = today
    return token


# How the history names a change made with a token: "Aida Bekova (API token “import”)".
ACTOR_MARK = " (API token "


def actor_label(token: ApiToken) -> str:
    """How the history names a change made with the token (at most 200 characters, the
    token's part always whole: pages show the user's current name before it)."""
    suffix = f"{ACTOR_MARK}“{token.name}”)"
    return token.user.label[: 200 - len(suffix)] + suffix
