"""The tracker's one clock: "today" and "now", which a deployment or a test may pin.

The ``TODAY`` setting pins the day. Everything that shows, stores or compares a date or a
timestamp asks this module, never ``datetime.now()``/``date.today()`` directly, so that a pinned
day is the same day on every page, in every export and in every stored timestamp (a brief
"generated" on the pinned day, a token "revoked" on it). ``tests/test_clock.py`` fails on any
other read of the wall clock in the package.

``seconds`` is the one exception, on purpose: how long ago a session was last seen, or how long a
sign-in must wait, is a security measurement, and pinning the day must never stretch it.
"""

from __future__ import annotations

import datetime as dt
import time

from flask import current_app, has_app_context


def _pinned() -> dt.date | None:
    if has_app_context():
        pinned = current_app.config.get("TODAY")
        if pinned:
            return dt.date.fromisoformat(str(pinned))
    return None


def today() -> dt.date:
    """Today's date: the pinned ``TODAY`` if set, else the real date."""
    return _pinned() or dt.date.today()


_last_pinned: dt.datetime | None = None


def now() -> dt.datetime:
    """Now, aware and in UTC. With a pinned day: that day at the real time of day, never
    earlier than the last such answer, so that timestamps taken one after another keep their
    order even when the real clock passes midnight."""
    global _last_pinned
    real = dt.datetime.now(dt.UTC)
    pinned = _pinned()
    if pinned is None:
        return real
    stamp = dt.datetime.combine(pinned, real.timetz())
    last = _last_pinned
    if last is not None and last.date() == pinned and stamp <= last:
        stamp = last + dt.timedelta(microseconds=1)
    _last_pinned = stamp
    return stamp


def seconds() -> float:
    """Seconds since the epoch on the real clock, for measuring durations (a session's idle
    time and age, a sign-in's wait); a pinned TODAY does not move it."""
    return time.time()
