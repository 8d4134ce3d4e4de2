"""JSON shapes of the records, in the API layer (models know nothing of JSON or URLs).

Every shape here is described by the OpenAPI document (tracker.api.openapi); the schemathesis
test checks that real responses match it.
"""

from __future__ import annotations

from typing import Any

from flask import g, url_for

from tracker import vocab
from tracker.domain import kinds
from tracker.exports.record_json import measure_fields, partial_date, plain, source, status
from tracker.http.links import external_url
from tracker.models import Event, Measure, Organization, Person, Statement
from tracker.services.measures import MeasureView, RelationView
from tracker.services.search import Group, Hit
from tracker.status import Status
from tracker.viewpoint import Viewpoint

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
        **measure_fields(value),
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
        **plain(value, kinds.EVENT),
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


def _organization_ref(value: Organization | None, view: Viewpoint) -> Json | None:
    shown_ = view.shown(value)
    return organization_ref(shown_) if shown_ is not None else None


def _person_ref(value: Person | None, view: Viewpoint) -> Json | None:
    shown_ = view.shown(value)
    return person_ref(shown_) if shown_ is not None else None


def statement(value: Statement, view: Viewpoint) -> Json:
    """A statement; an organization or a person the caller may not see is null (a co-signatory
    is left out), as a slug names its record as surely as a name does."""
    reacts = value.reacts_to
    visible = [m for m in value.measures if view.sees(m)]
    return {
        "slug": value.slug,
        "url": _url("api.statement", value.slug),
        "html_url": _url("statements.show", value.slug),
        **plain(value, kinds.STATEMENT),
        "date": partial_date(value.date),
        "type": value.type,
        "stance": value.stance,
        "asks": list(value.asks or []),
        "organization": _organization_ref(value.organization, view),
        "signatories": [organization_ref(o) for o in value.signatories if view.sees(o)],
        "speaker": _person_ref(value.speaker, view),
        "quotes": [{"text": q.text, "speaker": _person_ref(q.speaker, view)} for q in value.quotes],
        "measures": [measure_ref(m) for m in visible],
        "reacts_to": (
            {
                "measure": measure_ref(reacts.measure),
                "type": reacts.type,
                "date": partial_date(reacts.date),
            }
            if reacts is not None and view.sees(reacts.measure)
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


def measure_detail(found: MeasureView, view: Viewpoint) -> Json:
    data = measure(found.measure, found.status)
    data.update(
        {
            **plain(found.measure, kinds.MEASURE, listed=False),
            "sources": [source(s) for s in found.measure.sources],
            "events": [event(e, with_measure=False) for e in found.events],
            "hidden_events": found.hidden_events,
            "relations": [relation(r) for r in found.relations],
            "statements": [statement(s, view) for s in found.statements],
            "hidden_statements": found.hidden_statements,
        }
    )
    if view.sees_internal:
        data["warnings"] = event_warnings(found.event_warnings)
    return data


def event_warnings(notes: dict[int, str]) -> list[Json]:
    """Notes for editors on events the status ignores ("did you mean repealed?")."""
    return [{"event_id": event_id, "message": note} for event_id, note in notes.items()]


def organization(value: Organization, view: Viewpoint) -> Json:
    data: Json = {
        **organization_ref(value),
        "html_url": _url("organizations.show", value.slug),
        **plain(value, kinds.ORGANIZATION),
        "kind": value.kind,
        "country": value.country,
    }
    if view.sees_internal:  # anonymous callers see public records only: nothing to tell them
        data["visibility"] = value.visibility
    return data


def person(value: Person, view: Viewpoint) -> Json:
    data: Json = {
        **person_ref(value),
        "html_url": _url("organizations.person", value.slug),
        **plain(value, kinds.PERSON),
        "organization": _organization_ref(value.organization, view),
    }
    if view.sees_internal:
        data["visibility"] = value.visibility
    return data


def hit(value: Hit, view: Viewpoint) -> Json:
    record = value.record
    shape: Json
    if value.kind == "measures":
        shape = measure(record)
    elif value.kind == "events":
        shape = event(record)
    elif value.kind == "statements":
        shape = statement(record, view)
    elif value.kind == "organizations":
        shape = organization(record, view)
    else:
        shape = person(record, view)
    # No score: one computed over records the caller may not see would tell of them, and
    # the order of the items says all a score would.
    return {
        "kind": value.kind,
        "title_html": str(value.title) if value.title is not None else None,
        "snippet_html": str(value.snippet),
        "record": shape,
    }


def group(value: Group, view: Viewpoint) -> Json:
    return {
        "kind": value.kind,
        "label": value.label,
        "total": value.total,
        "total_is_lower_bound": value.capped,
        "items": [hit(h, view) for h in value.hits],
    }
