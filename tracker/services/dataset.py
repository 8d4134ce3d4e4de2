"""The interchange format: validate, import and export a whole dataset (DOMAIN.md, README).

Import is all or nothing. ``validate_dataset`` checks the whole document first (structure
against the JSON Schema, then meaning: real dates, known countries, unique slugs, references
that resolve in the file or in the database) and reports every problem with its place in the
file, e.g. ``measures[3].events[2].date: "2023-13" is not a date``. ``import_dataset`` writes
only a valid document, upserting by slug, and writes nothing that is already equal, so importing
the same file twice changes nothing. ``export_dataset`` writes the document back in a stable
order, so that export(import(file)) gives the same data.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jsonschema
import jsonschema_rs
from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from tracker import clock, paths, vocab
from tracker.countries import is_country
from tracker.dates import DateParseError, PartialDate
from tracker.models import (
    Event,
    Measure,
    Organization,
    Person,
    Quote,
    Relation,
    Source,
    Statement,
    Topic,
    event_sources,
    measure_sources,
    measure_topics,
    statement_measures,
    statement_signatories,
    statement_sources,
)
from tracker.services import history, look_alikes, status_cache
from tracker.services.editing import (
    EventData,
    QuoteData,
    SourceData,
    StatementData,
    control_character,
    measure_data,
    stored_fields,
)
from tracker.services.look_alikes import LookAlike
from tracker.services.measures import (
    may_see,
    visible_measures,
    visible_organizations,
    visible_people,
    visible_statements,
    visible_topics,
)
from tracker.services.statements import shown
from tracker.status import warnings as status_warnings

FORMAT = "tracker-dataset"
VERSION = 1

Progress = Callable[[str, int], None]
"""Called as (what, count) while importing or exporting; the CLI shows it on a terminal."""


def _no_progress(_what: str, _count: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidDataset(ValueError):
    """The document has problems; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the dataset")


@dataclass(slots=True)
class ImportReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    warnings: list[Problem] = field(default_factory=list)
    """What was imported but looks wrong (see ``dataset_warnings``): said, never refused."""
    look_alikes: list[LookAlike] = field(default_factory=list)
    """New records that look like others (a warning: they were imported)."""

    @property
    def changed(self) -> bool:
        return bool(+self.created or +self.updated or +self.deleted)

    def lines(self) -> list[str]:
        kinds = sorted(
            set(self.created) | set(self.updated) | set(self.deleted) | set(self.unchanged)
        )
        return [
            f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, "
            f"{self.deleted[kind]} deleted, {self.unchanged[kind]} unchanged"
            for kind in kinds
        ]


def find_look_alikes(session: Session, document: Mapping[str, Any]) -> list[LookAlike]:
    """The new records of a valid document that look like existing ones or like each other
    (tracker.services.look_alikes): what the import report warns about."""
    records = {key: _items(document, key) for key in look_alikes.KINDS}
    return look_alikes.in_dataset(session, records)


def look_alike_lines(found: Sequence[LookAlike], shown: int = 100) -> list[str]:
    """The warning the import report gives about records that look like others (the first
    ``shown`` of them: a file of generated names may have thousands)."""
    if not found:
        return []
    records = len({item.path for item in found})
    lines = [
        f"Warning: {records:,} new record{'s' if records != 1 else ''} "
        f"look{'s' if records == 1 else ''} like others; check each, and merge those that are "
        "the same:",
        *(f"  {item}" for item in found[:shown]),
    ]
    if len(found) > shown:
        lines.append(f"  … and {len(found) - shown:,} more.")
    return lines


# --------------------------------------------------------------------------------------------
# Validation


@cache
def dataset_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(paths.dataset_schema().read_text(encoding="utf-8"))
    return schema


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
    for _, person in _items(document, "people"):
        if isinstance(person.get("organization"), str):
            refs.organizations.add(person["organization"])
    for _, measure in _items(document, "measures"):
        for relation in measure.get("relations") or []:
            if isinstance(relation, dict) and isinstance(relation.get("target"), str):
                refs.measures.add(relation["target"])
    for _, statement in _items(document, "statements"):
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
        key: {item.get("slug") for _, item in _items(document, key)}
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


def _items(document: Mapping[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = document.get(key)
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def _semantic_problems(
    document: Mapping[str, Any], session: Session | None, outside_known: bool
) -> list[Problem]:
    problems: list[Problem] = []
    add = problems.append
    known = _referenced(document) if outside_known else _known_in_database(session, document)

    for key in ("topics", "organizations", "people", "measures", "statements"):
        seen: dict[str, int] = {}
        for index, item in _items(document, key):
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
        for _, item in _items(document, "organizations")
        if isinstance(item.get("slug"), str)
    }
    people = known.people | {
        item["slug"] for _, item in _items(document, "people") if isinstance(item.get("slug"), str)
    }
    measures = known.measures | {
        item["slug"]
        for _, item in _items(document, "measures")
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

    for index, org in _items(document, "organizations"):
        country = org.get("country")
        if isinstance(country, str) and not is_country(country):
            add(Problem(f"organizations[{index}].country", f'"{country}" is not a country code'))

    for index, person in _items(document, "people"):
        check_ref(
            f"people[{index}].organization",
            person.get("organization"),
            organizations,
            "organization",
        )

    for index, measure in _items(document, "measures"):
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
                if (
                    isinstance(end, str)
                    and PartialDate.from_iso(end).end < PartialDate.from_iso(event["date"]).start
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
            check_ref(f"{there}.target", target, measures, "measure")
            if target is not None and target == slug:
                add(Problem(f"{there}.target", "a measure cannot relate to itself"))
            pair = (relation.get("type"), target)
            if pair in seen_relations:
                add(Problem(there, f'the relation "{pair[0]}" to "{target}" is listed twice'))
            seen_relations.add(pair)

    for index, statement in _items(document, "statements"):
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
        if not statement.get("url") and not statement.get("sources"):
            add(Problem(here, "a statement needs a url or at least one source"))
        reacts = statement.get("reacts_to")
        if isinstance(reacts, dict):
            key3 = (reacts.get("measure"), reacts.get("type"), reacts.get("date"))
            if key3 not in events:
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
    document: Any, session: Session | None = None, *, outside_known: bool = False
) -> list[Problem]:
    """Every problem in the document, in file order; an empty list means it can be imported.

    References resolve in the file or in ``session``'s database; with ``outside_known`` (the
    format alone, no database) a reference to a record the file does not hold is assumed to be
    in the tracker it will be imported into (``outside_references`` lists them).
    """
    if not isinstance(document, dict):
        return [Problem("", "the dataset must be a JSON object")]
    control = [] if _surely_clean(document) else list(_control_problems(document))
    if control:
        # Checked first and alone: the checks below look slugs up in the database.
        return control
    problems = _schema_problems(document)
    problems += _semantic_problems(document, session, outside_known)
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


def load_json(text: str | bytes) -> Any:
    """Parse JSON, turning a syntax error into a Problem with its line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDataset(
            [Problem(f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}")]
        ) from None
    except UnicodeDecodeError as exc:
        raise InvalidDataset([Problem("", f"not UTF-8 text: {exc.reason}")]) from None


# --------------------------------------------------------------------------------------------
# Import


def _date_columns(prefix: str, value: PartialDate | None) -> dict[str, Any]:
    """The stored columns of a partial date, for rows written without the ORM."""
    iso, approximate, start, precision, end = (
        value.__composite_values__() if value is not None else (None, None, None, None, None)
    )
    return {
        f"{prefix}_iso": iso,
        f"{prefix}_approximate": approximate,
        f"{prefix}_start": start,
        f"{prefix}_precision": precision,
        f"{prefix}_end": end,
    }


def _bulk(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows in one executemany per chunk, bypassing the ORM's unit of work.

    New records of a large import are written this way: the unit of work costs more per row
    than the database does. Column defaults (timestamps) still apply, and the database's
    triggers (search index, status cache) still fire for every row.
    """
    for start in range(0, len(rows), 5000):
        session.execute(table.insert(), rows[start : start + 5000])


def _source_after(row: Mapping[str, Any]) -> dict[str, Any]:
    """A source written in bulk, as its creation revision records it (editing.snapshot)."""
    accessed = row.get("accessed")
    return stored_fields(
        SourceData(
            url=row["url"],
            title=row["title"],
            publisher=row["publisher"],
            published=row.get("published_iso"),
            published_approximate=bool(row.get("published_approximate")),
            accessed=accessed.isoformat() if accessed else None,
            archived_url=row["archived_url"],
        )
    )


def _event_revision(measure: Measure, item: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(label, after) of an event written in bulk, as editing.label/snapshot would give."""
    date = PartialDate.from_iso(item["date"], bool(item.get("approximate")))
    votes = item.get("votes") or {}
    data = EventData(
        type=item["type"],
        date=item["date"],
        approximate=bool(item.get("approximate")),
        end_date=item.get("end_date"),
        end_approximate=bool(item.get("end_approximate")) if item.get("end_date") else False,
        actor=item.get("actor"),
        description=item.get("description"),
        votes_for=votes.get("for"),
        votes_against=votes.get("against"),
        votes_abstain=votes.get("abstain"),
        sources=sorted({source["url"] for source in item.get("sources") or []}),
    )
    name = f"{vocab.EVENT_TYPES[item['type']].label}, {date.format()} · {measure.display_title}"
    return name, {"measure": measure.slug, "measure_id": measure.id, **stored_fields(data)}


def _statement_after(item: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    """A statement written in bulk, as its creation revision records it (editing.snapshot)."""
    return stored_fields(
        StatementData(
            slug=item["slug"],
            title=item["title"],
            organization=item["organization"],
            date=item["date"],
            approximate=bool(item.get("approximate")),
            signatories=sorted(set(item.get("signatories") or [])),
            speaker=item.get("speaker"),
            type=item.get("type"),
            stance=item.get("stance"),
            asks=list(item.get("asks") or []),
            url=item.get("url"),
            summary=item.get("summary"),
            visibility=item.get("visibility", "public"),
            measures=sorted(set(item.get("measures") or [])),
            reacts_to=row["reacts_to_event_id"],
            quotes=[
                QuoteData(text=quote["text"], speaker=quote.get("speaker"))
                for quote in item.get("quotes") or []
            ],
            sources=sorted({source["url"] for source in item.get("sources") or []}),
        )
    )


def _mentions(document: Mapping[str, Any], kind: str) -> dict[str, set[str]]:
    """Slugs of the organizations (authors, co-signatories) or people (speakers, quoted) that
    the file's public and its internal statements mention."""
    mentioned: dict[str, set[str]] = {"public": set(), "internal": set()}
    for _, statement in _items(document, "statements"):
        if kind == "organizations":
            slugs = [statement.get("organization"), *(statement.get("signatories") or [])]
        else:
            quotes = statement.get("quotes") or []
            slugs = [statement.get("speaker"), *(quote.get("speaker") for quote in quotes)]
        mentioned[statement.get("visibility", "public")].update(s for s in slugs if s)
    return mentioned


def _visibility(
    item: Mapping[str, Any], created: bool, mentions: Mapping[str, set[str]]
) -> dict[str, str]:
    """The visibility an organization or a person gets from the file.

    A file that says is obeyed. A file that does not (version 1 files written before the field
    existed, the seed) changes nothing for a record the tracker already has, so that importing
    an old file never makes public a record someone made internal; a new record gets the rule
    those files were written under: internal when the file's internal statements mention it
    and none of its public ones do, public otherwise.
    """
    if "visibility" in item:
        return {"visibility": item["visibility"]}
    if not created:
        return {}
    slug = item["slug"]
    hidden = slug in mentions["internal"] and slug not in mentions["public"]
    return {"visibility": "internal" if hidden else "public"}


def _humanize(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def _set(record: Any, values: Mapping[str, Any]) -> bool:
    """Assign only what differs, so an unchanged record is not written (or revised) again."""
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def _set_list(record: Any, name: str, values: list[Any]) -> bool:
    """Replace a collection unless it already holds the same records (its order is the
    relationship's order_by, not the file's)."""
    current = getattr(record, name)
    if len(current) == len(values) and set(map(id, current)) == set(map(id, values)):
        return False
    setattr(record, name, values)
    return True


class _Importer:
    def __init__(self, session: Session, progress: Progress) -> None:
        self.session = session
        self.progress = progress
        self.report = ImportReport()
        self.topics: dict[str, Topic] = {t.slug: t for t in session.scalars(select(Topic))}
        self.organizations = {o.slug: o for o in session.scalars(select(Organization))}
        self.people = {p.slug: p for p in session.scalars(select(Person))}
        self.sources: dict[str, Source] = {}
        self.source_data: dict[str, dict[str, Any]] = {}
        # New records are written in bulk (see _bulk): ids of the new sources by URL, the new
        # measures with their items, and the ids of the events written for them.
        self.new_source_ids: dict[str, int] = {}
        self.new_measures: list[tuple[Measure, dict[str, Any]]] = []
        self.new_event_ids: dict[tuple[str, str, str], int] = {}

    def count(self, kind: str, created: bool, changed: bool) -> None:
        if created:
            self.report.created[kind] += 1
        elif changed:
            self.report.updated[kind] += 1
        else:
            self.report.unchanged[kind] += 1

    # sources are shared by URL; the file's first non-empty value of each field wins
    def collect_sources(self, document: Mapping[str, Any]) -> None:
        def walk(sources: Iterable[dict[str, Any]]) -> None:
            for source in sources:
                merged = self.source_data.setdefault(source["url"], {})
                for key, value in source.items():
                    if value is not None and merged.get(key) is None:
                        merged[key] = value

        for _, measure in _items(document, "measures"):
            walk(measure.get("sources") or [])
            for event in measure.get("events") or []:
                walk(event.get("sources") or [])
        for _, statement in _items(document, "statements"):
            walk(statement.get("sources") or [])

        urls = list(self.source_data)
        existing: dict[str, Source] = {}
        for chunk in range(0, len(urls), 500):
            query = select(Source).where(Source.url.in_(urls[chunk : chunk + 500]))
            existing.update((source.url, source) for source in self.session.scalars(query))
        new_rows: list[dict[str, Any]] = []
        for url, data in self.source_data.items():
            published = data.get("published")
            accessed = data.get("accessed")
            values: dict[str, Any] = {
                key: data[key] for key in ("title", "publisher", "archived_url") if key in data
            }
            if published is not None:
                values["published"] = PartialDate.from_iso(published)
            if accessed is not None:
                values["accessed"] = dt.date.fromisoformat(accessed)
            source = existing.get(url)
            if source is None:
                row = {"url": url, "title": None, "publisher": None, "archived_url": None}
                row.update(_date_columns("published", values.pop("published", None)))
                row.update(values, accessed=values.get("accessed"))
                new_rows.append(row)
                continue
            self.count("sources", False, _set(source, values))
            self.sources[url] = source
        _bulk(self.session, Source.__table__, new_rows)
        self.report.created["sources"] += len(new_rows)
        urls = [row["url"] for row in new_rows]
        for chunk in range(0, len(urls), 500):
            written = select(Source.id, Source.url).where(Source.url.in_(urls[chunk : chunk + 500]))
            self.new_source_ids.update((row.url, row.id) for row in self.session.execute(written))
        history.record_bulk(
            self.session,
            "source",
            (
                (self.new_source_ids[row["url"]], row["title"] or row["url"], _source_after(row))
                for row in new_rows
            ),
        )

    def source_ids(self, sources: Iterable[dict[str, Any]] | None) -> list[int]:
        """Ids of the cited sources, each once, for rows written in bulk."""
        ids: list[int] = []
        for source in sources or []:
            url = source["url"]
            source_id = self.new_source_ids.get(url)
            if source_id is None:
                source_id = self.sources[url].id
            if source_id not in ids:
                ids.append(source_id)
        return ids

    def source_list(self, sources: Iterable[dict[str, Any]] | None) -> list[Source]:
        result: list[Source] = []
        for source in sources or []:
            url = source["url"]
            if url not in self.sources:  # written in bulk just now: load it for the ORM
                loaded = self.session.get(Source, self.new_source_ids[url])
                assert loaded is not None
                self.sources[url] = loaded
            record = self.sources[url]
            if record not in result:
                result.append(record)
        return result

    def topic(self, slug: str) -> Topic:
        topic = self.topics.get(slug)
        if topic is None:
            topic = Topic(slug=slug, name=_humanize(slug))
            self.session.add(topic)
            self.topics[slug] = topic
            self.report.created["topics"] += 1
        return topic

    def import_topics(self, document: Mapping[str, Any]) -> None:
        for _, item in _items(document, "topics"):
            topic = self.topics.get(item["slug"])
            created = topic is None
            if topic is None:
                topic = Topic(slug=item["slug"], name=item["name"])
                self.session.add(topic)
                self.topics[item["slug"]] = topic
            self.count("topics", created, _set(topic, {"name": item["name"]}))

    def import_organizations(self, document: Mapping[str, Any]) -> None:
        mentions = _mentions(document, "organizations")
        for _, item in _items(document, "organizations"):
            org = self.organizations.get(item["slug"])
            created = org is None
            if org is None:
                org = Organization(slug=item["slug"])
                self.session.add(org)
                self.organizations[org.slug] = org
            values = {key: item.get(key) for key in ("name", "acronym", "kind", "country", "url")}
            values.update(_visibility(item, created, mentions))
            self.count("organizations", created, _set(org, values))

    def import_people(self, document: Mapping[str, Any]) -> None:
        mentions = _mentions(document, "people")
        for _, item in _items(document, "people"):
            person = self.people.get(item["slug"])
            created = person is None
            if person is None:
                person = Person(slug=item["slug"])
                self.session.add(person)
                self.people[person.slug] = person
            org_slug = item.get("organization")
            values = {
                "name": item["name"],
                "role": item.get("role"),
                "organization": self.organizations[org_slug] if org_slug else None,
                **_visibility(item, created, mentions),
            }
            self.count("people", created, _set(person, values))

    def import_measures(self, document: Mapping[str, Any]) -> dict[str, Measure]:
        items = _items(document, "measures")
        slugs = [item["slug"] for _, item in items]
        measures: dict[str, Measure] = {}
        for chunk in range(0, len(slugs), 500):
            query = (
                select(Measure)
                .where(Measure.slug.in_(slugs[chunk : chunk + 500]))
                .options(
                    selectinload(Measure.events).selectinload(Event.sources),
                    selectinload(Measure.relations),
                    selectinload(Measure.topics),
                    selectinload(Measure.sources),
                )
            )
            measures.update((m.slug, m) for m in self.session.scalars(query))
        new_items: list[dict[str, Any]] = []
        new_rows: list[dict[str, Any]] = []
        for done, (_, item) in enumerate(items, 1):
            measure = measures.get(item["slug"])
            values = {
                "country": item["country"],
                "kind": item["kind"],
                "title": item["title"],
                "short_title": item.get("short_title"),
                "original_title": item.get("original_title"),
                "original_language": item.get("original_language"),
                "popular_names": list(item.get("popular_names") or []),
                "identifier": item.get("identifier"),
                "originating_body": item.get("originating_body"),
                "summary": item.get("summary"),
                "visibility": item.get("visibility", "public"),
            }
            if measure is None:
                # Written in bulk below, with its topics, sources and events once it has an id.
                for slug in item.get("topics") or []:
                    self.topic(slug)
                new_rows.append({"slug": item["slug"], **values})
                new_items.append(item)
                self.count("measures", True, True)
                continue
            changed = _set(measure, values)
            changed |= _set_list(
                measure, "topics", [self.topic(s) for s in item.get("topics") or []]
            )
            changed |= _set_list(measure, "sources", self.source_list(item.get("sources")))
            self.sync_events(measure, item.get("events") or [])
            self.count("measures", False, changed)
            if done % 200 == 0:
                self.progress("measures", done)
        self.write_measure_rows(new_rows, measures)
        self.new_measures = [(measures[item["slug"]], item) for item in new_items]
        self.progress("measures", len(items))
        # Relations point at other measures: resolve them once every measure exists.
        by_slug = dict(measures)
        missing = {
            relation["target"]
            for _, item in items
            for relation in item.get("relations") or []
            if relation["target"] not in by_slug
        }
        if missing:
            by_slug.update(
                (m.slug, m)
                for m in self.session.scalars(select(Measure).where(Measure.slug.in_(missing)))
            )
        for _, item in items:
            self.sync_relations(by_slug[item["slug"]], item.get("relations") or [], by_slug)
        return by_slug

    def write_measure_rows(self, rows: list[dict[str, Any]], measures: dict[str, Measure]) -> None:
        """INSERT the new measures in bulk, then load them back as ORM objects (relations and
        statements refer to them). Creating them through the unit of work cost a flush, a
        lazy load of two empty collections and a revision INSERT per measure: a third of a
        large import's time. Their revisions are written in bulk by write_new_measures."""
        if not rows:
            return
        # The unit of work flushes existing records first, so that nothing it holds is
        # written after rows that might refer to it.
        self.session.flush()
        _bulk(self.session, Measure.__table__, rows)
        slugs = [row["slug"] for row in rows]
        for chunk in range(0, len(slugs), 500):
            query = (
                select(Measure)
                .where(Measure.slug.in_(slugs[chunk : chunk + 500]))
                .options(selectinload(Measure.relations))
            )
            for measure in self.session.scalars(query):
                # Known to be empty: spare a lazy load each (write_new_measures fills them).
                for name in ("events", "topics", "sources"):
                    set_committed_value(measure, name, [])
                measures[measure.slug] = measure

    def write_new_measures(self) -> None:
        """Topics, sources and events of the measures this import created, in bulk.

        Runs after the flush that gave the new measures their ids. The events' ids are read
        back in the order they were written (ids grow with insertion), to link their sources
        and to let statements refer to them.
        """
        if not self.new_measures:
            return
        topics, sources, events = [], [], []
        for measure, item in self.new_measures:
            topics += [
                {"measure_id": measure.id, "topic_id": self.topics[slug].id}
                for slug in dict.fromkeys(item.get("topics") or [])
            ]
            sources += [
                {"measure_id": measure.id, "source_id": source_id}
                for source_id in self.source_ids(item.get("sources"))
            ]
            for event in item.get("events") or []:
                votes = event.get("votes") or {}
                end = event.get("end_date")
                events.append(
                    {
                        "measure_id": measure.id,
                        "type": event["type"],
                        **_date_columns(
                            "date",
                            PartialDate.from_iso(event["date"], bool(event.get("approximate"))),
                        ),
                        **_date_columns(
                            "end_date",
                            PartialDate.from_iso(end, bool(event.get("end_approximate")))
                            if end
                            else None,
                        ),
                        "actor": event.get("actor"),
                        "description": event.get("description"),
                        "votes_for": votes.get("for"),
                        "votes_against": votes.get("against"),
                        "votes_abstain": votes.get("abstain"),
                    }
                )
        _bulk(self.session, measure_topics, topics)
        _bulk(self.session, measure_sources, sources)
        _bulk(self.session, Event.__table__, events)
        self.report.created["events"] += len(events)
        by_measure: dict[int, list[int]] = {}
        ids = [measure.id for measure, _ in self.new_measures]
        for chunk in range(0, len(ids), 500):
            query = (
                select(Event.measure_id, Event.id)
                .where(Event.measure_id.in_(ids[chunk : chunk + 500]))
                .order_by(Event.measure_id, Event.id)
            )
            for measure_id, event_id in self.session.execute(query):
                by_measure.setdefault(measure_id, []).append(event_id)
        links = []
        revisions: list[tuple[int, str, dict[str, Any]]] = []
        completed: list[tuple[int, str, dict[str, Any]]] = []
        for measure, item in self.new_measures:
            written = by_measure.get(measure.id, [])
            items = item.get("events") or []
            assert len(written) == len(items)  # a new measure has only the events just written
            for event_id, event in zip(written, items, strict=True):
                self.new_event_ids.setdefault(
                    (measure.slug, event["type"], event["date"]), event_id
                )
                links += [
                    {"event_id": event_id, "source_id": source_id}
                    for source_id in self.source_ids(event.get("sources"))
                ]
                revisions.append((event_id, *_event_revision(measure, event)))
            after = stored_fields(measure_data(measure))
            after["topics"] = sorted(set(item.get("topics") or []))
            after["sources"] = sorted({source["url"] for source in item.get("sources") or []})
            completed.append((measure.id, measure.display_title, after))
            # The ORM's (empty) collection of a new measure is out of date now.
            self.session.expire(measure, ["events", "topics", "sources"])
        _bulk(self.session, event_sources, links)
        history.record_bulk(self.session, "event", revisions)
        history.record_bulk(self.session, "measure", completed)

    def sync_events(self, measure: Measure, items: list[dict[str, Any]]) -> None:
        """Make the measure's events what the file says, touching only what differs.

        Events have no slug; an event in the file is the one in the database with the same
        type, date and description, or failing that the same type and date.
        """
        unmatched = list(measure.events)
        wanted: list[tuple[dict[str, Any], Event | None]] = []
        for item in items:
            exact = [
                e
                for e in unmatched
                if e.type == item["type"]
                and e.date_iso == item["date"]
                and (e.description or None) == (item.get("description") or None)
            ]
            loose = exact or [
                e for e in unmatched if e.type == item["type"] and e.date_iso == item["date"]
            ]
            match = loose[0] if loose else None
            if match is not None:
                unmatched.remove(match)
            wanted.append((item, match))
        for event in unmatched:
            measure.events.remove(event)
            self.report.deleted["events"] += 1
        for item, match in wanted:
            votes = item.get("votes") or {}
            end = item.get("end_date")
            values = {
                "type": item["type"],
                "date": PartialDate.from_iso(item["date"], bool(item.get("approximate"))),
                "end_date": (
                    PartialDate.from_iso(end, bool(item.get("end_approximate"))) if end else None
                ),
                "actor": item.get("actor"),
                "description": item.get("description"),
                "votes_for": votes.get("for"),
                "votes_against": votes.get("against"),
                "votes_abstain": votes.get("abstain"),
            }
            created = match is None
            if match is None:
                event = Event(**values)
                measure.events.append(event)
            else:
                event = match
            changed = _set(event, values)
            changed |= _set_list(event, "sources", self.source_list(item.get("sources")))
            self.count("events", created, changed)

    def sync_relations(
        self, measure: Measure, items: list[dict[str, Any]], by_slug: Mapping[str, Measure]
    ) -> None:
        existing = {(r.type, r.object.slug): r for r in measure.relations}
        keep: set[tuple[str, str]] = set()
        for item in items:
            key = (item["type"], item["target"])
            keep.add(key)
            relation = existing.get(key)
            created = relation is None
            if relation is None:
                relation = Relation(type=item["type"], object=by_slug[item["target"]])
                measure.relations.append(relation)
            self.count("relations", created, _set(relation, {"note": item.get("note")}))
        for key, relation in existing.items():
            if key not in keep:
                measure.relations.remove(relation)
                self.report.deleted["relations"] += 1

    def import_statements(
        self, document: Mapping[str, Any], measures: Mapping[str, Measure]
    ) -> None:
        items = _items(document, "statements")
        slugs = [item["slug"] for _, item in items]
        existing: dict[str, Statement] = {}
        for chunk in range(0, len(slugs), 500):
            query = (
                select(Statement)
                .where(Statement.slug.in_(slugs[chunk : chunk + 500]))
                .options(
                    selectinload(Statement.quotes),
                    selectinload(Statement.measures),
                    selectinload(Statement.signatories),
                    selectinload(Statement.sources),
                )
            )
            existing.update((s.slug, s) for s in self.session.scalars(query))
        needed = {
            slug for _, item in items for slug in item.get("measures") or [] if slug not in measures
        } | {
            item["reacts_to"]["measure"]
            for _, item in items
            if item.get("reacts_to") and item["reacts_to"]["measure"] not in measures
        }
        all_measures = dict(measures)
        if needed:
            with_events = (
                select(Measure)
                .where(Measure.slug.in_(needed))
                .options(selectinload(Measure.events))
            )
            all_measures.update((m.slug, m) for m in self.session.scalars(with_events))
        new: list[dict[str, Any]] = []
        for done, (_, item) in enumerate(items, 1):
            if item["slug"] not in existing:
                new.append(item)
                continue
            speaker = item.get("speaker")
            reacts = item.get("reacts_to")
            values = {
                "organization": self.organizations[item["organization"]],
                "speaker": self.people[speaker] if speaker else None,
                "type": item.get("type"),
                "stance": item.get("stance"),
                "asks": list(item.get("asks") or []),
                "date": PartialDate.from_iso(item["date"], bool(item.get("approximate"))),
                "title": item["title"],
                "url": item.get("url"),
                "summary": item.get("summary"),
                "visibility": item.get("visibility", "public"),
                "reacts_to": self.find_event(all_measures, reacts) if reacts else None,
            }
            statement = existing.get(item["slug"])
            created = statement is None
            assert statement is not None  # new statements were set aside above
            changed = _set(statement, values)
            changed |= _set_list(
                statement,
                "signatories",
                [self.organizations[s] for s in item.get("signatories") or []],
            )
            changed |= _set_list(
                statement, "measures", [all_measures[s] for s in item.get("measures") or []]
            )
            changed |= _set_list(statement, "sources", self.source_list(item.get("sources")))
            changed |= self.sync_quotes(statement, item.get("quotes") or [])
            self.count("statements", created, changed)
            if done % 500 == 0:
                self.progress("statements", done)
        self.write_new_statements(new, all_measures)
        self.progress("statements", len(items))

    def event_id(self, measures: Mapping[str, Measure], reacts: Mapping[str, str]) -> int:
        written = self.new_event_ids.get((reacts["measure"], reacts["type"], reacts["date"]))
        return written if written is not None else self.find_event(measures, reacts).id

    def write_new_statements(
        self, items: list[dict[str, Any]], measures: Mapping[str, Measure]
    ) -> None:
        """The statements this import creates, with their quotes and links, in bulk."""
        if not items:
            return
        rows = []
        for item in items:
            speaker = item.get("speaker")
            reacts = item.get("reacts_to")
            rows.append(
                {
                    "slug": item["slug"],
                    "organization_id": self.organizations[item["organization"]].id,
                    "speaker_id": self.people[speaker].id if speaker else None,
                    "type": item.get("type"),
                    "stance": item.get("stance"),
                    "asks": list(item.get("asks") or []),
                    **_date_columns(
                        "date", PartialDate.from_iso(item["date"], bool(item.get("approximate")))
                    ),
                    "title": item["title"],
                    "url": item.get("url"),
                    "summary": item.get("summary"),
                    "visibility": item.get("visibility", "public"),
                    "reacts_to_event_id": self.event_id(measures, reacts) if reacts else None,
                }
            )
        _bulk(self.session, Statement.__table__, rows)
        self.report.created["statements"] += len(rows)
        slugs = [item["slug"] for item in items]
        ids: dict[str, int] = {}
        for chunk in range(0, len(slugs), 500):
            query = select(Statement.slug, Statement.id).where(
                Statement.slug.in_(slugs[chunk : chunk + 500])
            )
            ids.update((slug, statement_id) for slug, statement_id in self.session.execute(query))
        quotes, about, signed, cited = [], [], [], []
        for item in items:
            statement_id = ids[item["slug"]]
            quotes += [
                {
                    "statement_id": statement_id,
                    "position": position,
                    "text": quote["text"],
                    "speaker_id": self.people[quote["speaker"]].id
                    if quote.get("speaker")
                    else None,
                }
                for position, quote in enumerate(item.get("quotes") or [])
            ]
            about += [
                {"statement_id": statement_id, "measure_id": measures[slug].id}
                for slug in dict.fromkeys(item.get("measures") or [])
            ]
            signed += [
                {"statement_id": statement_id, "organization_id": self.organizations[slug].id}
                for slug in dict.fromkeys(item.get("signatories") or [])
            ]
            cited += [
                {"statement_id": statement_id, "source_id": source_id}
                for source_id in self.source_ids(item.get("sources"))
            ]
        _bulk(self.session, Quote.__table__, quotes)
        _bulk(self.session, statement_measures, about)
        _bulk(self.session, statement_signatories, signed)
        _bulk(self.session, statement_sources, cited)
        history.record_bulk(
            self.session,
            "statement",
            (
                (ids[item["slug"]], item["title"], _statement_after(item, row))
                for item, row in zip(items, rows, strict=True)
            ),
        )

    def find_event(self, measures: Mapping[str, Measure], reacts: Mapping[str, str]) -> Event:
        measure = measures[reacts["measure"]]
        for event in measure.events:
            if event.type == reacts["type"] and event.date_iso == reacts["date"]:
                return event
        raise LookupError(f"no event {reacts}")  # validation guarantees it exists

    def sync_quotes(self, statement: Statement, items: list[dict[str, Any]]) -> bool:
        wanted = [
            (item["text"], self.people[item["speaker"]] if item.get("speaker") else None)
            for item in items
        ]
        current = [(quote.text, quote.speaker) for quote in statement.quotes]
        if wanted == current:
            return False
        statement.quotes = [
            Quote(text=text, speaker=speaker, position=position)
            for position, (text, speaker) in enumerate(wanted)
        ]
        return True


@dataclass(frozen=True, slots=True)
class _FileEvent:
    """An event of the file as the status reads it, with its place in the file."""

    place: str
    type: str
    date: PartialDate
    end_date: PartialDate | None
    actor: str | None


def dataset_warnings(document: Any) -> list[Problem]:
    """What a valid file holds that is probably a mistake, each at its place in the file:
    events the status ignores because they cannot follow an enactment ("withdrawn" after a law
    entered into force: did you mean repealed?)."""
    found: list[Problem] = []
    for m, measure in enumerate(document.get("measures") or []):
        events = [
            _FileEvent(
                f"measures[{m}].events[{e}]",
                event["type"],
                PartialDate.from_iso(event["date"], bool(event.get("approximate"))),
                PartialDate.from_iso(event["end_date"]) if event.get("end_date") else None,
                event.get("actor"),
            )
            for e, event in enumerate(measure.get("events") or [])
        ]
        found += [Problem(event.place, note) for event, note in status_warnings(events)]
    return sorted(found, key=lambda problem: problem.path)


def import_dataset(
    session: Session, document: Any, progress: Progress = _no_progress
) -> ImportReport:
    """Validate the whole document, then upsert it; raise InvalidDataset and write nothing if
    anything is wrong. The caller commits."""
    problems = validate_dataset(document, session)
    if problems:
        raise InvalidDataset(problems)
    # Imports write history like every other change (the CLI names itself the author).
    history.install()
    importer = _Importer(session, progress)
    # Before anything is written: "new" means no record has the slug yet.
    importer.report.look_alikes = find_look_alikes(session, document)
    # Flushing by hand keeps autoflush from writing half-built records during the lookups.
    with session.no_autoflush:
        importer.import_topics(document)
        importer.import_organizations(document)
        importer.import_people(document)
        importer.collect_sources(document)
        measures = importer.import_measures(document)
        session.flush()
        importer.write_new_measures()
        importer.import_statements(document, measures)
    session.flush()
    importer.report.warnings = dataset_warnings(document)
    # Triggers marked the statuses of the measures whose events changed as stale; derive them
    # now, in bulk, rather than on the first page view after a large import.
    status_cache.refresh(session)
    if session.get_bind().dialect.name == "sqlite":
        # Statistics from a bounded sample, so that SQLite's planner knows that "country" is
        # selective and "visibility" is not (PostgreSQL's autovacuum does this by itself).
        session.execute(text("PRAGMA analysis_limit=1000"))
        session.execute(text("ANALYZE"))
    return importer.report


# --------------------------------------------------------------------------------------------
# Export


def _source_dict(source: Source) -> dict[str, Any]:
    return {
        "url": source.url,
        "title": source.title,
        "publisher": source.publisher,
        "published": source.published.iso if source.published else None,
        "accessed": source.accessed.isoformat() if source.accessed else None,
        "archived_url": source.archived_url,
    }


def _event_dict(event: Event) -> dict[str, Any]:
    votes = None
    if event.has_votes:
        votes = {
            "for": event.votes_for,
            "against": event.votes_against,
            "abstain": event.votes_abstain,
        }
    return {
        "type": event.type,
        "date": event.date.iso,
        "approximate": event.date.approximate,
        "end_date": event.end_date.iso if event.end_date else None,
        "end_approximate": event.end_date.approximate if event.end_date else False,
        "actor": event.actor,
        "description": event.description,
        "votes": votes,
        "sources": [_source_dict(source) for source in event.sources],
    }


def event_dict(event: Event) -> dict[str, Any]:
    """One event in the interchange format."""
    return _event_dict(event)


def measure_dict(measure: Measure, include_internal: bool) -> dict[str, Any]:
    """One measure in the interchange format; relations to measures the reader may not see
    are left out."""
    return {
        "slug": measure.slug,
        "country": measure.country,
        "kind": measure.kind,
        "title": measure.title,
        "short_title": measure.short_title,
        "original_title": measure.original_title,
        "original_language": measure.original_language,
        "popular_names": list(measure.popular_names or []),
        "identifier": measure.identifier,
        "originating_body": measure.originating_body,
        "summary": measure.summary,
        "topics": [topic.slug for topic in measure.topics],
        "visibility": measure.visibility,
        "sources": [_source_dict(source) for source in measure.sources],
        "events": [_event_dict(event) for event in measure.events],
        "relations": [
            {"type": relation.type, "target": relation.object.slug, "note": relation.note}
            for relation in measure.relations
            if may_see(relation.object, include_internal)
        ],
    }


def statement_dict(statement: Statement, include_internal: bool) -> dict[str, Any]:
    """One statement in the interchange format. Where the reader may not see a measure, an
    event's measure, a co-signatory, the speaker or a quote's speaker, the reference is left
    out (a speaker becomes null): a slug names its record as well as its name does."""
    reacts = statement.reacts_to
    speaker = shown(statement.speaker, include_internal)
    return {
        "slug": statement.slug,
        "organization": statement.organization.slug,
        "signatories": [
            org.slug for org in statement.signatories if may_see(org, include_internal)
        ],
        "speaker": speaker.slug if speaker else None,
        "type": statement.type,
        "stance": statement.stance,
        "asks": list(statement.asks or []),
        "date": statement.date.iso,
        "approximate": statement.date.approximate,
        "title": statement.title,
        "url": statement.url,
        "summary": statement.summary,
        "quotes": [
            {"text": quote.text, "speaker": _slug_of(shown(quote.speaker, include_internal))}
            for quote in statement.quotes
        ],
        "measures": [
            measure.slug for measure in statement.measures if may_see(measure, include_internal)
        ],
        "reacts_to": (
            {"measure": reacts.measure.slug, "type": reacts.type, "date": reacts.date.iso}
            if reacts is not None and may_see(reacts.measure, include_internal)
            else None
        ),
        "visibility": statement.visibility,
        "sources": [_source_dict(source) for source in statement.sources],
    }


def _slug_of(record: Organization | Person | None) -> str | None:
    return record.slug if record is not None else None


def iter_export(
    session: Session, include_internal: bool, progress: Progress = _no_progress
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(section, record) pairs in the document's order, loading in batches."""

    measure_query = visible_measures(include_internal).order_by(Measure.slug)
    statement_query = visible_statements(include_internal).order_by(
        Statement.date_iso, Statement.slug
    )
    if not include_internal:
        # The format names a statement's author by slug and needs one: a public statement by
        # an internal organization cannot be written without naming it, so it stays out.
        statement_query = statement_query.where(
            Statement.organization_id.in_(
                visible_organizations(include_internal).with_only_columns(Organization.id)
            )
        )
    for topic in session.scalars(visible_topics(include_internal).order_by(Topic.slug)):
        yield "topics", {"slug": topic.slug, "name": topic.name}
    organizations = visible_organizations(include_internal).order_by(Organization.slug)
    for org in session.scalars(organizations):
        yield (
            "organizations",
            {
                "slug": org.slug,
                "name": org.name,
                "acronym": org.acronym,
                "kind": org.kind,
                "country": org.country,
                "url": org.url,
                "visibility": org.visibility,
            },
        )
    people = session.scalars(
        visible_people(include_internal)
        .order_by(Person.slug)
        .options(selectinload(Person.organization))
    )
    for person in people:
        yield (
            "people",
            {
                "slug": person.slug,
                "name": person.name,
                "role": person.role,
                # An organization the reader may not see is not named through its member.
                "organization": _slug_of(shown(person.organization, include_internal)),
                "visibility": person.visibility,
            },
        )
    options = (
        selectinload(Measure.topics),
        selectinload(Measure.sources),
        selectinload(Measure.events).selectinload(Event.sources),
        selectinload(Measure.relations).selectinload(Relation.object),
    )
    # "with": when a streamed download is abandoned, its server-side cursor closes at once.
    measures_in_batches = measure_query.options(*options).execution_options(yield_per=200)
    with session.scalars(measures_in_batches) as measures:
        for count, measure in enumerate(measures, 1):
            yield "measures", measure_dict(measure, include_internal)
            if count % 500 == 0:
                progress("measures", count)
    statement_options = (
        selectinload(Statement.organization),
        selectinload(Statement.speaker),
        selectinload(Statement.signatories),
        selectinload(Statement.measures),
        selectinload(Statement.quotes).selectinload(Quote.speaker),
        selectinload(Statement.sources),
        selectinload(Statement.reacts_to).selectinload(Event.measure),
    )
    query = statement_query.options(*statement_options).execution_options(yield_per=500)
    with session.scalars(query) as statements:
        for count, statement in enumerate(statements, 1):
            yield "statements", statement_dict(statement, include_internal)
            if count % 1000 == 0:
                progress("statements", count)


def _header(as_of: dt.date | None) -> dict[str, Any]:
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": clock.now().replace(microsecond=0).isoformat(),
    }
    if as_of is not None:
        header["as_of"] = as_of.isoformat()
    return header


SECTIONS = ("topics", "organizations", "people", "measures", "statements")


def export_dataset(
    session: Session,
    include_internal: bool,
    progress: Progress = _no_progress,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """The whole tracker as one interchange document."""
    document = _header(as_of)
    document.update((key, []) for key in SECTIONS)
    for section, record in iter_export(session, include_internal, progress):
        document[section].append(record)
    return document


def write_export(
    session: Session,
    handle: Any,
    include_internal: bool,
    progress: Progress = _no_progress,
    as_of: dt.date | None = None,
) -> None:
    """Write the export as JSON to a text stream one record at a time (bounded memory)."""
    for chunk in export_chunks(session, include_internal, progress, as_of):
        handle.write(chunk)


def export_chunks(
    session: Session,
    include_internal: bool,
    progress: Progress = _no_progress,
    as_of: dt.date | None = None,
) -> Iterator[str]:
    """The export as JSON text, one record per chunk, for a file or a streamed download."""
    yield "{\n"
    for key, value in _header(as_of).items():
        yield f" {json.dumps(key)}: {json.dumps(value)},\n"
    records = iter_export(session, include_internal, progress)
    pending = next(records, None)
    for index, section in enumerate(SECTIONS):
        yield f" {json.dumps(section)}: ["
        first = True
        while pending is not None and pending[0] == section:
            yield ("\n  " if first else ",\n  ") + json.dumps(pending[1], ensure_ascii=False)
            first = False
            pending = next(records, None)
        yield "\n ]" + (",\n" if index < len(SECTIONS) - 1 else "\n")
    yield "}\n"
