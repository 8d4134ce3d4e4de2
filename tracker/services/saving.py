"""What every save shares, whatever the kind: the errors a save raises, the version check, the
reason and the single flush, the checks of plain fields (required, lengths, web addresses),
slugs, control characters, sources cited by URL, and the rule that a record still needed is
not deleted.

Each ``save_*`` lives with its noun (tracker.services.measures.write, events, statements,
organizations, sources) and is built from these pieces. It takes the record (or None to create
one), a data object (tracker.services.record_data), the version the caller started from and an
optional reason; it validates everything first and raises ``ValidationFailed`` with one message
per field, writes nothing in that case, and raises ``EditConflict`` when someone else saved the
record since the caller read it. History (tracker.services.history) records every change on
flush; services never commit.

Who checks what: forms, the JSON API (tracker.interchange.records) and the CLI write through
the saves, so these rules are the only ones for a single record. The interchange format's JSON
Schema is the contract of a file or an API body (structure, types, lengths, vocabularies);
tracker.interchange.validate checks what only a whole file can tell (references within it)
with the rule functions below where a rule is the same (``control_character``,
tracker.domain.rules); the importer writes in bulk what the file validated.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

from slugify import slugify
from sqlalchemy import event as orm_event
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tracker import vocab
from tracker.dates import DateParseError, PartialDate
from tracker.domain.data import RecordData, jsonable
from tracker.models import (
    Measure,
    Organization,
    Person,
    Source,
    Statement,
    event_sources,
    measure_sources,
    statement_signatories,
    statement_sources,
)
from tracker.services.record_data import TYPE_OF, Record, snapshot

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Paths that sit next to record slugs (/measures/new); a record may not take them.
RESERVED_SLUGS = frozenset({"new", "edit", "delete", "history"})
# Lower-case scheme only, as the database's CHECK (and the interchange format) want it:
# PostgreSQL's LIKE is case-sensitive, so "HTTPS://..." would pass here and fail there.
URL = re.compile(r"https?://[^\s/$.?#][^\s]*")


# C0 control characters other than tab and line breaks: nobody types them on purpose, they
# arrive with pasted binary junk, and PostgreSQL refuses NUL in text outright (it would be a
# database error, not a message next to the field).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_MESSAGE = (
    "Remove the invisible control character ({code}) from this text; it cannot be stored."
)
# The largest id a database integer holds; a larger one names no record.
MAX_ID = 2**31 - 1


def control_character(value: object) -> str | None:
    """The first control character hidden in a value (a string, or strings inside lists,
    dicts and data objects), as U+XXXX; None when there is none."""
    if isinstance(value, str):
        found = CONTROL_CHARACTERS.search(value)
        return f"U+{ord(found.group()):04X}" if found else None
    if isinstance(value, dict):
        return next((c for item in value.items() if (c := control_character(list(item)))), None)
    if isinstance(value, list | tuple):
        return next((c for item in value if (c := control_character(item))), None)
    if isinstance(value, RecordData) or dataclasses.is_dataclass(value):
        return control_character(list(jsonable(value).values()))
    return None


def refuse_control_characters(data: Any) -> None:
    """Raise ValidationFailed, before anything reads the database, for each field of a data
    object that hides a control character."""
    errors: dict[str, str] = {}
    names = [*data.stored_names(), *data.TRANSIENT]
    for name in names:
        value = getattr(data, name)
        if name == "quotes":
            for index, quote in enumerate(value or []):
                code = control_character(quote)
                if code:
                    errors[f"quotes-{index}-text"] = CONTROL_MESSAGE.format(code=code)
            continue
        code = control_character(value)
        if code:
            key = {"topic_names": "topics", "source_titles": "sources"}.get(name, name)
            errors.setdefault(key, CONTROL_MESSAGE.format(code=code))
    if errors:
        raise ValidationFailed(errors)


class ValidationFailed(ValueError):
    """The data has problems, one message per field; nothing was written."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {message}" for key, message in self.errors.items()))


class EditConflict(Exception):
    """Someone saved the record after the caller read it; the caller's change was not saved."""

    def __init__(self, record_type: str, record_id: int | None, current: Mapping[str, Any] | None):
        self.record_type = record_type
        self.record_id = record_id
        self.current = dict(current) if current is not None else None
        super().__init__(f"{record_type} {record_id} was changed by someone else")


class DeleteRefused(ValueError):
    """The record is still needed by others (a source still cited, an author of statements)."""


# --------------------------------------------------------------------------------------------
# Shared helpers


@contextmanager
def reason_context(session: Session, reason: str | None) -> Iterator[None]:
    """Let the history listener know why this change is made."""
    previous = session.info.get("revision_reason")
    session.info["revision_reason"] = (reason or "").strip()[:2000] or None
    try:
        yield
    finally:
        session.info["revision_reason"] = previous


_ONE_FLUSH = "tracker.saving.one_flush"
_NEW_SOURCES = "tracker.saving.new_sources"
# Within one_flush: URLs already looked up and not found (each new source is checked twice).
_ABSENT_SOURCES = "tracker.saving.absent_sources"


@contextmanager
def one_flush(session: Session, reason: str | None = None) -> Iterator[None]:
    """Saves made in the block are written together at its end, in one flush, rather than one
    flush per save: a measure sent with hundreds of events is a few statements, not hundreds
    of round trips while the write lock is held. For new records only (an update's conflict
    check needs its own flush); the block's saves see each other's new sources."""
    session.info[_ONE_FLUSH] = True
    session.info[_ABSENT_SOURCES] = set()
    try:
        with session.no_autoflush:
            yield
        with reason_context(session, reason):
            session.flush()
    finally:
        session.info.pop(_ONE_FLUSH, None)
        session.info.pop(_ABSENT_SOURCES, None)


@orm_event.listens_for(Session, "after_flush")
def _forget_new_sources(session: Session, _context: Any) -> None:
    session.info.pop(_NEW_SOURCES, None)


def new_sources(session: Session) -> dict[str, Source]:
    """Sources added to the session and not flushed yet, by URL (a query cannot see them)."""
    found: dict[str, Source] = session.info.setdefault(_NEW_SOURCES, {})
    return found


def find_sources(session: Session, urls: Iterable[str]) -> dict[str, Source]:
    """The sources of these URLs that exist, saved or about to be, by URL."""
    wanted = list(dict.fromkeys(urls))
    pending = new_sources(session)
    absent: set[str] = session.info.get(_ABSENT_SOURCES, set())
    found = {url: pending[url] for url in wanted if url in pending}
    missing = [url for url in wanted if url not in found and url not in absent]
    for start in range(0, len(missing), 500):
        query = select(Source).where(Source.url.in_(missing[start : start + 500]))
        found.update((source.url, source) for source in session.scalars(query))
    if _ABSENT_SOURCES in session.info:
        absent.update(url for url in missing if url not in found)
    return found


def flush_record(session: Session, record: Record) -> None:
    if session.info.get(_ONE_FLUSH):
        return  # one_flush writes everything at the end of its block
    record_id = record.id
    try:
        session.flush()
    except StaleDataError:
        # Another transaction updated or deleted the row between our read and our write:
        # version_id_col caught the race that the explicit version check could not see.
        session.rollback()
        current = cast(
            Record | None, session.get(type(record), record_id) if record_id is not None else None
        )
        raise EditConflict(
            TYPE_OF[type(record)],
            record_id,
            snapshot(current) if current is not None else None,
        ) from None


def check_version(record: Record, expected_version: int | None) -> None:
    """Raise EditConflict when the record is no longer at the version the caller read."""
    if expected_version is not None and record.version != expected_version:
        raise EditConflict(TYPE_OF[type(record)], record.id, snapshot(record))


def clean_text(value: str | None, limit: int | None = None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if limit is not None:
        value = value[:limit]
    return value or None


def too_long(errors: dict[str, str], key: str, value: str | None, limit: int) -> None:
    if value and len(value) > limit:
        errors.setdefault(key, f"Keep this under {limit} characters (it has {len(value)}).")


def check_url(errors: dict[str, str], key: str, value: str | None) -> None:
    if value and not URL.fullmatch(value.strip()):
        errors.setdefault(key, f'"{value}" is not a web address (start it with https://).')
    too_long(errors, key, value, 2000)


def check_plain(errors: dict[str, str], data: RecordData) -> dict[str, Any]:
    """Check the data's plain fields (required, limits, web addresses) as its kind describes
    them; the values to store, trimmed, empty as None."""
    values: dict[str, Any] = {}
    for field in data.KIND.plain_fields:
        value = clean_text(getattr(data, field.name))
        if field.required and not value:
            errors.setdefault(field.name, field.missing or f"Enter the {field.label.lower()}.")
        if field.shape == "url":
            check_url(errors, field.name, value)
        if field.max_length is not None:
            too_long(errors, field.name, value, field.max_length)
        values[field.name] = value
    return values


def check_codes(errors: dict[str, str], data: RecordData) -> None:
    """Each code of a ``choice`` field is one its kind offers (an optional one may be None)."""
    for field in data.KIND.fields:
        if field.shape != "choice" or field.choices is None:
            continue
        value = getattr(data, field.name)
        if (value is not None or field.required) and value not in field.choices:
            errors.setdefault(field.name, field.invalid or f"Choose the {field.label.lower()}.")


def start_save(
    record: Record | None, data: RecordData, expected_version: int | None
) -> tuple[dict[str, str], dict[str, Any]]:
    """What every save checks first, as the kind describes it: the version the caller read, no
    hidden control character, the plain fields and the codes. (The problems so far, by field;
    the plain fields' values to store.)"""
    if record is not None:
        check_version(record, expected_version)
    refuse_control_characters(data)
    errors: dict[str, str] = {}
    plain = check_plain(errors, data)
    check_codes(errors, data)
    return errors, plain


def check_visibility(errors: dict[str, str], value: str) -> None:
    if value not in vocab.VISIBILITIES:
        errors["visibility"] = "Choose public or internal."


def check_iso(errors: dict[str, str], key: str, value: str | None) -> PartialDate | None:
    if not value:
        return None
    try:
        return PartialDate.from_iso(value)
    except DateParseError as exc:
        errors.setdefault(key, str(exc))
        return None


def check_slug(
    session: Session,
    errors: dict[str, str],
    model: type[Measure | Statement | Organization | Person],
    slug: str | None,
    current_id: int | None,
) -> None:
    if slug is None:
        return
    if not SLUG.fullmatch(slug) or len(slug) > 120:
        errors.setdefault(
            "slug", "Use lower-case letters, digits and single hyphens (at most 120 characters)."
        )
        return
    if slug in RESERVED_SLUGS:
        errors.setdefault("slug", f'"{slug}" is reserved; choose another.')
        return
    other = session.scalar(select(model.id).where(model.slug == slug))
    if other is not None and other != current_id:
        errors.setdefault("slug", f'"{slug}" is already used by another record.')


def unique_slug(
    session: Session,
    model: type[Measure | Statement | Organization | Person],
    text: str,
    current_id: int | None = None,
) -> str:
    """A slug made from ``text`` that no other record has: "kg-protest-ban", then "-2"."""
    base = slugify(text, max_length=80, word_boundary=True) or "record"
    if base in RESERVED_SLUGS:
        base = f"{base}-1"
    taken = set(
        session.scalars(
            select(model.slug).where((model.slug == base) | model.slug.like(f"{base}-%"))
        )
    )
    if current_id is not None:
        own = session.scalar(select(model.slug).where(model.id == current_id))
        taken.discard(own)
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def split_lines(text: str | None) -> list[str]:
    """Non-empty lines, stripped, duplicates removed, in order."""
    return list(dict.fromkeys(line.strip() for line in (text or "").splitlines() if line.strip()))


def parse_source_lines(text: str | None) -> tuple[list[str], dict[str, str], list[str]]:
    """URLs pasted one per line, each optionally followed by a title.

    Returns the URLs, the titles given, and the lines that do not start with a web address.
    """
    urls: list[str] = []
    titles: dict[str, str] = {}
    bad: list[str] = []
    for line in split_lines(text):
        first, _, rest = line.partition(" ")
        if not URL.fullmatch(first):
            bad.append(line)
            continue
        if first not in urls:
            urls.append(first)
        if rest.strip():
            titles[first] = rest.strip()[:1000]
    return urls, titles, bad


def check_source_urls(errors: dict[str, str], urls: Sequence[str]) -> None:
    for url in urls:
        check_url(errors, "sources", url)


def cite_sources(session: Session, urls: Sequence[str], titles: Mapping[str, str]) -> list[Source]:
    """Existing sources by URL, and new ones for URLs not seen before (call after validating:
    new sources join the session)."""
    found = find_sources(session, urls)
    result: list[Source] = []
    for url in dict.fromkeys(urls):
        source = found.get(url)
        if source is None:
            source = Source(url=url, title=titles.get(url))
            session.add(source)
            new_sources(session)[url] = source
        result.append(source)
    return result


def assign(record: Any, values: Mapping[str, Any]) -> None:
    """Assign only what differs, so that an unchanged save writes no revision."""
    # A record not yet in the database has nothing to compare (and reading an unset
    # composite date would fail).
    fresh = not inspect(record).persistent
    for name, value in values.items():
        if fresh or getattr(record, name) != value:
            setattr(record, name, value)


def assign_collection(record: Any, name: str, items: list[Any]) -> None:
    current = getattr(record, name)
    if {id(item) for item in current} != {id(item) for item in items}:
        setattr(record, name, items)


def by_slug(
    session: Session,
    model: type[Measure | Organization | Person],
    slugs: Iterable[str],
) -> dict[str, Any]:
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        return {}
    records = cast(
        Sequence[Measure | Organization | Person],
        session.scalars(select(model).where(model.slug.in_(wanted))).all(),
    )
    return {record.slug: record for record in records}


# --------------------------------------------------------------------------------------------
# Deleting


def citations(session: Session, source: Source) -> int:
    """How many measures, events and statements cite a source."""
    total = 0
    for table, column in (
        (measure_sources, measure_sources.c.source_id),
        (event_sources, event_sources.c.source_id),
        (statement_sources, statement_sources.c.source_id),
    ):
        total += (
            session.scalar(select(func.count()).select_from(table).where(column == source.id)) or 0
        )
    return total


def delete_refusal(session: Session, record: Record) -> str | None:
    """Why a record cannot be deleted yet, or None when it can."""
    if isinstance(record, Source):
        cited = citations(session, record)
        if cited:
            return (
                f"This source is cited {cited} time{'s' if cited != 1 else ''}. "
                "Remove it from those records first."
            )
    if isinstance(record, Organization):
        authored = session.scalar(
            select(func.count())
            .select_from(Statement)
            .where(Statement.organization_id == record.id)
        )
        signed = session.scalar(
            select(func.count())
            .select_from(statement_signatories)
            .where(statement_signatories.c.organization_id == record.id)
        )
        if authored or signed:
            return (
                f"This organization made {authored} and co-signed {signed} statement(s). "
                "Delete or reassign those statements first."
            )
    return None


def delete_record(
    session: Session,
    record: Record,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> None:
    """Delete a record (a measure takes its events and relations with it); undo from history."""
    check_version(record, expected_version)
    refusal = delete_refusal(session, record)
    if refusal:
        raise DeleteRefused(refusal)
    with reason_context(session, reason):
        session.delete(record)
        flush_record(session, record)
