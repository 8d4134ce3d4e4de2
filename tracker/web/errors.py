"""Error pages: plain, helpful, and never a stack trace.

An unexpected error is logged with an incident id; the page shows the id so that a user can
report it without the server revealing anything about itself.
"""

from __future__ import annotations

import uuid

from flask import Flask, Response, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

from tracker.api import errors as api_errors

ErrorResponse = tuple[str, int, list[tuple[str, str]]] | Response

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
        if api_errors.is_api_request():
            return api_errors.http_error_response(error)
        title = TITLES.get(code, error.name)
        page = render_template("errors/error.html", code=code, title=title, error=error)
        # Keep what the error says about itself (Allow on a 405, Retry-After on a 429).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return page, code, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ErrorResponse:
        if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
            return http_error(error)
        incident = uuid.uuid4().hex[:12]
        app.logger.exception("incident %s", incident, exc_info=error)
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
