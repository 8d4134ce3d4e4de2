"""Every record kind and every field, described once.

A field's name, shape, limits, label and help are written here and nowhere else: the edit forms,
the write path's checks (tracker.services.saving), history's labels, the JSON API's
serializers and OpenAPI schemas, the interchange format's schema, import and export, the list
downloads and the brief's facts read them. Adding a plain field to a kind (a line of text, a
web address, a block of Markdown) is one entry in its ``fields``, plus the model's column and
its migration; the one template that lays the record out decides where a reader sees it.

The descriptions know nothing of the web, the database session or WTForms: they are data.
Shapes say how a value is typed in, stored and exchanged:

- ``line``: one line of text; ``prose``: Markdown; ``url``: an http(s) address (all three are
  *plain*: stored as typed, trimmed, in the column of the same name, and handled generically);
- ``slug``: the record's address; ``country``: an ISO 3166-1 code; ``choice``: one code of
  ``choices`` (a vocabulary); ``codes``: several codes of it; ``names``: a list of strings;
- ``date``: a partial date (tracker.dates) with its "approximate" flag; ``day``: a full date;
- ``count``: a whole number from 0; ``visibility``: public or internal;
- ``ref``/``refs``: one or several records of the kind ``target`` (by its lookup key);
- ``sources``: cited web addresses; ``topics``: topic slugs; ``quotes``: a statement's quotes.

Long (~600 lines) because it is the description itself: data, one entry per field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from tracker import vocab

Shape = Literal[
    "line",
    "prose",
    "url",
    "slug",
    "country",
    "choice",
    "codes",
    "names",
    "date",
    "day",
    "count",
    "visibility",
    "ref",
    "refs",
    "sources",
    "topics",
    "quotes",
]

PLAIN_SHAPES: Final = frozenset({"line", "prose", "url"})
"""Shapes stored as typed (trimmed, empty as null) in a column of the field's name."""

JSON_TYPES: Final[Mapping[str, str]] = {
    "line": "string",
    "prose": "string",
    "url": "string",
    "slug": "string",
    "country": "string",
    "choice": "string",
    "codes": "list",
    "names": "list",
    "date": "string",
    "day": "date",
    "count": "integer",
    "visibility": "string",
    "ref": "string",
    "refs": "list",
    "sources": "list",
    "topics": "list",
    "quotes": "list",
}
"""The column type a download gives each shape (Frictionless: string, integer, date, list)."""


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a record kind."""

    name: str
    shape: Shape
    label: str
    """How forms, history and the API's documentation name it."""
    help: str = ""
    """A hint under the form field."""
    about: str = ""
    """One sentence for downloads, the datapackage and OpenAPI: what the value is."""
    max_length: int | None = None
    required: bool = False
    choices: Mapping[str, str] | None = None
    """For ``choice`` and ``codes``: code → label."""
    target: str | None = None
    """For ``ref`` and ``refs``: the kind referred to."""
    fact: str | None = None
    """How the measure page and the brief introduce the value ("Initiated by"); None: not a fact."""
    listed: bool = True
    """Shown wherever the record is listed (list pages, the API's list items); False: on the
    record's own page and the API's detail only (a long summary)."""
    api_name: str | None = None
    """The JSON API's name for it where that differs (an organization's ``url`` is its
    ``website``: the API's ``url`` is the record's own address)."""
    wide: bool = False
    """The form gives it the whole row."""
    rows: int | None = None
    """Lines a text area shows."""
    default: object = None
    missing: str | None = None
    """What the write path says when a required field is empty ("Enter the official title.")."""
    invalid: str | None = None
    """For ``choice``: what the write path says of a code not in ``choices`` ("Choose a
    stance.")."""
    approximate: str | None = None
    """For ``date``: the name of its companion flag that marks the date approximate ("c.")."""
    internal: bool = False
    """The curators' own (notes on doubts and typing choices): edited, kept in history and in
    a signed-in user's full export, but never in a public page, the API, a list download, the
    data package or a brief, whoever asks (``Kind.public_plain_fields``)."""

    @property
    def plain(self) -> bool:
        return self.shape in PLAIN_SHAPES

    @property
    def is_list(self) -> bool:
        return JSON_TYPES[self.shape] == "list"

    @property
    def json_type(self) -> str:
        return JSON_TYPES[self.shape]


Visibility = Literal["own", "measure", "public"]
"""Whose public/internal decision a record follows: its own, its measure's, or none (public)."""


@dataclass(frozen=True, slots=True)
class Kind:
    """A record kind: its name, its fields, how it is looked up and who may see it."""

    name: str
    plural: str
    label: str
    key: str
    """The field a reference, an import or an address finds it by."""
    fields: tuple[Field, ...]
    visibility: Visibility = "own"
    default_visibility: str = "public"
    _by_name: dict[str, Field] = field(default_factory=dict, init=False, repr=False, compare=False)
    _plain: tuple[Field, ...] = field(default=(), init=False, repr=False, compare=False)
    _public_plain: tuple[Field, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update((f.name, f) for f in self.fields)
        # Read for every record a download, an export or an import writes: worked out once.
        object.__setattr__(self, "_plain", tuple(f for f in self.fields if f.plain))
        public = tuple(f for f in self._plain if not f.internal)
        object.__setattr__(self, "_public_plain", public)

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def get(self, name: str) -> Field | None:
        return self._by_name.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def plain_fields(self) -> tuple[Field, ...]:
        """Every plain field: what forms, saves, history and imports handle."""
        return self._plain

    @property
    def public_plain_fields(self) -> tuple[Field, ...]:
        """The plain fields a reader outside the team may get: all but the ``internal`` ones.
        The API, list downloads, the data package and briefs read these."""
        return self._public_plain

    def plain_values(self, record: object) -> dict[str, Any]:
        """A record's plain fields by name, read from its attributes."""
        return {f.name: getattr(record, f.name) for f in self.plain_fields}

    def plain_from(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The plain fields of a mapping (a record of the interchange format), None if absent."""
        return {f.name: values.get(f.name) for f in self.plain_fields}

    @property
    def labels(self) -> dict[str, str]:
        return {f.name: f.label for f in self.fields}


def _visibility(default: str, help: str = "") -> Field:
    return Field(
        "visibility",
        "visibility",
        "Visibility",
        help=help,
        choices=vocab.VISIBILITIES,
        default=default,
        about="public, or internal: seen by signed-in users only; never publish internal rows.",
    )


def _slug(help: str) -> Field:
    return Field("slug", "slug", "Slug", help=help, max_length=120, about="Stable identifier.")


_SOURCES_HELP = "Paste web addresses, one per line; a title may follow the address."
_MARKDOWN_HELP = "Markdown: **bold**, *italic*, [link](https://...), lists with “- ”."

MEASURE: Final = Kind(
    "measure",
    "measures",
    "Measure",
    key="slug",
    fields=(
        Field(
            "title",
            "line",
            "Official title (English)",
            max_length=1000,
            required=True,
            missing="Enter the official title.",
            wide=True,
            about="Official title (English).",
        ),
        Field(
            "short_title",
            "line",
            "Short title",
            help="For lists and timelines, e.g. “Foreign Representatives Law (2024)”.",
            max_length=300,
            wide=True,
            about="Short title for lists and timelines.",
        ),
        Field(
            "country",
            "country",
            "Country",
            required=True,
            about="Country code (ISO 3166-1 alpha-2).",
        ),
        Field(
            "kind",
            "choice",
            "Kind",
            required=True,
            choices=vocab.MEASURE_KINDS,
            invalid="Choose what kind of measure this is.",
            about="Kind of measure: law, bill, court order...",
        ),
        Field(
            "identifier",
            "line",
            "Official identifier",
            help="e.g. Law No. 72",
            max_length=300,
            fact="Official identifier",
            about="Official identifier, e.g. 'No. 72'.",
        ),
        Field(
            "originating_body",
            "line",
            "Originating body",
            max_length=500,
            fact="Initiated by",
            about="Who initiated it.",
        ),
        Field(
            "official_text_url",
            "url",
            "Official text",
            help="The law's text in the official legal database, e.g. the Ministry of "
            "Justice's register (https://...)",
            max_length=2000,
            wide=True,
            fact="Official text",
            about="Address of the text in the official legal database.",
        ),
        Field(
            "original_title",
            "line",
            "Title in the original language",
            max_length=1000,
            wide=True,
            about="Title in the original language.",
        ),
        Field(
            "original_language",
            "line",
            "Language code",
            help="e.g. ru, ky, ka",
            max_length=20,
            about="Language of the original title (ISO 639-1).",
        ),
        Field(
            "popular_names",
            "names",
            "Popular names",
            help="One per line, e.g. “foreign agents law”.",
            rows=3,
            about="Names it is known by, e.g. 'foreign agents law'.",
        ),
        Field("topics", "topics", "Topics", wide=True, about="Topics (names)."),
        Field(
            "summary",
            "prose",
            "Summary",
            help=_MARKDOWN_HELP,
            listed=False,
            wide=True,
            rows=10,
            about="Summary (Markdown).",
        ),
        Field(
            "sources",
            "sources",
            "Sources for the measure",
            help=_SOURCES_HELP,
            wide=True,
            rows=4,
            about="Addresses of the sources for the measure as a whole.",
        ),
        _visibility("public"),
        _slug("The record's address; made from the country and title when left empty."),
    ),
)

EVENT: Final = Kind(
    "event",
    "events",
    "Event",
    key="id",
    visibility="measure",
    fields=(
        Field(
            "type",
            "choice",
            "What happened",
            required=True,
            choices={code: kind.label for code, kind in vocab.EVENT_TYPES.items()},
            invalid="Choose what happened.",
            about="Event type: introduced, signed, extended...",
        ),
        Field("date", "date", "Date", required=True, approximate="approximate", about="The date."),
        Field(
            "end_date",
            "date",
            "Until",
            help="For a ban or a term that ends",
            approximate="end_approximate",
            about="End of the term the event sets ('until').",
        ),
        Field(
            "actor",
            "line",
            "Who acted",
            help="e.g. Jogorku Kenesh, President",
            max_length=500,
            about="Who acted: parliament, president, court...",
        ),
        Field("votes_for", "count", "Votes for", about="Votes for, when recorded."),
        Field("votes_against", "count", "Votes against", about="Votes against, when recorded."),
        Field("votes_abstain", "count", "Abstentions", about="Abstentions, when recorded."),
        Field("description", "prose", "Description", wide=True, rows=3, about="What happened."),
        Field(
            "sources",
            "sources",
            "Sources",
            help=_SOURCES_HELP,
            wide=True,
            rows=3,
            about="Sources of the event.",
        ),
        Field(
            "curator_notes",
            "prose",
            "Curators’ notes (internal)",
            help="Doubts, what the sources leave open, why the event was typed as it is. Seen "
            "by signed-in users only: never on a public page, in a download or a brief.",
            wide=True,
            rows=2,
            max_length=5000,
            internal=True,
            listed=False,
            about="Curators' notes: doubts and typing choices (internal; never published).",
        ),
    ),
)

RELATION: Final = Kind(
    "relation",
    "relations",
    "Relation",
    key="id",
    visibility="measure",
    fields=(
        Field(
            "type",
            "choice",
            "Relation",
            required=True,
            choices={code: kind.label for code, kind in vocab.RELATION_TYPES.items()},
            invalid="Choose how the measures are related.",
            about="How the measure relates to the other.",
        ),
        Field(
            "target",
            "ref",
            "Related to",
            required=True,
            target="measure",
            wide=True,
            about="The other measure.",
        ),
        Field("note", "prose", "Note", rows=3, about="A note on the relation."),
    ),
)

STATEMENT: Final = Kind(
    "statement",
    "statements",
    "Statement",
    key="slug",
    fields=(
        Field(
            "title",
            "line",
            "Title",
            max_length=1000,
            required=True,
            wide=True,
            missing="Enter the statement's title.",
            about="Title of the statement.",
        ),
        Field(
            "organization",
            "ref",
            "Organization",
            required=True,
            target="organization",
            help="Type part of the name and pick it from the list.",
            about="Organization that made it.",
        ),
        Field("speaker", "ref", "Speaker", target="person", about="Who spoke for it."),
        Field("date", "date", "Date", required=True, approximate="approximate", about="The date."),
        Field(
            "type",
            "choice",
            "Type",
            choices=vocab.STATEMENT_TYPES,
            invalid="Choose a statement type.",
            about="Kind of statement: press release, report...",
        ),
        Field(
            "stance",
            "choice",
            "Stance",
            choices=vocab.STANCES,
            invalid="Choose a stance.",
            about="Stance towards the measures.",
        ),
        Field(
            "asks", "codes", "Asks for", choices=vocab.ASKS, wide=True, about="What it asks for."
        ),
        Field(
            "url",
            "url",
            "Web address of the statement",
            max_length=2000,
            wide=True,
            api_name="link",
            about="Where the statement was published.",
        ),
        Field(
            "measures",
            "refs",
            "About the measures",
            target="measure",
            about="Measures it is about.",
        ),
        Field(
            "signatories",
            "refs",
            "Co-signatories",
            target="organization",
            about="Co-signing organizations.",
        ),
        Field(
            "reacts_to",
            "ref",
            "Reacting to the event",
            target="event",
            wide=True,
            about="The event it reacts to.",
        ),
        Field(
            "summary",
            "prose",
            "Summary",
            help="Markdown.",
            wide=True,
            rows=6,
            about="Summary (Markdown).",
        ),
        Field("quotes", "quotes", "Quotes", about="Quotes from it."),
        Field(
            "sources",
            "sources",
            "Sources",
            help="Where the statement was reported, one web address per line.",
            wide=True,
            rows=3,
            about="Where the statement was reported.",
        ),
        _visibility("public"),
        _slug("Made from the organization, date and title when left empty."),
    ),
)

ORGANIZATION: Final = Kind(
    "organization",
    "organizations",
    "Organization",
    key="slug",
    default_visibility="public",
    fields=(
        Field(
            "name",
            "line",
            "Name",
            max_length=500,
            required=True,
            missing="Enter the organization's name.",
            about="Name.",
        ),
        Field("acronym", "line", "Acronym", max_length=50, about="Acronym."),
        Field(
            "kind",
            "choice",
            "Kind",
            choices=vocab.ORGANIZATION_KINDS,
            invalid="Choose a kind of organization.",
            about="Kind of organization.",
        ),
        Field("country", "country", "Country", about="Country code (ISO 3166-1 alpha-2)."),
        Field("url", "url", "Website", max_length=2000, api_name="website", about="Website."),
        _visibility(
            "public",
            "Internal keeps the organization off every public page, download and API answer; "
            "a public statement it made or signed then names it as “"
            + vocab.WITHHELD_ORGANIZATION
            + "”. Choose internal for a group that would be at risk if named. Statements it "
            "made before keep their addresses, which begin with its slug: give them a new slug "
            "if that would name it.",
        ),
        _slug("Made from the name when left empty."),
    ),
)

PERSON: Final = Kind(
    "person",
    "people",
    "Person",
    key="slug",
    # Public only when someone decides so: a person is often the one the tracker protects.
    default_visibility="internal",
    fields=(
        Field(
            "name",
            "line",
            "Name",
            max_length=300,
            required=True,
            missing="Enter the person's name.",
            about="Name.",
        ),
        Field(
            "role",
            "line",
            "Role",
            help="e.g. Central Asia Researcher",
            max_length=500,
            about="Role.",
        ),
        Field(
            "organization",
            "ref",
            "Organization",
            target="organization",
            about="Organization they speak for.",
        ),
        _visibility(
            "internal",
            "A new person is internal until you decide otherwise: only signed-in users see "
            "them, and a public statement that quotes them says “"
            + vocab.WITHHELD_PERSON
            + "”. Make them public only when they spoke publicly and naming them puts no one "
            "at risk.",
        ),
        _slug("Made from the name when left empty."),
    ),
)

SOURCE: Final = Kind(
    "source",
    "sources",
    "Source",
    key="url",
    visibility="public",
    fields=(
        Field(
            "url",
            "url",
            "Web address",
            max_length=2000,
            required=True,
            missing="Enter the web address.",
            about="Web address.",
        ),
        Field("title", "line", "Title", max_length=1000, about="Title."),
        Field("publisher", "line", "Publisher", max_length=500, about="Publisher."),
        Field(
            "published",
            "date",
            "Published",
            approximate="published_approximate",
            about="When it was published.",
        ),
        Field("accessed", "day", "Accessed on", about="When it was read."),
        Field(
            "archived_url",
            "url",
            "Archived copy",
            help="e.g. a Wayback Machine address",
            max_length=2000,
            about="An archived copy.",
        ),
    ),
)

KINDS: Final[Mapping[str, Kind]] = {
    kind.name: kind for kind in (MEASURE, EVENT, RELATION, STATEMENT, ORGANIZATION, PERSON, SOURCE)
}
"""Every kind by name, in the order pages and the interchange format list them."""
