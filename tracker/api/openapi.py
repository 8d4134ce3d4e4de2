"""The OpenAPI 3.1 document of the JSON API, written by hand next to the serializers.

It is the API's contract: tests/api/test_api_schema.py has schemathesis call every endpoint with
generated parameters and check each response against these schemas, so a serializer that
drifts from this file fails the suite. The records' plain fields are not listed here: they
come from tracker.domain.kinds, as the serializers take them.

Long (~950 lines) because it is the document itself, mostly data: the schemas, the parameters
and every error each operation may answer, in the order a reader of the document meets them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from tracker import vocab
from tracker.config import DEFAULTS
from tracker.domain import kinds
from tracker.domain.kinds import Kind
from tracker.interchange import records

Json = dict[str, Any]
Limits = tuple[tuple[str, int], ...]


def _nullable(schema: Json) -> Json:
    return {"oneOf": [schema, {"type": "null"}]}


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: Json, required: list[str] | None = None) -> Json:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


STRING: Json = {"type": "string"}


def plain(kind: Kind, *, listed: bool = True) -> Json:
    """Schemas of a kind's plain fields (tracker.domain.kinds), as the serializers give them."""
    return {
        f.api_name or f.name: {
            "type": "string" if f.required else ["string", "null"],
            **({"maxLength": f.max_length} if f.max_length else {}),
            "description": f.about,
        }
        for f in kind.public_plain_fields
        if f.listed == listed
    }


def plain_names(kind: Kind, *, listed: bool = True) -> list[str]:
    return list(plain(kind, listed=listed))


# Organizations and people are public or internal of their own; only callers who may read
# internal records are told which (to anyone else, every one they see is public).
OWN_VISIBILITY: Json = {
    "enum": list(vocab.VISIBILITIES),
    "description": "Given to callers with a token only.",
}
WITHHELD = (
    "Null when there is none, and when it is an internal organization or person that the "
    "caller may not see: the statement is public, who made or spoke for it is not."
)
NULLABLE_STRING: Json = {"type": ["string", "null"]}
DATE: Json = {"type": "string", "format": "date"}
# Text in an address: tracker.security refuses control characters (tracker.services.saving
# CONTROL_CHARACTERS) in any query value, as no slug or search can hold one.
NO_CONTROL = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]*$"
URL: Json = {"type": "string", "format": "uri"}
VERSION: Json = {
    "type": "integer",
    "minimum": 1,
    "description": "Goes up by one with every change; send it back to change the record.",
}


def _error_body(current: Json | None = None) -> Json:
    properties: Json = {
        "code": {**STRING, "examples": ["not_found", "bad_request", "invalid", "conflict"]},
        "message": STRING,
        "details": {
            "type": "array",
            "items": _ref("Problem"),
            "description": "On a 400 about a body: each problem at its place.",
        },
    }
    if current is not None:
        properties["current"] = {
            **_nullable(current),
            "description": "The record as it is now (null: it was deleted).",
        }
    return _object(properties, required=["code", "message"])


def _schemas() -> Json:
    status_codes = sorted(vocab.STATES)
    return {
        "Error": _object({"error": _error_body()}),
        "Problem": _object(
            {
                "path": {
                    **STRING,
                    "description": 'Where in the body: "title", "events[1].date"; "" for the '
                    "body as a whole.",
                },
                "message": STRING,
            }
        ),
        "PartialDate": _object(
            {
                "iso": {**STRING, "pattern": "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"},
                "approximate": {"type": "boolean"},
                "precision": {"enum": ["year", "month", "day"]},
                "start": DATE,
                "end": DATE,
                "text": STRING,
            }
        ),
        "Source": _object({**plain(kinds.SOURCE), "published": _nullable(_ref("PartialDate"))}),
        "Axis": _object(
            {
                "code": STRING,
                "label": STRING,
                "explanation": STRING,
                "since": {
                    **_nullable(STRING),
                    "description": "Since when, at the precision the record knows it: a partial "
                    "date (2024, 2024-04 or 2024-04-02).",
                },
            }
        ),
        "Status": _object(
            {
                "as_of": DATE,
                "state": {"enum": status_codes},
                "state_label": STRING,
                "headline": STRING,
                "explanation": STRING,
                "stage": _nullable(_ref("Axis")),
                "outcome": _ref("Axis"),
                "force": _ref("Axis"),
                "term_end": _nullable(DATE),
                "last_event_date": _nullable(_ref("PartialDate")),
                "events_counted": {"type": "integer", "minimum": 0},
            }
        ),
        "MeasureRef": _object({"slug": STRING, "title": STRING, "country": STRING, "url": URL}),
        "Measure": _object(
            {
                "slug": STRING,
                "url": URL,
                "html_url": URL,
                "country": {**STRING, "pattern": "^[A-Z]{2}$"},
                "country_name": STRING,
                "kind": {"enum": list(vocab.MEASURE_KINDS)},
                "kind_label": STRING,
                **plain(kinds.MEASURE),
                "popular_names": {"type": "array", "items": STRING},
                "topics": {"type": "array", "items": STRING},
                "visibility": {"enum": list(vocab.VISIBILITIES)},
                "version": VERSION,
                "status": _ref("Status"),
            },
            required=[
                "slug",
                "url",
                "html_url",
                "country",
                "kind",
                *(f.name for f in kinds.MEASURE.plain_fields if f.required),
                "topics",
                "version",
            ],
        ),
        "MeasureDetail": {
            "allOf": [
                _ref("Measure"),
                _object(
                    {
                        "status": _ref("Status"),
                        **plain(kinds.MEASURE, listed=False),
                        "sources": {"type": "array", "items": _ref("Source")},
                        "events": {"type": "array", "items": _ref("Event")},
                        "hidden_events": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "Events after as_of, left out.",
                        },
                        "relations": {"type": "array", "items": _ref("Relation")},
                        "statements": {"type": "array", "items": _ref("Statement")},
                        "hidden_statements": {"type": "integer", "minimum": 0},
                        "warnings": {
                            "type": "array",
                            "items": _ref("EventWarning"),
                            "description": "For readers who may see internal records: events "
                            "the status ignores (a withdrawal after enactment: did you mean "
                            "repealed?).",
                        },
                    },
                    required=[
                        "status",
                        *plain_names(kinds.MEASURE, listed=False),
                        "sources",
                        "events",
                        "hidden_events",
                        "relations",
                        "statements",
                        "hidden_statements",
                    ],
                ),
            ]
        },
        "EventWarning": _object({"event_id": {"type": "integer"}, "message": STRING}),
        "SavedEvent": {
            "allOf": [
                _ref("Event"),
                _object(
                    {
                        "warnings": {
                            "type": "array",
                            "items": _ref("EventWarning"),
                            "description": "Set when the status ignores this event (a "
                            "withdrawal after enactment: did you mean repealed?). Saved anyway.",
                        }
                    }
                ),
            ]
        },
        "Relation": _object(
            {
                "type": {"enum": list(vocab.RELATION_TYPES)},
                "direction": {
                    "enum": ["outgoing", "incoming"],
                    "description": "outgoing: this measure {label} the other; incoming: the "
                    "other measure's relation, read from this side (amended by, model for).",
                },
                "label": STRING,
                "measure": _ref("MeasureRef"),
                "note": NULLABLE_STRING,
            }
        ),
        "Votes": _object(
            {
                "for": {"type": ["integer", "null"]},
                "against": {"type": ["integer", "null"]},
                "abstain": {"type": ["integer", "null"]},
            }
        ),
        "Event": _object(
            {
                "id": {"type": "integer"},
                "type": {"enum": list(vocab.EVENT_TYPES)},
                "type_label": STRING,
                "date": _ref("PartialDate"),
                "end_date": _nullable(_ref("PartialDate")),
                **plain(kinds.EVENT),
                "votes": _nullable(_ref("Votes")),
                "sources": {"type": "array", "items": _ref("Source")},
                "version": VERSION,
                "measure": _ref("MeasureRef"),
            },
            required=["id", "type", "type_label", "date", "end_date", "sources", "version"],
        ),
        "OrganizationRef": _object({"slug": STRING, "name": STRING, "url": URL}),
        "PersonRef": _object({"slug": STRING, "name": STRING, "url": URL}),
        "Organization": _object(
            {
                "slug": STRING,
                "name": STRING,
                "url": URL,
                "html_url": URL,
                **plain(kinds.ORGANIZATION),
                "kind": _nullable({"enum": list(vocab.ORGANIZATION_KINDS)}),
                "country": NULLABLE_STRING,
                "visibility": OWN_VISIBILITY,
            },
            required=[
                "slug",
                "url",
                "html_url",
                *plain_names(kinds.ORGANIZATION),
                "kind",
                "country",
            ],
        ),
        "OrganizationDetail": {
            "allOf": [
                _ref("Organization"),
                _object({"people": {"type": "array", "items": _ref("PersonRef")}}),
            ]
        },
        "Person": _object(
            {
                "slug": STRING,
                "name": STRING,
                "url": URL,
                "html_url": URL,
                **plain(kinds.PERSON),
                "organization": _nullable(
                    {**_ref("OrganizationRef"), "description": "Null also when withheld."}
                ),
                "visibility": OWN_VISIBILITY,
            },
            required=["slug", "url", "html_url", *plain_names(kinds.PERSON), "organization"],
        ),
        "Quote": _object(
            {"text": STRING, "speaker": {**_nullable(_ref("PersonRef")), "description": WITHHELD}}
        ),
        "Statement": _object(
            {
                "slug": STRING,
                "url": URL,
                "html_url": URL,
                **plain(kinds.STATEMENT),
                "date": _ref("PartialDate"),
                "type": _nullable({"enum": list(vocab.STATEMENT_TYPES)}),
                "stance": _nullable({"enum": list(vocab.STANCES)}),
                "asks": {"type": "array", "items": STRING},
                "organization": {
                    **_nullable(_ref("OrganizationRef")),
                    "description": WITHHELD,
                },
                "signatories": {
                    "type": "array",
                    "items": _ref("OrganizationRef"),
                    "description": "Co-signatories the caller may see.",
                },
                "speaker": {**_nullable(_ref("PersonRef")), "description": WITHHELD},
                "quotes": {"type": "array", "items": _ref("Quote")},
                "measures": {"type": "array", "items": _ref("MeasureRef")},
                "reacts_to": _nullable(
                    _object(
                        {"measure": _ref("MeasureRef"), "type": STRING, "date": _ref("PartialDate")}
                    )
                ),
                "visibility": {"enum": list(vocab.VISIBILITIES)},
                "sources": {"type": "array", "items": _ref("Source")},
                "version": VERSION,
            }
        ),
        "Links": _object(
            {"self": URL, "next": _nullable(URL), "prev": _nullable(URL)},
        ),
        "Facet": _object(
            {
                "name": {"enum": ["country", "kind", "status", "topic", "year"]},
                "label": STRING,
                "values": {
                    "type": "array",
                    "items": _object(
                        {
                            "value": STRING,
                            "label": STRING,
                            "count": {"type": "integer", "minimum": 0},
                            "selected": {"type": "boolean"},
                        }
                    ),
                },
            }
        ),
        "SearchHit": _object(
            {
                "kind": {"enum": ["measures", "events", "statements", "organizations", "people"]},
                "title_html": {
                    "type": ["string", "null"],
                    "description": "Escaped text; matches wrapped in <mark>.",
                },
                "snippet_html": {
                    "type": "string",
                    "description": "Escaped text; matches wrapped in <mark>.",
                },
                "record": {
                    "oneOf": [
                        _ref("Measure"),
                        _ref("Event"),
                        _ref("Statement"),
                        _ref("Organization"),
                        _ref("Person"),
                    ]
                },
            }
        ),
        "SearchGroup": _object(
            {
                "kind": {"enum": ["measures", "events", "statements", "organizations", "people"]},
                "label": STRING,
                "total": {"type": "integer", "minimum": 0},
                "total_is_lower_bound": {
                    "type": "boolean",
                    "description": "Counting stopped at total; more records match.",
                },
                "items": {"type": "array", "items": _ref("SearchHit")},
            }
        ),
    }


def _list_of(item: str, extra: Json | None = None) -> Json:
    properties: Json = {
        "items": {"type": "array", "items": _ref(item)},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "size": {"type": "integer", "minimum": 1, "maximum": 100},
        "links": _ref("Links"),
    }
    required = list(properties)
    properties.update(extra or {})
    optional = ("facets", *SYNC_FIELDS)  # only when asked for
    return _object(properties, required=required + [k for k in extra or {} if k not in optional])


def _array_param(name: str, items: Json, description: str) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": items},
    }


PAGE = {
    "name": "page",
    "in": "query",
    "description": "Page number, from 1.",
    "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1},
}
SIZE = {
    "name": "size",
    "in": "query",
    "description": "Items per page (at most 100).",
    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
}
AS_OF = {
    "name": "as_of",
    "in": "query",
    "description": "Show the tracker as it stood on this day: events and statements that do not "
    "count yet are left out (a date known only to its month or year counts from the last day of "
    "that month or year), measures none of whose events counts yet did not exist, and statuses "
    "are those of that day. The answer depends only on the data and this day. Default: today. "
    "A day between 1000-01-01 and 9000-12-31.",
    # The years tracker.http.params.as_of accepts (1000 to 9000), as a pattern: JSON Schema
    # has no minimum or maximum for dates.
    "schema": {
        "type": "string",
        "format": "date",
        "pattern": "^(1[0-9]{3}|[2-8][0-9]{3}|9000)-[0-9]{2}-[0-9]{2}$",
    },
}
UPDATED_SINCE = {
    "name": "updated_since",
    "in": "query",
    "description": "Only records created or changed at or after this moment (ISO 8601; UTC when "
    "it names no offset; a day means its first moment), and the answer lists in `deleted` the "
    "records deleted (or merged into another) since then that the caller could see: measures "
    "and statements that were public when deleted, or every one for a token holder; event "
    "deletions are listed to token holders only. A record made internal leaves anonymous lists "
    "without a deletion entry. A measure's own record counts, not its events: sync "
    "/events the same way. Together with `sort=updated`, a script that keeps the moment it last "
    "asked syncs incrementally.",
    "schema": {"type": "string", "format": "date-time"},
}
SORT = {
    "name": "sort",
    "in": "query",
    "description": "`updated`: oldest change first, then by id (a stable order to page through "
    "while syncing). Default: the list's own order.",
    "schema": {"type": "string", "enum": ["updated"]},
}
SYNC_FIELDS: Json = {
    "updated_since": {"type": "string", "format": "date-time"},
    "deleted": {
        "type": "array",
        "description": "Records deleted at or after updated_since, oldest first (at most 1,000).",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "slug", "deleted_at", "merged"],
            "properties": {
                "id": {"type": "integer"},
                "slug": {"type": ["string", "null"]},
                "deleted_at": {"type": "string", "format": "date-time"},
                "merged": {"type": "boolean"},
            },
        },
    },
}
SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 120},
}


def _measure_filters() -> list[Json]:
    return [
        _array_param(
            "country",
            {"type": "string", "pattern": "^[A-Za-z]{2}$"},
            "ISO 3166-1 alpha-2 codes; several combine with or.",
        ),
        _array_param("kind", {"enum": list(vocab.MEASURE_KINDS)}, "Kinds of measure."),
        _array_param(
            "status",
            {"enum": list(vocab.STATES)},
            "Status (Status.state) of the measure on the as_of day (default: today), for "
            "measures and for the events and statements about them alike.",
        ),
        _array_param(
            "topic", {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}, "Topic slugs."
        ),
        _array_param(
            "year",
            {"type": "string", "pattern": "^[0-9]{4}$"},
            "Year of the measure's earliest recorded event.",
        ),
    ]


def _responses(ok: Json, description: str, not_found: bool = False) -> Json:
    error = {"application/json": {"schema": _ref("Error")}}
    responses: Json = {
        "200": {"description": description, "content": {"application/json": {"schema": ok}}},
        "400": {
            "description": "A parameter is malformed; the message says which.",
            "content": error,
        },
    }
    if not_found:
        responses["404"] = {"description": "No such record (or not public).", "content": error}
    responses["401"] = _unauthorized("The token sent does not work (a wrong token is an error).")
    return responses


def _get(summary: str, parameters: list[Json], ok: Json, description: str, **kw: Any) -> Json:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            # Anonymous, or with a token of either scope (which also shows internal records).
            "security": [{}, {BEARER: []}],
            "responses": _responses(ok, description, **kw),
        }
    }


# -- writing ----------------------------------------------------------------------------------

BEARER = "apiToken"
ERROR = {"application/json": {"schema": _ref("Error")}}
DATASET = "dataset."  # the interchange format's definitions, as components "dataset.<name>"


def _unauthorized(description: str) -> Json:
    return {
        "description": description,
        "headers": {
            "WWW-Authenticate": {
                "required": True,
                "description": 'An RFC 6750 challenge: Bearer realm="tracker"[, error="..."].',
                "schema": {"type": "string", "pattern": "^Bearer "},
            }
        },
        "content": ERROR,
    }


def _dataset_refs(schema: Any) -> Any:
    """A schema of the interchange format with its references pointed at the components."""
    if isinstance(schema, dict):
        return {
            key: (
                value.replace("#/$defs/", f"#/components/schemas/{DATASET}")
                if key == "$ref"
                else _dataset_refs(value)
            )
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_dataset_refs(item) for item in schema]
    return schema


REASON: Json = {
    "type": ["string", "null"],
    "maxLength": 2000,
    "description": "Why the change is made; shown in the record's history.",
}


def _limited(kind: str, schema: Json, limits: Limits) -> Json:
    """The record's lists with the most one request may carry (API_RECORD_LIMITS)."""
    properties = schema.get("properties", {})
    for field in records.LIMITED_LISTS.get(kind, ()):
        if field in properties:
            properties[field] = {**properties[field], "maxItems": dict(limits)[field]}
    return schema


def _input_schemas(limits: Limits) -> Json:
    """The bodies of the write operations: records of the interchange format."""
    schemas: Json = {
        f"{DATASET}{name}": _limited(name, _dataset_refs(definition), limits)
        for name, definition in records.definitions().items()
    }
    titles = {"measure": "Measure", "event": "Event", "statement": "Statement"}
    for name, shape in records.shapes().items():
        kind, action = name.split("-")
        schema = _limited(kind, _dataset_refs(shape), limits)
        schema["properties"] = {**schema["properties"], "reason": REASON}
        if action == "patch":
            schema["properties"]["version"] = {
                **VERSION,
                "description": "The version you read (or send If-Match).",
            }
            schema["description"] = (
                "A JSON merge patch (RFC 7396) of the record: the fields sent replace the "
                "stored ones, null clears one, objects merge, lists are replaced whole."
            )
        else:
            schema["description"] = (
                "A record of the interchange format; the slug is made from the title when left out."
            )
        schemas[f"{titles[kind]}{action.title()}"] = schema
    return schemas


EVENT_ID = {
    "name": "event_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "description": 'The version you read, e.g. "3" (instead of "version" in the body).',
    "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,9}"?$'},
}
REASON_PARAM = {
    "name": "reason",
    "in": "query",
    "description": "Why the record is deleted; shown in its history.",
    "schema": {"type": "string", "maxLength": 2000, "pattern": NO_CONTROL},
}


def _write(
    method: str,
    summary: str,
    parameters: list[Json],
    *,
    body: str | None = None,
    ok: Json | None = None,
    status: str = "200",
    current: str | None = None,
    description: str = "",
) -> Json:
    """A write operation: a write token, and every error it may answer."""
    responses: Json = {}
    if status == "204":
        responses["204"] = {"description": "Deleted; its history can bring it back."}
    else:
        answer: Json = {"description": description, "content": {"application/json": {"schema": ok}}}
        if status == "201":
            answer["headers"] = {
                "Location": {
                    "required": True,
                    "description": "The new record's address in the API.",
                    "schema": URL,
                }
            }
        responses[status] = answer
    responses["400"] = {
        "description": "The body or a parameter has problems (code invalid: error.details says "
        "each, at its place); nothing was saved.",
        "content": ERROR,
    }
    responses["401"] = _unauthorized("No token, or one that does not work.")
    responses["403"] = {
        "description": "A read token, or the token's account may not write (not an editor).",
        "content": ERROR,
    }
    if parameters and parameters[0]["in"] == "path":
        responses["404"] = {"description": "No such record.", "content": ERROR}
    if current is not None:
        responses["409"] = {
            "description": "Changed (or deleted) since the version you sent; nothing was saved. "
            "error.current is the record now.",
            "content": {
                "application/json": {
                    "schema": _object({"error": _error_body(_ref(current))}),
                }
            },
        }
    if body is not None:
        responses["413"] = {
            "description": "The body is too large: over the size limit, or carrying more "
            "entries in a list than one request may (see maxItems in the body's schema; "
            "error.details says which). Send the rest in further requests, or load large "
            "data on the server with the tracker import command.",
            "content": ERROR,
        }
        responses["415"] = {"description": "The body is not JSON.", "content": ERROR}
    if method == "patch":
        responses["428"] = {
            "description": "No version: send the version you read, in the body or If-Match.",
            "content": ERROR,
        }
    responses["429"] = {
        "description": "Too many writes with this token; wait as Retry-After says.",
        "headers": {
            "Retry-After": {"required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}
        },
        "content": ERROR,
    }
    operation: Json = {
        "summary": summary,
        "parameters": parameters,
        "security": [{BEARER: ["write"]}],
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return {method: operation}


def _create(summary: str, parameters: list[Json], body: str, ok: str) -> Json:
    return _write(
        "post", summary, parameters, body=body, ok=_ref(ok), status="201", description="Created."
    )


def _change_and_delete(
    noun: str,
    key: Json,
    body: str,
    saved: str,
    current: str,
    *,
    changes: str = "",
    deletes: str = "",
) -> Json:
    """PATCH and DELETE of one record (``noun``), found by ``key``; ``changes`` and ``deletes``
    say what else the change or the deletion takes along."""
    return {
        **_write(
            "patch",
            f"Change {noun}"
            + (" (its own relations too, if the patch lists them)" if deletes else ""),
            [key, IF_MATCH],
            body=body,
            ok=_ref(saved),
            current=current,
            description=f"The {noun.split()[-1]} as saved, with its new version.",
        ),
        **_write(
            "delete",
            f"Delete {noun}{deletes}",
            [key, IF_MATCH, REASON_PARAM],
            status="204",
            current=current,
        ),
    }


def _write_paths() -> dict[str, Json]:
    return {
        "/measures": _create(
            "Create a measure, with its sources, and events and relations if it lists them",
            [],
            "MeasureCreate",
            "MeasureDetail",
        ),
        "/measures/{slug}": _change_and_delete(
            "a measure",
            SLUG,
            "MeasurePatch",
            "MeasureDetail",
            "MeasureDetail",
            changes=" (its own relations too, if the patch lists them)",
            deletes=" with its events and relations",
        ),
        "/measures/{slug}/events": _create(
            "Add an event to a measure", [SLUG], "EventCreate", "SavedEvent"
        ),
        "/events/{event_id}": _change_and_delete(
            "an event", EVENT_ID, "EventPatch", "SavedEvent", "Event"
        ),
        "/statements": _create("Create a statement", [], "StatementCreate", "Statement"),
        "/statements/{slug}": _change_and_delete(
            "a statement", SLUG, "StatementPatch", "Statement", "Statement"
        ),
    }


def _merge_paths(*groups: dict[str, Json]) -> dict[str, Json]:
    merged: dict[str, Json] = {}
    for group in groups:
        for path, operations in group.items():
            merged.setdefault(path, {}).update(operations)
    return merged


def document(limits: Mapping[str, int] | None = None) -> Json:
    """The OpenAPI 3.1 document (a dict, served as JSON), with the record limits of the
    deployment (API_RECORD_LIMITS; the defaults when not given)."""
    return _document(tuple(sorted((limits or DEFAULTS["API_RECORD_LIMITS"]).items())))


@cache
def _document(limits: Limits) -> Json:
    filters = _measure_filters()
    query = {
        "name": "q",
        "in": "query",
        "description": "Words to find in titles, original titles, popular names and summaries.",
        "schema": {"type": "string", "maxLength": 200, "pattern": NO_CONTROL},
    }
    facets_param = {
        "name": "facets",
        "in": "query",
        "description": "Include facet counts (country, kind, status, topic, year).",
        "schema": {"type": "boolean", "default": False},
    }
    measures_list = _list_of(
        "Measure",
        {"as_of": DATE, "facets": {"type": "array", "items": _ref("Facet")}, **SYNC_FIELDS},
    )
    paths = {
        "/measures": _get(
            "Measures matching the filters, by country and title, each with its status",
            [*filters, query, AS_OF, facets_param, UPDATED_SINCE, SORT, PAGE, SIZE],
            measures_list,
            "One page of measures.",
        ),
        "/measures/{slug}": _get(
            "One measure with its events, relations both ways, statements and status",
            [SLUG, AS_OF],
            _ref("MeasureDetail"),
            "The measure.",
            not_found=True,
        ),
        "/events": _get(
            "Events of the measures matching the filters, newest first",
            [
                *filters,
                _array_param("type", {"enum": list(vocab.EVENT_TYPES)}, "Event types."),
                {
                    "name": "measure",
                    "in": "query",
                    "description": "Only this measure's events (its slug).",
                    "schema": {"type": "string", "maxLength": 120, "pattern": NO_CONTROL},
                },
                AS_OF,
                UPDATED_SINCE,
                SORT,
                PAGE,
                SIZE,
            ],
            _list_of("Event", {"as_of": DATE, **SYNC_FIELDS}),
            "One page of events.",
        ),
        "/statements": _get(
            "Statements about the measures matching the filters, newest first",
            [
                *filters,
                {
                    "name": "organization",
                    "in": "query",
                    "description": "Written or signed by this organization (its slug).",
                    "schema": {"type": "string", "maxLength": 120, "pattern": NO_CONTROL},
                },
                _array_param("stance", {"enum": list(vocab.STANCES)}, "Stances."),
                AS_OF,
                UPDATED_SINCE,
                SORT,
                PAGE,
                SIZE,
            ],
            _list_of("Statement", {"as_of": DATE, **SYNC_FIELDS}),
            "One page of statements.",
        ),
        "/events/{event_id}": _get(
            "One event, with its measure", [EVENT_ID], _ref("Event"), "The event.", not_found=True
        ),
        "/statements/{slug}": _get(
            "One statement", [SLUG], _ref("Statement"), "The statement.", not_found=True
        ),
        "/organizations": _get(
            "Organizations by name", [PAGE, SIZE], _list_of("Organization"), "One page."
        ),
        "/organizations/{slug}": _get(
            "One organization and its people",
            [SLUG],
            _ref("OrganizationDetail"),
            "The organization.",
            not_found=True,
        ),
        "/people": _get("People by name", [PAGE, SIZE], _list_of("Person"), "One page."),
        "/people/{slug}": _get("One person", [SLUG], _ref("Person"), "The person.", not_found=True),
        "/search": _get(
            "Full-text search, grouped by kind of record, best matches first (ranked by where "
            "and how often the words occur in each record itself; no score is given)",
            [
                {
                    "name": "q",
                    "in": "query",
                    "required": True,
                    "description": 'Words (all must match; the last may be a prefix) and "quoted '
                    'phrases". Latin and Cyrillic.',
                    "schema": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 200,
                        "pattern": NO_CONTROL,
                    },
                },
                _array_param(
                    "scope",
                    {"enum": ["measures", "events", "statements", "organizations", "people"]},
                    "Only these kinds of record.",
                ),
                *filters,
                PAGE,
                {**SIZE, "description": "Hits per kind and page (at most 100; default 10)."},
            ],
            _object(
                {
                    "query": STRING,
                    "total": {"type": "integer", "minimum": 0},
                    "page": {"type": "integer", "minimum": 1},
                    "size": {"type": "integer", "minimum": 1},
                    "groups": {"type": "array", "items": _ref("SearchGroup")},
                    "links": _ref("Links"),
                }
            ),
            "Matches by kind.",
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tracker API",
            "version": "1",
            "description": "The human-rights legislation tracker: measures with their derived "
            "status, events, statements, organizations, people and full-text search. Anonymous "
            "callers read public records; an API token (made on one's account page, sent as "
            "Authorization: Bearer trk_...) reads internal records too, and a token with write "
            "scope of an editor creates, changes and deletes measures, events and statements, "
            "with the same rules and history as the forms. Bodies are records of the "
            "interchange format (its JSON Schema is in the README); a change sends the version "
            "it read, and a stale one is a 409 with the record as it is now. Lists share one "
            "envelope (items, total, page, size, links.next/prev); every error is "
            '{"error": {"code", "message"}}, with "details" for the problems of a body.',
        },
        "servers": [{"url": "/api/v1"}],
        "paths": _merge_paths(paths, _write_paths()),
        "components": {
            "schemas": {**_schemas(), **_input_schemas(limits)},
            "securitySchemes": {
                BEARER: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "trk_<prefix>_<secret>",
                    "description": "A personal API token, made and revoked on the account "
                    "page (/account/tokens). Scope read or write; writing also needs the "
                    "editor role at the time of the request.",
                }
            },
        },
    }
