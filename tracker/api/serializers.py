"""JSON shapes of the records, in the API layer (models know nothing of JSON or URLs).

Every shape here is described by the OpenAPI document (tracker.api.openapi); the schemathesis
test checks that real responses match it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, url_for

from tracker import vocab
from tracker.api.errors import external_url
from tracker.countries import country_name
from tracker.dates import PartialDate
from tracker.models import Event, Measure, Organization, Person, Source, Statement
from tracker.services.measures import MeasureView, RelationView
from tracker.services.search import Group, Hit
from tracker.status import Axis, Status

Json = dict[str, Any]

_SLUG = "0slug0"  # a stand-in that no URL building changes (slugs are [a-z0-9-])


def _url(endpoint: str, slug: str) -> str:
    """The absolute URL of a record page: built once per request and endpoint through the URL
    map, then filled in; a list of fifty measures needs a hundred of them."""
    templates: dict[str, str] = g.setdefault("api_url_templates", {})
    template = templates.get(endpoint)
    if template is None:
        template = templates[endpoint] = external_url(url_for(endpoint, slug=_SLUG))
    return template.replace(_SLUG, slug)


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


def source(value: Source) -> Json:
    return {
        "url": value.url,
        "title": value.title,
        "publisher": value.publisher,
        "published": partial_date(value.published),
        "archived_url": value.archived_url,
    }


def axis(value: Axis | None) -> Json | None:
    if value is None:
        return None
    return {
        "code": value.code,
        "label": value.label,
        "explanation": value.explanation,
        "since": value.since.isoformat() if value.since else None,
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


def measure_ref(value: Measure) -> Json:
    return {
        "slug": value.slug,
        "title": value.title,
        "country": value.country,
        "url": _url("api.measure", value.slug),
    }


def measure(value: Measure, state: Status | None = None) -> Json:
    data: Json = {
        "slug": value.slug,
        "url": _url("api.measure", value.slug),
        "html_url": _url("measures.show", value.slug),
        "country": value.country,
        "country_name": country_name(value.country),
        "kind": value.kind,
        "kind_label": vocab.MEASURE_KINDS.get(value.kind, value.kind),
        "title": value.title,
        "original_title": value.original_title,
        "original_language": value.original_language,
        "popular_names": list(value.popular_names or []),
        "identifier": value.identifier,
        "topics": [topic.slug for topic in value.topics],
        "visibility": value.visibility,
        "version": value.version,
    }
    if state is not None:
        data["status"] = status(state)
    return data


def event(value: Event, with_measure: bool = True) -> Json:
    votes = None
    if value.has_votes:
        votes = {
            "for": value.votes_for,
            "against": value.votes_against,
            "abstain": value.votes_abstain,
        }
    data: Json = {
        "id": value.id,
        "type": value.type,
        "type_label": value.type_label,
        "date": partial_date(value.date),
        "end_date": partial_date(value.end_date),
        "actor": value.actor,
        "description": value.description,
        "votes": votes,
        "sources": [source(s) for s in value.sources],
        "version": value.version,
    }
    if with_measure:
        data["measure"] = measure_ref(value.measure)
    return data


def organization_ref(value: Organization) -> Json:
    return {
        "slug": value.slug,
        "name": value.name,
        "url": _url("api.organization", value.slug),
    }


def person_ref(value: Person) -> Json:
    return {
        "slug": value.slug,
        "name": value.name,
        "url": _url("api.person", value.slug),
    }


def statement(value: Statement, include_internal: bool) -> Json:
    reacts = value.reacts_to
    visible = [m for m in value.measures if include_internal or m.is_public]
    return {
        "slug": value.slug,
        "url": _url("api.statement", value.slug),
        "html_url": _url("statements.show", value.slug),
        "title": value.title,
        "date": partial_date(value.date),
        "type": value.type,
        "stance": value.stance,
        "asks": list(value.asks or []),
        "link": value.url,
        "summary": value.summary,
        "organization": organization_ref(value.organization),
        "signatories": [organization_ref(o) for o in value.signatories],
        "speaker": person_ref(value.speaker) if value.speaker else None,
        "quotes": [
            {"text": q.text, "speaker": person_ref(q.speaker) if q.speaker else None}
            for q in value.quotes
        ],
        "measures": [measure_ref(m) for m in visible],
        "reacts_to": (
            {
                "measure": measure_ref(reacts.measure),
                "type": reacts.type,
                "date": partial_date(reacts.date),
            }
            if reacts is not None and (include_internal or reacts.measure.is_public)
            else None
        ),
        "visibility": value.visibility,
        "sources": [source(s) for s in value.sources],
        "version": value.version,
    }


def relation(view: RelationView) -> Json:
    kind = vocab.RELATION_TYPES[view.relation.type]
    return {
        "type": view.relation.type,
        "direction": "incoming" if view.inverse else "outgoing",
        "label": kind.inverse if view.inverse else kind.label,
        "measure": measure_ref(view.other),
        "note": view.relation.note,
    }


def measure_detail(view: MeasureView, include_internal: bool) -> Json:
    data = measure(view.measure, view.status)
    data.update(
        {
            "originating_body": view.measure.originating_body,
            "summary": view.measure.summary,
            "sources": [source(s) for s in view.measure.sources],
            "events": [event(e, with_measure=False) for e in view.events],
            "hidden_events": view.hidden_events,
            "relations": [relation(r) for r in view.relations],
            "statements": [statement(s, include_internal) for s in view.statements],
            "hidden_statements": view.hidden_statements,
        }
    )
    return data


def organization(value: Organization) -> Json:
    return {
        **organization_ref(value),
        "html_url": _url("organizations.show", value.slug),
        "acronym": value.acronym,
        "kind": value.kind,
        "country": value.country,
        "website": value.url,
    }


def person(value: Person, organization: Organization | None) -> Json:
    """A person, with the organization the reader may see (statements.organization_of)."""
    return {
        **person_ref(value),
        "html_url": _url("organizations.person", value.slug),
        "role": value.role,
        "organization": organization_ref(organization) if organization else None,
    }


OrganizationOf = Callable[[Person], Organization | None]
"""A person's organization as the reader may see it (statements.organization_of)."""


def hit(value: Hit, include_internal: bool, organization_of: OrganizationOf) -> Json:
    record = value.record
    shape: Json
    if value.kind == "measures":
        shape = measure(record)
    elif value.kind == "events":
        shape = event(record)
    elif value.kind == "statements":
        shape = statement(record, include_internal)
    elif value.kind == "organizations":
        shape = organization(record)
    else:
        shape = person(record, organization_of(record))
    return {
        "kind": value.kind,
        "rank": value.rank,
        "title_html": str(value.title) if value.title is not None else None,
        "snippet_html": str(value.snippet),
        "record": shape,
    }


def group(value: Group, include_internal: bool, organization_of: OrganizationOf) -> Json:
    return {
        "kind": value.kind,
        "label": value.label,
        "total": value.total,
        "total_is_lower_bound": value.capped,
        "items": [hit(h, include_internal, organization_of) for h in value.hits],
    }
