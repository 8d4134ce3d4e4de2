"""Writing one record given in the interchange format (a measure, an event, a statement), as the
JSON API receives it, through the same editing services as the forms.

A record is checked as the importer checks a file (tracker.interchange: structure against
the format's JSON Schema, then meaning), then handed to tracker.services.editing, whose own
rules (slugs, lengths, versions) apply as they do to a form. Every problem is reported with
its place in the record (``events[1].date``) in one ``InvalidRecord``; nothing is kept then
(the caller's transaction is rolled back). History records the change as for a form.

An update is a JSON merge patch (RFC 7396) on the record as the format has it now: the fields
sent replace the stored ones, ``null`` clears one, objects merge and lists are replaced whole.
A measure's events are not part of its patch: each is its own record with its own version.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache, partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import interchange as dataset
from tracker.interchange import Problem
from tracker.models import Event, Measure, Relation, Source, Statement
from tracker.services import editing
from tracker.services.editing import (
    EventData,
    MeasureData,
    QuoteData,
    RelationData,
    SourceData,
    StatementData,
    ValidationFailed,
)
from tracker.viewpoint import Viewpoint

T = TypeVar("T")

KINDS = ("measure", "event", "statement")


class InvalidRecord(ValueError):
    """The record has problems, each with its place in the record; nothing was kept."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the record")


# --------------------------------------------------------------------------------------------
# Schemas: the format's record definitions, as bodies to create a record and patches to one


def definitions() -> dict[str, Any]:
    """The format's JSON Schema definitions (``$defs``) that the bodies refer to."""
    found: dict[str, Any] = copy.deepcopy(dataset.dataset_schema()["$defs"])
    return found


@cache
def shapes() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each body, by name (``measure-create``, ``measure-patch``...), with
    references into the format's ``$defs`` (``#/$defs/source``)."""
    found = definitions()
    result: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        record = found[kind]
        create = copy.deepcopy(record)
        # A slug is made from the title when none is given, as on the forms.
        create["required"] = [name for name in record["required"] if name != "slug"]
        patch = copy.deepcopy(record)
        patch["required"] = []
        if kind == "measure":
            del patch["properties"]["events"]
        result[f"{kind}-create"] = create
        result[f"{kind}-patch"] = patch
    return result


@cache
def _schema(name: str) -> dict[str, Any]:
    return {"$defs": definitions(), **shapes()[name]}


def _check(
    kind: str, name: str, record: Any, session: Session, meaning: bool = True
) -> dict[str, Any]:
    problems = dataset.record_problems(kind, record, session, _schema(name), meaning)
    if problems:
        raise InvalidRecord(problems)
    assert isinstance(record, dict)  # the schema says it is an object
    return record


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: ``patch`` applied to ``target`` (neither is changed)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _patched(kind: str, current: dict[str, Any], patch: Any, session: Session) -> dict[str, Any]:
    if isinstance(patch, dict) and kind == "measure" and "events" in patch:
        raise InvalidRecord(
            [
                Problem(
                    "events",
                    "events are changed one at a time: add one with POST "
                    "/api/v1/measures/{slug}/events, change or delete one at /api/v1/events/{id}",
                )
            ]
        )
    _check(kind, f"{kind}-patch", patch, session, meaning=False)
    merged = merge_patch(current, patch)
    problems = dataset.record_problems(kind, merged, session, _schema(f"{kind}-create"))
    # A stored value the format would not take (an old form let it in) is not the caller's
    # problem unless they send that field: the editing services still check what is saved.
    problems = [problem for problem in problems if _field(problem.path) in {"", *patch}]
    if problems:
        raise InvalidRecord(problems)
    return dict(merged)


# --------------------------------------------------------------------------------------------
# How much one record may carry: the lists API_RECORD_LIMITS bounds, by kind of record

LIMITED_LISTS: dict[str, tuple[str, ...]] = {
    "measure": ("events", "relations", "topics", "popular_names", "sources"),
    "event": ("sources",),
    "statement": ("quotes", "signatories", "measures", "sources"),
}


def oversized(kind: str, record: Any, limits: Mapping[str, int]) -> list[Problem]:
    """The lists of a record (a measure's events, and each event's sources...) longer than
    ``limits`` allows, each at its place; checked before anything else, so that a request too
    large costs nothing."""
    if not isinstance(record, dict):
        return []
    problems = []
    for field in LIMITED_LISTS[kind]:
        value = record.get(field)
        if isinstance(value, list) and len(value) > limits[field]:
            problems.append(Problem(field, f"{len(value)} entries; at most {limits[field]}"))
    if kind == "measure" and isinstance(record.get("events"), list):
        for index, event in enumerate(record["events"][: limits["events"]]):
            problems += [
                Problem(f"events[{index}].{problem.path}", problem.message)
                for problem in oversized("event", event, limits)
            ]
    return problems


# --------------------------------------------------------------------------------------------
# Problems from the editing services, at their place in the record


def _field(path: str) -> str:
    """The top-level field a problem's path is in (``events[1].date``: ``events``)."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


_QUOTE_KEY = re.compile(r"quotes-(\d+)-(\w+)")
_KEY_PATHS = {"votes_for": "votes.for", "votes_against": "votes.against"}
_KEY_PATHS["votes_abstain"] = "votes.abstain"


def _key_path(key: str) -> str:
    quote = _QUOTE_KEY.fullmatch(key)
    if quote:
        return f"quotes[{quote.group(1)}].{quote.group(2)}"
    return _KEY_PATHS.get(key, key)


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return f"{prefix}.{path}" if path else prefix


class _Problems:
    """Problems collected across the saves of one record, so that all are reported at once."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def save(self, prefix: str, save: Callable[[], T]) -> T | None:
        """Run a save; None if it was refused (its problems are kept)."""
        try:
            return save()
        except ValidationFailed as failed:
            self.found += [
                Problem(_join(prefix, _key_path(key)), message)
                for key, message in failed.errors.items()
            ]
            return None

    def raise_any(self) -> None:
        if self.found:
            raise InvalidRecord(self.found)


def _sources(
    session: Session,
    items: Sequence[Mapping[str, Any]],
    prefix: str,
    problems: _Problems,
    known: dict[str, Source] | None = None,
) -> list[str]:
    """The URLs of the cited sources; new ones are saved with what the record says of them,
    and known ones take the values it gives (as an import does: a source is shared by URL).
    ``known``: the sources already looked up, by URL (kept up to date here)."""
    if known is None:
        known = editing.find_sources(session, [str(item["url"]) for item in items])
    urls: list[str] = []
    for index, item in enumerate(items):
        url = str(item["url"])
        given = {key: value for key, value in item.items() if key != "url" and value is not None}
        existing = known.get(url)
        here = f"{prefix}[{index}]"
        saved: Source | None = existing
        if existing is None:
            data = SourceData(url=url, **given)
            saved = problems.save(here, partial(editing.save_source, session, None, data))
        else:
            current = editing.source_data(existing)
            wanted = current.replace(**given)
            if wanted != current:
                saved = problems.save(
                    here,
                    partial(editing.save_source, session, existing, wanted),
                )
        # A source refused here is reported once, at its place, not again by the record's save.
        if saved is not None:
            known[url] = saved
            if url not in urls:
                urls.append(url)
    return urls


# --------------------------------------------------------------------------------------------
# Records to the editing services' data


def _measure_data(record: Mapping[str, Any], sources: list[str]) -> MeasureData:
    return MeasureData(
        title=record["title"],
        country=record["country"],
        kind=record["kind"],
        slug=record.get("slug"),
        short_title=record.get("short_title"),
        original_title=record.get("original_title"),
        original_language=record.get("original_language"),
        popular_names=list(record.get("popular_names") or []),
        identifier=record.get("identifier"),
        originating_body=record.get("originating_body"),
        summary=record.get("summary"),
        visibility=record.get("visibility") or "public",
        topics=list(record.get("topics") or []),
        sources=sources,
    )


def _event_data(record: Mapping[str, Any], sources: list[str]) -> EventData:
    votes = record.get("votes") or {}
    return EventData(
        type=record["type"],
        date=record["date"],
        approximate=bool(record.get("approximate")),
        end_date=record.get("end_date"),
        end_approximate=bool(record.get("end_approximate")),
        actor=record.get("actor"),
        description=record.get("description"),
        votes_for=votes.get("for"),
        votes_against=votes.get("against"),
        votes_abstain=votes.get("abstain"),
        sources=sources,
    )


def _reacts_to(session: Session, reacts: Mapping[str, Any] | None) -> int | None:
    """The event a statement reacted to, named as the format names it (validated to exist)."""
    if not reacts:
        return None
    return session.scalar(
        select(Event.id)
        .join(Event.measure)
        .where(
            Measure.slug == reacts["measure"],
            Event.type == reacts["type"],
            Event.date_iso == reacts["date"],
        )
        .order_by(Event.id)
        .limit(1)
    )


def _statement_data(
    session: Session, record: Mapping[str, Any], sources: list[str]
) -> StatementData:
    return StatementData(
        title=record["title"],
        organization=record["organization"],
        date=record["date"],
        slug=record.get("slug"),
        approximate=bool(record.get("approximate")),
        signatories=list(record.get("signatories") or []),
        speaker=record.get("speaker"),
        type=record.get("type"),
        stance=record.get("stance"),
        asks=list(record.get("asks") or []),
        url=record.get("url"),
        summary=record.get("summary"),
        visibility=record.get("visibility") or "public",
        measures=list(record.get("measures") or []),
        reacts_to=_reacts_to(session, record.get("reacts_to")),
        quotes=[
            QuoteData(text=quote["text"], speaker=quote.get("speaker"))
            for quote in record.get("quotes") or []
        ],
        sources=sources,
    )


def measure_record(measure: Measure) -> dict[str, Any]:
    """A measure as the format has it, without its events (each is its own record)."""
    record = dataset.measure_dict(measure, Viewpoint.viewer())
    del record["events"]
    return record


def event_record(event: Event) -> dict[str, Any]:
    return dataset.event_dict(event)


def statement_record(statement: Statement) -> dict[str, Any]:
    return dataset.statement_dict(statement, Viewpoint.viewer())


# --------------------------------------------------------------------------------------------
# Measures


def _sync_relations(
    session: Session,
    measure: Measure,
    items: Sequence[Mapping[str, Any]],
    problems: _Problems,
    reason: str | None,
) -> None:
    """The measure's own relations become ``items``: kept, changed, added or deleted."""
    current: dict[tuple[str, str], Relation] = {
        (relation.type, relation.object.slug): relation for relation in measure.relations
    }
    wanted = {(str(item["type"]), str(item["target"])) for item in items}
    for key, relation in list(current.items()):
        if key not in wanted:
            editing.delete_record(session, relation, reason=reason)
    for index, item in enumerate(items):
        existing = current.get((str(item["type"]), str(item["target"])))
        data = RelationData(type=item["type"], target=item["target"], note=item.get("note"))
        problems.save(
            f"relations[{index}]",
            partial(editing.save_relation, session, measure, existing, data, reason=reason),
        )


def create_measure(session: Session, record: Any, *, reason: str | None = None) -> Measure:
    """A new measure with its sources, and the events and relations the record lists.

    The measure, its events and their sources are written in one flush (editing.one_flush),
    and every source the record cites is looked up in one go: a measure with hundreds of
    events costs a few statements, not a few per event, while the write lock is held."""
    record = _check("measure", "measure-create", record, session)
    problems = _Problems()
    events = record.get("events") or []
    cited = [record.get("sources") or [], *(item.get("sources") or [] for item in events)]
    with editing.one_flush(session, reason):
        urls = [str(item["url"]) for group in cited for item in group]
        known = editing.find_sources(session, urls)
        sources = _sources(session, record.get("sources") or [], "sources", problems, known)
        wanted = _measure_data(record, sources)
        measure = problems.save(
            "", partial(editing.save_measure, session, None, wanted, reason=reason)
        )
        if measure is None:
            problems.raise_any()
        assert measure is not None
        for index, item in enumerate(events):
            here = f"events[{index}]"
            items = item.get("sources") or []
            urls = _sources(session, items, f"{here}.sources", problems, known)
            data = _event_data(item, urls)
            problems.save(
                here,
                partial(editing.save_event, session, measure, None, data, reason=reason),
            )
    _sync_relations(session, measure, record.get("relations") or [], problems, reason)
    problems.raise_any()
    return measure


def update_measure(
    session: Session,
    measure: Measure,
    patch: Any,
    *,
    expected_version: int,
    reason: str | None = None,
) -> Measure:
    """Apply a merge patch to a measure (and its relations, when the patch lists them)."""
    editing.check_version(measure, expected_version)
    record = _patched("measure", measure_record(measure), patch, session)
    problems = _Problems()
    sources = _sources(session, record.get("sources") or [], "sources", problems)
    problems.save(
        "",
        lambda: editing.save_measure(
            session,
            measure,
            _measure_data(record, sources),
            expected_version=expected_version,
            reason=reason,
        ),
    )
    if "relations" in patch:
        _sync_relations(session, measure, record.get("relations") or [], problems, reason)
    problems.raise_any()
    return measure


# --------------------------------------------------------------------------------------------
# Events


def create_event(
    session: Session, measure: Measure, record: Any, *, reason: str | None = None
) -> Event:
    """A new event of ``measure``."""
    record = _check("event", "event-create", record, session)
    problems = _Problems()
    sources = _sources(session, record.get("sources") or [], "sources", problems)
    event = problems.save(
        "",
        lambda: editing.save_event(
            session, measure, None, _event_data(record, sources), reason=reason
        ),
    )
    problems.raise_any()
    assert event is not None
    return event


def update_event(
    session: Session,
    event: Event,
    patch: Any,
    *,
    expected_version: int,
    reason: str | None = None,
) -> Event:
    """Apply a merge patch to an event."""
    editing.check_version(event, expected_version)
    record = _patched("event", event_record(event), patch, session)
    problems = _Problems()
    sources = _sources(session, record.get("sources") or [], "sources", problems)
    problems.save(
        "",
        lambda: editing.save_event(
            session,
            event.measure,
            event,
            _event_data(record, sources),
            expected_version=expected_version,
            reason=reason,
        ),
    )
    problems.raise_any()
    return event


# --------------------------------------------------------------------------------------------
# Statements


def create_statement(session: Session, record: Any, *, reason: str | None = None) -> Statement:
    """A new statement."""
    record = _check("statement", "statement-create", record, session)
    problems = _Problems()
    sources = _sources(session, record.get("sources") or [], "sources", problems)
    statement = problems.save(
        "",
        lambda: editing.save_statement(
            session, None, _statement_data(session, record, sources), reason=reason
        ),
    )
    problems.raise_any()
    assert statement is not None
    return statement


def update_statement(
    session: Session,
    statement: Statement,
    patch: Any,
    *,
    expected_version: int,
    reason: str | None = None,
) -> Statement:
    """Apply a merge patch to a statement."""
    editing.check_version(statement, expected_version)
    record = _patched("statement", statement_record(statement), patch, session)
    problems = _Problems()
    sources = _sources(session, record.get("sources") or [], "sources", problems)
    problems.save(
        "",
        lambda: editing.save_statement(
            session,
            statement,
            _statement_data(session, record, sources),
            expected_version=expected_version,
            reason=reason,
        ),
    )
    problems.raise_any()
    return statement
