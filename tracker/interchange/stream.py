"""Importing a Tracker Dataset file as a stream: a file of any size in bounded memory.

``import_file`` never holds the whole document. It reads the file with ijson (an incremental
JSON parser, in C) one section and one batch of records at a time:

1. the outline: the top level (format, version, which sections there are), which also finds
   any JSON syntax error anywhere in the file;
2. validation: every batch gets the checks and messages of ``validate_dataset``, each problem
   at its place in the whole file (``measures[51234].events[2].date``); references resolve in
   the database or anywhere in the file (what earlier batches held is kept as slugs and event
   hashes, ``Elsewhere``), and relations, which may point to a later measure, are checked once
   every measure has been read;
3. only when the whole file is valid, the writing: batch after batch through the importer of
   ``import_dataset``, sections in the order their references need (topics, organizations,
   people, measures, their relations, statements), all in the caller's one transaction.

So an import still applies completely or not at all: nothing is written before everything
has been validated, and whatever fails while writing rolls the one transaction back. What
memory grows with is the number of slugs in the file (and a hash per event), not its size.
Sections are read in that order whatever their order in the file, so the file is read once per
section: it must be seekable (the CLI copies standard input to a temporary file first).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import ijson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.interchange.document import (
    FORMAT,
    VERSION,
    ImportReport,
    InvalidDataset,
    Problem,
    Progress,
    load_json,
    no_progress,
)
from tracker.interchange.importer import _Importer, finish_import
from tracker.interchange.notices import dataset_warnings
from tracker.interchange.validate import Elsewhere, sort_problems, validate_dataset, validate_part
from tracker.models import Source
from tracker.services import history, look_alikes
from tracker.services.look_alikes import LookAlike

SECTIONS = ("topics", "organizations", "people", "measures", "statements")
"""In the order they are validated and written: each refers only to those before it (and
measures to other measures, whose relations are written after all of them)."""

BATCH = 1000
"""Records per batch: a batch of the benchmark's measures (ten events each, with sources) is
a few megabytes as Python objects; larger batches were not faster."""

SMALL_FILE = 16 * 1024 * 1024
"""A file up to this size is read whole (json.loads: a few hundred megabytes at most) and then
handled in batches like a stream; reading it with ijson once per section cost it a third more
time. A larger one is read as a stream, and a JSON syntax error in it gets ijson's message
(where a file read whole gets its line and column)."""


@dataclass(slots=True)
class FileCheck:
    """What validating a file found: its problems, and for a valid file what the import
    will warn about."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    look_alikes: list[LookAlike] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    mentions: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: {
            kind: {"public": set(), "internal": set()} for kind in ("organizations", "people")
        }
    )
    """Who the file's public and internal statements mention (see visibility_from_file)."""


def _outline(handle: IO[bytes]) -> tuple[dict[str, Any], list[Problem]]:
    """The top level of the file with each section as an empty list (to check the header
    against the schema), or the problem that the file is not a JSON object."""
    handle.seek(0)
    outline: dict[str, Any] = {}
    try:
        events = ijson.parse(handle, use_float=True)
        first = next(events, None)
        if first is None or first[1] != "start_map":
            for _ in events:  # a syntax error later on is reported first, as json does
                pass
            return {}, [Problem("", "the dataset must be a JSON object")]
        depth = 1
        key = ""
        for _prefix, event, value in events:
            if depth == 1:
                if event == "map_key":
                    key = value
                elif event in ("start_map", "start_array"):
                    outline[key] = {} if event == "start_map" else []
                    depth += 1
                elif event != "end_map":
                    outline[key] = value
            elif event in ("start_map", "start_array"):
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
        # Only the sections are read as streams; any other list or object (a mistake the
        # schema reports, quoting it) is read whole.
        for key, value in outline.items():
            if isinstance(value, dict) or (isinstance(value, list) and key not in SECTIONS):
                handle.seek(0)
                outline[key] = next(ijson.items(handle, key, use_float=True))
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        return {}, [_syntax_problem(handle, exc)]
    return outline, []


def _syntax_problem(handle: IO[bytes], exc: Exception) -> Problem:
    handle.seek(0, 2)
    if handle.tell() <= SMALL_FILE:
        handle.seek(0)
        try:
            load_json(handle.read())
        except InvalidDataset as invalid:
            return invalid.problems[0]
    return Problem("", f"not valid JSON: {str(exc).strip()}")


class _File:
    """The file being imported: read whole when small, as a stream otherwise."""

    def __init__(self, handle: IO[bytes], whole_up_to: int) -> None:
        self.handle = handle
        handle.seek(0, 2)
        self.loaded = handle.tell() <= whole_up_to
        handle.seek(0)
        self.document: Any = None
        self.problems: list[Problem] = []
        if self.loaded:
            try:
                self.document = load_json(handle.read())
            except InvalidDataset as invalid:
                self.problems = invalid.problems

    def outline(self) -> tuple[dict[str, Any], list[Problem]]:
        if not self.loaded:
            return _outline(self.handle)
        if self.problems:
            return {}, self.problems
        if not isinstance(self.document, dict):
            return {}, [Problem("", "the dataset must be a JSON object")]
        return {
            key: [] if key in SECTIONS and isinstance(value, list) else value
            for key, value in self.document.items()
        }, []

    def batches(self, key: str, size: int) -> Iterator[tuple[int, list[Any]]]:
        if not self.loaded:
            yield from _batches(self.handle, key, size)
            return
        items = self.document[key]
        for start in range(0, len(items), size):
            yield start, items[start : start + size]


def _batches(handle: IO[bytes], key: str, size: int) -> Iterator[tuple[int, list[Any]]]:
    """The records of one section, ``size`` at a time, each batch with its first index."""
    handle.seek(0)
    batch: list[Any] = []
    offset = 0
    for item in ijson.items(handle, f"{key}.item", use_float=True):
        batch.append(item)
        if len(batch) == size:
            yield offset, batch
            offset += size
            batch = []
    if batch:
        yield offset, batch


_ALSO_USED = re.compile(r'^(".*" is also used by \w+\[)(\d+)(\])$', re.DOTALL)


def _moved(problem: Problem, key: str, offset: int) -> Problem:
    """A problem of a batch at its place in the whole file."""
    if not offset:
        return problem
    path, message = problem.path, problem.message
    found = re.match(rf"{key}\[(\d+)\]", path)
    if found:
        path = f"{key}[{int(found[1]) + offset}]{path[found.end() :]}"
    also = _ALSO_USED.match(message)
    if also:
        message = f"{also[1]}{int(also[2]) + offset}{also[3]}"
    return Problem(path, message)


def _slug(item: Any) -> str | None:
    slug = item.get("slug") if isinstance(item, dict) else None
    return slug if isinstance(slug, str) else None


def _remember(check: FileCheck, elsewhere: Elsewhere, key: str, items: list[Any]) -> None:
    """Keep what later batches may refer to: slugs, event hashes, statements' mentions."""
    for item in items:
        slug = _slug(item)
        if slug is None:
            continue
        if key == "organizations":
            elsewhere.organizations.add(slug)
        elif key == "people":
            elsewhere.people.add(slug)
        elif key == "measures":
            elsewhere.measures.add(slug)
            for event in item.get("events") or []:
                if isinstance(event, dict):
                    elsewhere.events.add(hash((slug, event.get("type"), event.get("date"))))
        elif key == "statements":
            visibility = item.get("visibility", "public")
            if visibility not in ("public", "internal"):
                continue
            quotes = [q for q in item.get("quotes") or [] if isinstance(q, dict)]
            named = {
                "organizations": [item.get("organization"), *(item.get("signatories") or [])],
                "people": [item.get("speaker"), *(quote.get("speaker") for quote in quotes)],
            }
            for kind, slugs in named.items():
                check.mentions[kind][visibility].update(s for s in slugs if isinstance(s, str))


def _look_alikes(session: Session, key: str, offset: int, items: list[Any]) -> list[LookAlike]:
    if key not in look_alikes.KINDS:
        return []
    records: dict[str, look_alikes.Items] = {kind: [] for kind in look_alikes.KINDS}
    records[key] = [(offset + index, item) for index, item in enumerate(items)]
    return look_alikes.in_dataset(session, records)


def validate_file(
    session: Session,
    handle: IO[bytes],
    batch: int = BATCH,
    with_look_alikes: bool = False,
    whole_up_to: int = SMALL_FILE,
) -> FileCheck:
    """Every problem of the file, as ``validate_dataset`` reports them for the whole document,
    reading it a batch at a time; writes nothing. ``with_look_alikes`` (a dry run) also lists
    the new records that look like records in the database or in the same batch."""
    return _validate(session, _File(handle, whole_up_to), batch, with_look_alikes)


def _validate(session: Session, file: _File, batch: int, with_look_alikes: bool) -> FileCheck:
    check = FileCheck()
    outline, problems = file.outline()
    if problems:
        check.problems = problems
        return check
    problems = validate_dataset(outline, session)
    check.sections = [key for key in SECTIONS if isinstance(outline.get(key), list)]
    elsewhere = Elsewhere()
    control: list[Problem] = []
    for key in check.sections:
        seen: dict[str, int] = {}
        for offset, items in file.batches(key, batch):
            # A slug used in an earlier batch (the same batch is validate_part's to check).
            for index, item in enumerate(items, offset):
                slug = _slug(item)
                if slug is None:
                    continue
                if seen.get(slug, offset) < offset:
                    message = f'"{slug}" is also used by {key}[{seen[slug]}]'
                    problems.append(Problem(f"{key}[{index}].slug", message))
                seen[slug] = index
            part = {"format": FORMAT, "version": VERSION, key: items}
            waiting = len(elsewhere.later_targets)
            found, hidden = validate_part(part, session, elsewhere)
            (control if hidden else problems).extend(_moved(p, key, offset) for p in found)
            elsewhere.later_targets[waiting:] = [
                (_moved(Problem(path, ""), key, offset).path, slug)
                for path, slug in elsewhere.later_targets[waiting:]
            ]
            _remember(check, elsewhere, key, items)
            if not found and key == "measures":
                check.warnings += [_moved(w, key, offset) for w in dataset_warnings(part)]
            if not found and with_look_alikes:
                check.look_alikes += _look_alikes(session, key, offset, items)
        if key == "measures":
            problems += [
                Problem(path, f'no measure with slug "{slug}" in the file or in the tracker')
                for path, slug in elsewhere.later_targets
                if slug not in elsewhere.measures
            ]
            elsewhere.later_targets.clear()
    # As for a whole document, control characters are reported alone.
    check.problems = sort_problems(control or problems)
    return check


def import_file(
    session: Session,
    handle: IO[bytes],
    progress: Progress = no_progress,
    batch: int = BATCH,
    whole_up_to: int = SMALL_FILE,
) -> ImportReport:
    """Validate the whole file, then upsert it batch by batch in the caller's transaction;
    raise InvalidDataset and write nothing if anything is wrong. The caller commits."""
    file = _File(handle, whole_up_to)
    check = _validate(session, file, batch, False)
    if check.problems:
        raise InvalidDataset(check.problems)
    history.install()
    report = ImportReport(warnings=check.warnings)
    # Sources this import creates have ids above this (see _Importer.met_before).
    sources_before = session.scalar(select(func.max(Source.id))) or 0
    sources_met: set[int] = set()
    # Records the caller held before stay in the session; what each batch loads leaves it.
    held = set(session.identity_map.keys())

    def importer(what: str, offset: int) -> _Importer:
        def moved_progress(_what: str, count: int) -> None:
            progress(what, offset + count)

        made = _Importer(session, moved_progress)
        made.sources_before = sources_before
        made.sources_met = sources_met
        return made

    def done(made: _Importer) -> None:
        session.flush()
        for counts, more in (
            (report.created, made.report.created),
            (report.updated, made.report.updated),
            (report.deleted, made.report.deleted),
            (report.unchanged, made.report.unchanged),
        ):
            counts.update(more)
        for record in list(session.identity_map.values()):
            if record in session and session.identity_key(instance=record) not in held:
                session.expunge(record)

    writers: Mapping[str, Callable[[_Importer, dict[str, Any]], None]] = {
        "topics": lambda made, part: made.import_topics(part),
        "organizations": lambda made, part: made.import_organizations(
            part, check.mentions["organizations"]
        ),
        "people": lambda made, part: made.import_people(part, check.mentions["people"]),
        "measures": _write_measures,
        "statements": _write_statements,
    }
    # Batches whose measures list relations or existed before (their relations may go).
    related: set[int] = set()
    with session.no_autoflush:
        for key in check.sections:
            for offset, items in file.batches(key, batch):
                report.look_alikes += _look_alikes(session, key, offset, items)
                made = importer(key, offset)
                writers[key](made, {key: items})
                if key == "measures" and (
                    made.report.created["measures"] < len(items)
                    or any(item.get("relations") for item in items)
                ):
                    related.add(offset)
                done(made)
            if key == "measures" and related:
                # Every measure exists now: relations may point anywhere in the file.
                for offset, items in file.batches(key, batch):
                    if offset in related:
                        made = importer("relations", offset)
                        made.import_relations({key: items})
                        done(made)
    session.flush()
    finish_import(session)
    return report


def _write_measures(made: _Importer, part: dict[str, Any]) -> None:
    made.collect_sources(part)
    made.import_measures(part, relations=False)
    made.session.flush()
    made.write_new_measures()


def _write_statements(made: _Importer, part: dict[str, Any]) -> None:
    made.collect_sources(part)
    made.import_statements(part, {})
