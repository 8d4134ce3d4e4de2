"""API tokens as a service: their form, what is kept of them, and why one is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from tests.conftest import TODAY
from tracker.models import User
from tracker.services import api_tokens
from tracker.services.api_tokens import TokenRefused
from tracker.services.saving import ValidationFailed


def test_a_token_is_recognizable_random_and_kept_only_as_a_hash(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user("editor")
    made = [api_tokens.create_token(session, user, "s", "read", None, TODAY) for _ in range(20)]
    plaintexts = {new.plaintext for new in made}
    assert len(plaintexts) == 20
    for new in made:
        assert api_tokens.TOKEN.fullmatch(new.plaintext)
        prefix, secret = new.plaintext.split("_")[1:]
        assert new.token.prefix == prefix
        assert secret not in new.token.secret_hash
        assert len(new.token.secret_hash) == 64
    assert len({new.token.prefix for new in made}) == 20


def test_authenticate_finds_the_token_and_notes_the_day(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user("viewer")
    expires = TODAY + dt.timedelta(days=2)
    new = api_tokens.create_token(session, user, "reader", "read", expires, TODAY)
    found = api_tokens.authenticate(session, f"  {new.plaintext} ", TODAY)
    assert found is new.token
    assert found.last_used_on == TODAY
    assert api_tokens.state(found, TODAY) == "active"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("wrong secret", "The token is not valid."),
        ("unknown prefix", "The token is not valid."),
        ("not a token", "This is not a tracker API token"),
        ("revoked", "This token was revoked."),
        ("expired", "This token expired on 2026-11-29."),
        ("deactivated", "The account this token belongs to is deactivated."),
    ],
)
def test_a_token_that_does_not_work_says_why_once_its_secret_matched(
    session: Session, make_user: Callable[..., User], change: str, says: str
) -> None:
    user = make_user("editor")
    new = api_tokens.create_token(session, user, "s", "write", TODAY + dt.timedelta(days=1), TODAY)
    presented = new.plaintext
    today = TODAY
    if change == "wrong secret":
        presented = presented[:-1] + ("A" if presented[-1] != "A" else "B")
    elif change == "unknown prefix":
        presented = "trk_zzzzzzzz_" + presented.split("_")[2]
    elif change == "not a token":
        presented = "ghp_" + presented[4:]
    elif change == "revoked":
        api_tokens.revoke_token(session, user, new.token.id)
    elif change == "expired":
        today = TODAY + dt.timedelta(days=1)  # the day it stops working
    elif change == "deactivated":
        user.active = False
    with pytest.raises(TokenRefused) as refused:
        api_tokens.authenticate(session, presented, today)
    assert says in str(refused.value)
    assert new.plaintext.split("_")[2] not in str(refused.value)


@pytest.mark.parametrize(
    ("role", "name", "scope", "expires", "field"),
    [
        ("editor", " ", "read", None, "name"),
        ("editor", "x" * 101, "read", None, "name"),
        ("editor", "tab\x0bbed", "read", None, "name"),
        ("editor", "ok", "delete", None, "scope"),
        ("viewer", "ok", "write", None, "scope"),
        ("editor", "ok", "read", TODAY, "expires_on"),
    ],
)
def test_creating_a_token_refuses_with_a_message_per_field(
    session: Session,
    make_user: Callable[..., User],
    role: str,
    name: str,
    scope: str,
    expires: dt.date | None,
    field: str,
) -> None:
    user = make_user(role)
    with pytest.raises(ValidationFailed) as failed:
        api_tokens.create_token(session, user, name, scope, expires, TODAY)
    assert set(failed.value.errors) == {field}
    assert not api_tokens.list_tokens(session, user)


def test_revoke_all_revokes_the_working_ones(
    session: Session, make_user: Callable[..., User]
) -> None:
    user, other = make_user("editor"), make_user("editor")
    for _ in range(3):
        api_tokens.create_token(session, user, "s", "write", None, TODAY)
    kept = api_tokens.create_token(session, other, "s", "write", None, TODAY)
    first = api_tokens.list_tokens(session, user)[0]
    api_tokens.revoke_token(session, user, first.id)
    assert api_tokens.revoke_all(session, user) == 2
    assert all(t.revoked_at is not None for t in api_tokens.list_tokens(session, user))
    assert kept.token.revoked_at is None
    assert api_tokens.revoke_token(session, other, first.id) is None  # not theirs


def test_the_history_always_names_the_token_whole(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user("editor", name="N" * 200)
    new = api_tokens.create_token(session, user, "T" * 100, "write", None, TODAY)
    label = api_tokens.actor_label(new.token)
    assert len(label) <= 200
    assert label.endswith(f" (API token “{'T' * 100}”)")
