"""One error shape for everything under /api/: ``{"error": {"code": ..., "message": ...}}``.

Registered through tracker.web.errors, which answers every error: a request under /api/ gets
this JSON (404 and 405 included, which happen before any blueprint is chosen); pages stay HTML.
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/"

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
    500: "internal_error",
}


def external_url(path: str) -> str:
    """An absolute URL for a path: on ``BASE_URL`` when it is set (behind a proxy that ends
    TLS the request itself says http://), else on the request's own host."""
    base = current_app.config.get("BASE_URL") or request.host_url
    return str(base).rstrip("/") + path


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(
    status: int, message: str, headers: list[tuple[str, str]] | None = None
) -> Response:
    """The JSON error for an HTTP status, with a message meant for the person calling the API."""
    response = jsonify({"error": {"code": CODES.get(status, f"http_{status}"), "message": message}})
    response.status_code = status
    for key, value in headers or []:
        response.headers[key] = value
    return response


def http_error_response(error: HTTPException) -> Response:
    status = error.code or 500
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return error_response(status, error.description or error.name, headers)


def internal_error_response(incident: str) -> Response:
    # Never the exception's text: it may name a table, a file or a value.
    return error_response(
        500, f"Something went wrong on our side. Quote incident {incident} when reporting it."
    )
