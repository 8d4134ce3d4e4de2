"""The read endpoints of the JSON API (/api/v1/): thin views over the same services as the pages.

Lists share one envelope: ``items``, ``total``, ``page``, ``size`` and ``links`` (``self``,
``next``, ``prev``: absolute URLs, null at either end). Filters are the pages' query parameters,
checked strictly: an unknown value is a 400 that names it, not an empty result.

Who sees what: the API never reads the session cookie. An anonymous caller sees public records
only; a caller with a working API token (tracker.api.auth) sees internal ones too, as its user
does when signed in: the request's viewpoint (tracker.http.access.viewpoint) follows the token
here, never the browser session. The write endpoints are in tracker.api.writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for

from tracker import vocab
from tracker.api import openapi, serializers
from tracker.api.auth import authenticate_request
from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, reader, viewpoint
from tracker.http.links import external_url
from tracker.services import search
from tracker.services.deletions import deleted_since
from tracker.services.events import get_event, page_events
from tracker.services.facets import measure_facets
from tracker.services.measures import get_measure, page_measures
from tracker.services.organizations import (
    get_organization,
    get_person,
    page_organizations,
    page_people,
)
from tracker.services.statements import get_statement, page_statements
from tracker.viewpoint import Viewpoint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DEFAULT_SIZE = 50
MAX_SIZE = 100


bp.before_request(authenticate_request)


# Endpoints that show no day read the request's reader without its day (access.reader): they
# never read ?as_of, and a malformed one is no concern of theirs, as it never was.


def _link(page: int) -> str:
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    assert request.endpoint is not None
    return external_url(url_for(request.endpoint, **(request.view_args or {}), **args))


def envelope(items: list[Any], total: int, page: int, size: int, **extra: Any) -> Response:
    """The list envelope every list endpoint answers with."""
    pages = max(1, -(-total // size))
    return jsonify(
        {
            "items": items,
            "total": total,
            "page": page,
            "size": size,
            "links": {
                "self": _link(page),
                "next": _link(page + 1) if page < pages else None,
                "prev": _link(min(page - 1, pages)) if page > 1 else None,
            },
            **extra,
        }
    )


def _codes(name: str, allowed: Any) -> tuple[str, ...]:
    values = []
    for raw in request.args.getlist(name):
        for value in raw.split(","):
            value = value.strip()
            if value and value not in allowed:
                abort(400, description=f'{name}: "{value}" is not one of the known codes.')
            if value:
                values.append(value)
    return tuple(dict.fromkeys(values))


def _flag(name: str) -> bool:
    value = request.args.get(name, "false").strip().lower()
    if value not in {"true", "false", "1", "0"}:
        abort(400, description=f'{name}: write true or false, not "{value}".')
    return value in {"true", "1"}


def _updated_since() -> dt.datetime | None:
    """``?updated_since=`` as an aware moment: an ISO 8601 date-time (UTC when it names no
    offset) or a day (its start, UTC); a malformed one is a 400 that says what to write."""
    raw = request.args.get("updated_since", "").strip()
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace(" ", "+"))  # "+" arrives as a space
    except ValueError:
        abort(
            400,
            description=f'updated_since: "{raw}" is not a date-time; write it as ISO 8601, '
            "e.g. 2026-11-28T09:30:00Z.",
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _by_update() -> bool:
    """``?sort=updated``: oldest change first, then by id (a stable order to sync by)."""
    value = request.args.get("sort", "").strip()
    if value not in ("", "updated"):
        abort(400, description=f'sort: "{value}" is not a known order; use sort=updated.')
    return value == "updated"


def _sync_extra(record_type: str, since: dt.datetime | None, view: Viewpoint) -> dict[str, Any]:
    """What a list adds for ``updated_since``: the moment, echoed, and what was deleted since."""
    if since is None:
        return {}
    gone = deleted_since(get_session(), record_type, since, view)
    return {
        "updated_since": since.isoformat(),
        "deleted": [
            {
                "id": item.record_id,
                "slug": item.slug,
                "deleted_at": item.deleted_at.replace(tzinfo=dt.UTC).isoformat(),
                "merged": item.merged,
            }
            for item in gone
        ],
    }


def _facets_json(facets: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": facet.name,
            "label": facet.label,
            "values": [
                {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                for v in facet.values
            ],
        }
        for facet in facets
    ]


@bp.get("/")
@public
def index() -> Response:
    """Where everything is."""
    names = ("measures", "events", "statements", "organizations", "people", "search", "openapi")
    return jsonify({name: external_url(url_for(f"api.{name}")) for name in names})


@bp.get("/openapi.json", endpoint="openapi")
@public
def openapi_document() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi.document(current_app.config["API_RECORD_LIMITS"]))


@bp.get("/measures")
@public
def measures() -> Response:
    session = get_session()
    view = viewpoint()
    filters = params.measure_filters(strict=True)
    page, size = params.page(DEFAULT_SIZE, MAX_SIZE)
    since = _updated_since()
    found = page_measures(
        session, filters, view, page, size, changed_since=since, by_update=_by_update()
    )
    extra: dict[str, Any] = {"as_of": view.as_of.isoformat(), **_sync_extra("measure", since, view)}
    if _flag("facets"):
        extra["facets"] = _facets_json(measure_facets(session, filters, view))
    items = [serializers.measure(row.measure, row.status) for row in found.rows]
    return envelope(items, found.total, page, size, **extra)


@bp.get("/measures/<slug>")
@public
def measure(slug: str) -> Response:
    view = viewpoint()
    found = get_measure(get_session(), slug, view)
    if found is None:
        abort(404, description=f'No measure "{slug}".')
    return jsonify(serializers.measure_detail(found, view))


@bp.get("/events")
@public
def events() -> Response:
    view = viewpoint()
    filters = params.measure_filters(strict=True)
    page, size = params.page(DEFAULT_SIZE, MAX_SIZE)
    since = _updated_since()
    found = page_events(
        get_session(),
        filters,
        view,
        types=_codes("type", vocab.EVENT_TYPES),
        measure=request.args.get("measure", "").strip() or None,
        page=page,
        size=size,
        changed_since=since,
        by_update=_by_update(),
    )
    items = [serializers.event(e) for e in found.items]
    extra = _sync_extra("event", since, view)
    return envelope(items, found.total, page, size, as_of=view.as_of.isoformat(), **extra)


@bp.get("/events/<int:event_id>")
@public
def event(event_id: int) -> Response:
    found = _found(get_event(get_session(), event_id, reader()), f"No event {event_id}.")
    return jsonify(serializers.event(found))


@bp.get("/statements")
@public
def statements() -> Response:
    view = viewpoint()
    filters = params.measure_filters(strict=True)
    page, size = params.page(DEFAULT_SIZE, MAX_SIZE)
    since = _updated_since()
    found = page_statements(
        get_session(),
        filters,
        view,
        organization=request.args.get("organization", "").strip() or None,
        stances=_codes("stance", vocab.STANCES),
        page=page,
        size=size,
        changed_since=since,
        by_update=_by_update(),
    )
    items = [serializers.statement(s, view) for s in found.items]
    extra = _sync_extra("statement", since, view)
    return envelope(items, found.total, page, size, as_of=view.as_of.isoformat(), **extra)


@bp.get("/statements/<slug>")
@public
def statement(slug: str) -> Response:
    view = reader()
    found = _found(get_statement(get_session(), slug, view), f'No statement "{slug}".')
    return jsonify(serializers.statement(found, view))


def _paged(pager: Callable[..., Any], serialize: Callable[[Any, Viewpoint], Any]) -> Response:
    """A list that shows no day: one page of what ``pager`` finds for the reader."""
    page, size = params.page(DEFAULT_SIZE, MAX_SIZE)
    view = reader()
    found = pager(get_session(), view, page, size)
    return envelope([serialize(item, view) for item in found.items], found.total, page, size)


def _found(record: Any, missing: str) -> Any:
    if record is None:
        abort(404, description=missing)
    return record


@bp.get("/organizations")
@public
def organizations() -> Response:
    return _paged(page_organizations, serializers.organization)


@bp.get("/organizations/<slug>")
@public
def organization(slug: str) -> Response:
    view = reader()
    found = _found(get_organization(get_session(), slug, view), f'No organization "{slug}".')
    data = serializers.organization(found, view)
    data["people"] = [serializers.person_ref(p) for p in view.only_seen(list(found.people))]
    return jsonify(data)


@bp.get("/people")
@public
def people() -> Response:
    return _paged(page_people, serializers.person)


@bp.get("/people/<slug>")
@public
def person(slug: str) -> Response:
    view = reader()
    found = _found(get_person(get_session(), slug, view), f'No person "{slug}".')
    return jsonify(serializers.person(found, view))


@bp.get("/search", endpoint="search")
@public
def search_records() -> Response:
    text = request.args.get("q", "").strip()
    if not text:
        abort(400, description="q: say what to search for, e.g. q=foreign agents.")
    scope = _codes("scope", search.KINDS)
    filters = params.measure_filters(strict=True)
    page, size = params.page(10 if not scope else DEFAULT_SIZE, MAX_SIZE)
    view = reader()
    session = get_session()
    results = search.search(
        session,
        text,
        filters,
        view,
        kinds=[k for k in search.KINDS if not scope or k in scope],
        limit=size,
        offset=(page - 1) * size,
    )
    largest = max((group.total for group in results.groups), default=0)
    pages = max(1, -(-largest // size))
    return jsonify(
        {
            "query": text[: search.MAX_QUERY_LENGTH],
            "total": results.total,
            "page": page,
            "size": size,
            "groups": [serializers.group(g, view) for g in results.groups],
            "links": {
                "self": _link(page),
                "next": _link(page + 1) if page < pages else None,
                "prev": _link(min(page - 1, pages)) if page > 1 else None,
            },
        }
    )
