"""One error shape for everything under /api/: ``{"error": {"code": ..., "message": ...}}``.

tracker.http.errors answers every error: a request under /api/ gets this JSON (404 and 405
included, which happen before any blueprint is chosen); pages stay HTML.
Some errors say more, inside the same object: ``details`` (one ``{"path", "message"}`` per
problem in a request body) and ``current`` (the record as it is now, on a 409 conflict).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    428: "precondition_required",
    429: "too_many_requests",
    500: "internal_error",
    503: "busy",
}


class ApiError(HTTPException):
    """An error the API raises with its own code, headers and extra fields."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        **extra: Any,
    ) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.extra_headers = list(headers)
        self.extra = extra

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("Content-Type", "application/json"), *self.extra_headers]


def error_response(
    status: int,
    message: str,
    headers: list[tuple[str, str]] | None = None,
    code: str | None = None,
    **extra: Any,
) -> Response:
    """The JSON error for an HTTP status, with a message meant for the person calling the API."""
    error = {"code": code or CODES.get(status, f"http_{status}"), "message": message, **extra}
    response = jsonify({"error": error})
    response.status_code = status
    for key, value in headers or []:
        response.headers[key] = value
    return response


def http_error_response(error: HTTPException) -> Response:
    status = error.code or 500
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if isinstance(error, ApiError):
        message = error.description or error.name
        return error_response(status, message, headers, error.error_code, **error.extra)
    return error_response(status, error.description or error.name, headers)


def internal_error_response(incident: str) -> Response:
    # Never the exception's text: it may name a table, a file or a value.
    return error_response(
        500, f"Something went wrong on our side. Quote incident {incident} when reporting it."
    )
