"""The JSON a webhook delivery carries: what one subscription was told this round, each change
with its records in the API's shapes (tracker.api.serializers; the parts without addresses come
from tracker.exports.record_json, the addresses from the links handed to the round)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker import vocab
from tracker.alerts.changes import Item
from tracker.alerts.digest import describe
from tracker.alerts.links import AlertLinks
from tracker.domain import kinds
from tracker.exports.links import event_link
from tracker.exports.record_json import measure_fields, partial_date, plain, source, status
from tracker.models import AlertSubscription, Event, Measure, Relation, Statement
from tracker.viewpoint import Viewpoint

Json = dict[str, Any]

FORMAT = "tracker-alert"
VERSION = 1


def measure_ref(value: Measure, links: AlertLinks) -> Json:
    return {
        "slug": value.slug,
        "title": value.title,
        "country": value.country,
        "html_url": links.measure(value.slug),
    }


def measure(value: Measure, links: AlertLinks) -> Json:
    return {
        "slug": value.slug,
        "html_url": links.measure(value.slug),
        **measure_fields(value),
    }


def event(value: Event, links: AlertLinks) -> Json:
    votes = None
    if value.has_votes:
        votes = {
            "for": value.votes_for,
            "against": value.votes_against,
            "abstain": value.votes_abstain,
        }
    return {
        "id": value.id,
        "html_url": event_link(links.measure(value.measure.slug), value.id),
        "type": value.type,
        "type_label": value.type_label,
        "date": partial_date(value.date),
        "end_date": partial_date(value.end_date),
        **plain(value, kinds.EVENT),
        "votes": votes,
        "sources": [source(s) for s in value.sources],
        "version": value.version,
        "measure": measure_ref(value.measure, links),
    }


def statement(value: Statement, links: AlertLinks, view: Viewpoint) -> Json:
    speaker = view.shown(value.speaker)
    return {
        "slug": value.slug,
        "html_url": links.statement(value.slug),
        "title": value.title,
        "date": partial_date(value.date),
        "organization": {"slug": value.organization.slug, "name": value.organization.name},
        "speaker": {"slug": speaker.slug, "name": speaker.name} if speaker else None,
        "type": value.type,
        "stance": value.stance,
        "url": value.url,
        "measures": [measure_ref(m, links) for m in value.measures if view.sees(m)],
        "visibility": value.visibility,
        "version": value.version,
    }


def relation(value: Relation, links: AlertLinks) -> Json:
    return {
        "type": value.type,
        "type_label": vocab.RELATION_TYPES[value.type].label,
        "subject": measure_ref(value.subject, links),
        "object": measure_ref(value.object, links),
        "note": value.note,
    }


def change(item: Item, links: AlertLinks, view: Viewpoint) -> Json:
    """One change: its kind, a sentence for people, and the records it is about."""
    line = describe(item, links)
    data: Json = {"kind": item.kind, "summary": line.headline, "html_url": line.url}
    if item.measure is not None and item.kind in ("status", "measure"):
        data["measure"] = measure(item.measure, links)
    elif item.measure is not None:
        data["measure"] = measure_ref(item.measure, links)
    if item.kind == "status" and item.old is not None and item.new is not None:
        data["old_status"] = status(item.old)
        data["new_status"] = status(item.new)
    if item.event is not None:
        data["event"] = event(item.event, links)
    if item.statement is not None:
        data["statement"] = statement(item.statement, links, view)
    if item.relation is not None:
        data["relation"] = relation(item.relation, links)
    if item.day is not None and item.kind == "due":
        data["due"] = item.day.isoformat()
    if item.revision is not None:
        data["revision"] = {
            "id": item.revision.id,
            "record_type": item.revision.record_type,
            "record_id": item.revision.record_id,
            "action": item.revision.action,
            "label": item.revision.record_label,
            "by": item.revision.actor_label,
        }
    return data


def webhook_body(
    subscription: AlertSubscription,
    items: list[Item],
    links: AlertLinks,
    view: Viewpoint,
    as_of: dt.date,
    delivery_id: str,
) -> Json:
    """The whole delivery (the outbox row's body)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "delivery_id": delivery_id,
        "as_of": as_of.isoformat(),
        "subscription": {
            "id": subscription.id,
            "target_kind": subscription.target_kind,
            "target": subscription.target,
            "label": subscription.label,
        },
        "changes": [change(item, links, view) for item in items],
    }
