"""Security headers on every response, and CSRF protection on every form.

The policy is strict because the people who use the tracker are watched: no script but our own
files, no inline script, nothing loaded from another origin, no framing (except the embed
routes, which set ``g.allow_framing``), no referrer leaked to the sites our sources live on.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors {frame_ancestors}",
    ]
)

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
        "payment", "usb", "interest-cohort", "browsing-topics",
    )
)  # fmt: skip


def init_app(app: Flask) -> None:
    csrf.init_app(app)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        framable = bool(g.get("allow_framing"))
        headers = response.headers
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(
            frame_ancestors="*" if framable else "'none'"
        )
        if not framable:
            headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        # A framable page must also be loadable by a site that requires CORP of what it embeds.
        headers["Cross-Origin-Resource-Policy"] = "cross-origin" if framable else "same-origin"
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        headers.pop("Server", None)
        return response
