"""Every record kind as data: what a record is written from (MeasureData... SourceData, built on
tracker.domain.data), a record's current data, and how history stores and names it (``snapshot``,
``label``).

Forms, the JSON API and stored revisions all speak these objects: their references are slugs,
URLs or ids. Nothing here reads or writes the database; the saves live with their nouns
(tracker.services.measures, events, statements, organizations, sources).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from tracker import vocab
from tracker.domain import kinds
from tracker.domain.data import RecordData, jsonable
from tracker.domain.kinds import Kind
from tracker.models import (
    Event,
    Measure,
    Organization,
    Person,
    Relation,
    Source,
    Statement,
)

Record = Measure | Event | Relation | Statement | Organization | Person | Source


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
