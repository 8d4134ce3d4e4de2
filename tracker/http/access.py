"""Who may see what, failing closed, for both faces: the marks views carry (``@public``,
``@requires_role``...), the check every request passes, and who reads internal records.

Every endpoint is denied to anonymous visitors unless its view is marked ``@public``; a test
walks the URL map so that a new route that forgets to choose fails the suite by name. Anonymous
visitors read public records only; signed-in users also see internal ones. Who reads, and as of
which day, is the request's ``viewpoint()`` (tracker.viewpoint), made here once per request and
handed down to the services: pages follow the session, the API its token.

Writing fails closed too: a request that is not GET/HEAD/OPTIONS needs at least the ``editor``
role unless its view says otherwise, with ``@requires_role("admin")`` or, for the few forms any
signed-in user may send (signing out, one's own password), ``@signed_in_may_post``.

The JSON API's writes are the one exception to the session: they authenticate by API token
only (tracker.api.auth.token_required, which checks the token and its user's role before the
view runs, and marks the view with ``mark_token_view``, defined here so that this check, which
both faces pass, knows the mark without importing the API). The signed-in user is never theirs, so
they need no CSRF token either: a cookie that a third-party page makes the browser send counts
for nothing there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, g, redirect, request, url_for
from werkzeug.wrappers.response import Response

from tracker.http import params
from tracker.http.faces import is_api_request
from tracker.viewpoint import Audience, Viewpoint

View = TypeVar("View", bound=Callable[..., object])

_PUBLIC = "_tracker_public"
_ROLE = "_tracker_role"
_SIGNED_IN_MAY_POST = "_tracker_signed_in_may_post"
_TOKEN_VIEW = "_tracker_api_token_guard"  # noqa: S105  # nosec B105 - an attribute name, no secret

ROLE_RANK = {"viewer": 1, "editor": 2, "admin": 3}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_ROLE = "editor"


def public(view: View) -> View:
    """Mark a view as readable by anonymous visitors (it must still hide internal records)."""
    setattr(view, _PUBLIC, True)
    return view


def requires_role(role: str) -> Callable[[View], View]:
    """Allow a view only to users with at least ``role`` (viewer < editor < admin)."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    def mark(view: View) -> View:
        setattr(view, _ROLE, role)
        return view

    return mark


def signed_in_may_post(view: View) -> View:
    """Let any signed-in user, viewers included, send this view's form."""
    setattr(view, _SIGNED_IN_MAY_POST, True)
    return view


def mark_token_view(view: View, role: str) -> View:
    """Mark a view that tracker.api.auth guards: authorized by API token, with ``role``."""
    setattr(view, _TOKEN_VIEW, True)
    return requires_role(role)(view)


def is_token_endpoint(app: Flask, endpoint: str) -> bool:
    """Whether an endpoint authenticates by API token only (the JSON API's writes)."""
    return bool(getattr(app.view_functions.get(endpoint), _TOKEN_VIEW, False))


def is_public_endpoint(app: Flask, endpoint: str) -> bool:
    if endpoint == "static":
        return True
    view = app.view_functions.get(endpoint)
    return bool(getattr(view, _PUBLIC, False))


def required_role(app: Flask, endpoint: str, method: str) -> str | None:
    """The least role that may use an endpoint with a method; None when anyone signed in may."""
    view = app.view_functions.get(endpoint)
    role: str | None = getattr(view, _ROLE, None)
    if method.upper() in SAFE_METHODS or is_public_endpoint(app, endpoint):
        return role
    if role is None and not getattr(view, _SIGNED_IN_MAY_POST, False):
        return WRITE_ROLE
    return role


def can_see_internal() -> bool:
    """Signed-in users see internal records; tracker.web.auth sets ``g.user``."""
    return g.get("user") is not None


def has_working_token() -> bool:
    """Whether the request came with a working API token: the API's readers of internal
    records (tracker.api.auth checks the token and keeps it in ``g.api_token``)."""
    return g.get("api_token") is not None


def audience() -> Audience:
    """Who this request reads as. Each face decides its own way, on purpose: the API by its
    token only (never the session cookie, which a third-party page can make a browser send),
    the pages by the signed-in user."""
    if is_api_request():
        return "token" if has_working_token() else "anonymous"
    return "viewer" if can_see_internal() else "anonymous"


def viewpoint() -> Viewpoint:
    """This request's reader as of the day it asks (``?as_of=``, today when absent), made once
    per request; a malformed ``as_of`` is a 400 that says what to write."""
    view, error = _made()
    if error is not None:
        abort(400, description=error)
    return view


def reader() -> Viewpoint:
    """The same viewpoint without judging ``as_of`` (its day is today when ``as_of`` is
    malformed): for pages that show no day, which have always ignored it, for the templates,
    and for the error handler, which must not fail with a 400 of its own."""
    return _made()[0]


def _made() -> tuple[Viewpoint, str | None]:
    # Lazily, at the first view or template that asks: by then the sign-in loader and the
    # API's token check (before_request hooks) have said who is reading. Kept on g with the
    # request it belongs to, since g can outlive a request (an app context pushed around
    # several, as tests do).
    made: tuple[object, Viewpoint, str | None] | None = g.get("viewpoint")
    if made is None or made[0] is not request.environ:
        day, error = params.read_as_of()
        made = (request.environ, Viewpoint(day, audience()), error)
        g.viewpoint = made
    return made[1], made[2]


def has_role(role: str) -> bool:
    user = g.get("user")
    return user is not None and ROLE_RANK.get(user.role, 0) >= ROLE_RANK[role]


def login_url_for_current_page() -> str:
    """The sign-in page, coming back here afterwards."""
    target = request.full_path if request.query_string else request.path
    target = request.script_root + target  # back to this page wherever the app is mounted
    return url_for("auth.login", next=target)


def answers_a_reader_of_internal_records() -> bool:
    """Whether this request comes from someone who may read internal records: a signed-in
    user, or a caller with credentials (an API token; a wrong one is refused, but its answer
    is no one else's either)."""
    return can_see_internal() or "Authorization" in request.headers


PRIVATE = "private, no-store"


def init_app(app: Flask) -> None:
    @app.after_request
    def keep_private_answers_private(response: Response) -> Response:
        # Whatever a signed-in user or a token holder is answered may hold internal records
        # (an internal measure, /history, a form, a list with internal rows): no cache along
        # the way and not the browser's (the back button of a shared computer) may keep it.
        # Our own static files hold no one's data and stay cacheable.
        if request.endpoint != "static" and answers_a_reader_of_internal_records():
            response.headers["Cache-Control"] = PRIVATE
            response.headers.pop("Expires", None)
        return response

    @app.before_request
    def deny_anonymous_by_default() -> Response | None:
        endpoint = request.endpoint
        if endpoint is None:  # no route matched: routing answers 404 or 405 itself
            return None
        app_ = current_app._get_current_object()  # type: ignore[attr-defined]
        if is_public_endpoint(app_, endpoint):
            return None
        if is_token_endpoint(app_, endpoint):
            # Checked by the view's own guard (tracker.api.auth.token_required), against the
            # token's user: the session's user, if any, has no say here.
            return None
        user = g.get("user")
        if user is None:
            if request.method in SAFE_METHODS and "auth.login" in app_.view_functions:
                return redirect(login_url_for_current_page())
            if g.get("session_expired"):
                abort(
                    403,
                    description=(
                        "Your session ended, so nothing was saved. Sign in again in a new tab, "
                        "then come back here and send the form again: your browser kept it."
                    ),
                )
            abort(403, description="Sign in to do this.")
        role = required_role(app_, endpoint, request.method)
        if role is not None and not has_role(role):
            abort(
                403,
                description=f"Your account is a {user.role}; this needs the {role} role.",
            )
        return None
