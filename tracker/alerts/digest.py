"""One email per address per round: what each followed thing told, grouped, in plain text and
HTML (the templates under templates/alerts/email/), with permalinks, the as-of day, an
unsubscribe link per subscription and one for everything, and the RFC 8058 headers.

No tracking pixel and no redirecting link: every address goes straight to the tracker's page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import render_template

from tracker import vocab
from tracker.alerts import tokens
from tracker.alerts.changes import Item
from tracker.alerts.links import AlertLinks
from tracker.countries import country_name
from tracker.exports.links import event_link
from tracker.models import AlertRecipient, AlertSubscription
from tracker.status import Status

SUBJECT_LIMIT = 300  # alert_outbox.subject


@dataclass(frozen=True, slots=True)
class Line:
    """One item as a reader sees it: what happened, why it matters, where to read it."""

    headline: str
    detail: str | None
    url: str


@dataclass(frozen=True, slots=True)
class Group:
    """What one subscription told."""

    label: str
    url: str
    lines: list[Line]
    unsubscribe_url: str


def _axes(old: Status, new: Status) -> list[str]:
    changed = []
    if old.stage != new.stage and (old.stage and old.stage.code) != (new.stage and new.stage.code):
        changed.append(
            f"Stage: {old.stage.label if old.stage else 'none'} → "
            f"{new.stage.label if new.stage else 'none'}"
        )
    if old.outcome.code != new.outcome.code:
        changed.append(f"Outcome: {old.outcome.label} → {new.outcome.label}")
    if old.force.code != new.force.code:
        changed.append(f"Legal force: {old.force.label} → {new.force.label}")
    return changed


def describe(item: Item, links: AlertLinks) -> Line:
    """The words and the link of one item."""
    measure = item.measure
    title = measure.display_title if measure is not None else ""
    page = links.measure(measure.slug) if measure is not None else links.home()
    if item.kind == "status":
        assert item.old is not None
        assert item.new is not None
        changes = "; ".join(_axes(item.old, item.new))
        return Line(
            f"{title}: {item.old.headline} → {item.new.headline}",
            f"{changes}. {item.new.explanation}",
            page,
        )
    if item.kind == "measure":
        assert measure is not None
        kind = vocab.MEASURE_KINDS.get(measure.kind, measure.kind)
        return Line(f"New: {title}", f"{kind}, {country_name(measure.country)}", page)
    if item.kind == "relation":
        relation = item.relation
        assert relation is not None
        words = vocab.RELATION_TYPES[relation.type].label.lower()
        return Line(
            f"{relation.subject.display_title} {words} {relation.object.display_title}",
            relation.note,
            links.measure(relation.subject.slug),
        )
    if item.kind in ("event", "today", "due") and item.event is not None:
        event = item.event
        url = event_link(page, event.id)
        what = f"{event.type_label}, {event.date.format()}"
        if item.kind == "event":
            return Line(f"{title}: {what}", event.description, url)
        if item.kind == "today":
            return Line(f"{title}: {what} (its day has come)", event.description, url)
        return Line(f"{title}: coming up, {what}", event.description, url)
    if item.kind == "due":
        assert item.day is not None
        return Line(
            f"{title}: in force until {item.day.strftime('%-d %B %Y')} unless extended",
            None,
            page,
        )
    if item.kind == "statement":
        statement = item.statement
        assert statement is not None
        return Line(
            f"{statement.organization.name}: {statement.title}",
            f"{statement.date.format()}",
            links.statement(statement.slug),
        )
    revision = item.revision
    assert revision is not None
    action = {"create": "created", "delete": "deleted", "restore": "restored"}.get(
        revision.action, "changed"
    )
    return Line(
        f"{revision.actor_label} {action} {revision.record_label}",
        revision.reason,
        links.history(revision.record_type, revision.record_id),
    )


def followed_url(subscription: AlertSubscription, links: AlertLinks) -> str:
    """The page of what a subscription follows."""
    kind, target = subscription.target_kind, subscription.target
    if kind in ("measure", "lineage"):
        return links.measure(target)
    if kind == "country":
        return links.country(target.upper())
    if kind == "organization":
        return links.organization(target)
    if kind == "search":
        return links.listing(target)
    if kind == "mine":
        return links.manage()
    return links.home()


@dataclass(frozen=True, slots=True)
class Digest:
    """A composed email: what goes into the outbox row."""

    subject: str
    text: str
    html: str
    headers: dict[str, str]

    def body(self) -> dict[str, Any]:
        return {"text": self.text, "html": self.html, "headers": self.headers}


def subject_line(site: str, lines: Sequence[Line]) -> str:
    """Says what changed: the first (most consequential) item, and how many more."""
    first = lines[0].headline
    more = len(lines) - 1
    subject = f"{site}: {first}" + (f" (and {more} more)" if more else "")
    if len(subject) > SUBJECT_LIMIT:
        subject = subject[: SUBJECT_LIMIT - 1] + "…"
    return subject


def compose(
    config: Mapping[str, Any],
    links: AlertLinks,
    recipient: AlertRecipient,
    told: Sequence[tuple[AlertSubscription, Sequence[Item]]],
    as_of: dt.date,
    described: dict[int, Line] | None = None,
) -> Digest:
    """The one email of a recipient this round. ``described`` keeps the lines of items already
    put into words: one change followed by a thousand subscribers is described once."""
    secret = str(config["SECRET_KEY"])
    lines: dict[int, Line] = {} if described is None else described

    def line(item: Item) -> Line:
        found = lines.get(id(item))
        if found is None:
            found = lines[id(item)] = describe(item, links)
        return found

    groups = [
        Group(
            label=subscription.label,
            url=followed_url(subscription, links),
            lines=[line(item) for item in items],
            unsubscribe_url=links.unsubscribe(
                tokens.make(secret, "unsubscribe", recipient, subscription)
            ),
        )
        for subscription, items in told
    ]
    everything = links.unsubscribe_all(tokens.make(secret, "unsubscribe-all", recipient))
    # One-click (RFC 8058) leaves what the header names: the one subscription a digest is
    # about, or everything when it covers several.
    one_click = groups[0].unsubscribe_url if len(groups) == 1 else everything
    site = str(config.get("SITE_NAME") or "tracker")
    context = {
        "site": site,
        "home": links.home(),
        "as_of": as_of,
        "as_of_text": as_of.strftime("%-d %B %Y"),
        "groups": groups,
        "unsubscribe_all": everything,
        "manage": links.manage() if recipient.user_id is not None else None,
    }
    return Digest(
        subject=subject_line(site, [line for group in groups for line in group.lines]),
        text=render_template("alerts/email/digest.txt", **context),
        html=render_template("alerts/email/digest.html", **context),
        headers={
            "List-Unsubscribe": f"<{one_click}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
