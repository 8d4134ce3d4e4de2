"""Following things (issue 14's pages): the follow controls, an anonymous reader's
subscription by email with double opt-in, the confirm and unsubscribe links, and what a
signed-in user follows at /account/alerts. The rules are in tracker.alerts.subscriptions.

- **GET never changes anything**: mail scanners and link previews fetch every link in a message,
  so the confirm and unsubscribe links show a page with a button, and the button does it.
- **One-click unsubscribe** (RFC 8058): mail clients POST ``List-Unsubscribe=One-Click`` to the
  unsubscribe address with no cookie and no form token; that POST is authorized by the signed
  token in the address alone (tracker.security.authorized_by_link).
- **Rate limits without addresses** (the visitor's IP is never read): each of these endpoints is
  limited as a whole (``ALERT_RATE_LIMIT``), and confirmation emails per address typed
  (``ALERT_ADDRESS_RATE_LIMIT``), counted under a keyed hash of it, as sign-in failures are
  (tracker.web.lockout), in the same store.
- **The same answer for every address**: "check your inbox", whether or not the address was
  known, following it already or new.
"""

from __future__ import annotations

import math
import smtplib
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, render_template, request, url_for
from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter
from werkzeug.wrappers.response import Response

from tracker import clock
from tracker.alerts import mail, subscriptions
from tracker.alerts.subscriptions import BadAddress, BadTarget, LinkProblem, Target, TargetNotFound
from tracker.db import get_session
from tracker.forms import AlertSettingsForm, ConfirmForm, FollowForm, SubscribeForm
from tracker.http.access import PRIVATE, public, signed_in_may_post
from tracker.http.limits import limiter
from tracker.http.links import absolute_url
from tracker.models import User
from tracker.security import authorized_by_link
from tracker.viewpoint import Viewpoint
from tracker.web.auth import safe_next
from tracker.web.helpers import see_other
from tracker.web.lockout import account_key

bp = Blueprint("alerts", __name__)

# The endpoints limited as a whole, whoever asks.
LIMITED = frozenset(
    {"alerts.subscribe", "alerts.confirm", "alerts.unsubscribe", "alerts.unsubscribe_all"}
)

PageResult = tuple[str, int, dict[str, str]]


# -- rate limits ------------------------------------------------------------------------------


def _over_limit(setting: str, *keys: str) -> int:
    """Count one hit under ``keys`` against each limit of ``setting``; the seconds to wait when
    one is used up (0: within every limit)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return 0
    strategy = FixedWindowRateLimiter(limiter.storage)
    items: list[RateLimitItem] = parse_many(str(current_app.config[setting]))
    for item in items:
        if not strategy.hit(item, "alerts", *keys):
            reset = strategy.get_window_stats(item, "alerts", *keys).reset_time
            return max(1, math.ceil(reset - clock.seconds()))
    return 0


@bp.before_request
def limit_endpoints() -> PageResult | None:
    if request.endpoint not in LIMITED or request.method == "HEAD":
        return None
    if request.endpoint == "alerts.subscribe" and request.method == "GET":
        return None  # the form itself costs nothing; sending it is what is counted
    wait = _over_limit("ALERT_RATE_LIMIT", request.endpoint or "")
    if wait:
        page = render_template(
            "alerts/message.html",
            title="Too many requests",
            message="Too many people are using this just now. Please try again in a few minutes.",
        )
        return page, 429, {"Retry-After": str(wait)}
    return None


# -- what a request asks to follow ------------------------------------------------------------


def _viewpoint() -> Viewpoint:
    return Viewpoint.viewer() if g.get("user") is not None else Viewpoint.anonymous()


def _target(kind: str | None, key: str | None) -> Target:
    """The target of the request, as its reader may follow it: 404 when it does not exist or
    they may not see it (an internal measure reads as no measure), 400 when it cannot be
    followed."""
    try:
        return subscriptions.resolve(
            get_session(), _viewpoint(), kind or "", key or "", g.get("user")
        )
    except TargetNotFound:
        abort(404)
    except BadTarget as error:
        abort(400, description=str(error))


def _back_to(target: Target) -> str:
    """The page the target was followed from, for "back" links."""
    if target.kind in ("measure", "lineage"):
        return url_for("measures.show", slug=target.key)
    if target.kind == "country":
        return url_for("countries.show", code=target.key)
    if target.kind == "topic":
        return url_for("measures.index", topic=target.key)
    if target.kind == "organization":
        return url_for("organizations.show", slug=target.key)
    if target.kind == "search":
        return request.script_root + target.key
    return url_for("history.changes")


def _feed_url(target: Target) -> str | None:
    """The Atom feed that carries the same news, for sites without email."""
    if target.kind == "measure":
        return url_for("exports.measure_feed", slug=target.key)
    if target.kind == "country":
        return url_for("exports.feed", country=target.key)
    if target.kind == "topic":
        return url_for("exports.feed", topic=target.key)
    if target.kind == "search" and target.key.startswith("/measures/"):
        return url_for("exports.feed") + target.key[len("/measures/") :]
    return url_for("exports.feed")


# -- following: signed in -----------------------------------------------------------------------


@bp.post("/alerts/follow")
@signed_in_may_post
def follow() -> Response:
    """A signed-in user follows something in one click: confirmed at once."""
    form = FollowForm()
    if not form.validate():
        abort(400, description="The follow form was incomplete; go back and try again.")
    target = _target(form.kind.data, form.target.data)
    subscription, new = subscriptions.follow(
        get_session(), g.user, target, form.frequency.data or "instant"
    )
    how = subscriptions.FREQUENCY_LABELS[subscription.frequency].lower()
    if new:
        flash(f"You now follow {target.label} by email ({how}).", "success")
    else:
        flash(f"You already followed {target.label}; alerts now come {how}.", "success")
    return see_other(safe_next(form.next.data, url_for("alerts.manage")))


@bp.app_template_global()
def follow_form(kind: str, key: str) -> FollowForm:
    """The follow control's form, for the pages that show one (templates/alerts/_follow.html)."""
    form = FollowForm(formdata=None)
    form.kind.data = kind
    form.target.data = key
    form.next.data = request.full_path.rstrip("?")
    return form


# -- following: an address alone ------------------------------------------------------------------


@bp.route("/alerts/subscribe", methods=["GET", "POST"])
@public
def subscribe() -> PageResult:
    """The anonymous follow form: an email address, then a confirmation email."""
    form = SubscribeForm()
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "")
        form.target.data = request.args.get("target", "")
    target = _target(form.kind.data, form.target.data)
    config = current_app.config
    context: dict[str, Any] = {"form": form, "target": target, "back": _back_to(target)}
    context["feed"] = _feed_url(target)
    if not mail.configured(config):
        # Said plainly, on the form and in answer to it; nothing is kept.
        page = render_template("alerts/subscribe.html", mail_configured=False, **context)
        return page, 200, {}
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("alerts/subscribe.html", mail_configured=True, **context), status, {}
    try:
        address = subscriptions.check_address(form.email.data or "")
    except BadAddress as error:
        form.email.errors = [str(error)]
        return render_template("alerts/subscribe.html", mail_configured=True, **context), 422, {}
    wait = _over_limit("ALERT_ADDRESS_RATE_LIMIT", "address", account_key(address))
    if wait:
        form.email.errors = [
            "Several confirmation emails were sent to this address recently. Check your inbox "
            "(and spam folder), or try again later."
        ]
        page = render_template("alerts/subscribe.html", mail_configured=True, **context)
        return page, 429, {"Retry-After": str(wait)}
    try:
        subscriptions.subscribe_address(
            get_session(),
            config,
            address,
            target,
            form.frequency.data or "instant",
            confirm_url=lambda token: absolute_url("alerts.confirm", token=token),
            unsubscribe_url=lambda token: absolute_url("alerts.unsubscribe", token=token),
        )
    except (OSError, smtplib.SMTPException, mail.BadMailSetting):
        current_app.logger.exception("alerts: the confirmation email could not be sent")
        form.form_errors.append(
            "The confirmation email could not be sent just now. Nothing was kept; please try "
            "again later."
        )
        page = render_template("alerts/subscribe.html", mail_configured=True, **context)
        return page, 503, {"Retry-After": "60"}
    # The same page whatever the address: known, new, or following this already.
    page = render_template("alerts/check_inbox.html", target=target, back=context["back"])
    return page, 200, {}


# -- the links in messages ----------------------------------------------------------------------

_LINK_STATUS = {"invalid": 404, "gone": 410, "expired": 410}


def _link_problem(problem: LinkProblem, what: str) -> PageResult:
    if problem.reason == "expired":
        message = (
            f"This {what} link has expired. Follow the item again to get a new one: nothing was "
            "kept of the earlier request."
        )
    elif problem.reason == "gone":
        message = (
            f"This {what} link names nothing any more: the subscription was removed (by "
            "unsubscribing, or because it was never confirmed in time)."
        )
    else:
        message = f"This {what} link is not valid. Check that it was copied whole."
    page = render_template("alerts/message.html", title="This link does not work", message=message)
    return page, _LINK_STATUS[problem.reason], {"Cache-Control": PRIVATE}


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token: str) -> PageResult | Response:
    """GET: what will be confirmed, and a button (or that it is confirmed); POST (the
    button): confirmed, then back to the GET, which says so."""
    session, config = get_session(), current_app.config
    form = ConfirmForm()
    try:
        if request.method == "POST":
            if not form.validate():
                abort(400, description="The form expired. Open the link again.")
            subscription, now_confirmed = subscriptions.confirm(session, config, token)
            if now_confirmed:
                how = subscriptions.FREQUENCY_LABELS[subscription.frequency].lower()
                flash(f"Alerts confirmed: {subscription.label}, {how}.", "success")
            else:
                flash("This link was used already: nothing has changed.", "success")
            return see_other(url_for("alerts.confirm", token=token))
        subscription = subscriptions.confirmation(session, config, token)
    except LinkProblem as problem:
        return _link_problem(problem, "confirmation")
    page = render_template("alerts/confirm.html", subscription=subscription, form=form)
    return page, 200, {"Cache-Control": PRIVATE}


def _one_click() -> bool:
    """A mail client's one-click unsubscribe (RFC 8058): answered with the page itself, as it
    may not follow a redirect; the button on our page is answered the usual way (303)."""
    return request.form.get("List-Unsubscribe") == "One-Click"


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
@public
@authorized_by_link
def unsubscribe(token: str) -> PageResult | Response:
    """GET: a page with a button; POST: unsubscribed (the button, or a mail client's
    one-click POST, RFC 8058)."""
    session, config = get_session(), current_app.config
    try:
        if request.method == "POST":
            label = subscriptions.unsubscribe(session, config, token)
            if not _one_click():
                flash(f"Unsubscribed: you will get no more email about {label}.", "success")
                return see_other(url_for("home.index"))
            page = render_template("alerts/unsubscribed.html", labels=[label])
            return page, 200, {"Cache-Control": PRIVATE}
        subscription = subscriptions.unsubscription(session, config, token)
    except LinkProblem as problem:
        if problem.reason == "gone":
            page = render_template("alerts/unsubscribed.html", labels=[], already=True)
            return page, 200, {"Cache-Control": PRIVATE}
        return _link_problem(problem, "unsubscribe")
    page = render_template(
        "alerts/unsubscribe.html",
        labels=[subscription.label],
        action=url_for("alerts.unsubscribe", token=token),
        every=False,
    )
    return page, 200, {"Cache-Control": PRIVATE}


@bp.route("/alerts/unsubscribe-all/<token>", methods=["GET", "POST"])
@public
@authorized_by_link
def unsubscribe_all(token: str) -> PageResult | Response:
    """GET: everything the address follows, and a button; POST: all of it stopped and the
    address deleted."""
    session, config = get_session(), current_app.config
    try:
        if request.method == "POST":
            gone = subscriptions.unsubscribe_all(session, config, token)
            if not _one_click():
                flash(
                    f"Unsubscribed: all email alerts to this address are stopped ({gone}), and "
                    "the address is deleted.",
                    "success",
                )
                return see_other(url_for("home.index"))
            page = render_template("alerts/unsubscribed.html", labels=[], count=gone, every=True)
            return page, 200, {"Cache-Control": PRIVATE}
        recipient = subscriptions.recipient_for_all(session, config, token)
    except LinkProblem as problem:
        if problem.reason == "gone":
            page = render_template("alerts/unsubscribed.html", labels=[], already=True)
            return page, 200, {"Cache-Control": PRIVATE}
        return _link_problem(problem, "unsubscribe")
    labels = [s.label for s in recipient.subscriptions if s.channel == "email"]
    page = render_template(
        "alerts/unsubscribe.html",
        labels=labels,
        action=url_for("alerts.unsubscribe_all", token=token),
        every=True,
    )
    return page, 200, {"Cache-Control": PRIVATE}


# -- /account/alerts ----------------------------------------------------------------------------


def _settings_form(subscription: Any, formdata: Any = None) -> AlertSettingsForm:
    form = AlertSettingsForm(formdata=formdata, prefix=f"s{subscription.id}")
    if formdata is None:
        form.frequency.data = subscription.frequency
        form.due_days.data = subscription.due_days
    return form


def _manage_page(user: User, edited: AlertSettingsForm | None = None, edited_id: int = 0) -> str:
    rows = []
    for subscription in subscriptions.subscriptions_of(get_session(), user):
        form = edited if edited is not None and subscription.id == edited_id else None
        rows.append((subscription, form or _settings_form(subscription)))
    return render_template("alerts/manage.html", rows=rows, user=user)


@bp.get("/account/alerts")
def manage() -> PageResult:
    """What the signed-in user follows: how often, how far ahead, and stop following."""
    return _manage_page(g.user), 200, {"Cache-Control": PRIVATE}


@bp.post("/account/alerts/<int:subscription_id>")
@signed_in_may_post
def change(subscription_id: int) -> Response | PageResult:
    session, user = get_session(), g.user
    subscription = subscriptions.own_subscription(session, user, subscription_id)
    if subscription is None:
        abort(404)
    form = _settings_form(subscription, request.form)
    if not form.validate():
        return _manage_page(user, form, subscription.id), 422, {"Cache-Control": PRIVATE}
    subscriptions.change(session, subscription, form.frequency.data, int(form.due_days.data))
    how = subscriptions.FREQUENCY_LABELS[subscription.frequency].lower()
    flash(f"Saved: {subscription.label}, {how}.", "success")
    return see_other(url_for("alerts.manage"))


@bp.post("/account/alerts/<int:subscription_id>/remove")
@signed_in_may_post
def remove(subscription_id: int) -> Response:
    session = get_session()
    subscription = subscriptions.own_subscription(session, g.user, subscription_id)
    if subscription is None:
        abort(404)
    label = subscriptions.remove(session, subscription)
    flash(f"You no longer follow {label}.", "success")
    return see_other(url_for("alerts.manage"))
