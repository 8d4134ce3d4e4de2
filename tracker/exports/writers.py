"""Writers of any ``Table`` (tracker.exports.columns): CSV, JSON and XLSX.

They know columns and rows, nothing of what a table holds. CSV and JSON are generators of
bytes: a response streams them in constant memory however many rows there are. XLSX is built
with openpyxl's write-only workbook into a temporary file. Every text cell is neutralized
(tracker.exports.cells) so that no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import IO, Any

from tracker.exports.cells import LIST_SEPARATOR, Cell, csv_cell, neutralize
from tracker.exports.columns import Row, Table


def csv_lines(rows: Iterable[Row]) -> Iterator[str]:
    """Each row as one CSV line, as ``csv_stream`` writes it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


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
