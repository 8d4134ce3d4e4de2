"""API tokens on the account page: each signed-in user makes, lists and revokes their own.

The token is shown once, in the answer to the form that made it, and never again: it is not put
in a flash message (those live in the session cookie) and the page is not cached. Viewers may
make read tokens only; the service holds the rule (tracker.services.api_tokens).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, render_template, url_for
from werkzeug.wrappers.response import Response

from tracker import clock
from tracker.db import get_session
from tracker.forms import TOKEN_EXPIRY, ApiTokenForm, options
from tracker.http.access import PRIVATE, signed_in_may_post
from tracker.models import TOKEN_SCOPES, User
from tracker.services import api_tokens
from tracker.services.saving import ValidationFailed
from tracker.web.helpers import see_other

bp = Blueprint("tokens", __name__)


def _form(user: User) -> ApiTokenForm:
    form = ApiTokenForm()
    scopes = [s for s in TOKEN_SCOPES if s == "read" or api_tokens.may_write(user)]
    form.scope.choices = options((scope, api_tokens.SCOPE_LABELS[scope]) for scope in scopes)
    if len(scopes) == 1:
        form.scope.description = f"Your account is a {user.role}: its tokens may read only."
    return form


def _expires_on(choice: str | None, today: dt.date) -> dt.date | None:
    if choice not in TOKEN_EXPIRY or choice == "never":
        return None
    return today + dt.timedelta(days=int(choice))


@bp.route("/account/tokens", methods=["GET", "POST"])
@signed_in_may_post
def index() -> tuple[str, int, dict[str, str]]:
    """The user's tokens and the form to make one; after making one, the token, once."""
    session = get_session()
    user: User = g.user
    today = clock.today()
    form = _form(user)
    created = None
    if form.validate_on_submit():
        try:
            created = api_tokens.create_token(
                session,
                user,
                form.name.data or "",
                form.scope.data or "",
                _expires_on(form.expires.data, today),
                today,
            )
        except ValidationFailed as exc:
            form.add_errors(exc.errors)
        else:
            form = _form(user)
            form.name.data = ""
    status = 422 if form.errors else 200
    page = render_template(
        "tokens/index.html",
        form=form,
        user=user,
        tokens=api_tokens.list_tokens(session, user),
        created=created,
        on=today,
        state=api_tokens.state,
    )
    # The one page that holds a token in clear: no cache, no copy on disk (as every page for a
    # signed-in user, tracker.http.access; said here too, as this one must never lose it).
    return page, status, {"Cache-Control": PRIVATE}


@bp.post("/account/tokens/<int:token_id>/revoke")
@signed_in_may_post
def revoke(token_id: int) -> Response:
    token = api_tokens.revoke_token(get_session(), g.user, token_id)
    if token is None:
        abort(404)
    flash(f"Revoked the token “{token.name}”: scripts using it are refused from now on.", "success")
    return see_other(url_for("tokens.index"))
