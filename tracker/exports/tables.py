"""The list downloads: the measures, events and statements tables (CSV, JSON, XLSX).

Each list is a ``Table`` of tracker.exports.columns: named, documented columns (the data page,
the JSON envelope and the XLSX "About" sheet show the descriptions), each reading its value from
a record, and the plain fields of the record's kind placed where a spreadsheet user expects
them. Names come with their codes (country "KG" and "Kyrgyzstan"), and a partial date is written
at its precision: the ISO string (``2024-04``), the words ("April 2024"), the precision, the
approximate flag, and the first and last day it could be, so a spreadsheet can sort by it
without anyone inventing a day. tracker.exports.writers writes any table; the events CSV also
has a faster path of its own (``event_csv_lines``) for a million rows.

Longer than most modules: it is sixty-odd column declarations, one entry each, kept together so
that a list's order reads top to bottom as its spreadsheet does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from tracker import vocab
from tracker.countries import country_name
from tracker.dates import PartialDate
from tracker.domain import kinds
from tracker.exports.cells import Cell, date_cells, neutralize
from tracker.exports.columns import (
    Column,
    DateValue,
    Plain,
    Row,
    Table,
    date_columns,
    with_plain_fields,
)
from tracker.exports.links import Links, event_link

# The writers are exported from here too: tracker.web.exports calls them as ``tables.*``.
from tracker.exports.writers import (
    TooManyRows,
    csv_lines,
    csv_lines_stream,
    csv_stream,
    json_stream,
    xlsx_file,
)
from tracker.models import Measure, Organization, Person, Statement
from tracker.services.events import SOURCE_SEPARATOR, EventRecord
from tracker.services.measures import MeasureRow
from tracker.services.organizations import name_for
from tracker.viewpoint import Viewpoint

__all__ = [
    "EVENTS",
    "MEASURES",
    "STATEMENTS",
    "Cell",
    "Row",
    "Table",
    "TooManyRows",
    "csv_lines_stream",
    "csv_stream",
    "event_csv_lines",
    "event_rows",
    "json_stream",
    "measure_rows",
    "statement_rows",
    "xlsx_file",
]


def _partial(value: PartialDate | None) -> DateValue:
    return (value.iso, value.approximate) if value is not None else None


# -- measures ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeasureLine:
    """A measure as its row reads it: the record, its status, its counts and its address."""

    row: MeasureRow
    events: int
    statements: int
    url: str

    @property
    def measure(self) -> Measure:
        return self.row.measure


def _measure(line: MeasureLine) -> Measure:
    return line.row.measure


MEASURES: Final[Table[MeasureLine]] = Table(
    "measures",
    "Measures",
    with_plain_fields(
        kinds.MEASURE,
        _measure,
        (
            Column(
                "slug",
                "string",
                "The measure's stable identifier in the tracker.",
                lambda line: line.measure.slug,
            ),
            Plain("title"),
            Plain("original_title"),
            Plain("original_language"),
            Column(
                "popular_names",
                "list",
                "Names it is known by, e.g. 'foreign agents law'.",
                lambda line: list(line.measure.popular_names or []),
            ),
            Column(
                "country",
                "string",
                "Country code (ISO 3166-1 alpha-2).",
                lambda line: line.measure.country,
            ),
            Column(
                "country_name",
                "string",
                "Country name.",
                lambda line: country_name(line.measure.country),
            ),
            Column("kind", "string", "Kind of measure (code).", lambda line: line.measure.kind),
            Column(
                "kind_label",
                "string",
                "Kind of measure: Law, Bill, Court order...",
                lambda line: vocab.MEASURE_KINDS[line.measure.kind],
            ),
            Plain("identifier"),
            Plain("originating_body"),
            Column(
                "topics",
                "list",
                "Topics (names).",
                lambda line: [topic.name for topic in line.measure.topics],
            ),
            Column(
                "status",
                "string",
                "Status code on the 'as of' day (derived from the events).",
                lambda line: line.row.status.state,
            ),
            Column(
                "status_label",
                "string",
                "Status as shown on the page.",
                lambda line: line.row.status.headline,
            ),
            Column(
                "stage",
                "string",
                "Stage in the legislative process.",
                lambda line: line.row.status.stage.label if line.row.status.stage else None,
            ),
            Column(
                "outcome",
                "string",
                "Outcome: pending, enacted, defeated...",
                lambda line: line.row.status.outcome.label,
            ),
            Column(
                "legal_force",
                "string",
                "Legal force: in force, not in force, expired...",
                lambda line: line.row.status.force.label,
            ),
            Column(
                "status_explanation",
                "string",
                "Why the status is what it is, from the events.",
                lambda line: line.row.status.explanation,
            ),
            Column(
                "in_force_until",
                "date",
                "Last day of the current term in force, if it has one.",
                lambda line: line.row.status.term_end,
            ),
            *date_columns(
                "latest_event",
                "the date of the latest event counted",
                lambda line: _partial(line.row.status.last_event_date),
                parts=("iso", "formatted"),
            ),
            Column("events", "integer", "Number of events recorded up to the 'as of' day."),
            Column("statements", "integer", "Number of statements up to the 'as of' day."),
            Plain("summary"),
            Column(
                "sources",
                "list",
                "Addresses of the sources for the measure as a whole.",
                lambda line: [source.url for source in line.measure.sources],
            ),
            Column("url", "string", "Permalink of the measure's page."),
            Column(
                "visibility",
                "string",
                kinds.MEASURE["visibility"].about,
                lambda line: line.measure.visibility,
            ),
        ),
        prose_as_text=True,
    ),
)


def measure_rows(
    rows: Iterable[MeasureRow],
    links: Links,
    event_counts: Mapping[int, int],
    statement_counts: Mapping[int, int],
) -> Iterator[Row]:
    lines = (
        MeasureLine(
            row,
            event_counts.get(row.measure.id, 0),
            statement_counts.get(row.measure.id, 0),
            links.measure(row.measure.slug),
        )
        for row in rows
    )
    return MEASURES.rows(lines)


# -- events -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventLine:
    """An event as its row reads it: the record the query gave, and its permalink."""

    record: EventRecord
    url: str


def _event(line: EventLine) -> EventRecord:
    return line.record


EVENT_TYPE_LABELS: Final = {code: kind.label for code, kind in vocab.EVENT_TYPES.items()}

EVENTS: Final[Table[EventLine]] = Table(
    "events",
    "Events",
    with_plain_fields(
        kinds.EVENT,
        _event,
        (
            Column(
                "id",
                "integer",
                "The event's number in the tracker (its anchor on the page).",
                lambda line: line.record.id,
            ),
            *date_columns(
                "date",
                "the date",
                lambda line: (line.record.date_iso, line.record.date_approximate),
            ),
            *date_columns(
                "end_date",
                "the end of the term the event sets ('until')",
                lambda line: (line.record.end_date_iso, line.record.end_date_approximate),
                parts=("iso", "formatted"),
            ),
            Column("type", "string", "Event type (code).", lambda line: line.record.type),
            Column(
                "type_label",
                "string",
                "Event type: Introduced, Signed, Extended...",
                lambda line: EVENT_TYPE_LABELS[line.record.type],
            ),
            Column(
                "measure", "string", "Slug of the measure.", lambda line: line.record.measure_slug
            ),
            Column(
                "measure_title",
                "string",
                "Title of the measure.",
                lambda line: line.record.measure_title,
            ),
            Column(
                "country",
                "string",
                "Country code (ISO 3166-1 alpha-2).",
                lambda line: line.record.country,
            ),
            Column(
                "country_name",
                "string",
                "Country name.",
                lambda line: country_name(line.record.country),
            ),
            # Written as typed, not as plain text: a million rows stream through here, and an
            # event's description is a sentence or two.
            Plain("actor"),
            Plain("description"),
            Column(
                "votes_for",
                "integer",
                "Votes for, when recorded.",
                lambda line: line.record.votes_for,
            ),
            Column(
                "votes_against",
                "integer",
                "Votes against, when recorded.",
                lambda line: line.record.votes_against,
            ),
            Column(
                "votes_abstain",
                "integer",
                "Abstentions, when recorded.",
                lambda line: line.record.votes_abstain,
            ),
            Column(
                "sources",
                "list",
                "Addresses of the sources of this event.",
                lambda line: (
                    line.record.sources.split(SOURCE_SEPARATOR) if line.record.sources else []
                ),
            ),
            Column("url", "string", "Permalink of the event on its measure's timeline."),
            Column(
                "visibility",
                "string",
                "The measure's: public, or internal (seen by signed-in users only; never publish).",
                lambda line: line.record.visibility,
            ),
        ),
    ),
)


def event_rows(records: Iterable[EventRecord], links: Links) -> Iterator[Row]:
    measure_urls: dict[str, str] = {}

    def lines() -> Iterator[EventLine]:
        for record in records:
            url = measure_urls.get(record.measure_slug)
            if url is None:
                url = measure_urls[record.measure_slug] = links.measure(record.measure_slug)
            yield EventLine(record, event_link(url, record.id))

    return EVENTS.rows(lines())


def _csv_text(text: str) -> str:
    """One neutralized CSV field, quoted as ``csv.writer`` quotes (QUOTE_MINIMAL)."""
    text = neutralize(text)
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


FAST_EVENT_COLUMNS: Final = (
    "id",
    "date",
    "date_formatted",
    "date_precision",
    "date_approximate",
    "date_first_day",
    "date_last_day",
    "end_date",
    "end_date_formatted",
    "type",
    "type_label",
    "measure",
    "measure_title",
    "country",
    "country_name",
    "actor",
    "description",
    "votes_for",
    "votes_against",
    "votes_abstain",
    "sources",
    "url",
    "visibility",
)
"""The columns ``event_csv_lines`` writes itself, in order: ``EVENTS``'s, when nothing was added."""


def event_csv_lines(records: Iterable[EventRecord], links: Links) -> Iterator[str]:
    """``event_rows`` as CSV lines, exactly as ``csv_stream`` writes them, only faster.

    A million rows must stream at hundreds of thousands a second. Most of a line repeats from
    row to row (a measure's title and country, a date in its six forms, an event type), so
    those parts are encoded once and cached; only an event's own text (actor, description,
    sources) is neutralized and quoted for each row. A test keeps the output byte-for-byte
    equal to ``csv_stream`` over ``event_rows``. When ``EVENTS`` has a column this path does
    not write (a field added to events), the lines come from ``event_rows``: slower, never wrong.
    """
    if tuple(EVENTS.names) != FAST_EVENT_COLUMNS:
        yield from csv_lines(event_rows(records, links))
        return
    labels = {code: f"{code},{_csv_text(label)}" for code, label in EVENT_TYPE_LABELS.items()}
    dates: dict[tuple[str, bool], str] = {}
    ends: dict[tuple[str, bool | None], str] = {}
    measures: dict[str, tuple[str, str]] = {}
    no_end = ","
    for (
        event_id,
        kind,
        date_iso,
        approximate,
        end_iso,
        end_approximate,
        actor,
        description,
        votes_for,
        votes_against,
        votes_abstain,
        slug,
        title,
        country,
        visibility,
        sources,
    ) in records:
        date = dates.get((date_iso, approximate))
        if date is None:
            cells = date_cells(date_iso, bool(approximate))
            date = dates[(date_iso, approximate)] = ",".join(
                (
                    cells.iso,
                    _csv_text(cells.formatted),
                    cells.precision,
                    "true" if cells.approximate else "false",
                    cells.first_day.isoformat(),
                    cells.last_day.isoformat(),
                )
            )
        end = no_end
        if end_iso:
            end = ends.get((end_iso, end_approximate), no_end)
            if end is no_end:
                cells = date_cells(end_iso, bool(end_approximate))
                end = ends[(end_iso, end_approximate)] = f"{cells.iso},{_csv_text(cells.formatted)}"
        measure = measures.get(slug)
        if measure is None:
            measure = measures[slug] = (
                ",".join(
                    _csv_text(value) for value in (slug, title, country, country_name(country))
                ),
                # The measure's address up to "#event-"; the event's number ends it.
                _csv_text(event_link(links.measure(slug), 0))[:-1],
            )
        votes = (
            f"{'' if votes_for is None else votes_for},"
            f"{'' if votes_against is None else votes_against},"
            f"{'' if votes_abstain is None else votes_abstain}"
        )
        yield (
            f"{event_id},{date},{end},{labels[kind]},{measure[0]},"
            f"{_csv_text(actor) if actor else ''},"
            f"{_csv_text(description) if description else ''},{votes},"
            f"{_csv_text(sources) if sources else ''},{measure[1]}{event_id},{visibility}\r\n"
        )


# -- statements -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementLine:
    """A statement as its row reads it, for one reader: what that reader may see of it."""

    statement: Statement
    view: Viewpoint
    measures: list[Measure]
    """The measures it is about that the reader may see."""
    url: str

    def name(self, record: Organization | Person | None) -> str | None:
        return name_for(record, self.view)


def _statement(line: StatementLine) -> Statement:
    return line.statement


def quote_line(text: str, speaker: str | None) -> str:
    return f"“{text}” — {speaker}" if speaker else f"“{text}”"


def _quotes(line: StatementLine) -> list[str]:
    speaker = line.statement.speaker
    return [
        quote_line(quote.text, line.name(quote.speaker or speaker))
        for quote in line.statement.quotes
    ]


def _author_slug(line: StatementLine) -> str | None:
    author = line.view.shown(line.statement.organization)
    return author.slug if author else None


def _speaker_role(line: StatementLine) -> str | None:
    speaker = line.view.shown(line.statement.speaker)
    return speaker.role if speaker else None


STATEMENTS: Final[Table[StatementLine]] = Table(
    "statements",
    "Statements",
    with_plain_fields(
        kinds.STATEMENT,
        _statement,
        (
            Column(
                "slug",
                "string",
                "The statement's stable identifier in the tracker.",
                lambda line: line.statement.slug,
            ),
            *date_columns(
                "date",
                "the date",
                lambda line: (line.statement.date.iso, line.statement.date.approximate),
            ),
            Plain("title"),
            Column(
                "organization",
                "string",
                "Organization that made it.",
                lambda line: line.name(line.statement.organization),
            ),
            Column("organization_slug", "string", "Slug of that organization.", _author_slug),
            Column(
                "signatories",
                "list",
                "Co-signing organizations.",
                lambda line: [name_for(org, line.view) for org in line.statement.signatories],
            ),
            Column(
                "speaker",
                "string",
                "Who spoke for it.",
                lambda line: line.name(line.statement.speaker),
            ),
            Column("speaker_role", "string", "The speaker's role.", _speaker_role),
            Column("type", "string", "Kind of statement (code).", lambda line: line.statement.type),
            Column(
                "type_label",
                "string",
                "Kind of statement: press release, joint letter...",
                lambda line: (
                    vocab.STATEMENT_TYPES.get(line.statement.type) if line.statement.type else None
                ),
            ),
            Column("stance", "string", "Stance (code).", lambda line: line.statement.stance),
            Column(
                "stance_label",
                "string",
                "Stance: opposes, concerned, supports...",
                lambda line: (
                    vocab.STANCES.get(line.statement.stance) if line.statement.stance else None
                ),
            ),
            Column(
                "asks",
                "list",
                "What it asks for: withdraw, veto, amend...",
                lambda line: [vocab.ASKS.get(ask, ask) for ask in line.statement.asks or []],
            ),
            Column(
                "measures",
                "list",
                "Titles of the measures it is about.",
                lambda line: [m.title for m in line.measures],
            ),
            Column(
                "measure_slugs",
                "list",
                "Slugs of those measures.",
                lambda line: [m.slug for m in line.measures],
            ),
            Column(
                "countries",
                "list",
                "Countries of those measures.",
                lambda line: list(dict.fromkeys(country_name(m.country) for m in line.measures)),
            ),
            Plain("summary"),
            Column("quotes", "list", "Quotes, each with its speaker.", _quotes),
            # "url" is the permalink here, as in every list: the statement's own address is
            # "original_url".
            Plain("url", name="original_url"),
            Column(
                "sources",
                "list",
                "Addresses of the sources that report it.",
                lambda line: [source.url for source in line.statement.sources],
            ),
            Column("url", "string", "Permalink of the statement's page."),
            Column(
                "visibility",
                "string",
                kinds.STATEMENT["visibility"].about,
                lambda line: line.statement.visibility,
            ),
        ),
        prose_as_text=True,
    ),
)


def statement_rows(statements: Iterable[Statement], links: Links, view: Viewpoint) -> Iterator[Row]:
    lines = (
        StatementLine(
            statement,
            view,
            [m for m in statement.measures if view.sees(m)],
            links.statement(statement.slug),
        )
        for statement in statements
    )
    return STATEMENTS.rows(lines)
