"""Accounts: creating users, signing in, passwords, roles, and ending sessions.

A user's ``session_token`` is what the session cookie carries; it is replaced whenever a session
must end everywhere (sign out, password change or reset, role change, deactivation), so a copied
cookie stops working at that moment even though cookies are kept by the browser. A password
change or reset and a deactivation also revoke the user's API tokens (tracker.services.api_tokens).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.models import ROLES, User
from tracker.passwords import hash_password, needs_rehash, password_problems, verify_password
from tracker.services import api_tokens
from tracker.services.saving import CONTROL_MESSAGE, ValidationFailed, control_character

ROLE_LABELS = {
    "admin": "Admin (manages users, edits everything)",
    "editor": "Editor (adds and edits records)",
    "viewer": "Viewer (reads internal records)",
}
ROLE_RANK = {"viewer": 1, "editor": 2, "admin": 3}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every existing session cookie stops working."""
    user.session_token = new_session_token()


def get_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def get_by_token(session: Session, token: str) -> User | None:
    """The active user whose current session token this is."""
    if not token:
        return None
    return session.scalar(select(User).where(User.session_token == token, User.active.is_(True)))


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.active.desc(), User.name, User.email)).all()


def _refuse_control_characters(**values: str) -> None:
    errors = {
        key: CONTROL_MESSAGE.format(code=code)
        for key, value in values.items()
        if (code := control_character(value))
    }
    if errors:
        raise ValidationFailed(errors)


def _check_password(errors: dict[str, str], password: str, email: str, name: str | None) -> None:
    problems = password_problems(password, email, name)
    if problems:
        errors["password"] = " ".join(problems)


def create_user(session: Session, email: str, name: str, role: str, password: str) -> User:
    """Create an account; raise ValidationFailed with a message per field."""
    errors: dict[str, str] = {}
    email = normalize_email(email)
    name = (name or "").strip()
    _refuse_control_characters(email=email, name=name)
    if not EMAIL.fullmatch(email) or len(email) > 320:
        errors["email"] = "Enter an email address, like name@example.org."
    elif get_by_email(session, email) is not None:
        errors["email"] = "There is already an account with this email address."
    if len(name) > 200:
        errors["name"] = "Keep the name under 200 characters."
    if role not in ROLES:
        errors["role"] = "Choose a role."
    _check_password(errors, password, email, name)
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email,
        name=name or email.split("@")[0],
        role=role,
        password_hash=hash_password(password),
        session_token=new_session_token(),
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same time either way). Reads
    only: signing in must not wait for the database's write lock (``note_sign_in`` writes)."""
    if control_character(email):
        verify_password(None, password)  # no such account can exist; take as long anyway
        return None
    user = get_by_email(session, email)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        return None
    return user


def note_sign_in(session: Session, user_id: int, password: str) -> None:
    """Record a sign-in: its time, and a stronger hash if today's parameters are stronger."""
    user = session.get(User, user_id)
    if user is None:
        return
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = clock.now()
    session.flush()


def _active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.active.is_(True))
        )
        or 0
    )


def update_user(
    session: Session, user: User, *, name: str, email: str, role: str, active: bool
) -> User:
    """Change an account; a role change or deactivation ends the user's sessions."""
    errors: dict[str, str] = {}
    email = normalize_email(email)
    name = (name or "").strip()
    _refuse_control_characters(email=email, name=name)
    if not EMAIL.fullmatch(email) or len(email) > 320:
        errors["email"] = "Enter an email address, like name@example.org."
    else:
        other = get_by_email(session, email)
        if other is not None and other.id != user.id:
            errors["email"] = "There is already an account with this email address."
    if not name:
        errors["name"] = "Enter the person's name."
    if role not in ROLES:
        errors["role"] = "Choose a role."
    losing_admin = user.role == "admin" and user.active and (role != "admin" or not active)
    if losing_admin and _active_admins(session) <= 1:
        errors["role"] = "This is the last active admin; make someone else an admin first."
    if errors:
        raise ValidationFailed(errors)
    if role != user.role or (user.active and not active):
        end_sessions(user)
    if user.active and not active:
        # A role change needs nothing here: tokens follow the role at each request.
        api_tokens.revoke_all(session, user)
    user.name, user.email, user.role, user.active = name, email, role, active
    session.flush()
    return user


def change_password(session: Session, user: User, current: str, new: str) -> User:
    """The user changes their own password; every other session ends."""
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current):
        # A message about a password, not a password (ruff S105, bandit B105).
        errors["current_password"] = "This is not your current password."  # noqa: S105  # nosec B105
    _check_password(errors, new, user.email, user.name)
    if not errors and verify_password(user.password_hash, new):
        errors["password"] = "Choose a password different from the current one."  # noqa: S105  # nosec B105
    if errors:
        raise ValidationFailed(errors)
    return _set_password(session, user, new)


def reset_password(session: Session, user: User, new: str) -> User:
    """An admin sets a new password for someone; their sessions end."""
    errors: dict[str, str] = {}
    _check_password(errors, new, user.email, user.name)
    if errors:
        raise ValidationFailed(errors)
    return _set_password(session, user, new)


def _set_password(session: Session, user: User, new: str) -> User:
    user.password_hash = hash_password(new)
    user.password_changed_at = clock.now()
    end_sessions(user)
    # Whoever knew the old password may have made tokens with it.
    api_tokens.revoke_all(session, user)
    session.flush()
    return user
