"""The password policy: length and common passwords, no composition rules."""

from __future__ import annotations

import pytest

from tracker.passwords import (
    MIN_LENGTH,
    common_passwords,
    famous_passphrases,
    hash_password,
    password_problems,
    verify_password,
)


def test_the_shipped_lists_hold_the_usual_suspects() -> None:
    words = common_passwords()
    assert len(words) > 19000
    assert {"123456", "password", "qwerty", "iloveyou"} <= words
    assert {"correcthorsebatterystaple", "maytheforcebewithyou"} <= famous_passphrases()


@pytest.mark.parametrize(
    "password",
    [
        "velvet kettle orbit plum",  # four common words chosen at random (xkcd 936)
        "my cat sleeps on the radiator",
        "ОченьДлинныйПароль",  # any script, no composition rules
        "lowercaseonlybutlong",
    ],
)
def test_long_uncommon_passwords_pass(password: str) -> None:
    assert password_problems(password) == []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short", f"at least {MIN_LENGTH}"),
        ("Password1!", f"at least {MIN_LENGTH}"),
        ("1q2w3e4r5t6y", "too common"),  # on the list and long enough
        ("password123456", "too common"),  # a common word padded with digits
        ("iloveyou2024!!", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("abcabcabcabcabc", "too common"),
        ("x" * 300, "at most"),
        ("correcthorsebatterystaple", "well-known phrase"),  # xkcd 936's own example
        ("Correct Horse Battery Staple!", "well-known phrase"),
        ("correct-horse-battery-staple-2024", "well-known phrase"),
        ("May the Force be with you", "well-known phrase"),
        ("iloveyouforever", "common passwords joined"),
        ("dragon monkey 1234", "common passwords joined"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, expected: str) -> None:
    problems = password_problems(password)
    assert problems
    assert expected in " ".join(problems)


def test_the_email_or_name_is_not_a_password() -> None:
    assert password_problems("aida.researcher", email="aida.researcher@example.org")
    assert password_problems("Aida Researcher 2024", name="Aida Researcher")


def test_hashes_are_argon2id_and_verify() -> None:
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "correct horse battery stapler")
    assert not verify_password(None, "anything at all here")
    assert not verify_password("not a hash", "anything at all here")
