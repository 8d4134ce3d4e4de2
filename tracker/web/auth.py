"""Signing in and out, sessions, and one's own password.

- Flask-Login keeps the signed-in user in Flask's signed session cookie. The id it stores is the
  user's rotating ``session_token`` (tracker.services.users), checked on every request, so a
  copied cookie dies when the user signs out, changes password, or an admin changes the role.
  Signing out ends the user's sessions on every device: the only way to make a cookie that
  someone may have copied worthless when the session lives in the cookie itself.
- The cookie is HttpOnly and SameSite=Lax, and Secure when the request came over HTTPS
  (``SECURE_COOKIES``: "auto", or true/false to force it; behind a proxy that terminates TLS,
  set ``TRUSTED_PROXIES`` so that X-Forwarded-Proto is believed).
- A session ends after ``SESSION_IDLE_MINUTES`` without a request and ``SESSION_MAX_HOURS``
  after signing in, whatever happens.
- Failed sign-ins slow down guessing per account, never per IP address (which the tracker does
  not look at or keep), without keeping the owner out (tracker.web.lockout).
- Signing in never waits for the database's write lock: it only reads in its own transaction,
  and notes the time of the sign-in only if that costs no waiting (tracker.db.write_now).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Request,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers.response import Response as BaseResponse

from tracker import clock
from tracker.db import engine_of, get_session, is_busy, without_write_lock, write_now
from tracker.forms import LoginForm, PasswordChangeForm
from tracker.http.access import public, signed_in_may_post
from tracker.http.faces import API_PREFIX, is_api_request
from tracker.http.limits import limiter
from tracker.models import User
from tracker.services import history, users
from tracker.services.saving import ValidationFailed
from tracker.web import lockout

bp = Blueprint("auth", __name__)

login_manager = LoginManager()


class TrackerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS.

    The JSON API gets no session at all: it authenticates by token only (tracker.api.auth), so
    a session cookie sent to it is not even read, and its answers never set one.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(API_PREFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = app.config.get("SECURE_COOKIES", "auto")
        if setting == "auto":
            return has_request_context() and request.is_secure
        return bool(setting)


def _is_safe_next(target: str | None) -> bool:
    """Only a path on this site: never another host, scheme-relative URL or backslash trick."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(char) < 32 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    return target if target and _is_safe_next(target) else default


@login_manager.user_loader  # type: ignore[untyped-decorator]  # flask_login is untyped
def _load_user(token: str) -> User | None:
    return users.get_by_token(get_session(), token)


def _start_session(user: User) -> None:
    """A fresh session for a new sign-in: nothing from before it survives (new CSRF token)."""
    session.clear()
    login_user(user)
    # Flask-Login puts a hash of the IP address and browser in the session; we keep neither.
    session.pop("_id", None)
    now = int(clock.seconds())
    session["signed_in_at"] = now
    session["seen_at"] = now
    session.permanent = True


def _end_session() -> None:
    logout_user()
    session.clear()


def init_app(app: Flask) -> None:
    """Sessions, Flask-Login and ``g.user`` (the shared layer, tracker.http, reads it)."""
    app.config["PERMANENT_SESSION_LIFETIME"] = int(app.config["SESSION_MAX_HOURS"]) * 3600
    app.session_interface = TrackerSessionInterface()
    proxies = int(app.config["TRUSTED_PROXIES"] or 0)
    if proxies:
        # Only the scheme and host: X-Forwarded-For (the visitor's address) is never read.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=0, x_proto=proxies, x_host=proxies
        )

    login_manager.init_app(app)
    # Flask-Login's own protection hashes the IP address into the session; the rotating token
    # does the job without it.
    login_manager.session_protection = None
    login_manager.login_view = "auth.login"
    app.register_blueprint(bp)

    @app.before_request
    def load_signed_in_user() -> None:
        # g outlives a request when an app context was pushed around several (tests, scripts):
        # never reuse a user that Flask-Login loaded for an earlier request.
        g.pop("_login_user", None)
        g.pop("session_expired", None)
        g.user = None
        if is_api_request():
            return  # the API's callers are who their token says (tracker.api.auth)
        if not current_user.is_authenticated:
            return
        now = int(clock.seconds())
        idle = int(current_app.config["SESSION_IDLE_MINUTES"]) * 60
        longest = int(current_app.config["SESSION_MAX_HOURS"]) * 3600
        signed_in_at = int(session.get("signed_in_at", 0))
        seen_at = int(session.get("seen_at", 0))
        if now - seen_at > idle or now - signed_in_at > longest:
            _end_session()
            g.session_expired = True
            return
        if now - seen_at > 60:  # refresh at most once a minute: fewer cookies written
            session["seen_at"] = now
        user: User = current_user._get_current_object()
        g.user = user
        history.set_actor(get_session(), history.actor_for(user))

    @app.context_processor
    def signed_in_user() -> dict[str, Any]:
        user = g.get("user")
        return {
            "current_user_record": user,
            "can_edit": user is not None and users.ROLE_RANK[user.role] >= 2,
            "is_admin": user is not None and user.role == "admin",
        }


@bp.route("/login", methods=["GET", "POST"])
@public
@without_write_lock
def login() -> str | BaseResponse | tuple[str, int, dict[str, str]]:
    form = LoginForm()
    default = url_for("home.index")
    if g.get("user") is not None and request.method == "GET":
        return redirect(safe_next(request.args.get("next"), default))
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        email, password = form.email.data or "", form.password.data or ""
        attempt = lockout.attempt_for(limiter.storage, users.normalize_email(email))
        wait = lockout.seconds_to_wait(limiter.storage, attempt)
        if wait:
            page = render_template("auth/login.html", form=form, wait=wait)
            return page, 429, {"Retry-After": str(wait)}
        user = users.authenticate(get_session(), email, password)
        if user is None:
            lockout.failed(limiter.storage, attempt)
            form.form_errors.append("The email or the password is wrong.")
            return render_template("auth/login.html", form=form), 200, {}
        _note_sign_in(user.id, password)
        _start_session(user)
        response = redirect(safe_next(form.next.data, default), 303)
        secure = bool(current_app.session_interface.get_cookie_secure(current_app))
        lockout.succeeded(limiter.storage, attempt, response, secure)
        return response
    status = 200 if request.method == "GET" else 422
    page = render_template("auth/login.html", form=form, expired=g.get("session_expired"))
    return page, status, {}


def _note_sign_in(user_id: int, password: str) -> None:
    """When the user signed in (and a stronger hash of the password, if due), written only if
    no other writer holds the database: a sign-in never waits for a long save."""
    try:
        with write_now(engine_of(get_session())) as writer:
            if writer is not None:
                users.note_sign_in(writer, user_id, password)
    except OperationalError as error:
        if not is_busy(error):
            raise


@bp.post("/logout")
@signed_in_may_post
def logout() -> BaseResponse:
    user: User | None = g.get("user")
    if user is not None:
        users.end_sessions(user)
        get_session().flush()
    _end_session()
    flash("You are signed out, on every device.", "success")
    return redirect(url_for("home.index"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in_may_post
def password() -> str | BaseResponse | tuple[str, int]:
    user: User = g.user
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            users.change_password(
                get_session(), user, form.current_password.data or "", form.password.data or ""
            )
        except ValidationFailed as exc:
            form.add_errors(exc.errors)
        else:
            _start_session(user)  # this session goes on with the new token; others end
            flash(
                "Your password is changed. Your other sessions are signed out and your API "
                "tokens revoked.",
                "success",
            )
            return redirect(url_for("home.index"), 303)
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form, user=user), status
