"""Today's date, which a deployment or a test may pin with the ``TODAY`` setting."""

from __future__ import annotations

import datetime as dt
import time

from flask import current_app, has_app_context


def today() -> dt.date:
    if has_app_context():
        pinned = current_app.config.get("TODAY")
        if pinned:
            return dt.date.fromisoformat(str(pinned))
    return dt.date.today()


def seconds() -> float:
    """Seconds since the epoch, for measuring waits (a sign-in that must wait a minute): the
    real time, which a pinned TODAY does not move."""
    return time.time()
