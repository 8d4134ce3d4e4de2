"""Passwords: argon2id hashes (argon2-cffi) and a policy of length and common passwords.

The policy follows NIST SP 800-63B: a minimum and a maximum length, no password from a list of
common ones, no famous passphrase ("correct horse battery staple") nor two common passwords
joined ("iloveyouforever"), and no composition rules ("one digit, one symbol"), which make
passwords harder to remember without making them harder to guess.
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


def _squeezed(text: str) -> str:
    """Lower-cased, without spaces and punctuation: "Correct-Horse battery_staple!" and
    "correcthorsebatterystaple" are one guess to an attacker."""
    return "".join(char for char in text.lower() if char.isalnum())


@cache
def famous_passphrases() -> frozenset[str]:
    """Phrases crackers try first (tracker/data/famous-passphrases.txt), squeezed."""
    path = PACKAGE / "data" / "famous-passphrases.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(_squeezed(line) for line in lines if line.strip() and line[0] != "#")


# A piece of a joined-up password counts as a common password from this length on: the list's
# shorter entries ("a1", "abc") would make almost anything a concatenation.
_PIECE = 3
# Two common passwords joined ("iloveyouforever", "dragonmonkey") are about 20,000 squared
# guesses: few enough for an attacker with a copy of the database. Three or more common words
# chosen at random, the advice of xkcd 936, are many more, and stay allowed.
_MOST_PIECES = 2


def _common_pieces(text: str, words: frozenset[str]) -> int | None:
    """The fewest common passwords ``text`` is made of, joined; None when it is not."""
    unreachable = len(text) + 1  # more pieces than there can be
    fewest = [0] + [unreachable] * len(text)
    for end in range(_PIECE, len(text) + 1):
        for start in range(max(0, end - 32), end - _PIECE + 1):
            if fewest[start] < unreachable and text[start:end] in words:
                fewest[end] = min(fewest[end], fewest[start] + 1)
    return fewest[len(text)] if fewest[len(text)] < unreachable else None


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


def _is_known_phrase(password: str) -> bool:
    """A famous passphrase, or common passwords joined (with separators or digits after)."""
    squeezed = _squeezed(password)
    stem = re.sub(r"\d+$", "", squeezed)
    if squeezed in famous_passphrases() or stem in famous_passphrases():
        return True
    # A famous phrase with a little around it ("correcthorsebatterystaple2024!").
    phrases = famous_passphrases()
    if any(len(squeezed) - len(phrase) < 8 and phrase in squeezed for phrase in phrases):
        return True
    pieces = _common_pieces(stem, common_passwords()) if len(stem) >= 2 * _PIECE else None
    return pieces is not None and pieces <= _MOST_PIECES


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
    elif _is_known_phrase(password):
        problems.append(
            "This is a well-known phrase, or common passwords joined together; attackers try "
            "those first. Choose a few unrelated words of your own."
        )
    else:
        lowered = password.lower()
        personal = [value.lower() for value in (email, (email or "").split("@")[0], name) if value]
        if any(lowered == value or (len(value) >= 5 and value in lowered) for value in personal):
            problems.append("Do not use your email address or name in your password.")
    return problems
