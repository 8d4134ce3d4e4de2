"""The write endpoints of the JSON API: create, change and delete measures, events and
statements with a write token (tracker.api.auth), through the same services as the forms.

- Bodies are records of the interchange format (tracker.interchange.records): POST sends a whole
  record (its slug may be left out), PATCH a JSON merge patch of one. Two fields sit beside the
  record: ``reason`` (shown in the history) and, on PATCH, ``version``.
- PATCH needs the version the caller read (``version`` in the body or ``If-Match``; 428
  without); a stale one is a 409 whose error holds the record as it is now. DELETE takes
  ``If-Match`` when the caller wants the same check.
- Answers: 201 with ``Location`` and the record, 200 with the record and its new ``version``,
  204 for a deletion; problems in the one error shape, with ``details`` for a body's problems.
- Writes are rate-limited per token (Flask-Limiter, keyed on the token's prefix, never on an
  address): ``API_WRITE_RATE_LIMIT``.
- One request carries at most ``API_RECORD_LIMITS`` entries in each list of a record (a
  measure's events, a statement's quotes...; 413 beyond, before anything is read), and a
  measure's events are written in one flush: no single request holds the database for long.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from flask import Response, current_app, jsonify, request, url_for
from sqlalchemy import select

from tracker import clock
from tracker.api import serializers
from tracker.api.auth import current_token, token_required
from tracker.api.views import bp
from tracker.db import get_session
from tracker.http.json_errors import ApiError
from tracker.http.limits import limiter
from tracker.http.links import external_url
from tracker.interchange import Problem, records
from tracker.models import Event, Measure, Statement
from tracker.services.measures import event_warnings, get_measure
from tracker.services.record_data import Record
from tracker.services.saving import DeleteRefused, EditConflict, control_character, delete_record
from tracker.viewpoint import Viewpoint

JSON_TYPES = frozenset({"application/json", "application/merge-patch+json"})
MAX_REASON = 2000


def _token_key() -> str:
    token = current_token()
    # token_required runs first, so there is always a token; the fallback never shares a bucket
    # with a real one.
    return f"api-token:{token.prefix}" if token is not None else "api-token:-"


def _write_limit() -> str:
    return str(current_app.config["API_WRITE_RATE_LIMIT"])


# One budget per token across every write endpoint.
write_limit = limiter.shared_limit(
    _write_limit,
    scope="api-writes",
    key_func=_token_key,
    error_message=(
        "Too many writes with this token. Wait until Retry-After says, then go on; "
        "to load a whole dataset, use the tracker import command instead."
    ),
)


def _invalid(problems: list[Problem]) -> ApiError:
    count = len(problems)
    return ApiError(
        400,
        f"The request has {count} problem{'s' if count != 1 else ''}; nothing was saved.",
        code="invalid",
        details=[{"path": problem.path, "message": problem.message} for problem in problems],
    )


def _body() -> Any:
    """The request's JSON body (any JSON value: what it must be is checked with the record)."""
    if request.mimetype not in JSON_TYPES:
        raise ApiError(415, 'Send the body as JSON, with "Content-Type: application/json".')
    raw = request.get_data(cache=False)  # a body over MAX_CONTENT_LENGTH is a 413 here
    try:
        return json.loads(raw)
    except RecursionError:
        raise ApiError(400, "The body is not valid JSON: it is nested too deeply.") from None
    except ValueError as error:  # also bytes that are not UTF-8
        raise ApiError(400, f"The body is not valid JSON: {error}.") from None


def _within_limits(kind: str, body: Any) -> None:
    """A 413 when the body carries more than one request may (API_RECORD_LIMITS)."""
    problems = records.oversized(kind, body, current_app.config["API_RECORD_LIMITS"])
    if problems:
        first = problems[0]
        raise ApiError(
            413,
            f"This request carries more than one request may ({first.path}: {first.message}); "
            "nothing was saved. Send the record with fewer entries and add the rest in further "
            "requests (events one by one with POST /api/v1/measures/{slug}/events), or load "
            "large data on the server with the tracker import command.",
            code="too_large",
            details=[{"path": problem.path, "message": problem.message} for problem in problems],
        )


def _reason(body: Any) -> str | None:
    """Take ``reason`` out of the body: why the change is made, for the history."""
    if not isinstance(body, dict) or "reason" not in body:
        return None
    reason = body.pop("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise _invalid([Problem("reason", f"why, as text of at most {MAX_REASON} characters")])
    if isinstance(reason, str) and control_character(reason):
        raise _invalid([Problem("reason", "contains an invisible control character")])
    return reason


_IF_MATCH = re.compile(r'\s*(?:W/)?"?([0-9]{1,9})"?\s*')


def _expected_version(body: Any) -> int:
    """The version the caller read: ``version`` in the body or ``If-Match`` (428 without)."""
    from_body = body.pop("version", None) if isinstance(body, dict) else None
    if from_body is not None and (
        isinstance(from_body, bool) or not isinstance(from_body, int) or from_body < 1
    ):
        raise _invalid([Problem("version", "the record's version, a whole number from 1")])
    from_header = _if_match()
    if from_body is not None and from_header is not None and from_body != from_header:
        raise _invalid(
            [Problem("version", f"{from_body} is not the version If-Match says ({from_header})")]
        )
    version = from_body if from_body is not None else from_header
    if version is None:
        raise ApiError(
            428,
            'Say which version of the record you changed: send its "version" in the body or '
            "in an If-Match header, as the record you read shows it.",
        )
    return version


def _if_match() -> int | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    found = _IF_MATCH.fullmatch(header)
    if found is None:
        raise ApiError(400, 'If-Match: give the record\'s version, e.g. If-Match: "3".')
    return int(found.group(1))


def _record_error(error: records.InvalidRecord) -> ApiError:
    return _invalid(error.problems)


# -- answers ----------------------------------------------------------------------------------


def _writer() -> Viewpoint:
    """Who a write's answer is for: its token holder (tracker.api.auth checked the token), who
    reads internal records, today: what was saved is answered whole, whatever ``?as_of`` says."""
    return Viewpoint(clock.today(), "token")


def _measure_json(slug: str) -> dict[str, Any]:
    found = get_measure(get_session(), slug, _writer())
    assert found is not None  # just saved, in this transaction
    return serializers.measure_detail(found, _writer())


def _event_json(event: Event) -> dict[str, Any]:
    """A saved event, with a warning when the status ignores it (after enactment)."""
    notes = event_warnings(event.measure.events)
    return {
        **serializers.event(event),
        "warnings": serializers.event_warnings(
            {event.id: notes[event.id]} if event.id in notes else {}
        ),
    }


def _saved(data: dict[str, Any], status: int, location: str | None = None) -> Response:
    response = jsonify(data)
    response.status_code = status
    if location is not None:
        response.headers["Location"] = location
    return response


def _conflict(kind: str, current: dict[str, Any] | None, version: int | None) -> ApiError:
    if current is None:
        return ApiError(
            409,
            f"This {kind} was deleted after you read it; nothing was saved. "
            "Its history can bring it back.",
            current=None,
        )
    return ApiError(
        409,
        f"This {kind} was changed after you read it (it is at version {version} now); nothing "
        "was saved. Apply your change to the record below and send it with its version.",
        current=current,
    )


def _not_found(kind: str, name: object) -> ApiError:
    return ApiError(404, f'No {kind} "{name}".')


def _measure(slug: str) -> Measure:
    found = get_session().scalar(select(Measure).where(Measure.slug == slug))
    if found is None:
        raise _not_found("measure", slug)
    return found


def _event(event_id: int) -> Event:
    found = get_session().get(Event, event_id)
    if found is None:
        raise _not_found("event", event_id)
    return found


def _statement(slug: str) -> Statement:
    found = get_session().scalar(select(Statement).where(Statement.slug == slug))
    if found is None:
        raise _not_found("statement", slug)
    return found


# -- one table: what differs between the kinds the API writes --------------------------------


@dataclass(frozen=True, slots=True)
class _Kind:
    """How the endpoints of one kind find a record, name it in its address, answer with it."""

    name: str
    model: type[Measure | Event | Statement]
    find: Callable[[Any], Any]
    """The record at an address (its slug, or an event's id); a 404 when there is none."""
    key: Callable[[Any], Any]
    endpoint: str
    """The API endpoint that shows one, with ``key`` as its one argument."""
    argument: str
    answer: Callable[[Any], dict[str, Any]]
    """The record as a write answers with it."""
    current: Callable[[Any], dict[str, Any]]
    """The record as a conflict shows it (an event without its warnings)."""


MEASURE = _Kind(
    "measure",
    Measure,
    _measure,
    lambda measure: measure.slug,
    "api.measure",
    "slug",
    lambda measure: _measure_json(measure.slug),
    lambda measure: _measure_json(measure.slug),
)
EVENT = _Kind(
    "event",
    Event,
    _event,
    lambda event: event.id,
    "api.event",
    "event_id",
    _event_json,
    serializers.event,
)
STATEMENT = _Kind(
    "statement",
    Statement,
    _statement,
    lambda statement: statement.slug,
    "api.statement",
    "slug",
    lambda statement: serializers.statement(statement, _writer()),
    lambda statement: serializers.statement(statement, _writer()),
)


def _kind_conflict(kind: _Kind, record_id: int | None) -> ApiError:
    session = get_session()
    session.rollback()  # nothing of this attempt is kept
    current = cast(
        Measure | Event | Statement | None,
        session.get(kind.model, record_id) if record_id is not None else None,
    )
    if current is None:
        return _conflict(kind.name, None, None)
    return _conflict(kind.name, kind.current(current), current.version)


def _create(kind: _Kind, owner: Measure | None = None) -> Response:
    """Create a record of ``kind`` from the body (an event belongs to ``owner``)."""
    body = _body()
    _within_limits(kind.name, body)
    reason = _reason(body)
    try:
        record = records.create(get_session(), kind.name, body, owner=owner, reason=reason)
    except records.InvalidRecord as error:
        raise _record_error(error) from None
    key = kind.key(record)
    _fresh()
    location = external_url(url_for(kind.endpoint, **{kind.argument: key}))
    return _saved(kind.answer(kind.find(key)), 201, location)


def _update(kind: _Kind, key: Any) -> Response:
    """Apply the body's merge patch to the record at ``key``, read at the version it gives."""
    record = kind.find(key)
    body = _body()
    _within_limits(kind.name, body)
    version = _expected_version(body)
    reason = _reason(body)
    record_id = record.id
    try:
        records.update(
            get_session(), kind.name, record, body, expected_version=version, reason=reason
        )
    except records.InvalidRecord as error:
        raise _record_error(error) from None
    except EditConflict:
        raise _kind_conflict(kind, record_id) from None
    key = kind.key(record)  # a slug may have changed
    _fresh()
    return _saved(kind.answer(kind.find(key)), 200)


def _delete_at(kind: _Kind, key: Any) -> Response:
    record = kind.find(key)
    record_id = record.id
    return _delete(record, lambda: _kind_conflict(kind, record_id))


def _fresh() -> None:
    """Read what was just written from the database, not from the objects the saves held (a
    deleted relation can linger in a loaded collection)."""
    get_session().expire_all()


# -- measures ---------------------------------------------------------------------------------


@bp.post("/measures")
@token_required("write")
@write_limit
def create_measure() -> Response:
    """Create a measure (with its events and relations, if the record lists them)."""
    return _create(MEASURE)


@bp.patch("/measures/<slug>")
@token_required("write")
@write_limit
def update_measure(slug: str) -> Response:
    """Change a measure: a merge patch, with the version it was read at."""
    return _update(MEASURE, slug)


@bp.delete("/measures/<slug>")
@token_required("write")
@write_limit
def delete_measure(slug: str) -> Response:
    """Delete a measure with its events and relations (its history can bring it back)."""
    return _delete_at(MEASURE, slug)


# -- events -----------------------------------------------------------------------------------


@bp.post("/measures/<slug>/events")
@token_required("write")
@write_limit
def create_event(slug: str) -> Response:
    """Add an event to a measure."""
    return _create(EVENT, owner=_measure(slug))


@bp.patch("/events/<int:event_id>")
@token_required("write")
@write_limit
def update_event(event_id: int) -> Response:
    """Change an event: a merge patch, with the version it was read at."""
    return _update(EVENT, event_id)


@bp.delete("/events/<int:event_id>")
@token_required("write")
@write_limit
def delete_event(event_id: int) -> Response:
    """Delete an event."""
    return _delete_at(EVENT, event_id)


# -- statements -------------------------------------------------------------------------------


@bp.post("/statements")
@token_required("write")
@write_limit
def create_statement() -> Response:
    """Create a statement."""
    return _create(STATEMENT)


@bp.patch("/statements/<slug>")
@token_required("write")
@write_limit
def update_statement(slug: str) -> Response:
    """Change a statement: a merge patch, with the version it was read at."""
    return _update(STATEMENT, slug)


@bp.delete("/statements/<slug>")
@token_required("write")
@write_limit
def delete_statement(slug: str) -> Response:
    """Delete a statement."""
    return _delete_at(STATEMENT, slug)


# -- deleting ---------------------------------------------------------------------------------


def _delete(record: Record, conflict: Callable[[], ApiError]) -> Response:
    """Delete a record; with If-Match, only if it is still at that version."""
    reason = request.args.get("reason") or None
    if reason is not None and len(reason) > MAX_REASON:
        raise _invalid([Problem("reason", f"at most {MAX_REASON} characters")])
    try:
        delete_record(get_session(), record, expected_version=_if_match(), reason=reason)
    except EditConflict:
        raise conflict() from None
    except DeleteRefused as refused:
        raise ApiError(409, str(refused)) from None
    return Response(status=204)
