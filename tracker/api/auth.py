"""Who calls the API: the token in ``Authorization: Bearer trk_…``, and nothing else.

- No token: an anonymous caller, who reads public records and may not write.
- A token that does not work (malformed, unknown, revoked, expired, its user deactivated): 401,
  on reads too. A caller who sent a wrong token wants to know, not to be served less.
- A working token: its user reads internal records; a write also needs a write token and a
  user who is an editor or an admin now (a role is read at each request, never remembered).

The session cookie is never read here (tracker.web.auth gives API requests no session), so a
page on another site that makes a browser call the API gets what an anonymous caller gets, and
API writes need no CSRF token. Challenges follow RFC 6750 (``WWW-Authenticate: Bearer``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import g, request

from tracker import clock
from tracker.db import get_session
from tracker.http.access import mark_token_view
from tracker.http.json_errors import ApiError
from tracker.models import ApiToken
from tracker.services import api_tokens, history

View = TypeVar("View", bound=Callable[..., Any])

REALM = "tracker"
TOKENS_PAGE = "/account/tokens"


def challenge(error: str | None = None, scope: str | None = None) -> str:
    """A ``WWW-Authenticate`` value (RFC 6750); error descriptions go in the JSON body."""
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if scope:
        parts.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(parts)


def current_token() -> ApiToken | None:
    """The working token this request came with, if any."""
    token: ApiToken | None = g.get("api_token")
    return token


def authenticate_request() -> None:
    """Check the request's token, if it has one (run before every API view)."""
    # g can outlive a request (an app context pushed around several): start from nothing.
    g.api_token = None
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise ApiError(
            401,
            "Send the token in the Authorization header as: Bearer trk_…",
            headers=[("WWW-Authenticate", challenge("invalid_request"))],
        )
    session = get_session()
    try:
        token = api_tokens.authenticate(session, credentials, clock.today())
    except api_tokens.TokenRefused as refused:
        raise ApiError(
            401, str(refused), headers=[("WWW-Authenticate", challenge("invalid_token"))]
        ) from None
    g.api_token = token
    # What this request changes is recorded as the token's user, naming the token.
    history.set_actor(session, history.Actor(api_tokens.actor_label(token), token.user_id))


def token_required(scope: str) -> Callable[[View], View]:
    """Let a view run only for a working token with ``scope`` ("write": and an editor's)."""
    if scope != "write":
        raise ValueError(f"only write views need a token, not {scope!r}")

    def guard(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            token = current_token()
            if token is None:
                raise ApiError(
                    401,
                    "This needs an API token with write scope, sent as "
                    f"Authorization: Bearer trk_…. Make one at {TOKENS_PAGE}.",
                    headers=[("WWW-Authenticate", challenge())],
                )
            if token.scope != "write":
                raise ApiError(
                    403,
                    "This token may only read. Make a token with write scope to change records.",
                    headers=[("WWW-Authenticate", challenge("insufficient_scope", "write"))],
                )
            if not api_tokens.may_write(token.user):
                raise ApiError(
                    403,
                    f"The account of this token is a {token.user.role}; "
                    "writing needs the editor role.",
                )
            return view(*args, **kwargs)

        return cast(View, mark_token_view(guarded, "editor"))

    return guard
