"""Accounts: emails, passwords, roles and the token that ends sessions."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD
from tracker.services import users
from tracker.services.saving import ValidationFailed


def test_emails_are_kept_lower_case_and_unique_whatever_the_case(session: Session) -> None:
    user = users.create_user(session, "  Aida@Example.ORG ", "Aida", "editor", PASSWORD)
    assert user.email == "aida@example.org"
    with pytest.raises(ValidationFailed) as error:
        users.create_user(session, "AIDA@example.org", "Other", "viewer", PASSWORD)
    assert "already an account" in error.value.errors["email"]


def test_a_new_user_needs_a_valid_email_role_and_password(session: Session) -> None:
    with pytest.raises(ValidationFailed) as error:
        users.create_user(session, "not-an-email", "X", "superuser", "qwerty")
    assert set(error.value.errors) == {"email", "role", "password"}


def test_authenticate_checks_password_and_active_flag(session: Session) -> None:
    user = users.create_user(session, "ed@example.org", "Ed", "editor", PASSWORD)
    users.create_user(session, "admin@example.org", "Ad", "admin", PASSWORD)
    assert users.authenticate(session, "ED@example.org", PASSWORD) is user
    assert user.last_login_at is None  # reads only: note_sign_in writes, when it may
    users.note_sign_in(session, user.id, PASSWORD)
    assert user.last_login_at is not None
    assert users.authenticate(session, "ed@example.org", "wrong password here") is None
    users.update_user(session, user, name="Ed", email=user.email, role="editor", active=False)
    assert users.authenticate(session, "ed@example.org", PASSWORD) is None


def test_password_and_role_changes_replace_the_session_token(session: Session) -> None:
    user = users.create_user(session, "ed@example.org", "Ed", "editor", PASSWORD)
    users.create_user(session, "admin@example.org", "Ad", "admin", PASSWORD)
    tokens = {user.session_token}
    users.change_password(session, user, PASSWORD, "another long passphrase")
    tokens.add(user.session_token)
    users.update_user(session, user, name="Ed", email=user.email, role="viewer", active=True)
    tokens.add(user.session_token)
    users.reset_password(session, user, "a third long passphrase")
    tokens.add(user.session_token)
    assert len(tokens) == 4
    assert users.get_by_token(session, user.session_token) is user
    assert users.get_by_token(session, next(iter(tokens - {user.session_token}))) is None


def test_changing_the_password_needs_the_current_one(session: Session) -> None:
    user = users.create_user(session, "ed@example.org", "Ed", "editor", PASSWORD)
    with pytest.raises(ValidationFailed) as error:
        users.change_password(session, user, "not my password", "another long passphrase")
    assert "current_password" in error.value.errors


def test_the_last_admin_cannot_be_demoted_or_deactivated(session: Session) -> None:
    admin = users.create_user(session, "admin@example.org", "Ad", "admin", PASSWORD)
    for role, active in (("editor", True), ("admin", False)):
        with pytest.raises(ValidationFailed) as error:
            users.update_user(
                session, admin, name="Ad", email=admin.email, role=role, active=active
            )
        assert "last active admin" in error.value.errors["role"]
    users.create_user(session, "second@example.org", "Second", "admin", PASSWORD)
    users.update_user(session, admin, name="Ad", email=admin.email, role="editor", active=True)
    assert admin.role == "editor"
