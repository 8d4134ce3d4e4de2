"""The downloads of every list: CSV, JSON and XLSX of measures, events and statements.

Each list is a ``Table``: named, documented columns (the data page and the XLSX "About" sheet
show the descriptions) and rows of plain values. Names come with their codes (country "KG" and
"Kyrgyzstan"), and a partial date is written at its precision: the ISO string (``2024-04``), the
words ("April 2024"), the precision, the approximate flag, and the first and last day it could
be, so a spreadsheet can sort by it without anyone inventing a day.

CSV and JSON are generators of bytes: a response streams them in constant memory however many
rows there are. XLSX is built with openpyxl's write-only workbook into a temporary file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from tracker import vocab
from tracker.countries import country_name
from tracker.exports.cells import date_cells, neutralize
from tracker.exports.links import Links, event_link
from tracker.markup import markdown_to_text
from tracker.models import Statement
from tracker.services.events import SOURCE_SEPARATOR, EventRecord
from tracker.services.measures import MeasureRow, may_see
from tracker.services.statements import name_for, shown

Cell = str | int | bool | dt.date | list[str] | None
Row = Sequence[Cell]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    """string, integer, boolean, date (a full day) or list (several values)."""
    description: str


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]


def _date_columns(prefix: str, what: str) -> tuple[Column, ...]:
    return (
        Column(
            prefix,
            "string",
            f"{what} at its precision, as ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD.",
        ),
        Column(f"{prefix}_formatted", "string", f"{what} in words, e.g. 'April 2024'."),
        Column(
            f"{prefix}_precision", "string", f"What is known of {what.lower()}: day, month or year."
        ),
        Column(
            f"{prefix}_approximate", "boolean", f"true when {what.lower()} is approximate ('c.')."
        ),
        Column(f"{prefix}_first_day", "date", f"The first day {what.lower()} could be."),
        Column(f"{prefix}_last_day", "date", f"The last day {what.lower()} could be."),
    )


def _date_values(iso: str | None, approximate: bool | None) -> list[Cell]:
    if iso is None:
        return [None, None, None, None, None, None]
    cells = date_cells(iso, bool(approximate))
    return [
        cells.iso,
        cells.formatted,
        cells.precision,
        cells.approximate,
        cells.first_day,
        cells.last_day,
    ]


# -- measures ---------------------------------------------------------------------------------

MEASURES = Table(
    "measures",
    "Measures",
    (
        Column("slug", "string", "The measure's stable identifier in the tracker."),
        Column("title", "string", "Official title (English)."),
        Column("original_title", "string", "Title in the original language."),
        Column("original_language", "string", "Language of the original title (ISO 639-1)."),
        Column("popular_names", "list", "Names it is known by, e.g. 'foreign agents law'."),
        Column("country", "string", "Country code (ISO 3166-1 alpha-2)."),
        Column("country_name", "string", "Country name."),
        Column("kind", "string", "Kind of measure (code)."),
        Column("kind_label", "string", "Kind of measure: Law, Bill, Court order..."),
        Column("identifier", "string", "Official identifier, e.g. 'No. 72'."),
        Column("originating_body", "string", "Who initiated it."),
        Column("topics", "list", "Topics (names)."),
        Column("status", "string", "Status code on the 'as of' day (derived from the events)."),
        Column("status_label", "string", "Status as shown on the page."),
        Column("stage", "string", "Stage in the legislative process."),
        Column("outcome", "string", "Outcome: pending, enacted, defeated..."),
        Column("legal_force", "string", "Legal force: in force, not in force, expired..."),
        Column("status_explanation", "string", "Why the status is what it is, from the events."),
        Column("in_force_until", "date", "Last day of the current term in force, if it has one."),
        Column("latest_event", "string", "Date of the latest event counted (ISO 8601, partial)."),
        Column("latest_event_formatted", "string", "Date of the latest event counted, in words."),
        Column("events", "integer", "Number of events recorded up to the 'as of' day."),
        Column("statements", "integer", "Number of statements up to the 'as of' day."),
        Column("summary", "string", "Summary (plain text)."),
        Column("sources", "list", "Addresses of the sources for the measure as a whole."),
        Column("url", "string", "Permalink of the measure's page."),
        Column(
            "visibility",
            "string",
            "public, or internal: seen by signed-in users only; never publish internal rows.",
        ),
    ),
)


def measure_rows(
    rows: Iterable[MeasureRow],
    links: Links,
    event_counts: Mapping[int, int],
    statement_counts: Mapping[int, int],
) -> Iterator[Row]:
    for row in rows:
        measure, status = row.measure, row.status
        latest = status.last_event_date
        yield [
            measure.slug,
            measure.title,
            measure.original_title,
            measure.original_language,
            list(measure.popular_names or []),
            measure.country,
            country_name(measure.country),
            measure.kind,
            vocab.MEASURE_KINDS[measure.kind],
            measure.identifier,
            measure.originating_body,
            [topic.name for topic in measure.topics],
            status.state,
            status.headline,
            status.stage.label if status.stage else None,
            status.outcome.label,
            status.force.label,
            status.explanation,
            status.term_end,
            latest.iso if latest else None,
            latest.format() if latest else None,
            event_counts.get(measure.id, 0),
            statement_counts.get(measure.id, 0),
            markdown_to_text(measure.summary) or None,
            [source.url for source in measure.sources],
            links.measure(measure.slug),
            measure.visibility,
        ]


# -- events -----------------------------------------------------------------------------------

EVENTS = Table(
    "events",
    "Events",
    (
        Column("id", "integer", "The event's number in the tracker (its anchor on the page)."),
        *_date_columns("date", "The date"),
        Column("end_date", "string", "End of the term the event sets ('until'), ISO 8601."),
        Column("end_date_formatted", "string", "End of the term, in words."),
        Column("type", "string", "Event type (code)."),
        Column("type_label", "string", "Event type: Introduced, Signed, Extended..."),
        Column("measure", "string", "Slug of the measure."),
        Column("measure_title", "string", "Title of the measure."),
        Column("country", "string", "Country code (ISO 3166-1 alpha-2)."),
        Column("country_name", "string", "Country name."),
        Column("actor", "string", "Who acted: parliament, president, court..."),
        Column("description", "string", "What happened."),
        Column("votes_for", "integer", "Votes for, when recorded."),
        Column("votes_against", "integer", "Votes against, when recorded."),
        Column("votes_abstain", "integer", "Abstentions, when recorded."),
        Column("sources", "list", "Addresses of the sources of this event."),
        Column("url", "string", "Permalink of the event on its measure's timeline."),
        Column(
            "visibility",
            "string",
            "The measure's: public, or internal (seen by signed-in users only; never publish).",
        ),
    ),
)


def event_rows(records: Iterable[EventRecord], links: Links) -> Iterator[Row]:
    measure_urls: dict[str, str] = {}
    labels = {code: kind.label for code, kind in vocab.EVENT_TYPES.items()}
    for record in records:
        url = measure_urls.get(record.measure_slug)
        if url is None:
            url = measure_urls[record.measure_slug] = links.measure(record.measure_slug)
        end = None
        if record.end_date_iso:
            end = date_cells(record.end_date_iso, bool(record.end_date_approximate))
        yield [
            record.id,
            *_date_values(record.date_iso, record.date_approximate),
            end.iso if end else None,
            end.formatted if end else None,
            record.type,
            labels[record.type],
            record.measure_slug,
            record.measure_title,
            record.country,
            country_name(record.country),
            record.actor,
            record.description,
            record.votes_for,
            record.votes_against,
            record.votes_abstain,
            record.sources.split(SOURCE_SEPARATOR) if record.sources else [],
            event_link(url, record.id),
            record.visibility,
        ]


def _csv_text(text: str) -> str:
    """One neutralized CSV field, quoted as ``csv.writer`` quotes (QUOTE_MINIMAL)."""
    text = neutralize(text)
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def event_csv_lines(records: Iterable[EventRecord], links: Links) -> Iterator[str]:
    """``event_rows`` as CSV lines, exactly as ``csv_stream`` writes them, only faster.

    A million rows must stream at hundreds of thousands a second. Most of a line repeats from
    row to row (a measure's title and country, a date in its six forms, an event type), so
    those parts are encoded once and cached; only an event's own text (actor, description,
    sources) is neutralized and quoted for each row. A test keeps the output byte-for-byte
    equal to ``csv_stream`` over ``event_rows``.
    """
    labels = {code: f"{code},{_csv_text(kind.label)}" for code, kind in vocab.EVENT_TYPES.items()}
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

STATEMENTS = Table(
    "statements",
    "Statements",
    (
        Column("slug", "string", "The statement's stable identifier in the tracker."),
        *_date_columns("date", "The date"),
        Column("title", "string", "Title of the statement."),
        Column("organization", "string", "Organization that made it."),
        Column("organization_slug", "string", "Slug of that organization."),
        Column("signatories", "list", "Co-signing organizations."),
        Column("speaker", "string", "Who spoke for it."),
        Column("speaker_role", "string", "The speaker's role."),
        Column("type", "string", "Kind of statement (code)."),
        Column("type_label", "string", "Kind of statement: press release, joint letter..."),
        Column("stance", "string", "Stance (code)."),
        Column("stance_label", "string", "Stance: opposes, concerned, supports..."),
        Column("asks", "list", "What it asks for: withdraw, veto, amend..."),
        Column("measures", "list", "Titles of the measures it is about."),
        Column("measure_slugs", "list", "Slugs of those measures."),
        Column("countries", "list", "Countries of those measures."),
        Column("summary", "string", "Summary (plain text)."),
        Column("quotes", "list", "Quotes, each with its speaker."),
        Column("original_url", "string", "Address of the statement itself."),
        Column("sources", "list", "Addresses of the sources that report it."),
        Column("url", "string", "Permalink of the statement's page."),
        Column(
            "visibility",
            "string",
            "public, or internal: seen by signed-in users only; never publish internal rows.",
        ),
    ),
)


def quote_line(text: str, speaker: str | None) -> str:
    return f"“{text}” — {speaker}" if speaker else f"“{text}”"


def statement_rows(
    statements: Iterable[Statement], links: Links, include_internal: bool
) -> Iterator[Row]:
    for statement in statements:
        measures = [m for m in statement.measures if may_see(m, include_internal)]
        speaker = statement.speaker
        quotes = []
        for quote in statement.quotes:
            who = quote.speaker or speaker
            quotes.append(quote_line(quote.text, name_for(who, include_internal)))
        author = shown(statement.organization, include_internal)
        visible_speaker = shown(speaker, include_internal)
        yield [
            statement.slug,
            *_date_values(statement.date.iso, statement.date.approximate),
            statement.title,
            name_for(statement.organization, include_internal),
            author.slug if author else None,
            [name_for(org, include_internal) for org in statement.signatories],
            name_for(speaker, include_internal),
            visible_speaker.role if visible_speaker else None,
            statement.type,
            vocab.STATEMENT_TYPES.get(statement.type) if statement.type else None,
            statement.stance,
            vocab.STANCES.get(statement.stance) if statement.stance else None,
            [vocab.ASKS.get(ask, ask) for ask in statement.asks or []],
            [m.title for m in measures],
            [m.slug for m in measures],
            list(dict.fromkeys(country_name(m.country) for m in measures)),
            markdown_to_text(statement.summary) or None,
            quotes,
            statement.url,
            [source.url for source in statement.sources],
            links.statement(statement.slug),
            statement.visibility,
        ]


# -- writers ----------------------------------------------------------------------------------

LIST_SEPARATOR = "; "


def csv_cell(value: Cell) -> str | int:
    """A value as a CSV cell: neutralized text, ``true``/``false``, ISO days, lists joined."""
    if isinstance(value, str):
        return neutralize(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralize(LIST_SEPARATOR.join(value))


def csv_stream(
    table: Table,
    rows: Iterable[Row],
    excel: bool = False,
    batch: int = 2000,
) -> Iterator[bytes]:
    """The table as UTF-8 CSV, ``batch`` rows per chunk; ``excel`` adds the byte-order mark
    Excel needs to read UTF-8 (without it, Cyrillic turns into mojibake)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.names)
    prefix = "\ufeff" if excel else ""
    cells = ([csv_cell(value) for value in row] for row in rows)
    while chunk := list(islice(cells, batch)):
        writer.writerows(chunk)  # the loop over the rows runs in C
        yield (prefix + buffer.getvalue()).encode("utf-8")
        prefix = ""
        buffer.seek(0)
        buffer.truncate()
    if rest := prefix + buffer.getvalue():  # no rows: the header alone
        yield rest.encode("utf-8")


def csv_lines_stream(
    table: Table, lines: Iterable[str], excel: bool = False, batch: int = 2000
) -> Iterator[bytes]:
    """Like ``csv_stream``, for rows already written as CSV lines (``event_csv_lines``)."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(table.names)
    pending = ("\ufeff" if excel else "") + header.getvalue()
    lines = iter(lines)
    while chunk := list(islice(lines, batch)):
        yield (pending + "".join(chunk)).encode("utf-8")
        pending = ""
    if pending:
        yield pending.encode("utf-8")


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def json_stream(
    table: Table, rows: Iterable[Row], envelope: Mapping[str, Any], batch: int = 500
) -> Iterator[bytes]:
    """``{...envelope, "items": [...]}``, one object per row, written as rows arrive."""
    head = "".join(
        f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False, default=_json_value)},\n"
        for key, value in envelope.items()
    )
    yield ("{\n" + head + ' "items": [').encode("utf-8")
    names = table.names
    parts: list[str] = []
    first = True
    for row in rows:
        item = json.dumps(
            dict(zip(names, row, strict=True)), ensure_ascii=False, default=_json_value
        )
        parts.append(("\n  " if first else ",\n  ") + item)
        first = False
        if len(parts) >= batch:
            yield "".join(parts).encode("utf-8")
            parts.clear()
    parts.append("\n ]\n}\n")
    yield "".join(parts).encode("utf-8")


XLSX_MAX_ROWS = 1_048_575  # Excel's limit is 1,048,576 rows, one of which is the header


class TooManyRows(ValueError):
    """More rows than a spreadsheet can hold; the CSV has no limit."""


def xlsx_file(
    table: Table,
    rows: Iterable[Row],
    about: Sequence[tuple[str, str]],
    expected_rows: int | None = None,
) -> IO[bytes]:
    """The table as an XLSX workbook (a data sheet and an 'About' sheet), in a temporary file
    positioned at its start."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.cell.cell import Cell as XlsxCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    if expected_rows is not None and expected_rows > XLSX_MAX_ROWS:
        raise TooManyRows(
            f"{expected_rows:,} rows are more than a spreadsheet can hold "
            f"({XLSX_MAX_ROWS:,}); download the CSV, or narrow the filters."
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.title)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, 1):
        wide = column.name in {"title", "description", "summary", "status_explanation", "quotes"}
        sheet.column_dimensions[get_column_letter(index)].width = 60 if wide else 18
    bold = Font(bold=True)

    def header(name: str) -> XlsxCell:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        return cell

    sheet.append([header(name) for name in table.names])

    def text_cell(text: str) -> XlsxCell:
        # Control characters are not allowed in XLSX; openpyxl refuses them rather than drop.
        cell = WriteOnlyCell(sheet, value=neutralize(ILLEGAL_CHARACTERS_RE.sub("", text)))
        # openpyxl would store text that starts with "=" as a formula: force a string.
        cell.data_type = "s"
        return cell

    def xlsx_cell(value: Cell) -> Any:
        if isinstance(value, str):
            return text_cell(value)
        if isinstance(value, bool | int) or value is None:
            return value
        if isinstance(value, dt.date):
            cell = WriteOnlyCell(sheet, value=dt.datetime.combine(value, dt.time()))
            cell.number_format = "yyyy-mm-dd"
            return cell
        return text_cell(LIST_SEPARATOR.join(value))

    count = 0
    for row in rows:
        count += 1
        if count > XLSX_MAX_ROWS:
            raise TooManyRows(
                f"more rows than a spreadsheet can hold ({XLSX_MAX_ROWS:,}); download the CSV."
            )
        sheet.append([xlsx_cell(value) for value in row])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{count + 1}"

    info = workbook.create_sheet("About")
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")
    for key, value in [*about, ("", ""), ("Column", "Meaning")]:
        label = text_cell(key)
        label.font = bold
        text = text_cell(value)
        text.alignment = wrap
        info.append([label, text])
    for column in table.columns:
        info.append([text_cell(column.name), text_cell(column.description)])

    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook.save(handle)
    handle.seek(0)
    return handle
