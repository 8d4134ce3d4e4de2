"""Error pages: plain, helpful, and never a stack trace.

An unexpected error is logged with an incident id; the page shows the id so that a user can
report it without the server revealing anything about itself.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, g, redirect, render_template, request, url_for
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers.response import Response as BaseResponse

from tracker.api import auth as api_auth
from tracker.api import errors as api_errors
from tracker.db import get_session, is_busy
from tracker.services import merging
from tracker.system import MissingSystemLibrary
from tracker.web import access

ErrorResponse = tuple[str, int, list[tuple[str, str]]] | Response | BaseResponse

TITLES = {
    400: "That request could not be understood",
    403: "You are not allowed to do that",
    404: "Not found",
    405: "Method not allowed",
    413: "That is too large",
    429: "Too many attempts",
}


def init_app(app: Flask) -> None:
    @app.before_request
    def relative_slash_redirect() -> BaseResponse | None:
        # Werkzeug answers /timeline with a redirect to /timeline/ on the host the request
        # named (its Host header), whatever BASE_URL says, and no error handler sees it. A
        # relative Location is right behind any proxy and names no host at all.
        moved = request.routing_exception
        if not isinstance(moved, RequestRedirect):
            return None
        parts = urlsplit(moved.new_url)
        path = "/" + parts.path.lstrip("/")  # never "//host": that would name a host again
        return redirect(urlunsplit(("", "", path, parts.query, "")), moved.code)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ErrorResponse:
        code = error.code or 500
        if code >= 500:
            return unexpected_error(error)
        if code == 404 and (moved := moved_permanently()) is not None:
            return moved
        if api_errors.is_api_request():
            return api_errors.http_error_response(error)
        title = TITLES.get(code, error.name)
        page = render_template("errors/error.html", code=code, title=title, error=error)
        # Keep what the error says about itself (Allow on a 405, Retry-After on a 429).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return page, code, headers

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError) -> ErrorResponse:
        if not is_busy(error):
            return unexpected_error(error)
        # Another save held the database longer than the busy timeout (SQLite), or a lock or
        # serialization conflict (PostgreSQL): nothing was saved, and trying again will work.
        session = g.pop("db_session", None)
        if session is not None:
            session.expunge_all()  # the signed-in user, as loaded, can still be shown
            session.rollback()
            session.close()
        if "_login_user" not in g:
            # The lock was hit loading the user: render as signed out rather than ask the
            # busy database again (which would wait, fail, and lose this page too).
            g._login_user = AnonymousUserMixin()
        app.logger.warning("database busy: %s", type(error.orig).__name__)
        if api_errors.is_api_request():
            return api_errors.error_response(
                503,
                "Someone else was saving at the same moment, so nothing was saved. "
                "Send the request again in a few seconds.",
                [("Retry-After", "5")],
            )
        page = render_template(
            "errors/error.html",
            code=503,
            title="The tracker is busy, please try again",
            error=None,
            message=(
                "Someone else was saving at the same moment, so nothing was saved this time. "
                "Go back and send the form again in a few seconds: your browser kept it."
            ),
        )
        return page, 503, [("Retry-After", "5")]

    @app.errorhandler(MissingSystemLibrary)
    def missing_library(error: MissingSystemLibrary) -> ErrorResponse:
        app.logger.error("%s", error)
        if api_errors.is_api_request():
            return api_errors.error_response(503, str(error))
        page = render_template(
            "errors/error.html",
            code=503,
            title="This download is not available on this server",
            error=None,
            message=str(error),
        )
        return page, 503, []

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ErrorResponse:
        if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
            return http_error(error)
        incident = uuid.uuid4().hex[:12]
        app.logger.exception("incident %s", incident, exc_info=error)
        # Whatever failed may have left the request's transaction unusable (a failed flush);
        # roll it back so that the error page can still read the signed-in user.
        session = g.get("db_session")
        if session is not None:
            session.rollback()
        if api_errors.is_api_request():
            return api_errors.internal_error_response(incident)
        page = render_template(
            "errors/error.html",
            code=500,
            title="Something went wrong on our side",
            incident=incident,
            error=None,
        )
        return page, 500, []


# The path segment before <slug> in a route, and the kind of record the slug names.
MERGED_PATHS = {"measures": "measure", "organizations": "organization", "people": "person"}


def moved_permanently() -> BaseResponse | None:
    """A 301 to the same page of the record a merged one was merged into, for a GET of a
    page (or API address) of the merged record, if this reader may see where it leads.

    In the error handler rather than in each view: every page of a measure (brief, feed,
    calendar, citation) and the API's address answer the same way, and pages added later too.
    """
    rule, args = request.url_rule, request.view_args or {}
    if request.method not in ("GET", "HEAD") or rule is None or not args.get("slug"):
        return None
    segments = [part for part in rule.rule.split("<slug>")[0].split("/") if part]
    kind = MERGED_PATHS.get(segments[-1]) if segments else None
    if kind is None or request.endpoint is None:
        return None
    if api_errors.is_api_request():
        internal = api_auth.current_token() is not None  # as the API's reads decide it
    else:
        internal = access.can_see_internal()
    target = merging.find_redirect(get_session(), kind, str(args["slug"]), internal)
    if target is None:
        return None
    location = url_for(request.endpoint, **{**args, "slug": target})
    if request.query_string:
        location += "?" + request.query_string.decode("utf-8", "replace")
    return redirect(location, 301)
