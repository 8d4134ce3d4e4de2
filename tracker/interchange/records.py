"""Writing one record given in the interchange format (a measure, an event, a statement), as the
JSON API receives it, through the same saves as the forms (tracker.services.measures,
events, statements, sources).

Who checks what: the format's JSON Schema is the body's contract (structure, types, lengths,
vocabularies); tracker.interchange.validate adds what the format means across records (real
dates, references that resolve), so that every problem of a body is reported at once, even
those of events that wait for their measure; the saves then apply the rules of a single record
(slugs, web addresses, versions...) exactly as they do to a form, and no rule is re-checked
here. Every problem is reported with
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
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.interchange.document import Problem
from tracker.interchange.export import event_dict, measure_dict, statement_dict
from tracker.interchange.validate import dataset_schema, record_problems
from tracker.models import Event, Measure, Relation, Source, Statement
from tracker.services.events import save_event
from tracker.services.measures import save_measure, save_relation
from tracker.services.record_data import (
    EventData,
    MeasureData,
    QuoteData,
    RelationData,
    SourceData,
    StatementData,
    source_data,
)
from tracker.services.saving import (
    ValidationFailed,
    check_version,
    delete_record,
    find_sources,
    one_flush,
)
from tracker.services.sources import save_source
from tracker.services.statements import save_statement
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
    found: dict[str, Any] = copy.deepcopy(dataset_schema()["$defs"])
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
    problems = record_problems(kind, record, session, _schema(name), meaning)
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
    problems = record_problems(kind, merged, session, _schema(f"{kind}-create"))
    # A stored value the format would not take (an old form let it in) is not the caller's
    # problem unless they send that field: the saves still check what is saved.
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
# Problems from the saves, at their place in the record


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
        known = find_sources(session, [str(item["url"]) for item in items])
    urls: list[str] = []
    for index, item in enumerate(items):
        url = str(item["url"])
        given = {key: value for key, value in item.items() if key != "url" and value is not None}
        existing = known.get(url)
        here = f"{prefix}[{index}]"
        saved: Source | None = existing
        if existing is None:
            data = SourceData(url=url, **given)
            saved = problems.save(here, partial(save_source, session, None, data))
        else:
            current = source_data(existing)
            wanted = current.replace(**given)
            if wanted != current:
                saved = problems.save(
                    here,
                    partial(save_source, session, existing, wanted),
                )
        # A source refused here is reported once, at its place, not again by the record's save.
        if saved is not None:
            known[url] = saved
            if url not in urls:
                urls.append(url)
    return urls


# --------------------------------------------------------------------------------------------
# Records to the saves' data


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
    record = measure_dict(measure, Viewpoint.viewer())
    del record["events"]
    return record


def event_record(event: Event) -> dict[str, Any]:
    return event_dict(event)


def statement_record(statement: Statement) -> dict[str, Any]:
    return statement_dict(statement, Viewpoint.viewer())


# --------------------------------------------------------------------------------------------
# One table for the kinds the API writes: how each is read back and handed to its save


@dataclass(frozen=True, slots=True)
class _Way:
    """How one kind of record is written: its current record in the format, the save's data
    from a record (and its sources' URLs), and the save itself (``owner``: an event's measure)."""

    record: Callable[[Any], dict[str, Any]]
    data: Callable[[Session, Mapping[str, Any], list[str]], Any]
    save: Callable[..., Any]


WAYS: dict[str, _Way] = {
    "measure": _Way(
        record=measure_record,
        data=lambda _session, record, sources: _measure_data(record, sources),
        save=lambda session, _owner, current, data, **how: save_measure(
            session, current, data, **how
        ),
    ),
    "event": _Way(
        record=event_record,
        data=lambda _session, record, sources: _event_data(record, sources),
        save=lambda session, owner, current, data, **how: save_event(
            session, owner if current is None else current.measure, current, data, **how
        ),
    ),
    "statement": _Way(
        record=statement_record,
        data=_statement_data,
        save=lambda session, _owner, current, data, **how: save_statement(
            session, current, data, **how
        ),
    ),
}


def _save(
    session: Session,
    kind: str,
    current: Any,
    record: Mapping[str, Any],
    problems: _Problems,
    owner: Measure | None = None,
    **how: Any,
) -> Any:
    """Save one record with its sources; None if refused (its problems are kept)."""
    way = WAYS[kind]
    sources = _sources(session, record.get("sources") or [], "sources", problems)
    data = way.data(session, record, sources)
    return problems.save("", lambda: way.save(session, owner, current, data, **how))


def create(
    session: Session,
    kind: str,
    record: Any,
    *,
    owner: Measure | None = None,
    reason: str | None = None,
) -> Any:
    """A new record of ``kind`` (an event is added to ``owner``, its measure)."""
    record = _check(kind, f"{kind}-create", record, session)
    if kind == "measure":
        return _create_measure(session, record, reason)
    problems = _Problems()
    saved = _save(session, kind, None, record, problems, owner, reason=reason)
    problems.raise_any()
    assert saved is not None
    return saved


def update(
    session: Session,
    kind: str,
    current: Any,
    patch: Any,
    *,
    expected_version: int,
    reason: str | None = None,
) -> Any:
    """Apply a merge patch to a record (and to a measure's relations, when the patch lists
    them)."""
    check_version(current, expected_version)
    record = _patched(kind, WAYS[kind].record(current), patch, session)
    problems = _Problems()
    _save(
        session, kind, current, record, problems, expected_version=expected_version, reason=reason
    )
    if kind == "measure" and "relations" in patch:
        _sync_relations(session, current, record.get("relations") or [], problems, reason)
    problems.raise_any()
    return current


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
            delete_record(session, relation, reason=reason)
    for index, item in enumerate(items):
        existing = current.get((str(item["type"]), str(item["target"])))
        data = RelationData(type=item["type"], target=item["target"], note=item.get("note"))
        problems.save(
            f"relations[{index}]",
            partial(save_relation, session, measure, existing, data, reason=reason),
        )


def _create_measure(session: Session, record: dict[str, Any], reason: str | None) -> Measure:
    """A new measure with its sources, and the events and relations the record lists.

    The measure, its events and their sources are written in one flush (saving.one_flush),
    and every source the record cites is looked up in one go: a measure with hundreds of
    events costs a few statements, not a few per event, while the write lock is held."""
    problems = _Problems()
    events = record.get("events") or []
    cited = [record.get("sources") or [], *(item.get("sources") or [] for item in events)]
    with one_flush(session, reason):
        urls = [str(item["url"]) for group in cited for item in group]
        known = find_sources(session, urls)
        sources = _sources(session, record.get("sources") or [], "sources", problems, known)
        wanted = _measure_data(record, sources)
        measure = problems.save("", partial(save_measure, session, None, wanted, reason=reason))
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
                partial(save_event, session, measure, None, data, reason=reason),
            )
    _sync_relations(session, measure, record.get("relations") or [], problems, reason)
    problems.raise_any()
    return measure
