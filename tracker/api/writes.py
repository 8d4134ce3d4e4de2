"""The write endpoints of the JSON API: create, change and delete measures, events and
statements with a write token (tracker.api.auth), through the same services as the forms.

- Bodies are records of the interchange format (tracker.services.records): POST sends a whole
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
from typing import Any

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
from tracker.interchange import Problem
from tracker.models import Event, Measure, Statement
from tracker.services import editing, records
from tracker.services.editing import DeleteRefused, EditConflict
from tracker.services.measures import event_warnings, get_measure
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
    if isinstance(reason, str) and editing.control_character(reason):
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


def _measure_conflict(measure_id: int | None) -> ApiError:
    session = get_session()
    session.rollback()  # nothing of this attempt is kept
    current = session.get(Measure, measure_id) if measure_id is not None else None
    if current is None:
        return _conflict("measure", None, None)
    return _conflict("measure", _measure_json(current.slug), current.version)


def _event_conflict(event_id: int | None) -> ApiError:
    session = get_session()
    session.rollback()
    current = session.get(Event, event_id) if event_id is not None else None
    data = serializers.event(current) if current is not None else None
    return _conflict("event", data, current.version if current is not None else None)


def _statement_conflict(statement_id: int | None) -> ApiError:
    session = get_session()
    session.rollback()
    current = session.get(Statement, statement_id) if statement_id is not None else None
    data = serializers.statement(current, _writer()) if current is not None else None
    return _conflict("statement", data, current.version if current is not None else None)


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
    body = _body()
    _within_limits("measure", body)
    reason = _reason(body)
    try:
        measure = records.create_measure(get_session(), body, reason=reason)
    except records.InvalidRecord as error:
        raise _record_error(error) from None
    slug = measure.slug
    _fresh()
    location = external_url(url_for("api.measure", slug=slug))
    return _saved(_measure_json(slug), 201, location)


@bp.patch("/measures/<slug>")
@token_required("write")
@write_limit
def update_measure(slug: str) -> Response:
    """Change a measure: a merge patch, with the version it was read at."""
    measure = _measure(slug)
    body = _body()
    _within_limits("measure", body)
    version = _expected_version(body)
    reason = _reason(body)
    measure_id = measure.id
    try:
        records.update_measure(
            get_session(), measure, body, expected_version=version, reason=reason
        )
    except records.InvalidRecord as error:
        raise _record_error(error) from None
    except EditConflict:
        raise _measure_conflict(measure_id) from None
    slug = measure.slug
    _fresh()
    return _saved(_measure_json(slug), 200)


@bp.delete("/measures/<slug>")
@token_required("write")
@write_limit
def delete_measure(slug: str) -> Response:
    """Delete a measure with its events and relations (its history can bring it back)."""
    measure = _measure(slug)
    measure_id = measure.id
    return _delete(measure, lambda: _measure_conflict(measure_id))


# -- events -----------------------------------------------------------------------------------


@bp.post("/measures/<slug>/events")
@token_required("write")
@write_limit
def create_event(slug: str) -> Response:
    """Add an event to a measure."""
    measure = _measure(slug)
    body = _body()
    _within_limits("event", body)
    reason = _reason(body)
    try:
        event = records.create_event(get_session(), measure, body, reason=reason)
    except records.InvalidRecord as error:
        raise _record_error(error) from None
    event_id = event.id
    _fresh()
    found = _event(event_id)
    location = external_url(url_for("api.event", event_id=event_id))
    return _saved(_event_json(found), 201, location)


@bp.patch("/events/<int:event_id>")
@token_required("write")
@write_limit
def update_event(event_id: int) -> Response:
    """Change an event: a merge patch, with the version it was read at."""
    event = _event(event_id)
    body = _body()
    _within_limits("event", body)
    version = _expected_version(body)
    reason = _reason(body)
    try:
        records.update_event(get_session(), event, body, expected_version=version, reason=reason)
    except records.InvalidRecord as error:
        raise _record_error(error) from None
    except EditConflict:
        raise _event_conflict(event_id) from None
    _fresh()
    return _saved(_event_json(_event(event_id)), 200)


@bp.delete("/events/<int:event_id>")
@token_required("write")
@write_limit
def delete_event(event_id: int) -> Response:
    """Delete an event."""
    event = _event(event_id)
    return _delete(event, lambda: _event_conflict(event_id))


# -- statements -------------------------------------------------------------------------------


@bp.post("/statements")
@token_required("write")
@write_limit
def create_statement() -> Response:
    """Create a statement."""
    body = _body()
    _within_limits("statement", body)
    reason = _reason(body)
    try:
        statement = records.create_statement(get_session(), body, reason=reason)
    except records.InvalidRecord as error:
        raise _record_error(error) from None
    slug = statement.slug
    _fresh()
    location = external_url(url_for("api.statement", slug=slug))
    return _saved(serializers.statement(_statement(slug), _writer()), 201, location)


@bp.patch("/statements/<slug>")
@token_required("write")
@write_limit
def update_statement(slug: str) -> Response:
    """Change a statement: a merge patch, with the version it was read at."""
    statement = _statement(slug)
    body = _body()
    _within_limits("statement", body)
    version = _expected_version(body)
    reason = _reason(body)
    statement_id = statement.id
    try:
        records.update_statement(
            get_session(), statement, body, expected_version=version, reason=reason
        )
    except records.InvalidRecord as error:
        raise _record_error(error) from None
    except EditConflict:
        raise _statement_conflict(statement_id) from None
    slug = statement.slug
    _fresh()
    return _saved(serializers.statement(_statement(slug), _writer()), 200)


@bp.delete("/statements/<slug>")
@token_required("write")
@write_limit
def delete_statement(slug: str) -> Response:
    """Delete a statement."""
    statement = _statement(slug)
    statement_id = statement.id
    return _delete(statement, lambda: _statement_conflict(statement_id))


# -- deleting ---------------------------------------------------------------------------------


def _delete(record: editing.Record, conflict: Callable[[], ApiError]) -> Response:
    """Delete a record; with If-Match, only if it is still at that version."""
    reason = request.args.get("reason") or None
    if reason is not None and len(reason) > MAX_REASON:
        raise _invalid([Problem("reason", f"at most {MAX_REASON} characters")])
    try:
        editing.delete_record(get_session(), record, expected_version=_if_match(), reason=reason)
    except EditConflict:
        raise conflict() from None
    except DeleteRefused as refused:
        raise ApiError(409, str(refused)) from None
    return Response(status=204)
