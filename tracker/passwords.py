"""Passwords: argon2id hashes (argon2-cffi) and a policy of length and common passwords.

The policy follows NIST SP 800-63B: a minimum and a maximum length, no password from a list of
common ones, and no composition rules ("one digit, one symbol"), which make passwords harder to
remember without making them harder to guess.
"""

from __future__ import annotations

import gzip
import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tracker.paths import PACKAGE

MIN_LENGTH = 12
# Long enough for any passphrase; short enough that hashing it cannot be used to tie up a worker.
MAX_LENGTH = 256

_hasher = PasswordHasher()
# Verified against when an account does not exist, so that a wrong email takes as long to refuse
# as a wrong password and sign-in cannot be used to find out who has an account.
_DUMMY_HASH = _hasher.hash("not a real password, only spends the same time")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (tracker/data/README.md says where it comes from)."""
    path = PACKAGE / "data" / "common-passwords.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def _is_common(password: str) -> bool:
    lowered = password.lower().strip()
    words = common_passwords()
    if lowered in words:
        return True
    # "password123456", "qwertyqwerty", "iloveyou2024!": a common password padded out.
    stem = re.sub(r"[\d\W_]+$", "", lowered)
    if stem != lowered and len(stem) >= 4 and stem in words:
        return True
    for size in range(1, len(lowered) // 2 + 1):
        if len(lowered) % size == 0 and lowered[:size] * (len(lowered) // size) == lowered:
            return True  # one short piece repeated: "aaaaaaaaaaaa", "abcabcabcabc"
    return False


def password_problems(
    password: str, email: str | None = None, name: str | None = None
) -> list[str]:
    """What is wrong with a new password, in words for the person choosing it."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(
            f"Use at least {MIN_LENGTH} characters (this one has {len(password)}). "
            "A few unrelated words make a strong password that is easy to remember."
        )
    elif len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    elif _is_common(password):
        problems.append("This password is too common; attackers try it first. Choose another.")
    else:
        lowered = password.lower()
        personal = [value.lower() for value in (email, (email or "").split("@")[0], name) if value]
        if any(lowered == value or (len(value) >= 5 and value in lowered) for value in personal):
            problems.append("Do not use your email address or name in your password.")
    return problems
