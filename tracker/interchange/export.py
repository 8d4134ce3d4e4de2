"""Exporting the Tracker Dataset: every record a reader may see, in a stable order, so that
export(import(file)) gives the same data; streamed in chunks for the download.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.domain import kinds
from tracker.interchange.document import FORMAT, VERSION, Progress, no_progress
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
)
from tracker.services.measures import (
    visible_topics,
)
from tracker.viewpoint import Viewpoint

# --------------------------------------------------------------------------------------------
# Export


def _source_dict(source: Source) -> dict[str, Any]:
    return {
        **kinds.SOURCE.plain_values(source),
        "published": source.published.iso if source.published else None,
        "accessed": source.accessed.isoformat() if source.accessed else None,
    }


def _event_plain(event: Event, team: bool) -> dict[str, Any]:
    """The event's plain fields; its internal ones (curators' notes) only for the team, and
    only when written, so that a file without them reads the same as before they existed."""
    values = {f.name: getattr(event, f.name) for f in kinds.EVENT.public_plain_fields}
    if team:
        for described in kinds.EVENT.plain_fields:
            value = getattr(event, described.name)
            if described.internal and value is not None:
                values[described.name] = value
    return values


def _event_dict(event: Event, team: bool = True) -> dict[str, Any]:
    """``team``: the reader may see internal records, and so the curators' notes."""
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
        **_event_plain(event, team),
        "votes": votes,
        "sources": [_source_dict(source) for source in event.sources],
    }


def event_dict(event: Event) -> dict[str, Any]:
    """One event in the interchange format."""
    return _event_dict(event)


def measure_dict(measure: Measure, view: Viewpoint) -> dict[str, Any]:
    """One measure in the interchange format; relations to measures the reader may not see
    are left out."""
    return {
        "slug": measure.slug,
        "country": measure.country,
        "kind": measure.kind,
        **kinds.MEASURE.plain_values(measure),
        "popular_names": list(measure.popular_names or []),
        "topics": [topic.slug for topic in measure.topics],
        "visibility": measure.visibility,
        "sources": [_source_dict(source) for source in measure.sources],
        "events": [_event_dict(event, view.sees_internal) for event in measure.events],
        "relations": [
            {"type": relation.type, "target": relation.object.slug, "note": relation.note}
            for relation in measure.relations
            if view.sees(relation.object)
        ],
    }


def statement_dict(statement: Statement, view: Viewpoint) -> dict[str, Any]:
    """One statement in the interchange format. Where the reader may not see a measure, an
    event's measure, a co-signatory, the speaker or a quote's speaker, the reference is left
    out (a speaker becomes null): a slug names its record as well as its name does."""
    reacts = statement.reacts_to
    speaker = view.shown(statement.speaker)
    return {
        "slug": statement.slug,
        "organization": statement.organization.slug,
        "signatories": [org.slug for org in statement.signatories if view.sees(org)],
        "speaker": speaker.slug if speaker else None,
        "type": statement.type,
        "stance": statement.stance,
        "asks": list(statement.asks or []),
        "date": statement.date.iso,
        "approximate": statement.date.approximate,
        **kinds.STATEMENT.plain_values(statement),
        "quotes": [
            {"text": quote.text, "speaker": _slug_of(view.shown(quote.speaker))}
            for quote in statement.quotes
        ],
        "measures": [measure.slug for measure in statement.measures if view.sees(measure)],
        "reacts_to": (
            {"measure": reacts.measure.slug, "type": reacts.type, "date": reacts.date.iso}
            if reacts is not None and view.sees(reacts.measure)
            else None
        ),
        "visibility": statement.visibility,
        "sources": [_source_dict(source) for source in statement.sources],
    }


def _slug_of(record: Organization | Person | None) -> str | None:
    return record.slug if record is not None else None


def iter_export(
    session: Session, view: Viewpoint, progress: Progress = no_progress
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(section, record) pairs in the document's order, loading in batches."""

    measure_query = view.select(Measure).order_by(Measure.slug)
    statement_query = view.select(Statement).order_by(Statement.date_iso, Statement.slug)
    if not view.sees_internal:
        # The format names a statement's author by slug and needs one: a public statement by
        # an internal organization cannot be written without naming it, so it stays out.
        statement_query = statement_query.where(
            Statement.organization_id.in_(
                view.select(Organization).with_only_columns(Organization.id)
            )
        )
    for topic in session.scalars(visible_topics(view).order_by(Topic.slug)):
        yield "topics", {"slug": topic.slug, "name": topic.name}
    organizations = view.select(Organization).order_by(Organization.slug)
    for org in session.scalars(organizations):
        yield (
            "organizations",
            {
                "slug": org.slug,
                **kinds.ORGANIZATION.plain_values(org),
                "kind": org.kind,
                "country": org.country,
                "visibility": org.visibility,
            },
        )
    people = session.scalars(
        view.select(Person).order_by(Person.slug).options(selectinload(Person.organization))
    )
    for person in people:
        yield (
            "people",
            {
                "slug": person.slug,
                **kinds.PERSON.plain_values(person),
                # An organization the reader may not see is not named through its member.
                "organization": _slug_of(view.shown(person.organization)),
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
            yield "measures", measure_dict(measure, view)
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
            yield "statements", statement_dict(statement, view)
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
    view: Viewpoint,
    progress: Progress = no_progress,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """The whole tracker as one interchange document."""
    document = _header(as_of)
    document.update((key, []) for key in SECTIONS)
    for section, record in iter_export(session, view, progress):
        document[section].append(record)
    return document


def write_export(
    session: Session,
    handle: Any,
    view: Viewpoint,
    progress: Progress = no_progress,
    as_of: dt.date | None = None,
) -> None:
    """Write the export as JSON to a text stream one record at a time (bounded memory)."""
    for chunk in export_chunks(session, view, progress, as_of):
        handle.write(chunk)


def export_chunks(
    session: Session,
    view: Viewpoint,
    progress: Progress = no_progress,
    as_of: dt.date | None = None,
) -> Iterator[str]:
    """The export as JSON text, one record per chunk, for a file or a streamed download."""
    yield "{\n"
    for key, value in _header(as_of).items():
        yield f" {json.dumps(key)}: {json.dumps(value)},\n"
    records = iter_export(session, view, progress)
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
