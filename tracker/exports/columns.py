"""The one column system of the downloads: the list downloads (CSV, JSON, XLSX) and the tables of
the dataset zip (its ``datapackage.json``) are both made of these columns.

A ``Column`` is a name, a type, a description and how its value is read from a record: a
function, or the record's attribute of the column's name, never a position, so that a table's
header and its cells cannot drift apart. A ``Table`` is the columns of one kind of record, and
turns records into rows. Two helpers write the columns that are derived rather than declared:

- ``date_columns``: a partial date expanded into its ISO string, its words, its precision, its
  "approximate" flag and the first and last day it could be; every table that writes a date
  picks its parts from this one list, so a part has the same name, type and meaning everywhere.
- ``with_plain_fields``: the plain fields of a record kind (tracker.domain.kinds: a line, a
  Markdown text, a web address), each named, typed, described (its ``about``) and required as
  the kind says, at the place the table gives them; a plain field the table does not place comes
  right after the last one it does, so a field added to a kind appears in every download
  without a change to this package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Final, Generic, Literal

from typing_extensions import TypeVar

from tracker.domain.kinds import Field, Kind
from tracker.exports.cells import Cell, DateCells, date_cells
from tracker.markup import markdown_to_text

# Defaults to Any: code that only writes a table (its header, its rows) need not say whose rows.
R = TypeVar("R", default=Any)
Row = Sequence[Cell]

PARTIAL_DATE: Final = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
PRECISIONS: Final = ("day", "month", "year")


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    """One column: its name, type and meaning, and how a record gives its value."""

    name: str
    type: str
    """string, integer, boolean, date (a full day) or list (several values)."""
    description: str
    read: Callable[[R], Cell] | None = None
    """The value of a record; None: the record's attribute named like the column."""
    required: bool = False
    """Never empty (the datapackage's constraints; the lists do not show them)."""
    pattern: str | None = None
    enum: Sequence[str] | None = None
    field: str | None = None
    """The field of the table's kind (tracker.domain.kinds) the column writes, if it is one."""

    def reader(self) -> Callable[[R], Cell]:
        if self.read is not None:
            return self.read
        getter: Callable[[R], Cell] = attrgetter(self.name)
        return getter


@dataclass(frozen=True, slots=True)
class Table(Generic[R]):
    """Named, documented columns over one kind of record."""

    name: str
    title: str
    columns: tuple[Column[R], ...]

    def __post_init__(self) -> None:
        names = self.names
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: a column name is used twice: {names}")

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def rows(self, records: Iterable[R]) -> Iterator[list[Cell]]:
        """Each record as the list of its cells, in the columns' order."""
        readers = [column.reader() for column in self.columns]
        for record in records:
            yield [read(record) for read in readers]


# -- partial dates ----------------------------------------------------------------------------

DatePart = Literal["iso", "formatted", "precision", "approximate", "first_day", "last_day"]
DATE_PARTS: Final[tuple[DatePart, ...]] = (
    "iso",
    "formatted",
    "precision",
    "approximate",
    "first_day",
    "last_day",
)


@dataclass(frozen=True, slots=True)
class _Part:
    suffix: str
    type: str
    meaning: str
    """With ``{What}``/``{what}``: the date named, at the start of a sentence or within it."""
    cell: Callable[[DateCells], Cell]
    always: bool
    """Never empty when the date is known (a constraint in the datapackage)."""


_PARTS: Final[dict[DatePart, _Part]] = {
    "iso": _Part(
        "",
        "string",
        "{What} at its precision, as ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD.",
        lambda cells: cells.iso,
        True,
    ),
    "formatted": _Part(
        "_formatted",
        "string",
        "{What} in words, e.g. 'April 2024'.",
        lambda cells: cells.formatted,
        True,
    ),
    "precision": _Part(
        "_precision",
        "string",
        "What is known of {what}: day, month or year.",
        lambda cells: cells.precision,
        True,
    ),
    "approximate": _Part(
        "_approximate",
        "boolean",
        "true when {what} is approximate ('c.').",
        lambda cells: cells.approximate,
        False,
    ),
    "first_day": _Part(
        "_first_day",
        "date",
        "The first day {what} could be.",
        lambda cells: cells.first_day,
        True,
    ),
    "last_day": _Part(
        "_last_day",
        "date",
        "The last day {what} could be.",
        lambda cells: cells.last_day,
        True,
    ),
}

DateValue = tuple[str | None, bool | None] | None
"""A partial date as a record holds it: its ISO string and its approximate flag (or nothing)."""


def date_columns(
    prefix: str,
    what: str,
    date: Callable[[R], DateValue],
    *,
    parts: Sequence[DatePart] = DATE_PARTS,
    required: bool = False,
) -> tuple[Column[R], ...]:
    """The columns of one partial date, named ``prefix``, ``prefix_precision``...; ``what``
    names the date in the descriptions ("the date", "the end of the term")."""
    return tuple(_date_column(prefix, what, date, _PARTS[part], required) for part in parts)


def _date_column(
    prefix: str, what: str, date: Callable[[R], DateValue], part: _Part, required: bool
) -> Column[R]:
    cell = part.cell

    def read(record: R) -> Cell:
        value = date(record)
        if value is None or not value[0]:
            return None
        return cell(date_cells(value[0], bool(value[1])))

    return Column(
        prefix + part.suffix,
        part.type,
        part.meaning.format(What=what[:1].upper() + what[1:], what=what),
        read,
        required=required and part.always,
        pattern=PARTIAL_DATE if part.suffix == "" else None,
        enum=PRECISIONS if part.suffix == "_precision" else None,
    )


# -- plain fields of a kind -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plain:
    """Where a table writes one plain field of its kind; ``name`` when the column is not named
    after the field (a statement's ``url`` is ``original_url`` where ``url`` is the permalink)."""

    field: str
    name: str | None = None


def with_plain_fields(
    kind: Kind,
    holder: Callable[[R], Any],
    entries: Iterable[Column[R] | Plain],
    *,
    prose_as_text: bool = False,
) -> tuple[Column[R], ...]:
    """``entries`` with each ``Plain`` made a column of the field, read from ``holder(record)``,
    and every plain field of ``kind`` the entries do not place added after the last one they
    do. ``prose_as_text``: Markdown is written as plain text (for spreadsheets)."""
    entries = list(entries)
    placed = {entry.field for entry in entries if isinstance(entry, Plain)}
    # Never an internal field (curators' notes): downloads go to anyone.
    plain = {field.name: field for field in kind.public_plain_fields}
    if unknown := placed - plain.keys():
        raise ValueError(f"not plain fields of {kind.name}: {sorted(unknown)}")
    others = [field for field in kind.public_plain_fields if field.name not in placed]
    last = max((i for i, entry in enumerate(entries) if isinstance(entry, Plain)), default=-1)
    columns: list[Column[R]] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, Plain):
            columns.append(plain_column(plain[entry.field], holder, entry.name, prose_as_text))
        else:
            columns.append(entry)
        if index == last:
            columns += [plain_column(field, holder, None, prose_as_text) for field in others]
    if last == -1:
        columns += [plain_column(field, holder, None, prose_as_text) for field in others]
    return tuple(columns)


def plain_column(
    field: Field, holder: Callable[[R], Any], name: str | None, prose_as_text: bool
) -> Column[R]:
    """A plain field as a column: its value as stored, described by the field's ``about``."""
    attribute = field.name
    description = field.about
    if field.shape == "prose" and prose_as_text:
        description = _as_plain_text(description)

        def read(record: R) -> Cell:
            return markdown_to_text(getattr(holder(record), attribute)) or None

    else:

        def read(record: R) -> Cell:
            value: Cell = getattr(holder(record), attribute)
            return value

    return Column(
        name or field.name,
        field.json_type,
        description,
        read,
        required=field.required,
        field=field.name,
    )


def _as_plain_text(about: str) -> str:
    # A Markdown field's description says "(Markdown)"; written as text, it says so instead.
    if "(Markdown)" in about:
        return about.replace("(Markdown)", "(plain text)")
    return f"{about.removesuffix('.')} (plain text)."
