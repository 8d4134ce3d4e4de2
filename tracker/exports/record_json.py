"""The JSON shapes of record parts that need no address: partial dates, plain fields,
sources, statuses. The API (tracker.api.serializers) and alert webhooks (tracker.alerts) both
write them, so they live below both."""

from __future__ import annotations

from typing import Any

from tracker import vocab
from tracker.countries import country_name
from tracker.dates import PartialDate
from tracker.domain import kinds
from tracker.domain.kinds import Kind
from tracker.models import Measure, Source
from tracker.status import Axis, Status

Json = dict[str, Any]


def partial_date(value: PartialDate | None) -> Json | None:
    if value is None:
        return None
    return {
        "iso": value.iso,
        "approximate": value.approximate,
        "precision": str(value.precision),
        "start": value.start.isoformat(),
        "end": value.end.isoformat(),
        "text": value.format(),
    }


def plain(value: object, kind: Kind, *, listed: bool = True) -> Json:
    """A record's plain fields (tracker.domain.kinds) as the API names them: those shown
    wherever it is listed, or (``listed=False``) the ones its detail adds."""
    return {
        f.api_name or f.name: getattr(value, f.name)
        for f in kind.public_plain_fields
        if f.listed == listed
    }


def measure_fields(value: Measure) -> Json:
    """A measure's own fields as the API and webhooks show them (each adds its addresses)."""
    return {
        "country": value.country,
        "country_name": country_name(value.country),
        "kind": value.kind,
        "kind_label": vocab.MEASURE_KINDS.get(value.kind, value.kind),
        **plain(value, kinds.MEASURE),
        "popular_names": list(value.popular_names or []),
        "topics": [topic.slug for topic in value.topics],
        "visibility": value.visibility,
        "version": value.version,
    }


def source(value: Source) -> Json:
    return {**plain(value, kinds.SOURCE), "published": partial_date(value.published)}


def axis(value: Axis | None) -> Json | None:
    if value is None:
        return None
    return {
        "code": value.code,
        "label": value.label,
        "explanation": value.explanation,
        "since": value.since_date.iso if value.since_date else None,
    }


def status(value: Status) -> Json:
    return {
        "as_of": value.as_of.isoformat(),
        "state": value.state,
        "state_label": vocab.STATES.get(value.state, value.state),
        "headline": value.headline,
        "explanation": value.explanation,
        "stage": axis(value.stage),
        "outcome": axis(value.outcome),
        "force": axis(value.force),
        "term_end": value.term_end.isoformat() if value.term_end else None,
        "last_event_date": partial_date(value.last_event_date),
        "events_counted": value.events_counted,
    }
