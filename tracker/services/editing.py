"""Writing records: create, update and delete measures, events, relations, statements,
organizations, people and sources, with the same rules for every face (forms, JSON API, CLI).

Each ``save_*`` takes the record (or None to create one), a plain data object whose references
are slugs, URLs or ids (so that a form, a JSON body and a stored revision all fit), the version
the caller started from, and an optional reason. It validates everything first and raises
``ValidationFailed`` with one message per field, writes nothing in that case, and raises
``EditConflict`` when someone else saved the record since the caller read it. History
(tracker.services.history) records every change on flush; services never commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from slugify import slugify
from sqlalchemy import event as orm_event
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.exc import StaleDataError

from tracker import vocab
from tracker.countries import is_country
from tracker.dates import DateParseError, PartialDate
from tracker.domain import kinds
from tracker.domain.data import RecordData, jsonable
from tracker.domain.kinds import Kind
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
    statement_signatories,
    statement_sources,
)
from tracker.services import names

Record = Measure | Event | Relation | Statement | Organization | Person | Source
R = TypeVar("R", Measure, Event, Relation, Statement, Organization, Person, Source)

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
# The data each record is written from. Field names are the form's and the JSON API's.


class MeasureData(RecordData):
    KIND = kinds.MEASURE
    TRANSIENT = ("topic_names", "source_titles")
    title: str
    country: str
    kind: str
    slug: str | None
    popular_names: list[str]
    summary: str | None
    visibility: str
    topics: list[str]
    sources: list[str]
    topic_names: dict[str, str]
    source_titles: dict[str, str]


class EventData(RecordData):
    KIND = kinds.EVENT
    TRANSIENT = ("source_titles",)
    type: str
    date: str
    approximate: bool
    end_date: str | None
    end_approximate: bool
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    sources: list[str]
    source_titles: dict[str, str]


class RelationData(RecordData):
    KIND = kinds.RELATION
    type: str
    target: str
    note: str | None


@dataclass(slots=True)
class QuoteData:
    text: str
    speaker: str | None = None


class StatementData(RecordData):
    KIND = kinds.STATEMENT
    TRANSIENT = ("source_titles",)
    title: str
    organization: str
    date: str
    approximate: bool
    slug: str | None
    signatories: list[str]
    speaker: str | None
    type: str | None
    stance: str | None
    asks: list[str]
    url: str | None
    visibility: str
    measures: list[str]
    reacts_to: int | None
    quotes: list[QuoteData]
    sources: list[str]
    source_titles: dict[str, str]

    @classmethod
    def from_stored(cls, values: Mapping[str, Any]) -> StatementData:
        data: StatementData = super().from_stored(values)
        data.quotes = [
            quote if isinstance(quote, QuoteData) else QuoteData(**quote)
            for quote in data.quotes or []
        ]
        return data


class OrganizationData(RecordData):
    KIND = kinds.ORGANIZATION
    name: str
    slug: str | None
    kind: str | None
    country: str | None
    url: str | None
    visibility: str


class PersonData(RecordData):
    KIND = kinds.PERSON
    name: str
    slug: str | None
    organization: str | None
    visibility: str


class SourceData(RecordData):
    KIND = kinds.SOURCE
    url: str
    published: str | None
    published_approximate: bool
    accessed: str | None
    archived_url: str | None


D = TypeVar("D", bound=RecordData)


def stored_fields(data: Any) -> dict[str, Any]:
    """The data as JSON-ready values, without the transient helpers."""
    stored: dict[str, Any] = jsonable(data)
    return stored


def data_from(kind: type[D], values: Mapping[str, Any]) -> D:
    """Rebuild a data object from stored values (a revision), ignoring unknown keys."""
    data: D = kind.from_stored(values)
    return data


# -- the current data of a record -------------------------------------------------------------


def plain_values(record: object, kind: Kind) -> dict[str, Any]:
    """The record's plain fields (kinds.PLAIN_SHAPES), as stored."""
    return kind.plain_values(record)


def measure_data(measure: Measure) -> MeasureData:
    return MeasureData(
        **plain_values(measure, kinds.MEASURE),
        slug=measure.slug,
        country=measure.country,
        kind=measure.kind,
        popular_names=list(measure.popular_names or []),
        visibility=measure.visibility,
        topics=sorted(topic.slug for topic in measure.topics),
        sources=sorted(source.url for source in measure.sources),
    )


def event_data(event: Event) -> EventData:
    return EventData(
        type=event.type,
        date=event.date.iso,
        approximate=event.date.approximate,
        end_date=event.end_date.iso if event.end_date else None,
        end_approximate=event.end_date.approximate if event.end_date else False,
        **plain_values(event, kinds.EVENT),
        votes_for=event.votes_for,
        votes_against=event.votes_against,
        votes_abstain=event.votes_abstain,
        sources=sorted(source.url for source in event.sources),
    )


def relation_data(relation: Relation) -> RelationData:
    return RelationData(
        type=relation.type, target=relation.object.slug, **plain_values(relation, kinds.RELATION)
    )


def statement_data(statement: Statement) -> StatementData:
    return StatementData(
        **plain_values(statement, kinds.STATEMENT),
        slug=statement.slug,
        organization=statement.organization.slug,
        date=statement.date.iso,
        approximate=statement.date.approximate,
        signatories=sorted(org.slug for org in statement.signatories),
        speaker=statement.speaker.slug if statement.speaker else None,
        type=statement.type,
        stance=statement.stance,
        asks=list(statement.asks or []),
        visibility=statement.visibility,
        measures=sorted(measure.slug for measure in statement.measures),
        reacts_to=statement.reacts_to.id if statement.reacts_to else None,
        quotes=[
            QuoteData(text=quote.text, speaker=quote.speaker.slug if quote.speaker else None)
            for quote in sorted(statement.quotes, key=lambda q: q.position)
        ],
        sources=sorted(source.url for source in statement.sources),
    )


def organization_data(org: Organization) -> OrganizationData:
    return OrganizationData(
        **plain_values(org, kinds.ORGANIZATION),
        slug=org.slug,
        kind=org.kind,
        country=org.country,
        visibility=org.visibility,
    )


def person_data(person: Person) -> PersonData:
    return PersonData(
        **plain_values(person, kinds.PERSON),
        slug=person.slug,
        organization=person.organization.slug if person.organization else None,
        visibility=person.visibility,
    )


def source_data(source: Source) -> SourceData:
    return SourceData(
        **plain_values(source, kinds.SOURCE),
        published=source.published.iso if source.published else None,
        published_approximate=bool(source.published and source.published.approximate),
        accessed=source.accessed.isoformat() if source.accessed else None,
    )


RECORD_TYPES: dict[str, type[Any]] = {
    "measure": Measure,
    "event": Event,
    "relation": Relation,
    "statement": Statement,
    "organization": Organization,
    "person": Person,
    "source": Source,
}
TYPE_OF: dict[type[Any], str] = {cls: name for name, cls in RECORD_TYPES.items()}
DATA_TYPES: dict[str, type[Any]] = {
    "measure": MeasureData,
    "event": EventData,
    "relation": RelationData,
    "statement": StatementData,
    "organization": OrganizationData,
    "person": PersonData,
    "source": SourceData,
}


def record_type(record: object) -> str:
    return TYPE_OF[type(record)]


def snapshot(record: Record) -> dict[str, Any]:
    """The record's state as stored in a revision: its data plus where it belongs."""
    if isinstance(record, Measure):
        return stored_fields(measure_data(record))
    if isinstance(record, Event):
        return {
            "measure": record.measure.slug,
            "measure_id": record.measure.id,
            **stored_fields(event_data(record)),
        }
    if isinstance(record, Relation):
        return {
            "subject": record.subject.slug,
            "subject_id": record.subject.id,
            **stored_fields(relation_data(record)),
        }
    if isinstance(record, Statement):
        return stored_fields(statement_data(record))
    if isinstance(record, Organization):
        return stored_fields(organization_data(record))
    if isinstance(record, Person):
        return stored_fields(person_data(record))
    return stored_fields(source_data(record))


def label(record: Record) -> str:
    """How a record is named in lists of changes."""
    if isinstance(record, Measure):
        return record.display_title
    if isinstance(record, Statement):
        return record.title
    if isinstance(record, Event):
        measure = (
            record.measure.display_title if record.measure is not None else "a deleted measure"
        )
        return f"{vocab.EVENT_TYPES[record.type].label}, {record.date.format()} · {measure}"
    if isinstance(record, Relation):
        kind = vocab.RELATION_TYPES[record.type].label
        return f"{record.subject.display_title} {kind} {record.object.display_title}"
    if isinstance(record, Organization | Person):
        return record.name
    return record.title or record.url


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


_ONE_FLUSH = "tracker.editing.one_flush"
_NEW_SOURCES = "tracker.editing.new_sources"
# Within one_flush: URLs already looked up and not found (each new source is checked twice).
_ABSENT_SOURCES = "tracker.editing.absent_sources"


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


def _new_sources(session: Session) -> dict[str, Source]:
    """Sources added to the session and not flushed yet, by URL (a query cannot see them)."""
    found: dict[str, Source] = session.info.setdefault(_NEW_SOURCES, {})
    return found


def find_sources(session: Session, urls: Iterable[str]) -> dict[str, Source]:
    """The sources of these URLs that exist, saved or about to be, by URL."""
    wanted = list(dict.fromkeys(urls))
    pending = _new_sources(session)
    absent: set[str] = session.info.get(_ABSENT_SOURCES, set())
    found = {url: pending[url] for url in wanted if url in pending}
    missing = [url for url in wanted if url not in found and url not in absent]
    for start in range(0, len(missing), 500):
        query = select(Source).where(Source.url.in_(missing[start : start + 500]))
        found.update((source.url, source) for source in session.scalars(query))
    if _ABSENT_SOURCES in session.info:
        absent.update(url for url in missing if url not in found)
    return found


def _flush(session: Session, record: Record) -> None:
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


def _check_version(record: Record, expected_version: int | None) -> None:
    if expected_version is not None and record.version != expected_version:
        raise EditConflict(TYPE_OF[type(record)], record.id, snapshot(record))


def check_version(record: Record, expected_version: int | None) -> None:
    """Raise EditConflict when the record is no longer at the version the caller read."""
    _check_version(record, expected_version)


def _clean(value: str | None, limit: int | None = None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if limit is not None:
        value = value[:limit]
    return value or None


def _too_long(errors: dict[str, str], key: str, value: str | None, limit: int) -> None:
    if value and len(value) > limit:
        errors.setdefault(key, f"Keep this under {limit} characters (it has {len(value)}).")


def _check_url(errors: dict[str, str], key: str, value: str | None) -> None:
    if value and not URL.fullmatch(value.strip()):
        errors.setdefault(key, f'"{value}" is not a web address (start it with https://).')
    _too_long(errors, key, value, 2000)


def _check_plain(errors: dict[str, str], data: RecordData) -> dict[str, Any]:
    """Check the data's plain fields (required, limits, web addresses) as its kind describes
    them; the values to store, trimmed, empty as None."""
    values: dict[str, Any] = {}
    for field in data.KIND.plain_fields:
        value = _clean(getattr(data, field.name))
        if field.required and not value:
            errors.setdefault(field.name, field.missing or f"Enter the {field.label.lower()}.")
        if field.shape == "url":
            _check_url(errors, field.name, value)
        if field.max_length is not None:
            _too_long(errors, field.name, value, field.max_length)
        values[field.name] = value
    return values


def _check_visibility(errors: dict[str, str], value: str) -> None:
    if value not in vocab.VISIBILITIES:
        errors["visibility"] = "Choose public or internal."


def _check_iso(errors: dict[str, str], key: str, value: str | None) -> PartialDate | None:
    if not value:
        return None
    try:
        return PartialDate.from_iso(value)
    except DateParseError as exc:
        errors.setdefault(key, str(exc))
        return None


def _check_slug(
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


def _check_sources(errors: dict[str, str], urls: Sequence[str]) -> None:
    for url in urls:
        _check_url(errors, "sources", url)


def _sources(session: Session, urls: Sequence[str], titles: Mapping[str, str]) -> list[Source]:
    """Existing sources by URL, and new ones for URLs not seen before (call after validating:
    new sources join the session)."""
    found = find_sources(session, urls)
    result: list[Source] = []
    for url in dict.fromkeys(urls):
        source = found.get(url)
        if source is None:
            source = Source(url=url, title=titles.get(url))
            session.add(source)
            _new_sources(session)[url] = source
        result.append(source)
    return result


def _set(record: Any, values: Mapping[str, Any]) -> None:
    """Assign only what differs, so that an unchanged save writes no revision."""
    # A record not yet in the database has nothing to compare (and reading an unset
    # composite date would fail).
    fresh = not inspect(record).persistent
    for name, value in values.items():
        if fresh or getattr(record, name) != value:
            setattr(record, name, value)


def _set_collection(record: Any, name: str, items: list[Any]) -> None:
    current = getattr(record, name)
    if {id(item) for item in current} != {id(item) for item in items}:
        setattr(record, name, items)


def _by_slug(
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
# Measures


def save_measure(
    session: Session,
    measure: Measure | None,
    data: MeasureData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Measure:
    """Create or update a measure; slug generated from country and title when left empty."""
    if measure is not None:
        _check_version(measure, expected_version)
    refuse_control_characters(data)
    errors: dict[str, str] = {}
    plain = _check_plain(errors, data)
    title = plain["title"]
    country = (data.country or "").strip().upper()
    if not country or not is_country(country):
        errors["country"] = "Choose a country."
    if data.kind not in vocab.MEASURE_KINDS:
        errors["kind"] = "Choose what kind of measure this is."
    _check_visibility(errors, data.visibility)
    slug = _clean(data.slug)
    with session.no_autoflush:
        _check_slug(session, errors, Measure, slug, measure.id if measure else None)
        _check_sources(errors, data.sources)
        if errors:
            raise ValidationFailed(errors)
        sources = _sources(session, data.sources, data.source_titles)
        if slug is None:
            slug = (
                measure.slug
                if measure is not None
                else unique_slug(session, Measure, f"{country} {title}")
            )
        topics = _topics(session, data.topics, data.topic_names)
        with reason_context(session, reason):
            if measure is None:
                measure = Measure(slug=slug, popular_names=[])
                session.add(measure)
            _set(
                measure,
                {
                    **plain,
                    "slug": slug,
                    "country": country,
                    "kind": data.kind,
                    "popular_names": [n.strip() for n in data.popular_names if n.strip()],
                    "visibility": data.visibility,
                },
            )
            _set_collection(measure, "topics", topics)
            _set_collection(measure, "sources", sources)
            _flush(session, measure)
    return measure


def _topics(session: Session, slugs: Sequence[str], names: Mapping[str, str]) -> list[Topic]:
    wanted = list(dict.fromkeys(s for s in slugs if s))
    found = {t.slug: t for t in session.scalars(select(Topic).where(Topic.slug.in_(wanted)))}
    topics = []
    for slug in wanted:
        topic = found.get(slug)
        if topic is None:
            topic = Topic(slug=slug, name=names.get(slug) or slug.replace("-", " ").capitalize())
            session.add(topic)
        topics.append(topic)
    return topics


@dataclass(frozen=True, slots=True)
class SimilarMeasure:
    measure: Measure
    why: str


def similar_measures(
    session: Session, candidate: names.MeasureNames, exclude_id: int | None = None
) -> list[SimilarMeasure]:
    """Measures of the same country that look like the one being entered (possible duplicates).

    A warning only: two bills can share a title across years. Names are compared folded
    (tracker.services.names): titles, short titles, popular names and identifiers.
    """
    query = select(Measure).where(Measure.country == (candidate.country or "").upper())
    if exclude_id is not None:
        query = query.where(Measure.id != exclude_id)
    found: list[tuple[names.Likeness, SimilarMeasure]] = []
    for measure in session.scalars(query):
        alike = names.likeness(candidate, names.MeasureNames.of(measure))
        if alike is not None:
            found.append((alike, SimilarMeasure(measure, alike.why)))
    # Strongest reason first, then the closer title; the slug makes ties the same everywhere.
    found.sort(key=lambda item: (-item[0].strength, -item[0].closeness, item[1].measure.slug))
    return [item for _, item in found[:5]]


# --------------------------------------------------------------------------------------------
# Events and relations


def save_event(
    session: Session,
    measure: Measure,
    event: Event | None,
    data: EventData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Event:
    """Add an event to a measure, or change one; the measure's status follows by itself."""
    if event is not None:
        _check_version(event, expected_version)
    refuse_control_characters(data)
    errors: dict[str, str] = {}
    if data.type not in vocab.EVENT_TYPES:
        errors["type"] = "Choose what happened."
    date = _check_iso(errors, "date", data.date)
    if not data.date:
        errors["date"] = "Enter the date, even if only the year is known."
    end = _check_iso(errors, "end_date", data.end_date)
    if date is not None and end is not None and end.end < date.start:
        errors["end_date"] = f"The end date is before the date ({date.format()})."
    for key in ("votes_for", "votes_against", "votes_abstain"):
        value = getattr(data, key)
        if value is not None and (not isinstance(value, int) or value < 0 or value > 100000):
            errors[key] = "Enter a whole number of votes, or leave it empty."
    plain = _check_plain(errors, data)
    with session.no_autoflush:
        _check_sources(errors, data.sources)
        if errors:
            raise ValidationFailed(errors)
        assert date is not None
        sources = _sources(session, data.sources, data.source_titles)
        with reason_context(session, reason):
            values: dict[str, Any] = {
                "type": data.type,
                "date": PartialDate(date.year, date.month, date.day, bool(data.approximate)),
                "end_date": (
                    PartialDate(end.year, end.month, end.day, bool(data.end_approximate))
                    if end is not None
                    else None
                ),
                **plain,
                "votes_for": data.votes_for,
                "votes_against": data.votes_against,
                "votes_abstain": data.votes_abstain,
            }
            if event is None:
                event = Event(**values)
                measure.events.append(event)
            else:
                _set(event, values)
            _set_collection(event, "sources", sources)
            _flush(session, event)
    return event


def save_relation(
    session: Session,
    subject: Measure,
    relation: Relation | None,
    data: RelationData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Relation:
    """Relate a measure to another one ("modelled on", "amends"...)."""
    if relation is not None:
        _check_version(relation, expected_version)
    refuse_control_characters(data)
    errors: dict[str, str] = {}
    plain = _check_plain(errors, data)
    if data.type not in vocab.RELATION_TYPES:
        errors["type"] = "Choose how the measures are related."
    target = session.scalar(select(Measure).where(Measure.slug == (data.target or "").strip()))
    if target is None:
        errors["target"] = names.not_found(
            session, Measure, data.target, "; pick one from the list"
        )
    elif target.id == subject.id:
        errors["target"] = "A measure cannot be related to itself."
    elif data.type in vocab.RELATION_TYPES:
        duplicate = session.scalar(
            select(Relation.id).where(
                Relation.subject_id == subject.id,
                Relation.object_id == target.id,
                Relation.type == data.type,
            )
        )
        if duplicate is not None and (relation is None or duplicate != relation.id):
            errors["target"] = "This relation is already recorded."
    if errors:
        raise ValidationFailed(errors)
    assert target is not None
    with reason_context(session, reason):
        if relation is None:
            relation = Relation(type=data.type, subject=subject, object=target)
            session.add(relation)
        _set(relation, {**plain, "type": data.type, "object": target})
        _flush(session, relation)
    return relation


# --------------------------------------------------------------------------------------------
# Statements


def save_statement(
    session: Session,
    statement: Statement | None,
    data: StatementData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Statement:
    """Create or update a statement with its quotes, co-signatories, measures and sources."""
    if statement is not None:
        _check_version(statement, expected_version)
    refuse_control_characters(data)
    errors: dict[str, str] = {}
    plain = _check_plain(errors, data)
    title = plain["title"]
    date = _check_iso(errors, "date", data.date)
    if not data.date:
        errors["date"] = "Enter the date of the statement."
    if data.type is not None and data.type not in vocab.STATEMENT_TYPES:
        errors["type"] = "Choose a statement type."
    if data.stance is not None and data.stance not in vocab.STANCES:
        errors["stance"] = "Choose a stance."
    unknown_asks = [ask for ask in data.asks if ask not in vocab.ASKS]
    if unknown_asks:
        errors["asks"] = f"Unknown asks: {', '.join(unknown_asks)}."
    _check_visibility(errors, data.visibility)
    slug = _clean(data.slug)
    with session.no_autoflush:
        _check_slug(session, errors, Statement, slug, statement.id if statement else None)
        organizations = _by_slug(session, Organization, [data.organization, *data.signatories])
        author = organizations.get(data.organization)
        if author is None:
            errors["organization"] = (
                names.not_found(
                    session,
                    Organization,
                    data.organization,
                    "; pick one from the list or add it first",
                )
                if data.organization
                else "Choose the organization that made the statement."
            )
        missing = [s for s in data.signatories if s not in organizations]
        if missing:
            errors["signatories"] = f"Unknown organizations: {', '.join(missing)}."
        quote_speakers = [q.speaker for q in data.quotes if q.speaker]
        people = _by_slug(
            session, Person, [s for s in [data.speaker, *quote_speakers] if s is not None]
        )
        if data.speaker and data.speaker not in people:
            errors["speaker"] = names.not_found(
                session, Person, data.speaker, "; pick one from the list"
            )
        for index, quote in enumerate(data.quotes):
            if quote.speaker and quote.speaker not in people:
                errors[f"quotes-{index}-speaker"] = names.not_found(session, Person, quote.speaker)
        measures = _by_slug(session, Measure, data.measures)
        missing = [s for s in data.measures if s not in measures]
        if missing:
            errors["measures"] = f"Unknown measures: {', '.join(missing)}."
        elif not data.measures:
            errors["measures"] = "Link at least one measure the statement is about."
        reacts_to = (
            session.get(Event, data.reacts_to)
            if data.reacts_to is not None and 0 < data.reacts_to <= MAX_ID
            else None
        )
        if data.reacts_to is not None and reacts_to is None:
            errors["reacts_to"] = "That event no longer exists; choose another."
        _check_sources(errors, data.sources)
        if not plain["url"] and not data.sources:
            errors.setdefault("sources", "Give the statement's web address or at least a source.")
        if errors:
            raise ValidationFailed(errors)
        sources = _sources(session, data.sources, data.source_titles)
        assert date is not None
        assert author is not None
        assert title is not None
        if slug is None:
            slug = (
                statement.slug
                if statement is not None
                else unique_slug(session, Statement, f"{_slug_prefix(author)} {date.iso} {title}")
            )
        with reason_context(session, reason):
            values: dict[str, Any] = {
                **plain,
                "slug": slug,
                "organization": author,
                "date": PartialDate(date.year, date.month, date.day, bool(data.approximate)),
                "speaker": people[data.speaker] if data.speaker else None,
                "type": data.type,
                "stance": data.stance,
                "asks": list(dict.fromkeys(data.asks)),
                "visibility": data.visibility,
                "reacts_to": reacts_to,
            }
            if statement is None:
                statement = Statement(**values)
                session.add(statement)
            else:
                _set(statement, values)
            _set_collection(
                statement,
                "signatories",
                [organizations[s] for s in dict.fromkeys(data.signatories) if s in organizations],
            )
            _set_collection(statement, "measures", [measures[s] for s in data.measures])
            _set_collection(statement, "sources", sources)
            _sync_quotes(statement, data.quotes, people)
            _flush(session, statement)
    return statement


def _slug_prefix(author: Organization) -> str:
    """What a new statement's slug starts with: its author's slug, unless the author is
    internal, as a public statement's address would name them."""
    return author.slug if author.is_public else "statement"


def _sync_quotes(
    statement: Statement, quotes: Sequence[QuoteData], people: Mapping[str, Person]
) -> None:
    wanted = [
        (quote.text.strip(), people[quote.speaker] if quote.speaker else None)
        for quote in quotes
        if quote.text and quote.text.strip()
    ]
    current = [(quote.text, quote.speaker) for quote in statement.quotes]
    if wanted == current:
        return
    # Reuse the rows in place where possible: fewer deletes, and ids stay put.
    existing = list(statement.quotes)
    for position, (text, speaker) in enumerate(wanted):
        if position < len(existing):
            quote = existing[position]
            _set(quote, {"text": text, "speaker": speaker, "position": position})
        else:
            statement.quotes.append(Quote(text=text, speaker=speaker, position=position))
    for quote in existing[len(wanted) :]:
        statement.quotes.remove(quote)


# --------------------------------------------------------------------------------------------
# Organizations, people, sources


def save_organization(
    session: Session,
    org: Organization | None,
    data: OrganizationData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Organization:
    if org is not None:
        _check_version(org, expected_version)
    refuse_control_characters(data)
    errors: dict[str, str] = {}
    plain = _check_plain(errors, data)
    name = plain["name"]
    if data.kind is not None and data.kind not in vocab.ORGANIZATION_KINDS:
        errors["kind"] = "Choose a kind of organization."
    country = _clean(data.country)
    if country is not None and not is_country(country):
        errors["country"] = "Choose a country."
    _check_visibility(errors, data.visibility)
    slug = _clean(data.slug)
    _check_slug(session, errors, Organization, slug, org.id if org else None)
    if errors:
        raise ValidationFailed(errors)
    assert name is not None
    if slug is None:
        slug = org.slug if org is not None else unique_slug(session, Organization, name)
    with reason_context(session, reason):
        if org is None:
            org = Organization(slug=slug, name=name)
            session.add(org)
        _set(
            org,
            {
                **plain,
                "slug": slug,
                "kind": data.kind,
                "country": country.upper() if country else None,
                "visibility": data.visibility,
            },
        )
        _flush(session, org)
    return org


def save_person(
    session: Session,
    person: Person | None,
    data: PersonData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Person:
    if person is not None:
        _check_version(person, expected_version)
    refuse_control_characters(data)
    errors: dict[str, str] = {}
    plain = _check_plain(errors, data)
    name = plain["name"]
    org = None
    if data.organization:
        org = session.scalar(select(Organization).where(Organization.slug == data.organization))
        if org is None:
            errors["organization"] = names.not_found(session, Organization, data.organization)
    _check_visibility(errors, data.visibility)
    slug = _clean(data.slug)
    _check_slug(session, errors, Person, slug, person.id if person else None)
    if errors:
        raise ValidationFailed(errors)
    assert name is not None
    if slug is None:
        slug = person.slug if person is not None else unique_slug(session, Person, name)
    with reason_context(session, reason):
        if person is None:
            person = Person(slug=slug, name=name)
            session.add(person)
        _set(
            person,
            {
                **plain,
                "slug": slug,
                "organization": org,
                "visibility": data.visibility,
            },
        )
        _flush(session, person)
    return person


def save_source(
    session: Session,
    source: Source | None,
    data: SourceData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Source:
    if source is not None:
        _check_version(source, expected_version)
    refuse_control_characters(data)
    errors: dict[str, str] = {}
    plain = _check_plain(errors, data)
    url = plain["url"]
    published = _check_iso(errors, "published", data.published)
    accessed = None
    if data.accessed:
        try:
            accessed = dt.date.fromisoformat(data.accessed)
        except ValueError:
            errors["accessed"] = "Enter the day as YYYY-MM-DD."
    if url and "url" not in errors:
        other = find_sources(session, [url]).get(url)
        if other is not None and other is not source:
            errors["url"] = "This address is already recorded as another source."
    if errors:
        raise ValidationFailed(errors)
    with reason_context(session, reason):
        if source is None:
            assert url is not None  # required above
            source = Source(url=url)
            session.add(source)
            _new_sources(session)[url] = source
        _set(
            source,
            {
                **plain,
                "published": (
                    PartialDate(
                        published.year,
                        published.month,
                        published.day,
                        bool(data.published_approximate),
                    )
                    if published is not None
                    else None
                ),
                "accessed": accessed,
            },
        )
        _flush(session, source)
    return source


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
    _check_version(record, expected_version)
    refusal = delete_refusal(session, record)
    if refusal:
        raise DeleteRefused(refusal)
    with reason_context(session, reason):
        session.delete(record)
        _flush(session, record)


# --------------------------------------------------------------------------------------------
# Pickers (the names a person types into them are read by tracker.services.names)


def event_choices(session: Session) -> list[tuple[str, list[tuple[int, str]]]]:
    """Events grouped by measure, for "the event this statement reacts to"."""
    query = (
        select(Event)
        .join(Event.measure)
        .options(contains_eager(Event.measure))
        .order_by(Measure.title, Event.date_iso, Event.id)
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for event in session.scalars(query):
        text = f"{event.date.format_short()}: {vocab.EVENT_TYPES[event.type].label}"
        groups.setdefault(event.measure.display_title, []).append((event.id, text))
    return list(groups.items())
