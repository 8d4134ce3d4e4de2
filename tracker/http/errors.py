"""The one error handler of both faces: a page for the HTML face, the JSON error shape
(tracker.http.json_errors) for the API, chosen by the request's path (tracker.http.faces).

Plain, helpful, and never a stack trace: an unexpected error is logged with an incident id,
and the answer shows the id so that a user can report it without the server revealing
anything about itself.
"""

from __future__ import annotations

import uuid

from flask import Flask, Response, g, render_template
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers.response import Response as BaseResponse

from tracker.db import is_busy
from tracker.http import json_errors
from tracker.http.faces import is_api_request
from tracker.http.redirects import moved_permanently
from tracker.system import MissingSystemLibrary

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
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ErrorResponse:
        code = error.code or 500
        if code >= 500:
            return unexpected_error(error)
        if code == 404 and (moved := moved_permanently()) is not None:
            return moved
        if is_api_request():
            return json_errors.http_error_response(error)
        title = TITLES.get(code, error.name)
        page = render_template("errors/error.html", code=code, title=title, error=error)
        # Keep what the error says about itself (Allow on a 405, Retry-After on a 429).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return page, code, headers

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int] | Response:
        if is_api_request():
            # Only the Sec-Fetch-Site check reaches here (the API takes no CSRF token): a
            # browser sent a write from another site, which no script using a token does.
            return json_errors.error_response(
                403, "A write sent by a browser from another site is refused."
            )
        page = render_template(
            "errors/error.html",
            code=400,
            title="This form could not be accepted",
            error=None,
            message=(
                "The form was too old or did not come from this site, so nothing was saved. "
                "Go back, reload the page, and submit it again."
            ),
        )
        return page, 400

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
        if is_api_request():
            return json_errors.error_response(
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
        if is_api_request():
            return json_errors.error_response(503, str(error))
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
        if is_api_request():
            return json_errors.internal_error_response(incident)
        page = render_template(
            "errors/error.html",
            code=500,
            title="Something went wrong on our side",
            incident=incident,
            error=None,
        )
        return page, 500, []
