"""Validating a Tracker Dataset document before anything is written.

``validate_dataset`` checks the whole document (structure against the JSON Schema, then
meaning: real dates, known countries, unique slugs, references that resolve in the file or in
the database) and reports every problem with its place in the file, e.g.
``measures[3].events[2].date: "2023-13" is not a date``. ``record_problems`` checks one record
the same way, for the forms and the API's writes.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema
import jsonschema_rs
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import paths
from tracker.countries import is_country
from tracker.dates import DateParseError, PartialDate
from tracker.domain import kinds
from tracker.domain.rules import ends_before_it_starts, shows_where_it_was_made
from tracker.interchange.document import Problem, numbered
from tracker.models import (
    Event,
    Measure,
    Organization,
    Person,
)
from tracker.services.saving import control_character

# --------------------------------------------------------------------------------------------
# Validation


@cache
def dataset_schema() -> dict[str, Any]:
    """The format's JSON Schema: the published file, with each kind's plain fields that the
    file does not spell out described from tracker.domain.kinds (a field added to a kind is
    exchanged without an edit here; tests/interchange keep the two in agreement)."""
    schema: dict[str, Any] = json.loads(paths.dataset_schema().read_text(encoding="utf-8"))
    for kind in kinds.KINDS.values():
        properties = schema["$defs"][kind.name]["properties"]
        for field in kind.plain_fields:
            if field.name not in properties:
                properties[field.name] = _plain_schema(field)
    return schema


def _plain_schema(field: kinds.Field) -> dict[str, Any]:
    text: dict[str, Any] = {"$ref": "#/$defs/url"} if field.shape == "url" else {"type": "string"}
    if field.max_length is not None:
        text["maxLength"] = field.max_length
    if field.shape != "url" and field.required:
        text["minLength"] = 1
    described = text if field.required else {"anyOf": [text, {"type": "null"}]}
    return {**described, "description": field.about}


def _path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def _schema_message(error: jsonschema.ValidationError) -> str:
    """Say what is wrong in words a researcher understands, not in JSON Schema terms."""
    if error.validator == "oneOf" and error.context:
        # "x or null": report why the non-null alternative failed.
        useful = [child for child in error.context if child.validator != "type"]
        if useful:
            return _schema_message(useful[0])
    value = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    pattern = str(schema.get("pattern", ""))
    if error.validator == "pattern" and pattern.startswith("^[0-9]{4}"):
        return f"{_shown(value)} is not a date (write YYYY, YYYY-MM or YYYY-MM-DD)"
    if error.validator == "pattern" and "a-z0-9" in pattern:
        return f"{_shown(value)} is not a slug (lower-case letters, digits and hyphens)"
    if error.validator == "pattern" and "https?" in pattern:
        return f"{_shown(value)} is not a web address (http:// or https://)"
    if error.validator == "pattern" and "[A-Z]{2}" in pattern:
        return f"{_shown(value)} is not a two-letter country code (ISO 3166-1, e.g. KG)"
    if error.validator == "enum":
        choices: list[Any] = list(error.validator_value)  # type: ignore[arg-type]  # an enum's list
        options = ", ".join(str(option) for option in choices if option is not None)
        return f"{_shown(value)} is not one of: {options}"
    if error.validator == "const":
        return f"must be {_shown(error.validator_value)}, not {_shown(value)}"
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return f"missing required field '{missing}'"
    if error.validator == "additionalProperties":
        return f"unknown field: {error.message.split('(')[-1].rstrip(')')}"
    if error.validator == "type":
        return f"{_shown(value)} should be {error.validator_value}"
    if error.validator == "minItems" and error.validator_value == 1:
        return "needs at least one entry"
    return error.message


@cache
def _fast_validator() -> Any:
    return jsonschema_rs.validator_for(dataset_schema())


@cache
def _fast_record_validator(schema: str) -> Any:
    return jsonschema_rs.validator_for(json.loads(schema))


def _schema_problems(document: Any) -> list[Problem]:
    # jsonschema-rs (compiled) says whether the document is valid about 500 times faster than
    # the pure-Python jsonschema, which matters for large imports; only an invalid document is
    # walked again by jsonschema, whose errors carry what the messages below need.
    if _fast_validator().is_valid(document):
        return []
    validator = jsonschema.Draft202012Validator(dataset_schema())
    problems = [
        Problem(_path(error.absolute_path), _schema_message(error))
        for error in validator.iter_errors(document)
    ]
    return sorted(problems, key=lambda problem: problem.path)


def _date_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        PartialDate.from_iso(value)
    except DateParseError:
        return f"{_shown(value)} is not a date"
    return None


@dataclass(slots=True)
class _Known:
    """Slugs that references may point to: in the file or already in the database."""

    organizations: set[str]
    people: set[str]
    measures: set[str]
    events: set[tuple[str, str, str]]


@dataclass(slots=True)
class Elsewhere:
    """What the parts of a file validated before this one hold (tracker.interchange.stream
    validates a large file a batch of records at a time): references resolve there too."""

    organizations: set[str] = dataclasses.field(default_factory=set)
    people: set[str] = dataclasses.field(default_factory=set)
    measures: set[str] = dataclasses.field(default_factory=set)
    events: set[int] = dataclasses.field(default_factory=set)
    """hash((measure slug, type, date)) of every event so far: a million events as tuples of
    strings took ~160 MB, as hashes ~60 MB. A collision could only let a wrong ``reacts_to``
    through validation; the import then fails to find the event and writes nothing."""
    later_targets: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    """(place, slug) of relation targets not seen yet: a measure may relate to one later in
    the file, so these are checked once every measure has been read."""


def _existing(session: Session, column: Any, values: Iterable[str]) -> set[str]:
    """Which of ``values`` the database holds in ``column``, looked up in chunks."""
    wanted = sorted(set(values))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(session.scalars(select(column).where(column.in_(wanted[start : start + 500]))))
    return found


def _referenced(document: Mapping[str, Any]) -> _Known:
    """Every slug (and event) the document refers to, wherever it is defined."""
    refs = _Known(set(), set(), set(), set())
    for _, person in numbered(document, "people"):
        if isinstance(person.get("organization"), str):
            refs.organizations.add(person["organization"])
    for _, measure in numbered(document, "measures"):
        for relation in measure.get("relations") or []:
            if isinstance(relation, dict) and isinstance(relation.get("target"), str):
                refs.measures.add(relation["target"])
    for _, statement in numbered(document, "statements"):
        refs.organizations.update(
            slug
            for slug in [statement.get("organization"), *(statement.get("signatories") or [])]
            if isinstance(slug, str)
        )
        people = [statement.get("speaker")] + [
            quote.get("speaker")
            for quote in statement.get("quotes") or []
            if isinstance(quote, dict)
        ]
        refs.people.update(slug for slug in people if isinstance(slug, str))
        refs.measures.update(s for s in statement.get("measures") or [] if isinstance(s, str))
        reacts = statement.get("reacts_to")
        if isinstance(reacts, dict) and all(
            isinstance(reacts.get(key), str) for key in ("measure", "type", "date")
        ):
            refs.events.add((reacts["measure"], reacts["type"], reacts["date"]))
    return refs


def outside_references(document: Mapping[str, Any]) -> list[str]:
    """The records the document refers to without holding them ("measure ru-foreign-…"):
    they must be in the tracker it is imported into."""
    refs = _referenced(document)
    held = {
        key: {item.get("slug") for _, item in numbered(document, key)}
        for key in ("organizations", "people", "measures")
    }
    outside = [f"organization {slug}" for slug in refs.organizations - held["organizations"]]
    outside += [f"person {slug}" for slug in refs.people - held["people"]]
    outside += [
        f"measure {slug}"
        for slug in refs.measures | {measure for measure, _, _ in refs.events}
        if slug not in held["measures"]
    ]
    return sorted(set(outside))


def _known_in_database(session: Session | None, document: Mapping[str, Any]) -> _Known:
    """What the document refers to and the database already holds.

    Only the slugs the document mentions are looked up, so that validating a batch costs the
    same on an empty tracker as on one with a million events.
    """
    if session is None:
        return _Known(set(), set(), set(), set())
    refs = _referenced(document)
    event_measures = {measure for measure, _, _ in refs.events}
    events: set[tuple[str, str, str]] = set()
    slugs = sorted(event_measures)
    for start in range(0, len(slugs), 500):
        rows = session.execute(
            select(Measure.slug, Event.type, Event.date_iso)
            .join(Event.measure)
            .where(Measure.slug.in_(slugs[start : start + 500]))
        )
        events.update((slug, kind, date) for slug, kind, date in rows)
    return _Known(
        organizations=_existing(session, Organization.slug, refs.organizations),
        people=_existing(session, Person.slug, refs.people),
        measures=_existing(session, Measure.slug, refs.measures),
        events=events,
    )


def _semantic_problems(
    document: Mapping[str, Any],
    session: Session | None,
    outside_known: bool,
    elsewhere: Elsewhere | None = None,
) -> list[Problem]:
    problems: list[Problem] = []
    add = problems.append
    known = _referenced(document) if outside_known else _known_in_database(session, document)
    if elsewhere is not None:
        known.organizations |= elsewhere.organizations
        known.people |= elsewhere.people
        known.measures |= elsewhere.measures

    for key in ("topics", "organizations", "people", "measures", "statements"):
        seen: dict[str, int] = {}
        for index, item in numbered(document, key):
            slug = item.get("slug")
            if isinstance(slug, str):
                if slug in seen:
                    add(
                        Problem(
                            f"{key}[{index}].slug", f'"{slug}" is also used by {key}[{seen[slug]}]'
                        )
                    )
                seen[slug] = index

    organizations = known.organizations | {
        item["slug"]
        for _, item in numbered(document, "organizations")
        if isinstance(item.get("slug"), str)
    }
    people = known.people | {
        item["slug"]
        for _, item in numbered(document, "people")
        if isinstance(item.get("slug"), str)
    }
    measures = known.measures | {
        item["slug"]
        for _, item in numbered(document, "measures")
        if isinstance(item.get("slug"), str)
    }
    events = set(known.events)

    def check_ref(path: str, value: Any, pool: set[str], what: str) -> None:
        if isinstance(value, str) and value not in pool:
            add(Problem(path, f'no {what} with slug "{value}" in the file or in the tracker'))

    def check_sources(path: str, sources: Any) -> None:
        if not isinstance(sources, list):
            return
        for index, source in enumerate(sources):
            if isinstance(source, dict) and (problem := _date_problem(source.get("published"))):
                add(Problem(f"{path}[{index}].published", problem))

    for index, org in numbered(document, "organizations"):
        country = org.get("country")
        if isinstance(country, str) and not is_country(country):
            add(Problem(f"organizations[{index}].country", f'"{country}" is not a country code'))

    for index, person in numbered(document, "people"):
        check_ref(
            f"people[{index}].organization",
            person.get("organization"),
            organizations,
            "organization",
        )

    for index, measure in numbered(document, "measures"):
        here = f"measures[{index}]"
        slug = measure.get("slug")
        country = measure.get("country")
        if isinstance(country, str) and len(country) == 2 and not is_country(country):
            add(Problem(f"{here}.country", f'"{country}" is not an ISO 3166-1 country code'))
        check_sources(f"{here}.sources", measure.get("sources"))
        for e_index, event in enumerate(measure.get("events") or []):
            if not isinstance(event, dict):
                continue
            there = f"{here}.events[{e_index}]"
            date_problem = _date_problem(event.get("date"))
            end_problem = _date_problem(event.get("end_date"))
            if date_problem:
                add(Problem(f"{there}.date", date_problem))
            if end_problem:
                add(Problem(f"{there}.end_date", end_problem))
            if not (date_problem or end_problem) and isinstance(event.get("date"), str):
                end = event.get("end_date")
                if isinstance(end, str) and ends_before_it_starts(
                    PartialDate.from_iso(event["date"]), PartialDate.from_iso(end)
                ):
                    add(
                        Problem(
                            f"{there}.end_date", f'"{end}" is before the date "{event["date"]}"'
                        )
                    )
            check_sources(f"{there}.sources", event.get("sources"))
            if (
                isinstance(slug, str)
                and isinstance(event.get("type"), str)
                and isinstance(event.get("date"), str)
            ):
                events.add((slug, event["type"], event["date"]))
        seen_relations: set[tuple[Any, Any]] = set()
        for r_index, relation in enumerate(measure.get("relations") or []):
            if not isinstance(relation, dict):
                continue
            there = f"{here}.relations[{r_index}]"
            target = relation.get("target")
            if elsewhere is not None and isinstance(target, str) and target not in measures:
                elsewhere.later_targets.append((f"{there}.target", target))
            else:
                check_ref(f"{there}.target", target, measures, "measure")
            if target is not None and target == slug:
                add(Problem(f"{there}.target", "a measure cannot relate to itself"))
            pair = (relation.get("type"), target)
            if pair in seen_relations:
                add(Problem(there, f'the relation "{pair[0]}" to "{target}" is listed twice'))
            seen_relations.add(pair)

    for index, statement in numbered(document, "statements"):
        here = f"statements[{index}]"
        if problem := _date_problem(statement.get("date")):
            add(Problem(f"{here}.date", problem))
        check_ref(
            f"{here}.organization", statement.get("organization"), organizations, "organization"
        )
        for s_index, signatory in enumerate(statement.get("signatories") or []):
            check_ref(f"{here}.signatories[{s_index}]", signatory, organizations, "organization")
        check_ref(f"{here}.speaker", statement.get("speaker"), people, "person")
        for m_index, measure_slug in enumerate(statement.get("measures") or []):
            check_ref(f"{here}.measures[{m_index}]", measure_slug, measures, "measure")
        for q_index, quote in enumerate(statement.get("quotes") or []):
            if isinstance(quote, dict):
                check_ref(
                    f"{here}.quotes[{q_index}].speaker", quote.get("speaker"), people, "person"
                )
        check_sources(f"{here}.sources", statement.get("sources"))
        if not shows_where_it_was_made(statement.get("url"), statement.get("sources")):
            add(Problem(here, "a statement needs a url or at least one source"))
        reacts = statement.get("reacts_to")
        if isinstance(reacts, dict):
            key3 = (reacts.get("measure"), reacts.get("type"), reacts.get("date"))
            if key3 not in events and (elsewhere is None or hash(key3) not in elsewhere.events):
                add(
                    Problem(
                        f"{here}.reacts_to",
                        f'no "{key3[1]}" event dated {key3[2]} on measure "{key3[0]}"',
                    )
                )
    return problems


# Half of a UTF-16 pair, alone: JSON may spell one ("\\ud800"), and no database can store it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# In JSON text: the escape of a C0 control character other than tab and line breaks. (An
# escaped backslash before "b" or "f" matches too; that only sends the document the slow way.)
_ESCAPED_CONTROL = re.compile(r"\\(?:u00[01][0-9a-fA-F]|[bf])")


def _surely_clean(document: Any) -> bool:
    """True when no string of the document can hold a control character or a lone surrogate,
    decided on its JSON text in C: a walk over every string of a large import took a tenth of
    its time. False means "look closer", not "unclean"."""
    try:
        dumped = json.dumps(document, ensure_ascii=False)
    except (TypeError, ValueError):
        return False
    return not (_ESCAPED_CONTROL.search(dumped) or _LONE_SURROGATE.search(dumped))


def _control_problems(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[Problem]:
    """Strings that hide control characters (PostgreSQL cannot even store a NUL), or that are
    not text at all (a lone surrogate)."""
    if isinstance(value, str):
        code = control_character(value)
        if code:
            yield Problem(_path(path), f"contains an invisible control character ({code})")
        elif _LONE_SURROGATE.search(value):
            yield Problem(_path(path), "is not valid Unicode text (a lone surrogate)")
    elif isinstance(value, dict):
        for key, item in value.items():
            if control_character(str(key)):
                yield Problem(_path(path), "a field name contains a control character")
            yield from _control_problems(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _control_problems(item, (*path, index))


def validate_dataset(
    document: Any,
    session: Session | None = None,
    *,
    outside_known: bool = False,
    elsewhere: Elsewhere | None = None,
) -> list[Problem]:
    """Every problem in the document, in file order; an empty list means it can be imported.

    References resolve in the file or in ``session``'s database; with ``outside_known`` (the
    format alone, no database) a reference to a record the file does not hold is assumed to be
    in the tracker it will be imported into (``outside_references`` lists them). With
    ``elsewhere`` the document is one part of a larger file, whose other parts hold what it
    says (and collects the relation targets left to check).
    """
    if not isinstance(document, dict):
        return [Problem("", "the dataset must be a JSON object")]
    control = [] if _surely_clean(document) else list(_control_problems(document))
    if control:
        # Checked first and alone: the checks below look slugs up in the database.
        return control
    problems = _schema_problems(document)
    problems += _semantic_problems(document, session, outside_known, elsewhere)
    unique = {(problem.path, problem.message): problem for problem in problems}
    return sorted(unique.values(), key=lambda problem: _sort_path(problem.path))


def validate_part(
    document: Mapping[str, Any], session: Session | None, elsewhere: Elsewhere
) -> tuple[list[Problem], bool]:
    """The problems of one part of a larger file, as ``validate_dataset`` finds them, and
    whether they are control-character problems (which a whole document reports alone)."""
    control = [] if _surely_clean(document) else list(_control_problems(document))
    if control:
        return control, True
    problems = _schema_problems(document)
    problems += _semantic_problems(document, session, False, elsewhere)
    return problems, False


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once, in file order (as ``validate_dataset`` lists them)."""
    unique = {(problem.path, problem.message): problem for problem in problems}
    return sorted(unique.values(), key=lambda problem: _sort_path(problem.path))


def _record_problem(error: jsonschema.ValidationError) -> Problem:
    if error.validator == "required" and "'" in error.message:
        # Point at the missing field itself, where a client puts it: "events[1].date".
        missing = error.message.split("'")[1]
        return Problem(_path([*error.absolute_path, missing]), "is required")
    return Problem(_path(error.absolute_path), _schema_message(error))


def record_problems(
    kind: str,
    record: Mapping[str, Any],
    session: Session | None,
    schema: Mapping[str, Any],
    meaning: bool = True,
) -> list[Problem]:
    """Every problem of one record of the format (``measure``, ``event`` or ``statement``),
    with paths inside the record (``events[1].date``), checked as an import checks it:
    control characters, then ``schema`` (one built on this format's ``$defs``), then meaning
    (real dates, references that resolve in the database) unless ``meaning`` is false (a part
    of a record, like a patch, can only be checked for its structure). The JSON API writes
    records so."""
    control = list(_control_problems(record))
    if control:
        return control
    problems = []
    if not _fast_record_validator(json.dumps(schema, sort_keys=True)).is_valid(record):
        # As for a document: only an invalid record is walked by the slower jsonschema.
        validator = jsonschema.Draft202012Validator(schema)
        problems = [_record_problem(error) for error in validator.iter_errors(record)]
    if problems or not meaning or not isinstance(record, dict):
        return sorted(problems, key=lambda problem: _sort_path(problem.path))
    # The semantic checks walk a document: put the record where a document holds it.
    if kind == "event":
        document: dict[str, Any] = {"measures": [{"events": [record]}]}
        prefix = "measures[0].events[0]"
    else:
        document = {f"{kind}s": [record]}
        prefix = f"{kind}s[0]"
    problems = [
        Problem(problem.path[len(prefix) :].lstrip("."), problem.message)
        for problem in _semantic_problems(document, session, outside_known=False)
    ]
    return sorted(problems, key=lambda problem: _sort_path(problem.path))


def _sort_path(path: str) -> tuple[Any, ...]:
    parts: list[Any] = []
    for chunk in path.replace("]", "").replace("[", ".").split("."):
        parts.append((0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk))
    return tuple(parts)
