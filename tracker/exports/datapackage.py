"""The tables of the dataset zip and their ``datapackage.json`` (Frictionless Tabular Data Package).

Each table is a ``Resource``: a ``Table`` of tracker.exports.columns (so its columns read their
values as the list downloads' do, and a kind's plain fields come from tracker.domain.kinds) with
what the package says of it: a description, a primary key and foreign keys. The records each
table reads are described here too; tracker.exports.dataset_zip queries them and writes the zip.
Records refer to each other by slug where they have one (measures, statements, organizations,
people, topics) and by number otherwise (events, sources, quotes, relations), as the pages'
anchors do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from tracker import vocab
from tracker.countries import country_name
from tracker.domain import kinds
from tracker.exports.columns import (
    Column,
    DateValue,
    Plain,
    R,
    Table,
    date_columns,
    with_plain_fields,
)
from tracker.models import Measure, Organization, Person, Source, Statement
from tracker.status import Status
from tracker.viewpoint import Viewpoint


@dataclass(frozen=True, slots=True)
class ForeignKey:
    fields: str
    resource: str
    reference: str


@dataclass(frozen=True, slots=True)
class Resource(Table[R]):
    """One CSV file of the zip and its description in ``datapackage.json``."""

    description: str = ""
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)

    @property
    def path(self) -> str:
        return f"data/{self.name}.csv"

    def descriptor(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "fields": [field_schema(column) for column in self.columns],
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


def field_schema(column: Column[Any]) -> dict[str, Any]:
    """A column as a Frictionless Table Schema field."""
    data: dict[str, Any] = {
        "name": column.name,
        "type": column.type,
        "description": column.description,
    }
    if column.type == "date":
        data["format"] = "%Y-%m-%d"
    constraints: dict[str, Any] = {}
    if column.required:
        constraints["required"] = True
    if column.pattern:
        constraints["pattern"] = column.pattern
    if column.enum:
        constraints["enum"] = list(column.enum)
    if constraints:
        data["constraints"] = constraints
    return data


# -- the records the tables read --------------------------------------------------------------


class PersonRecord(NamedTuple):
    person: Person
    organization: str | None
    """Slug of their organization, when the reader may see it."""


class MeasureRecord(NamedTuple):
    measure: Measure
    status: Status
    url: str


class StatementRecord(NamedTuple):
    statement: Statement
    organization: str
    speaker: str | None
    """Slug of the speaker, when the reader may see them."""
    reacts_to_event: int | None
    """The event it reacted to, when the reader may see it."""


class QuoteRecord(NamedTuple):
    id: int
    statement: str
    position: int
    text: str
    speaker: str | None


def _slug(name: str, what: str, required: bool = True) -> Column[Any]:
    return Column(name, "string", what, required=required)


def _number(name: str, what: str) -> Column[Any]:
    return Column(name, "integer", what, required=True)


def _to_measure(name: str = "measure") -> ForeignKey:
    return ForeignKey(name, "measures", "slug")


def _label(labels: dict[str, str], code: Callable[[R], str | None]) -> Callable[[R], str | None]:
    def read(record: R) -> str | None:
        value = code(record)
        return labels.get(value) if value else None

    return read


def _the(record: R) -> R:
    return record


def _dates(iso: str, approximate: bool | None) -> DateValue:
    return (iso, approximate)


# -- the tables -------------------------------------------------------------------------------

ORGANIZATIONS: Final[Resource[Organization]] = Resource(
    "organizations",
    "Organizations",
    with_plain_fields(
        kinds.ORGANIZATION,
        _the,
        (
            _slug("slug", "Stable identifier."),
            Plain("name"),
            Plain("acronym"),
            Column("kind", "string", "Kind (code).", enum=list(vocab.ORGANIZATION_KINDS)),
            Column(
                "kind_label",
                "string",
                "Kind.",
                _label(dict(vocab.ORGANIZATION_KINDS), lambda org: org.kind),
            ),
            Column("country", "string", "Country code (ISO 3166-1 alpha-2), if national."),
            Column(
                "country_name",
                "string",
                "Country name.",
                lambda org: country_name(org.country) if org.country else None,
            ),
            Plain("url"),
        ),
    ),
    "NGOs, UN mechanisms, governments, courts... that made or signed statements.",
    ("slug",),
)
PEOPLE: Final[Resource[PersonRecord]] = Resource(
    "people",
    "People",
    with_plain_fields(
        kinds.PERSON,
        lambda record: record.person,
        (
            Column("slug", "string", "Stable identifier.", lambda r: r.person.slug, required=True),
            Plain("name"),
            Plain("role"),
            # An organization hidden from this reader is not named through its member either.
            _slug("organization", "Slug of their organization.", required=False),
        ),
    ),
    "Named speakers, usually within an organization.",
    ("slug",),
    (ForeignKey("organization", "organizations", "slug"),),
)
TOPICS: Final[Resource[Any]] = Resource(
    "topics",
    "Topics",
    (_slug("slug", "Stable identifier."), Column("name", "string", "Name.", required=True)),
    "Topics measures are filed under.",
    ("slug",),
)
MEASURES: Final[Resource[MeasureRecord]] = Resource(
    "measures",
    "Measures",
    with_plain_fields(
        kinds.MEASURE,
        lambda record: record.measure,
        (
            Column("slug", "string", "Stable identifier.", lambda r: r.measure.slug, required=True),
            Column(
                "country",
                "string",
                "Country code (ISO 3166-1 alpha-2).",
                lambda r: r.measure.country,
                required=True,
            ),
            Column(
                "country_name", "string", "Country name.", lambda r: country_name(r.measure.country)
            ),
            Column(
                "kind",
                "string",
                "Kind (code).",
                lambda r: r.measure.kind,
                required=True,
                enum=list(vocab.MEASURE_KINDS),
            ),
            Column(
                "kind_label",
                "string",
                "Kind: Law, Bill, Court order...",
                lambda r: vocab.MEASURE_KINDS[r.measure.kind],
            ),
            Plain("title"),
            Plain("original_title"),
            Plain("original_language"),
            Column(
                "popular_names",
                "string",
                "Names it is known by, separated by '; '.",
                lambda r: "; ".join(r.measure.popular_names or []) or None,
            ),
            Plain("identifier"),
            Plain("originating_body"),
            Plain("summary"),
            Column(
                "visibility",
                "string",
                "public or internal.",
                lambda r: r.measure.visibility,
                enum=list(vocab.VISIBILITIES),
            ),
            Column(
                "status",
                "string",
                "Status code as of the package's day.",
                lambda r: r.status.state,
                enum=list(vocab.STATES),
            ),
            Column(
                "status_label",
                "string",
                "Status as shown on the page.",
                lambda r: r.status.headline,
            ),
            Column(
                "stage",
                "string",
                "Stage in the legislative process.",
                lambda r: r.status.stage.label if r.status.stage else None,
            ),
            Column("outcome", "string", "Outcome.", lambda r: r.status.outcome.label),
            Column("legal_force", "string", "Legal force.", lambda r: r.status.force.label),
            Column(
                "in_force_until",
                "date",
                "Last day of the current term in force, if any.",
                lambda r: r.status.term_end,
            ),
            Column("url", "string", "Permalink of the measure's page."),
        ),
    ),
    "Laws, bills, orders and practices that restrict or protect civic space. The status "
    "columns are derived from the events as of the package's 'as_of' day.",
    ("slug",),
)
MEASURE_TOPICS: Final[Resource[Any]] = Resource(
    "measure_topics",
    "Topics of measures",
    (_slug("measure", "Slug of the measure."), _slug("topic", "Slug of the topic.")),
    "Which measure is filed under which topic.",
    ("measure", "topic"),
    (_to_measure(), ForeignKey("topic", "topics", "slug")),
)
SOURCES: Final[Resource[Source]] = Resource(
    "sources",
    "Sources",
    with_plain_fields(
        kinds.SOURCE,
        _the,
        (
            _number("id", "Number of the source in the tracker."),
            Plain("url"),
            Plain("title"),
            Plain("publisher"),
            *date_columns(
                "published",
                "the publication date",
                lambda source: (
                    (source.published.iso, source.published.approximate)
                    if source.published
                    else None
                ),
                parts=("iso",),
            ),
            Column("accessed", "date", "Day it was read."),
            Plain("archived_url"),
        ),
    ),
    "Documents that facts come from; one row per address, cited by many records.",
    ("id",),
)
MEASURE_SOURCES: Final[Resource[Any]] = Resource(
    "measure_sources",
    "Sources of measures",
    (_slug("measure", "Slug of the measure."), _number("source_id", "Number of the source.")),
    "Sources for a measure as a whole (its summary).",
    ("measure", "source_id"),
    (_to_measure(), ForeignKey("source_id", "sources", "id")),
)
EVENTS: Final[Resource[Any]] = Resource(
    "events",
    "Events",
    with_plain_fields(
        kinds.EVENT,
        _the,
        (
            _number("id", "Number of the event (its anchor on the page)."),
            _slug("measure", "Slug of the measure."),
            Column(
                "type", "string", "Event type (code).", required=True, enum=list(vocab.EVENT_TYPES)
            ),
            Column(
                "type_label",
                "string",
                "Event type.",
                lambda row: vocab.EVENT_TYPES[row.type].label,
            ),
            *date_columns(
                "date",
                "the date",
                lambda row: _dates(row.date_iso, row.date_approximate),
                required=True,
            ),
            *date_columns(
                "end_date",
                "the end of the term the event sets ('until')",
                lambda row: _dates(row.end_date_iso, row.end_date_approximate),
                parts=("iso", "approximate"),
            ),
            Plain("actor"),
            Plain("description"),
            Column("votes_for", "integer", "Votes for."),
            Column("votes_against", "integer", "Votes against."),
            Column("votes_abstain", "integer", "Abstentions."),
        ),
    ),
    "Dated steps in a measure's life; the timeline and the status are made of them.",
    ("id",),
    (_to_measure(),),
)
EVENT_SOURCES: Final[Resource[Any]] = Resource(
    "event_sources",
    "Sources of events",
    (_number("event_id", "Number of the event."), _number("source_id", "Number of the source.")),
    "Which source each event cites.",
    ("event_id", "source_id"),
    (ForeignKey("event_id", "events", "id"), ForeignKey("source_id", "sources", "id")),
)
RELATIONS: Final[Resource[Any]] = Resource(
    "relations",
    "Relations between measures",
    with_plain_fields(
        kinds.RELATION,
        _the,
        (
            _number("id", "Number of the relation."),
            _slug("subject", "Slug of the measure the relation is stated from."),
            Column(
                "type", "string", "Relation (code).", required=True, enum=list(vocab.RELATION_TYPES)
            ),
            Column(
                "type_label",
                "string",
                "Relation, from the subject's side.",
                lambda row: vocab.RELATION_TYPES[row.type].label,
            ),
            Column(
                "inverse_label",
                "string",
                "Relation, from the object's side.",
                lambda row: vocab.RELATION_TYPES[row.type].inverse,
            ),
            _slug("object", "Slug of the other measure."),
            Plain("note"),
        ),
    ),
    "Read as 'subject <type> object': the Kyrgyz bill 'modelled-on' the Russian law.",
    ("id",),
    (_to_measure("subject"), _to_measure("object")),
)
STATEMENTS: Final[Resource[StatementRecord]] = Resource(
    "statements",
    "Statements",
    with_plain_fields(
        kinds.STATEMENT,
        lambda record: record.statement,
        (
            Column(
                "slug", "string", "Stable identifier.", lambda r: r.statement.slug, required=True
            ),
            _slug("organization", "Slug of the organization that made it."),
            _slug("speaker", "Slug of the person who spoke for it.", required=False),
            Column(
                "type",
                "string",
                "Kind (code).",
                lambda r: r.statement.type,
                enum=list(vocab.STATEMENT_TYPES),
            ),
            Column(
                "type_label",
                "string",
                "Kind.",
                _label(dict(vocab.STATEMENT_TYPES), lambda r: r.statement.type),
            ),
            Column(
                "stance",
                "string",
                "Stance (code).",
                lambda r: r.statement.stance,
                enum=list(vocab.STANCES),
            ),
            Column(
                "stance_label",
                "string",
                "Stance.",
                _label(dict(vocab.STANCES), lambda r: r.statement.stance),
            ),
            Column(
                "asks",
                "string",
                "What it asks for (codes), separated by '; '.",
                lambda r: "; ".join(r.statement.asks or []) or None,
            ),
            *date_columns(
                "date",
                "the date",
                lambda r: _dates(r.statement.date_iso, r.statement.date_approximate),
                required=True,
            ),
            Plain("title"),
            Plain("url"),
            Plain("summary"),
            Column("reacts_to_event", "integer", "Number of the event it reacted to."),
            Column(
                "visibility",
                "string",
                "public or internal.",
                lambda r: r.statement.visibility,
                enum=list(vocab.VISIBILITIES),
            ),
        ),
    ),
    "What organizations said about measures.",
    ("slug",),
    (
        ForeignKey("organization", "organizations", "slug"),
        ForeignKey("speaker", "people", "slug"),
        ForeignKey("reacts_to_event", "events", "id"),
    ),
)
STATEMENT_MEASURES: Final[Resource[Any]] = Resource(
    "statement_measures",
    "Measures of statements",
    (_slug("statement", "Slug of the statement."), _slug("measure", "Slug of the measure.")),
    "Which measures each statement is about.",
    ("statement", "measure"),
    (ForeignKey("statement", "statements", "slug"), _to_measure()),
)
STATEMENT_SIGNATORIES: Final[Resource[Any]] = Resource(
    "statement_signatories",
    "Co-signatories of statements",
    (
        _slug("statement", "Slug of the statement."),
        _slug("organization", "Slug of the co-signing organization."),
    ),
    "Organizations that co-signed a statement (joint letters have dozens).",
    ("statement", "organization"),
    (
        ForeignKey("statement", "statements", "slug"),
        ForeignKey("organization", "organizations", "slug"),
    ),
)
STATEMENT_SOURCES: Final[Resource[Any]] = Resource(
    "statement_sources",
    "Sources of statements",
    (_slug("statement", "Slug of the statement."), _number("source_id", "Number of the source.")),
    "Sources that report each statement.",
    ("statement", "source_id"),
    (ForeignKey("statement", "statements", "slug"), ForeignKey("source_id", "sources", "id")),
)
QUOTES: Final[Resource[QuoteRecord]] = Resource(
    "quotes",
    "Quotes",
    (
        _number("id", "Number of the quote."),
        _slug("statement", "Slug of the statement."),
        _number("position", "Order within the statement, from 0."),
        Column("text", "string", "The words quoted.", required=True),
        _slug("speaker", "Slug of the person quoted (else the statement's speaker).", False),
    ),
    "Quotes from statements, in the statement's order.",
    ("id",),
    (ForeignKey("statement", "statements", "slug"), ForeignKey("speaker", "people", "slug")),
)

RESOURCES: Final[tuple[Resource[Any], ...]] = (
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
"""Every table of the zip, in the order it is written."""


def package_descriptor(
    site_name: str, home: str, as_of: dt.date, generated: dt.datetime, view: Viewpoint
) -> dict[str, Any]:
    """The ``datapackage.json`` document."""
    scope = (
        "Public and internal records (downloaded by a signed-in user: do not publish)."
        if view.sees_internal
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
