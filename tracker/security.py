"""Security headers on every response, and CSRF protection on every form.

The policy is strict because the people who use the tracker are watched: no script but our own
files, no inline script, nothing loaded from another origin, no framing (except the embed
routes, which call ``allow_framing()``), no referrer leaked to the sites our sources live on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, abort, current_app, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.datastructures import MultiDict

from tracker.services.saving import MAX_ID, control_character

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


# What browsers say about where a request comes from (Fetch Metadata); a form may be sent from
# a page of this site ("same-origin") or typed/bookmarked ("none"), never from another site.
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


_FRAMABLE = "tracker.allow_framing"
_BY_LINK_ALONE = "_tracker_by_link_alone"

View = TypeVar("View", bound=Callable[..., object])


def authorized_by_link(view: View) -> View:
    """Mark a view whose POST is authorized by the signed token in its address alone: the
    one-click unsubscribe of RFC 8058, which a mail client (or its provider's server) sends with
    no cookie, no form token and from no page of ours. Without a session there is nothing for a
    forged request to borrow, so neither CSRF nor the same-site check applies to it."""
    setattr(view, _BY_LINK_ALONE, True)
    csrf.exempt(view)
    return view


def _is_by_link_alone() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, _BY_LINK_ALONE, False))


def allow_framing() -> None:
    """Let other sites frame this response (the embed routes only).

    Kept on the request, not on ``g``: an app context can outlive a request (a test's, or a
    CLI's), and a flag left on ``g`` would let the next page be framed too.
    """
    request.environ[_FRAMABLE] = True


def is_framable() -> bool:
    return bool(request.environ.get(_FRAMABLE))


def init_app(app: Flask) -> None:
    # Flask-WTF's HTTPS check wants a Referer from our own host, but our pages send none
    # (Referrer-Policy: no-referrer, which also makes browsers send "Origin: null" on forms),
    # so it would refuse every form over HTTPS. The session-bound token does the work; the
    # Sec-Fetch-Site check below replaces the referrer's "came from this site" signal, and
    # HSTS keeps out the plain-HTTP attacker that the referrer check was meant to stop.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)

    @app.before_request
    def refuse_cross_site_writes() -> None:
        site = request.headers.get("Sec-Fetch-Site")
        if (
            request.method in UNSAFE_METHODS
            and site
            and site not in ALLOWED_FETCH_SITES
            and not _is_by_link_alone()
        ):
            raise CSRFError("The form was sent from another site.")

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        framable = is_framable()
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


def check_addresses(app: Flask) -> None:
    """Refuse, before any view looks them up, URLs that can name no record (registered after
    the signed-in user is loaded, so the error page still shows who is signed in)."""

    @app.before_request
    def refuse_unreadable_addresses() -> None:
        # An id no database integer can hold names no record (and would be a database error);
        # a control character cannot be part of a slug or a search. Forms say so next to the
        # field instead (tracker.forms).
        for value in (request.view_args or {}).values():
            if isinstance(value, int) and not 0 <= value <= MAX_ID:
                abort(404)
        values = [str(value) for value in (request.view_args or {}).values()]
        # Read through MultiDict's own method so that the page cache does not count this as the
        # page reading every parameter (tracker.http.page_cache): a page that passes here does
        # not depend on their values, and a refusal is never kept.
        values += [text for pair in MultiDict.items(request.args, multi=True) for text in pair]
        if control_character(values):
            abort(400, description="The address holds an invisible control character.")
