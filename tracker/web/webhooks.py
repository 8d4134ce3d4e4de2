"""Webhooks on the account's alerts pages: add one for something you follow, see its signing
secret and make a new one, read its delivery log, retry a failed delivery, send a test, remove.

Any signed-in user may have webhooks (viewers too: what they follow is what they read), and
only their owner sees or changes one: anyone else's is a 404, never a 403 that would say it
exists. The rules and the HTTP are in tracker.alerts.webhooks; "send a test" and "retry now"
wait for the endpoint with no database transaction open (see ``_attempt_outside_transaction``).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, render_template, request, url_for
from werkzeug.wrappers.response import Response
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired

from tracker import clock
from tracker.alerts import webhooks
from tracker.db import get_session, without_write_lock
from tracker.forms import TrackerForm, options
from tracker.http.access import PRIVATE, signed_in_may_post
from tracker.http.limits import limiter
from tracker.models import AlertOutboxMessage, AlertSubscription, User
from tracker.web.helpers import see_other

bp = Blueprint("webhooks", __name__)

TARGET_KIND_LABELS = {
    "measure": "Measure",
    "country": "Country",
    "topic": "Topic",
    "organization": "Organization",
    "lineage": "Modelled on",
    "search": "Saved list",
    "mine": "Records you created",
}


def _sender_key() -> str:
    user: User | None = g.get("user")
    return f"webhook-sender:{user.id}" if user is not None else "webhook-sender:-"


# "Send a test" and "retry now" make the tracker POST to an address its user chose, at once:
# a budget per account keeps that from being a way to flood someone else's server.
send_limit = limiter.shared_limit(
    "20 per minute;200 per day",
    scope="webhook-sends",
    key_func=_sender_key,
    error_message="Too many deliveries sent by hand: wait a minute, then try again.",
)


class WebhookForm(TrackerForm):
    follows = SelectField("For", validators=[InputRequired("Choose what it is for.")])
    url = StringField(
        "Endpoint",
        validators=[InputRequired("Enter the address of your endpoint, starting with https://")],
        description="An HTTPS address on the public internet, e.g. https://example.org/hooks/tracker",
    )


def _form(followed: list[AlertSubscription]) -> WebhookForm:
    form = WebhookForm()
    form.follows.choices = options(
        (str(s.id), f"{TARGET_KIND_LABELS.get(s.target_kind, s.target_kind)}: {s.label}")
        for s in followed
    )
    return form


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"))


def _own(webhook_id: int) -> AlertSubscription:
    user: User = g.user
    webhook = webhooks.webhook_of(get_session(), user.id, webhook_id)
    if webhook is None:
        abort(404)
    return webhook


def _index_page(
    form: WebhookForm, followed: list[AlertSubscription]
) -> tuple[str, int, dict[str, str]]:
    user: User = g.user
    page = render_template(
        "alerts/webhooks.html",
        form=form,
        followed=followed,
        webhooks=webhooks.webhooks_of(get_session(), user.id),
        kind_labels=TARGET_KIND_LABELS,
    )
    return page, 422 if form.errors else 200, {"Cache-Control": PRIVATE}


@bp.get("/account/alerts/webhooks")
def index() -> tuple[str, int, dict[str, str]]:
    """The user's webhooks, and the form to add one for something they follow."""
    user: User = g.user
    followed = webhooks.followed(get_session(), user.id)
    form = _form(followed)
    chosen = request.args.get("follows", "")
    if chosen and any(str(s.id) == chosen for s in followed):
        form.follows.data = chosen
    return _index_page(form, followed)


@bp.post("/account/alerts/webhooks")
@signed_in_may_post
def add() -> Response | tuple[str, int, dict[str, str]]:
    """Add a webhook: the endpoint is checked (HTTPS, public addresses only) before it is kept."""
    session = get_session()
    user: User = g.user
    followed = webhooks.followed(session, user.id)
    form = _form(followed)
    if form.validate_on_submit():
        item = next(s for s in followed if str(s.id) == form.follows.data)
        try:
            webhooks.check_url(form.url.data or "", allow_private=_allow_private())
        except webhooks.BadWebhookURL as error:
            form.url.errors = [*form.url.errors, str(error)]
        else:
            webhook = webhooks.add_webhook(session, item, form.url.data or "", clock.now())
            flash(
                "Webhook added. Copy its signing secret below into your receiver, "
                "then send a test.",
                "success",
            )
            return see_other(url_for("webhooks.show", webhook_id=webhook.id))
    return _index_page(form, followed)


@bp.get("/account/alerts/webhooks/<int:webhook_id>")
def show(webhook_id: int) -> tuple[str, int, dict[str, str]]:
    """One webhook: its endpoint, signing secret, delivery log and actions."""
    webhook = _own(webhook_id)
    page = render_template(
        "alerts/webhooks_show.html",
        webhook=webhook,
        deliveries=webhooks.deliveries(get_session(), webhook),
        may_retry=webhooks.may_retry,
        kind_labels=TARGET_KIND_LABELS,
        max_attempts=webhooks.MAX_ATTEMPTS,
        test_event=webhooks.TEST_EVENT,
        event_of=webhooks.event_of,
    )
    # The page holds the signing secret in clear.
    return page, 200, {"Cache-Control": PRIVATE}


@bp.post("/account/alerts/webhooks/<int:webhook_id>/secret")
@signed_in_may_post
def new_secret(webhook_id: int) -> Response:
    webhook = _own(webhook_id)
    webhook.webhook_secret = webhooks.new_secret()
    get_session().flush()
    flash(
        "A new signing secret is made: deliveries from now on are signed with it, "
        "so give it to your receiver now.",
        "success",
    )
    return see_other(url_for("webhooks.show", webhook_id=webhook.id))


def _attempt_outside_transaction(
    webhook: AlertSubscription, message: AlertOutboxMessage
) -> webhooks.Attempt:
    """Deliver with no transaction open: a POST takes the database's write lock (SQLite), and
    an endpoint that takes its time must not hold every other save of the tracker waiting.
    The reads are finished (committed: nothing is written yet) before the endpoint is asked."""
    session = get_session()
    url, secret = webhook.webhook_url or "", webhook.webhook_secret or ""
    delivery_id, body = message.delivery_id, dict(message.body)
    session.commit()
    now = clock.now()
    return _recorded(
        message, webhooks.attempt(current_app.config, url, secret, delivery_id, body, now)
    )


def _recorded(message: AlertOutboxMessage, result: webhooks.Attempt) -> webhooks.Attempt:
    webhooks.record(message, result, clock.now())
    session = get_session()
    session.add(message)
    session.flush()
    return result


def _say(result: webhooks.Attempt, what: str) -> None:
    if result.ok:
        flash(f"{what} delivered: your endpoint answered {result.status}.", "success")
    else:
        flash(f"{what} not delivered. {result.error}", "error")


@bp.post("/account/alerts/webhooks/<int:webhook_id>/test")
@signed_in_may_post
@without_write_lock
@send_limit
def send_test(webhook_id: int) -> Response:
    """Deliver a test payload at once, signed like any delivery; it goes in the log."""
    webhook = _own(webhook_id)
    message = webhooks.new_message(webhook, {}, "Test delivery")
    message.body = webhooks.ping_body(webhook, message.delivery_id, clock.now())
    _say(_attempt_outside_transaction(webhook, message), "Test")
    return see_other(url_for("webhooks.show", webhook_id=webhook_id))


@bp.post("/account/alerts/webhooks/<int:webhook_id>/deliveries/<int:message_id>/retry")
@signed_in_may_post
@without_write_lock
@send_limit
def retry(webhook_id: int, message_id: int) -> Response:
    """Retry a failed (or waiting) delivery now, with its own delivery id."""
    webhook = _own(webhook_id)
    message = get_session().get(AlertOutboxMessage, message_id)
    if message is None or message.subscription_id != webhook.id:
        abort(404)
    if not webhooks.may_retry(message):
        flash("That delivery is not waiting to be retried.", "error")
        return see_other(url_for("webhooks.show", webhook_id=webhook_id))
    _say(_attempt_outside_transaction(webhook, message), "Delivery")
    return see_other(url_for("webhooks.show", webhook_id=webhook_id))


@bp.post("/account/alerts/webhooks/<int:webhook_id>/remove")
@signed_in_may_post
def remove(webhook_id: int) -> Response:
    """Remove a webhook and its delivery log (the outbox rows go with it)."""
    webhook = _own(webhook_id)
    label = webhook.label
    session = get_session()
    session.delete(webhook)
    session.flush()
    flash(f"Removed the webhook for “{label}”: nothing more is sent to it.", "success")
    return see_other(url_for("webhooks.index"))
