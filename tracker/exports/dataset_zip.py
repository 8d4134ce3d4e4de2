"""The whole dataset as a zip of CSV tables described by a Frictionless Data Package.

``datapackage.json`` (Tabular Data Package, https://specs.frictionlessdata.io/) names every
table and column with its type and meaning, its primary key and its foreign keys, so that the
files document themselves and ``frictionless validate datapackage.json`` checks them. Records
refer to each other by slug where they have one (measures, statements, organizations, people,
topics) and by number otherwise (events, sources, quotes, relations), as the pages' anchors do.

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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select, union
from sqlalchemy.orm import Session

from tracker import clock, vocab
from tracker.countries import country_name
from tracker.exports.cells import date_cells, neutralize
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
    visible_measures,
    visible_organizations,
    visible_people,
    visible_statements,
    visible_topics,
)

PARTIAL_DATE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
PRECISIONS = ["day", "month", "year"]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str
    description: str
    required: bool = False
    pattern: str | None = None
    enum: Sequence[str] | None = None

    def schema(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "description": self.description,
        }
        if self.type == "date":
            data["format"] = "%Y-%m-%d"
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.pattern:
            constraints["pattern"] = self.pattern
        if self.enum:
            constraints["enum"] = list(self.enum)
        if constraints:
            data["constraints"] = constraints
        return data


@dataclass(frozen=True, slots=True)
class ForeignKey:
    fields: str
    resource: str
    reference: str


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)

    @property
    def path(self) -> str:
        return f"data/{self.name}.csv"

    def descriptor(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "fields": [f.schema() for f in self.fields],
            "primaryKey": list(self.primary_key),
            "missingValues": [""],
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {
                    "fields": key.fields,
                    "reference": {"resource": key.resource, "fields": key.reference},
                }
                for key in self.foreign_keys
            ]
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "path": self.path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
            "schema": schema,
        }


def _slug(name: str, what: str, required: bool = True) -> Field:
    return Field(name, "string", what, required=required)


def _date_fields(prefix: str, required: bool) -> tuple[Field, ...]:
    return (
        Field(
            prefix,
            "string",
            "Date at its precision: YYYY, YYYY-MM or YYYY-MM-DD (ISO 8601).",
            required=required,
            pattern=PARTIAL_DATE,
        ),
        Field(f"{prefix}_precision", "string", "day, month or year.", required, enum=PRECISIONS),
        Field(f"{prefix}_approximate", "boolean", "true when the date is approximate ('c.')."),
        Field(f"{prefix}_first_day", "date", "First day the date could be.", required),
        Field(f"{prefix}_last_day", "date", "Last day the date could be.", required),
    )


def _to_measure(name: str = "measure", required: bool = True) -> ForeignKey:
    return ForeignKey(name, "measures", "slug")


ORGANIZATIONS = Resource(
    "organizations",
    "Organizations",
    "NGOs, UN mechanisms, governments, courts... that made or signed statements.",
    (
        _slug("slug", "Stable identifier."),
        Field("name", "string", "Name.", required=True),
        Field("acronym", "string", "Acronym."),
        Field("kind", "string", "Kind (code).", enum=list(vocab.ORGANIZATION_KINDS)),
        Field("kind_label", "string", "Kind."),
        Field("country", "string", "Country code (ISO 3166-1 alpha-2), if national."),
        Field("country_name", "string", "Country name."),
        Field("url", "string", "Web site."),
    ),
    ("slug",),
)
PEOPLE = Resource(
    "people",
    "People",
    "Named speakers, usually within an organization.",
    (
        _slug("slug", "Stable identifier."),
        Field("name", "string", "Name.", required=True),
        Field("role", "string", "Role, e.g. 'Central Asia Researcher'."),
        _slug("organization", "Slug of their organization.", required=False),
    ),
    ("slug",),
    (ForeignKey("organization", "organizations", "slug"),),
)
TOPICS = Resource(
    "topics",
    "Topics",
    "Topics measures are filed under.",
    (_slug("slug", "Stable identifier."), Field("name", "string", "Name.", required=True)),
    ("slug",),
)
MEASURES = Resource(
    "measures",
    "Measures",
    "Laws, bills, orders and practices that restrict or protect civic space. The status "
    "columns are derived from the events as of the package's 'as_of' day.",
    (
        _slug("slug", "Stable identifier."),
        Field("country", "string", "Country code (ISO 3166-1 alpha-2).", required=True),
        Field("country_name", "string", "Country name."),
        Field("kind", "string", "Kind (code).", required=True, enum=list(vocab.MEASURE_KINDS)),
        Field("kind_label", "string", "Kind: Law, Bill, Court order..."),
        Field("title", "string", "Official title (English).", required=True),
        Field("original_title", "string", "Title in the original language."),
        Field("original_language", "string", "Language of the original title (ISO 639-1)."),
        Field("popular_names", "string", "Names it is known by, separated by '; '."),
        Field("identifier", "string", "Official identifier, e.g. 'No. 72'."),
        Field("originating_body", "string", "Who initiated it."),
        Field("summary", "string", "Summary (Markdown)."),
        Field("visibility", "string", "public or internal.", enum=list(vocab.VISIBILITIES)),
        Field("status", "string", "Status code as of the package's day.", enum=list(vocab.STATES)),
        Field("status_label", "string", "Status as shown on the page."),
        Field("stage", "string", "Stage in the legislative process."),
        Field("outcome", "string", "Outcome."),
        Field("legal_force", "string", "Legal force."),
        Field("in_force_until", "date", "Last day of the current term in force, if any."),
        Field("url", "string", "Permalink of the measure's page."),
    ),
    ("slug",),
)
MEASURE_TOPICS = Resource(
    "measure_topics",
    "Topics of measures",
    "Which measure is filed under which topic.",
    (_slug("measure", "Slug of the measure."), _slug("topic", "Slug of the topic.")),
    ("measure", "topic"),
    (_to_measure(), ForeignKey("topic", "topics", "slug")),
)
SOURCES = Resource(
    "sources",
    "Sources",
    "Documents that facts come from; one row per address, cited by many records.",
    (
        Field("id", "integer", "Number of the source in the tracker.", required=True),
        Field("url", "string", "Address.", required=True),
        Field("title", "string", "Title."),
        Field("publisher", "string", "Publisher."),
        Field("published", "string", "Publication date at its precision.", pattern=PARTIAL_DATE),
        Field("accessed", "date", "Day it was read."),
        Field("archived_url", "string", "Address of an archived copy."),
    ),
    ("id",),
)
MEASURE_SOURCES = Resource(
    "measure_sources",
    "Sources of measures",
    "Sources for a measure as a whole (its summary).",
    (
        _slug("measure", "Slug of the measure."),
        Field("source_id", "integer", "Number of the source.", required=True),
    ),
    ("measure", "source_id"),
    (_to_measure(), ForeignKey("source_id", "sources", "id")),
)
EVENTS = Resource(
    "events",
    "Events",
    "Dated steps in a measure's life; the timeline and the status are made of them.",
    (
        Field("id", "integer", "Number of the event (its anchor on the page).", required=True),
        _slug("measure", "Slug of the measure."),
        Field("type", "string", "Event type (code).", required=True, enum=list(vocab.EVENT_TYPES)),
        Field("type_label", "string", "Event type."),
        *_date_fields("date", required=True),
        Field(
            "end_date", "string", "End of the term the event sets ('until').", pattern=PARTIAL_DATE
        ),
        Field("end_date_approximate", "boolean", "true when the end date is approximate."),
        Field("actor", "string", "Who acted."),
        Field("description", "string", "What happened."),
        Field("votes_for", "integer", "Votes for."),
        Field("votes_against", "integer", "Votes against."),
        Field("votes_abstain", "integer", "Abstentions."),
    ),
    ("id",),
    (_to_measure(),),
)
EVENT_SOURCES = Resource(
    "event_sources",
    "Sources of events",
    "Which source each event cites.",
    (
        Field("event_id", "integer", "Number of the event.", required=True),
        Field("source_id", "integer", "Number of the source.", required=True),
    ),
    ("event_id", "source_id"),
    (ForeignKey("event_id", "events", "id"), ForeignKey("source_id", "sources", "id")),
)
RELATIONS = Resource(
    "relations",
    "Relations between measures",
    "Read as 'subject <type> object': the Kyrgyz bill 'modelled-on' the Russian law.",
    (
        Field("id", "integer", "Number of the relation.", required=True),
        _slug("subject", "Slug of the measure the relation is stated from."),
        Field("type", "string", "Relation (code).", required=True, enum=list(vocab.RELATION_TYPES)),
        Field("type_label", "string", "Relation, from the subject's side."),
        Field("inverse_label", "string", "Relation, from the object's side."),
        _slug("object", "Slug of the other measure."),
        Field("note", "string", "Note."),
    ),
    ("id",),
    (_to_measure("subject"), _to_measure("object")),
)
STATEMENTS = Resource(
    "statements",
    "Statements",
    "What organizations said about measures.",
    (
        _slug("slug", "Stable identifier."),
        _slug("organization", "Slug of the organization that made it."),
        _slug("speaker", "Slug of the person who spoke for it.", required=False),
        Field("type", "string", "Kind (code).", enum=list(vocab.STATEMENT_TYPES)),
        Field("type_label", "string", "Kind."),
        Field("stance", "string", "Stance (code).", enum=list(vocab.STANCES)),
        Field("stance_label", "string", "Stance."),
        Field("asks", "string", "What it asks for (codes), separated by '; '."),
        *_date_fields("date", required=True),
        Field("title", "string", "Title.", required=True),
        Field("url", "string", "Address of the statement."),
        Field("summary", "string", "Summary (Markdown)."),
        Field("reacts_to_event", "integer", "Number of the event it reacted to."),
        Field("visibility", "string", "public or internal.", enum=list(vocab.VISIBILITIES)),
    ),
    ("slug",),
    (
        ForeignKey("organization", "organizations", "slug"),
        ForeignKey("speaker", "people", "slug"),
        ForeignKey("reacts_to_event", "events", "id"),
    ),
)
STATEMENT_MEASURES = Resource(
    "statement_measures",
    "Measures of statements",
    "Which measures each statement is about.",
    (_slug("statement", "Slug of the statement."), _slug("measure", "Slug of the measure.")),
    ("statement", "measure"),
    (ForeignKey("statement", "statements", "slug"), _to_measure()),
)
STATEMENT_SIGNATORIES = Resource(
    "statement_signatories",
    "Co-signatories of statements",
    "Organizations that co-signed a statement (joint letters have dozens).",
    (
        _slug("statement", "Slug of the statement."),
        _slug("organization", "Slug of the co-signing organization."),
    ),
    ("statement", "organization"),
    (
        ForeignKey("statement", "statements", "slug"),
        ForeignKey("organization", "organizations", "slug"),
    ),
)
STATEMENT_SOURCES = Resource(
    "statement_sources",
    "Sources of statements",
    "Sources that report each statement.",
    (
        _slug("statement", "Slug of the statement."),
        Field("source_id", "integer", "Number of the source.", required=True),
    ),
    ("statement", "source_id"),
    (ForeignKey("statement", "statements", "slug"), ForeignKey("source_id", "sources", "id")),
)
QUOTES = Resource(
    "quotes",
    "Quotes",
    "Quotes from statements, in the statement's order.",
    (
        Field("id", "integer", "Number of the quote.", required=True),
        _slug("statement", "Slug of the statement."),
        Field("position", "integer", "Order within the statement, from 0.", required=True),
        Field("text", "string", "The words quoted.", required=True),
        _slug("speaker", "Slug of the person quoted (else the statement's speaker).", False),
    ),
    ("id",),
    (ForeignKey("statement", "statements", "slug"), ForeignKey("speaker", "people", "slug")),
)

RESOURCES = (
    ORGANIZATIONS,
    PEOPLE,
    TOPICS,
    MEASURES,
    MEASURE_TOPICS,
    SOURCES,
    MEASURE_SOURCES,
    EVENTS,
    EVENT_SOURCES,
    RELATIONS,
    STATEMENTS,
    STATEMENT_MEASURES,
    STATEMENT_SIGNATORIES,
    STATEMENT_SOURCES,
    QUOTES,
)


def package_descriptor(
    site_name: str, home: str, as_of: dt.date, generated: dt.datetime, include_internal: bool
) -> dict[str, Any]:
    """The ``datapackage.json`` document."""
    scope = (
        "Public and internal records (downloaded by a signed-in user: do not publish)."
        if include_internal
        else "Public records only."
    )
    return {
        "profile": "tabular-data-package",
        "name": "tracker-dataset",
        "title": f"{site_name}: laws and bills that restrict civil society",
        "description": (
            "Measures (laws, bills, orders, practices) with their dated events, relations, "
            "sources, and the statements organizations made about them. Dates are partial ISO "
            "8601 strings (YYYY, YYYY-MM or YYYY-MM-DD) with their precision and an "
            "'approximate' flag; the first and last day columns give the span each date could "
            "be. Statuses are derived from the events as of the 'as_of' day. Text cells that "
            "begin with =, +, -, @, a tab or a carriage return are prefixed with an apostrophe "
            f"(') so spreadsheets do not run them as formulas. {scope}"
        ),
        "homepage": home,
        "created": generated.astimezone(dt.UTC).replace(microsecond=0).isoformat(),
        "as_of": as_of.isoformat(),
        "keywords": ["civic space", "legislation", "human rights", "foreign agents laws"],
        "sources": [{"title": site_name, "path": home}],
        "resources": [resource.descriptor() for resource in RESOURCES],
    }


# -- rows -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Scope:
    """What an anonymous (or signed-in) reader may see, computed once for every table: ids of
    the visible records of each kind."""

    include_internal: bool
    measures: Select[Any]
    statements: Select[Any]
    organizations: Select[Any]
    people: Select[Any]


def _scope(include_internal: bool) -> _Scope:
    organizations = visible_organizations(include_internal).with_only_columns(Organization.id)
    statements = visible_statements(include_internal).with_only_columns(Statement.id)
    if not include_internal:
        # A statement row names its author by slug: a public statement by an internal
        # organization cannot be written without naming it, so it stays out.
        statements = statements.where(Statement.organization_id.in_(organizations))
    return _Scope(
        include_internal,
        measures=visible_measures(include_internal).with_only_columns(Measure.id),
        statements=statements,
        organizations=organizations,
        people=visible_people(include_internal).with_only_columns(Person.id),
    )


def _stream(session: Session, query: Select[*tuple[Any, ...]], batch: int = 2000) -> Iterator[Any]:
    # "with": an abandoned download closes its server-side cursor at once.
    with session.execute(query, execution_options={"yield_per": batch}) as result:
        yield from result


def _dates(iso: str, approximate: bool) -> list[Any]:
    cells = date_cells(iso, approximate)
    return [cells.iso, cells.precision, cells.approximate, cells.first_day, cells.last_day]


def _organization_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    query = select(Organization).where(Organization.id.in_(scope.organizations))
    for org in session.scalars(query.order_by(Organization.slug)):
        yield [
            org.slug,
            org.name,
            org.acronym,
            org.kind,
            vocab.ORGANIZATION_KINDS.get(org.kind) if org.kind else None,
            org.country,
            country_name(org.country) if org.country else None,
            org.url,
        ]


def _people_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    organizations = _slugs(session, Organization, scope.organizations)
    query = (
        select(Person.slug, Person.name, Person.role, Person.organization_id)
        .where(Person.id.in_(scope.people))
        .order_by(Person.slug)
    )
    for slug, name, role, org_id in session.execute(query):
        # An organization hidden from this reader is not named through its member either.
        yield [slug, name, role, organizations.get(org_id) if org_id else None]


def _slugs(session: Session, model: Any, visible: Select[Any]) -> dict[int, str]:
    """Slugs of the organizations or people the reader may see, by id."""
    return dict(session.execute(select(model.id, model.slug).where(model.id.in_(visible))).all())


def _topic_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    topics = visible_topics(scope.include_internal).order_by(Topic.slug)
    for topic in session.scalars(topics):
        yield [topic.slug, topic.name]


def _measure_rows(
    session: Session, scope: _Scope, links: Links, as_of: dt.date
) -> Iterator[list[Any]]:
    query = select(Measure).where(Measure.id.in_(scope.measures)).order_by(Measure.slug)
    measures = list(session.scalars(query))
    by_id = statuses(session, (m.id for m in measures), as_of)
    for measure in measures:
        status = by_id[measure.id]
        yield [
            measure.slug,
            measure.country,
            country_name(measure.country),
            measure.kind,
            vocab.MEASURE_KINDS[measure.kind],
            measure.title,
            measure.original_title,
            measure.original_language,
            "; ".join(measure.popular_names or []) or None,
            measure.identifier,
            measure.originating_body,
            measure.summary,
            measure.visibility,
            status.state,
            status.headline,
            status.stage.label if status.stage else None,
            status.outcome.label,
            status.force.label,
            status.term_end,
            links.measure(measure.slug),
        ]


def _measure_topic_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    query = (
        select(Measure.slug, Topic.slug)
        .select_from(measure_topics)
        .join(Measure, Measure.id == measure_topics.c.measure_id)
        .join(Topic, Topic.id == measure_topics.c.topic_id)
        .where(Measure.id.in_(scope.measures))
        .order_by(Measure.slug, Topic.slug)
    )
    for measure, topic in session.execute(query):
        yield [measure, topic]


def _visible_events(scope: _Scope) -> Select[Any]:
    return select(Event.id).where(Event.measure_id.in_(scope.measures))


def _source_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
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
        yield from (_source_row(source) for source in sources)


def _source_row(source: Source) -> list[Any]:
    return [
        source.id,
        source.url,
        source.title,
        source.publisher,
        source.published.iso if source.published else None,
        source.accessed,
        source.archived_url,
    ]


def _measure_source_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    query = (
        select(Measure.slug, measure_sources.c.source_id)
        .join(Measure, Measure.id == measure_sources.c.measure_id)
        .where(Measure.id.in_(scope.measures))
        .order_by(Measure.slug, measure_sources.c.source_id)
    )
    for measure, source in session.execute(query):
        yield [measure, source]


def _event_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    labels = {code: kind.label for code, kind in vocab.EVENT_TYPES.items()}
    query = (
        select(
            Event.id,
            Measure.slug,
            Event.type,
            Event.date_iso,
            Event.date_approximate,
            Event.end_date_iso,
            Event.end_date_approximate,
            Event.actor,
            Event.description,
            Event.votes_for,
            Event.votes_against,
            Event.votes_abstain,
        )
        .join(Measure, Measure.id == Event.measure_id)
        .where(Measure.id.in_(scope.measures))
        .order_by(Event.id)
    )
    for row in _stream(session, query):
        (event_id, measure, kind, iso, approximate, end_iso, end_approximate, *rest) = row
        yield [
            event_id,
            measure,
            kind,
            labels[kind],
            *_dates(iso, approximate),
            end_iso,
            bool(end_approximate) if end_iso else None,
            *rest,
        ]


def _event_source_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    query = (
        select(event_sources.c.event_id, event_sources.c.source_id)
        .where(event_sources.c.event_id.in_(_visible_events(scope)))
        .order_by(event_sources.c.event_id, event_sources.c.source_id)
    )
    for event_id, source_id in _stream(session, query):
        yield [event_id, source_id]


def _relation_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    subject = select(Measure.slug).where(Measure.id == Relation.subject_id).scalar_subquery()
    target = select(Measure.slug).where(Measure.id == Relation.object_id).scalar_subquery()
    query = (
        select(Relation.id, subject, Relation.type, target, Relation.note)
        .where(Relation.subject_id.in_(scope.measures), Relation.object_id.in_(scope.measures))
        .order_by(Relation.id)
    )
    for relation_id, subject_slug, kind, object_slug, note in session.execute(query):
        relation = vocab.RELATION_TYPES[kind]
        yield [relation_id, subject_slug, kind, relation.label, relation.inverse, object_slug, note]


def _statement_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    visible_events = set(session.scalars(_visible_events(scope)))
    query = (
        select(Statement)
        .where(Statement.id.in_(scope.statements))
        .order_by(Statement.date_iso, Statement.slug)
    )
    organizations = _slugs(session, Organization, scope.organizations)
    people = _slugs(session, Person, scope.people)
    with session.scalars(query.execution_options(yield_per=500)) as statements:
        yield from (
            _statement_row(statement, organizations, people, visible_events)
            for statement in statements
        )


def _statement_row(
    statement: Statement,
    organizations: dict[int, str],
    people: dict[int, str],
    visible_events: set[int],
) -> list[Any]:
    reacts = statement.reacts_to_event_id
    return [
        statement.slug,
        organizations[statement.organization_id],
        people.get(statement.speaker_id) if statement.speaker_id else None,
        statement.type,
        vocab.STATEMENT_TYPES.get(statement.type) if statement.type else None,
        statement.stance,
        vocab.STANCES.get(statement.stance) if statement.stance else None,
        "; ".join(statement.asks or []) or None,
        *_dates(statement.date_iso, statement.date_approximate),
        statement.title,
        statement.url,
        statement.summary,
        reacts if reacts in visible_events else None,
        statement.visibility,
    ]


def _statement_measure_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    query = (
        select(Statement.slug, Measure.slug)
        .select_from(statement_measures)
        .join(Statement, Statement.id == statement_measures.c.statement_id)
        .join(Measure, Measure.id == statement_measures.c.measure_id)
        .where(Statement.id.in_(scope.statements), Measure.id.in_(scope.measures))
        .order_by(Statement.slug, Measure.slug)
    )
    for statement, measure in session.execute(query):
        yield [statement, measure]


def _signatory_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    query = (
        select(Statement.slug, Organization.slug)
        .select_from(statement_signatories)
        .join(Statement, Statement.id == statement_signatories.c.statement_id)
        .join(Organization, Organization.id == statement_signatories.c.organization_id)
        .where(Statement.id.in_(scope.statements), Organization.id.in_(scope.organizations))
        .order_by(Statement.slug, Organization.slug)
    )
    for statement, organization in session.execute(query):
        yield [statement, organization]


def _statement_source_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    query = (
        select(Statement.slug, statement_sources.c.source_id)
        .join(Statement, Statement.id == statement_sources.c.statement_id)
        .where(Statement.id.in_(scope.statements))
        .order_by(Statement.slug, statement_sources.c.source_id)
    )
    for statement, source in session.execute(query):
        yield [statement, source]


def _quote_rows(session: Session, scope: _Scope) -> Iterator[list[Any]]:
    people = _slugs(session, Person, scope.people)
    query = (
        select(Quote.id, Statement.slug, Quote.position, Quote.text, Quote.speaker_id)
        .join(Statement, Statement.id == Quote.statement_id)
        .where(Statement.id.in_(scope.statements))
        .order_by(Statement.slug, Quote.position, Quote.id)
    )
    for quote_id, statement, position, text, speaker_id in session.execute(query):
        yield [quote_id, statement, position, text, people.get(speaker_id) if speaker_id else None]


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


def _csv_value(value: Any) -> Any:
    if isinstance(value, str):
        return neutralize(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


README = """\
{title}
{underline}

As of {as_of}; generated {generated}.

The data/ folder holds one CSV file (UTF-8, comma-separated, header row) per table. The file
datapackage.json describes every table and column: its type, its meaning, the primary key and
the links between tables (Frictionless Data Package). To check the files:

    pip install frictionless
    frictionless validate datapackage.json

Dates are written at their precision: "2024", "2024-04" or "2024-04-02", with a precision
column, an approximate flag and the first and last day the date could be. Statuses are derived
from the events as of the day above. Text cells that begin with =, +, -, @, a tab or a carriage
return are prefixed with an apostrophe (') so spreadsheets do not run them as formulas.

{scope}
Source: {home}
"""


def zip_stream(
    session: Session,
    links: Links,
    include_internal: bool,
    site_name: str,
    as_of: dt.date | None = None,
    generated: dt.datetime | None = None,
    batch: int = 2000,
) -> Iterator[bytes]:
    """The zip, in chunks, as it is written."""
    as_of = as_of or clock.today()
    generated = generated or clock.now()
    scope = _scope(include_internal)
    writers: dict[str, Callable[[], Iterable[list[Any]]]] = {
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
    descriptor = package_descriptor(site_name, links.home(), as_of, generated, include_internal)
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
                    if include_internal
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
                writer.writerow([f.name for f in resource.fields])
                for count, row in enumerate(writers[resource.name](), 1):
                    writer.writerow([_csv_value(value) for value in row])
                    if count % batch == 0:
                        text.flush()
                        yield pipe.take()
                text.flush()
                text.detach()
            yield pipe.take()
    yield pipe.take()
