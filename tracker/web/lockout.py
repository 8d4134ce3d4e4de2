"""Slowing down password guessing per account, without keeping the account's owner out.

A fixed "N failures a minute, then refuse" limit lets anyone who knows an email address keep its
owner out for good with a few guesses a minute, the right password included. Instead:

- **Per account, never per address.** Failures are counted under a keyed hash of the email
  typed (whether or not such an account exists, so that the answers tell nothing about who has
  one), in the rate-limit store (``RATELIMIT_STORAGE_URI``: each worker's memory, or a shared
  Redis). The tracker never looks at the visitor's address.
- **Progressively slower.** ``LOGIN_FREE_FAILURES`` failures a day are free; after that each
  failure makes the next attempt wait twice as long as the one before (2 s, 4 s, 8 s... up to
  ``LOGIN_MAX_DELAY_SECONDS``). While an account waits, an attempt is refused with 429 and
  ``Retry-After`` before the password is even checked, so waiting is not an oracle. An attacker
  at ten guesses a minute soon gets one guess every quarter of an hour.
- **The owner gets in.** A successful sign-in leaves a signed "device" cookie in that browser
  (sent to ``/login`` only, naming nothing but a hash of the account). From a browser holding
  one for the account typed, attempts do not wait for the account: they have their own count
  (``LOGIN_DEVICE_FAILURES`` a day before the browser is treated as any other), so a stolen
  cookie buys few guesses, and nobody else's failures can keep the owner out of a browser they
  used before. From a browser never used before, the owner waits like anyone else.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits.storage import Storage
from werkzeug.wrappers.response import Response

from tracker import clock

DEVICE_COOKIE = "tracker_device"
DEVICE_DAYS = 365
_DAY = 24 * 3600


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in attempt: the account typed (hashed) and the browser's device, when it holds
    a device cookie for that account that has not used up its failures."""

    account: str
    device: str | None


def account_key(email: str) -> str:
    """A keyed hash of the email typed: the store holds no email address."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()[:32]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt="tracker-device")


def attempt_for(storage: Storage, email: str) -> Attempt:
    account = account_key(email)
    device = None
    try:
        data = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        data = None
    if isinstance(data, dict) and data.get("a") == account and isinstance(data.get("d"), str):
        used = storage.get(_device_failures(data["d"]))
        if used < int(current_app.config["LOGIN_DEVICE_FAILURES"]):
            device = data["d"]
    return Attempt(account, device)


def _failures(account: str) -> str:
    return f"login:failures:{account}"


def _waiting(account: str) -> str:
    return f"login:wait:{account}"


def _device_failures(device: str) -> str:
    return f"login:device:{device}"


def seconds_to_wait(storage: Storage, attempt: Attempt) -> int:
    """How long this attempt must wait before a password is checked (0: now)."""
    if attempt.device is not None:
        return 0
    key = _waiting(attempt.account)
    if not storage.get(key):
        return 0
    return max(1, math.ceil(float(storage.get_expiry(key)) - clock.seconds()))


def delay_after(failures: int) -> int:
    """The wait after the ``failures``-th failure of the day: none while they are free, then
    doubling from 2 seconds up to the most the settings allow."""
    free = int(current_app.config["LOGIN_FREE_FAILURES"])
    longest = int(current_app.config["LOGIN_MAX_DELAY_SECONDS"])
    if failures <= free:
        return 0
    return min(1 << min(failures - free, 30), longest)


def failed(storage: Storage, attempt: Attempt) -> None:
    """Count a wrong password: against the browser's device, or against the account."""
    if attempt.device is not None:
        storage.incr(_device_failures(attempt.device), _DAY)
        return
    delay = delay_after(storage.incr(_failures(attempt.account), _DAY))
    if delay:
        storage.clear(_waiting(attempt.account))
        storage.incr(_waiting(attempt.account), delay)


def succeeded(storage: Storage, attempt: Attempt, response: Response, secure: bool) -> None:
    """The owner signed in: this browser becomes one of theirs (the account's count of
    failures stays: it is what slows down whoever else is guessing)."""
    device = attempt.device
    if device is not None:
        storage.clear(_device_failures(device))
        return
    device = secrets.token_urlsafe(16)
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps({"a": attempt.account, "d": device}),
        max_age=DEVICE_DAYS * _DAY,
        path="/login",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
