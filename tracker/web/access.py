"""Who may see what, failing closed.

Every endpoint is denied to anonymous visitors unless its view is marked ``@public``; a test
walks the URL map so that a new route that forgets to choose fails the suite by name. Anonymous
visitors read public records only; signed-in users also see internal ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, g, request

View = TypeVar("View", bound=Callable[..., object])

_PUBLIC = "_tracker_public"


def public(view: View) -> View:
    """Mark a view as readable by anonymous visitors (it must still hide internal records)."""
    setattr(view, _PUBLIC, True)
    return view


def is_public_endpoint(app: Flask, endpoint: str) -> bool:
    if endpoint == "static":
        return True
    view = app.view_functions.get(endpoint)
    return bool(getattr(view, _PUBLIC, False))


def can_see_internal() -> bool:
    """Signed-in users see internal records; the accounts issue sets ``g.user``."""
    return g.get("user") is not None


def init_app(app: Flask) -> None:
    @app.before_request
    def deny_anonymous_by_default() -> None:
        endpoint = request.endpoint
        if endpoint is None:  # no route matched: routing answers 404 or 405 itself
            return
        if is_public_endpoint(current_app, endpoint) or g.get("user") is not None:
            return
        abort(403)
