"""Rate limits: Flask-Limiter's ``limiter``, bound to the app once for both faces.

The JSON API limits writes per token (tracker.api.writes) and the sign-in page keeps its count
of failures per account in the same store (tracker.web.lockout): one store, one setting
(``RATELIMIT_STORAGE_URI``), and neither face imports the other to reach it.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter


def _no_default_key() -> str:
    raise RuntimeError("every limit names its own key (per token, per account), never an address")


limiter = Limiter(key_func=_no_default_key)


def init_app(app: Flask) -> None:
    limiter.init_app(app)
