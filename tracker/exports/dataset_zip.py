"""The whole dataset as a zip of CSV tables described by a Frictionless Data Package.

``datapackage.json`` (Tabular Data Package, https://specs.frictionlessdata.io/) names every
table and column with its type and meaning, its primary key and its foreign keys, so that the
files document themselves and ``frictionless validate datapackage.json`` checks them. The tables
are declared in tracker.exports.datapackage; this module queries what each table holds for one
reader, and writes the zip.

Tables are written one row at a time into a zip that is itself written as it goes (a stream
with data descriptors), so the download starts at once and memory stays flat. Anonymous
visitors get public records only: no internal measure, statement, organization or person, no
event or quote of an internal record, no reference to an internal organization or person from a
public record (a public statement by an internal organization is left out), and no source that
only internal records cite.

Text cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading
apostrophe, as in every CSV download, so that a spreadsheet does not run them as formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select, union
from sqlalchemy.orm import Session

from tracker import clock
from tracker.domain import kinds
from tracker.exports.cells import csv_cell
from tracker.exports.datapackage import (
    RESOURCES,
    MeasureRecord,
    PersonRecord,
    QuoteRecord,
    StatementRecord,
    package_descriptor,
)
from tracker.exports.links import Links
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
from tracker.services.measures import (
    statuses,
    visible_topics,
)
from tracker.viewpoint import Viewpoint

# The data page lists the tables from here (tracker.web.exports): RESOURCES is exported.
__all__ = ["RESOURCES", "package_descriptor", "zip_stream"]

# -- rows -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Scope:
    """What an anonymous (or signed-in) reader may see, computed once for every table: ids of
    the visible records of each kind."""

    view: Viewpoint
    measures: Select[Any]
    statements: Select[Any]
    organizations: Select[Any]
    people: Select[Any]


def _scope(view: Viewpoint) -> _Scope:
    organizations = view.select(Organization).with_only_columns(Organization.id)
    statements = view.select(Statement).with_only_columns(Statement.id)
    if not view.sees_internal:
        # A statement row names its author by slug: a public statement by an internal
        # organization cannot be written without naming it, so it stays out.
        statements = statements.where(Statement.organization_id.in_(organizations))
    return _Scope(
        view,
        measures=view.select(Measure).with_only_columns(Measure.id),
        statements=statements,
        organizations=organizations,
        people=view.select(Person).with_only_columns(Person.id),
    )


def _stream(session: Session, query: Select[*tuple[Any, ...]], batch: int = 2000) -> Iterator[Any]:
    # "with": an abandoned download closes its server-side cursor at once.
    with session.execute(query, execution_options={"yield_per": batch}) as result:
        yield from result


def _organization_rows(session: Session, scope: _Scope) -> Iterator[Organization]:
    query = select(Organization).where(Organization.id.in_(scope.organizations))
    yield from session.scalars(query.order_by(Organization.slug))


def _people_rows(session: Session, scope: _Scope) -> Iterator[PersonRecord]:
    organizations = _slugs(session, Organization, scope.organizations)
    query = select(Person).where(Person.id.in_(scope.people)).order_by(Person.slug)
    for person in session.scalars(query):
        # An organization hidden from this reader is not named through its member either.
        org_id = person.organization_id
        yield PersonRecord(person, organizations.get(org_id) if org_id else None)


def _slugs(session: Session, model: Any, visible: Select[Any]) -> dict[int, str]:
    """Slugs of the organizations or people the reader may see, by id."""
    return dict(session.execute(select(model.id, model.slug).where(model.id.in_(visible))).all())


def _topic_rows(session: Session, scope: _Scope) -> Iterator[Topic]:
    yield from session.scalars(visible_topics(scope.view).order_by(Topic.slug))


def _measure_rows(
    session: Session, scope: _Scope, links: Links, as_of: dt.date
) -> Iterator[MeasureRecord]:
    query = select(Measure).where(Measure.id.in_(scope.measures)).order_by(Measure.slug)
    measures = list(session.scalars(query))
    by_id = statuses(session, (m.id for m in measures), as_of)
    for measure in measures:
        yield MeasureRecord(measure, by_id[measure.id], links.measure(measure.slug))


def _measure_topic_rows(session: Session, scope: _Scope) -> Iterator[Any]:
    query = (
        select(Measure.slug.label("measure"), Topic.slug.label("topic"))
        .select_from(measure_topics)
        .join(Measure, Measure.id == measure_topics.c.measure_id)
        .join(Topic, Topic.id == measure_topics.c.topic_id)
        .where(Measure.id.in_(scope.measures))
        .order_by(Measure.slug, Topic.slug)
    )
    yield from session.execute(query)


def _visible_events(scope: _Scope) -> Select[Any]:
    return select(Event.id).where(Event.measure_id.in_(scope.measures))


def _source_rows(session: Session, scope: _Scope) -> Iterator[Source]:
    # Only sources a visible record cites: a source cited by an internal record alone could
    # reveal what the researchers are looking into.
    cited = union(
        select(measure_sources.c.source_id).where(measure_sources.c.measure_id.in_(scope.measures)),
        select(event_sources.c.source_id).where(
            event_sources.c.event_id.in_(_visible_events(scope))
        ),
        select(statement_sources.c.source_id).where(
            statement_sources.c.statement_id.in_(scope.statements)
        ),
    ).subquery()
    query = (
        select(Source)
        .where(Source.id.in_(select(cited.c.source_id)))
        .order_by(Source.id)
        .execution_options(yield_per=2000)
    )
    with session.scalars(query) as sources:
        yield from sources


def _measure_source_rows(session: Session, scope: _Scope) -> Iterator[Any]:
    query = (
        select(Measure.slug.label("measure"), measure_sources.c.source_id)
        .join(Measure, Measure.id == measure_sources.c.measure_id)
        .where(Measure.id.in_(scope.measures))
        .order_by(Measure.slug, measure_sources.c.source_id)
    )
    yield from session.execute(query)


def _event_rows(session: Session, scope: _Scope) -> Iterator[Any]:
    query = (
        select(
            Event.id,
            Measure.slug.label("measure"),
            Event.type,
            Event.date_iso,
            Event.date_approximate,
            Event.end_date_iso,
            Event.end_date_approximate,
            # Every plain field of an event, named as the table's columns read them.
            *(getattr(Event, field.name) for field in kinds.EVENT.public_plain_fields),
            Event.votes_for,
            Event.votes_against,
            Event.votes_abstain,
        )
        .join(Measure, Measure.id == Event.measure_id)
        .where(Measure.id.in_(scope.measures))
        .order_by(Event.id)
    )
    yield from _stream(session, query)


def _event_source_rows(session: Session, scope: _Scope) -> Iterator[Any]:
    query = (
        select(event_sources.c.event_id, event_sources.c.source_id)
        .where(event_sources.c.event_id.in_(_visible_events(scope)))
        .order_by(event_sources.c.event_id, event_sources.c.source_id)
    )
    yield from _stream(session, query)


def _relation_rows(session: Session, scope: _Scope) -> Iterator[Any]:
    subject = select(Measure.slug).where(Measure.id == Relation.subject_id).scalar_subquery()
    target = select(Measure.slug).where(Measure.id == Relation.object_id).scalar_subquery()
    query = (
        select(
            Relation.id,
            subject.label("subject"),
            Relation.type,
            target.label("object"),
            *(getattr(Relation, field.name) for field in kinds.RELATION.plain_fields),
        )
        .where(Relation.subject_id.in_(scope.measures), Relation.object_id.in_(scope.measures))
        .order_by(Relation.id)
    )
    yield from session.execute(query)


def _statement_rows(session: Session, scope: _Scope) -> Iterator[StatementRecord]:
    visible_events = set(session.scalars(_visible_events(scope)))
    query = (
        select(Statement)
        .where(Statement.id.in_(scope.statements))
        .order_by(Statement.date_iso, Statement.slug)
    )
    organizations = _slugs(session, Organization, scope.organizations)
    people = _slugs(session, Person, scope.people)
    with session.scalars(query.execution_options(yield_per=500)) as statements:
        for statement in statements:
            reacts = statement.reacts_to_event_id
            yield StatementRecord(
                statement,
                organizations[statement.organization_id],
                people.get(statement.speaker_id) if statement.speaker_id else None,
                reacts if reacts in visible_events else None,
            )


def _statement_measure_rows(session: Session, scope: _Scope) -> Iterator[Any]:
    query = (
        select(Statement.slug.label("statement"), Measure.slug.label("measure"))
        .select_from(statement_measures)
        .join(Statement, Statement.id == statement_measures.c.statement_id)
        .join(Measure, Measure.id == statement_measures.c.measure_id)
        .where(Statement.id.in_(scope.statements), Measure.id.in_(scope.measures))
        .order_by(Statement.slug, Measure.slug)
    )
    yield from session.execute(query)


def _signatory_rows(session: Session, scope: _Scope) -> Iterator[Any]:
    query = (
        select(Statement.slug.label("statement"), Organization.slug.label("organization"))
        .select_from(statement_signatories)
        .join(Statement, Statement.id == statement_signatories.c.statement_id)
        .join(Organization, Organization.id == statement_signatories.c.organization_id)
        .where(Statement.id.in_(scope.statements), Organization.id.in_(scope.organizations))
        .order_by(Statement.slug, Organization.slug)
    )
    yield from session.execute(query)


def _statement_source_rows(session: Session, scope: _Scope) -> Iterator[Any]:
    query = (
        select(Statement.slug.label("statement"), statement_sources.c.source_id)
        .join(Statement, Statement.id == statement_sources.c.statement_id)
        .where(Statement.id.in_(scope.statements))
        .order_by(Statement.slug, statement_sources.c.source_id)
    )
    yield from session.execute(query)


def _quote_rows(session: Session, scope: _Scope) -> Iterator[QuoteRecord]:
    people = _slugs(session, Person, scope.people)
    query = (
        select(Quote.id, Statement.slug, Quote.position, Quote.text, Quote.speaker_id)
        .join(Statement, Statement.id == Quote.statement_id)
        .where(Statement.id.in_(scope.statements))
        .order_by(Statement.slug, Quote.position, Quote.id)
    )
    for quote_id, statement, position, text, speaker_id in session.execute(query):
        speaker = people.get(speaker_id) if speaker_id else None
        yield QuoteRecord(quote_id, statement, position, text, speaker)


# -- the zip ----------------------------------------------------------------------------------


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file that keeps what is written until it is taken; zipfile
    then writes a streamable archive (sizes in data descriptors after each member)."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


README = """\
{title}
{underline}

As of {as_of}; generated {generated}.

The data/ folder holds one CSV file (UTF-8, comma-separated, header row) per table. The file
datapackage.json describes every table and column: its type, its meaning, the primary key and
the links between tables (Frictionless Data Package). To check the files:

    pip install frictionless
    frictionless validate datapackage.json

Dates are written at their precision: "2024", "2024-04" or "2024-04-02", in words ("April
2024"), with a precision column, an approximate flag and the first and last day the date could
be. Statuses are derived
from the events as of the day above. Text cells that begin with =, +, -, @, a tab or a carriage
return are prefixed with an apostrophe (') so spreadsheets do not run them as formulas.

{scope}
Source: {home}
"""


def zip_stream(
    session: Session,
    links: Links,
    view: Viewpoint,
    site_name: str,
    as_of: dt.date | None = None,
    generated: dt.datetime | None = None,
    batch: int = 2000,
) -> Iterator[bytes]:
    """The zip, in chunks, as it is written."""
    as_of = as_of or clock.today()
    generated = generated or clock.now()
    scope = _scope(view)
    records: dict[str, Callable[[], Iterable[Any]]] = {
        "organizations": lambda: _organization_rows(session, scope),
        "people": lambda: _people_rows(session, scope),
        "topics": lambda: _topic_rows(session, scope),
        "measures": lambda: _measure_rows(session, scope, links, as_of),
        "measure_topics": lambda: _measure_topic_rows(session, scope),
        "sources": lambda: _source_rows(session, scope),
        "measure_sources": lambda: _measure_source_rows(session, scope),
        "events": lambda: _event_rows(session, scope),
        "event_sources": lambda: _event_source_rows(session, scope),
        "relations": lambda: _relation_rows(session, scope),
        "statements": lambda: _statement_rows(session, scope),
        "statement_measures": lambda: _statement_measure_rows(session, scope),
        "statement_signatories": lambda: _signatory_rows(session, scope),
        "statement_sources": lambda: _statement_source_rows(session, scope),
        "quotes": lambda: _quote_rows(session, scope),
    }
    pipe = _Pipe()
    descriptor = package_descriptor(site_name, links.home(), as_of, generated, view)
    stamp = generated.astimezone(dt.UTC).timetuple()[:6]

    def member(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            member("datapackage.json"),
            json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n",
        )
        title = descriptor["title"]
        archive.writestr(
            member("README.txt"),
            README.format(
                title=title,
                underline="=" * len(title),
                as_of=as_of.isoformat(),
                generated=descriptor["created"],
                scope=(
                    "Includes internal records: do not publish."
                    if view.sees_internal
                    else "Public records only."
                ),
                home=links.home(),
            ),
        )
        yield pipe.take()
        for resource in RESOURCES:
            with archive.open(member(resource.path), "w") as binary:
                text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
                writer = csv.writer(text, lineterminator="\r\n")
                writer.writerow(resource.names)
                rows = resource.rows(records[resource.name]())
                for count, row in enumerate(rows, 1):
                    writer.writerow([csv_cell(value) for value in row])
                    if count % batch == 0:
                        text.flush()
                        yield pipe.take()
                text.flush()
                text.detach()
            yield pipe.take()
    yield pipe.take()
