"""The partial date: what researchers actually know about when something happened.

"Introduced in October 2023", "since March 2022", "until the end of March 2024", "c. 2013": a
tracker that forces a day invents facts. A ``PartialDate`` is a year, a year and month, or a full
date, plus an "approximate" flag. It is stored as five columns (ISO string, flag, first day,
precision, last day), shown at its own precision, and ordered by its first day with coarser
dates first within the same day, which is how the ISO strings themselves sort ("2023" <
"2023-10" < "2023-10-25"). The last day is when an event with that date has certainly
happened, which is when the status rule counts it (tracker.status.counts_from); storing it
lets lists filter and sort by that rule in SQL.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from dateutil import parser as dateutil_parser

__all__ = ["DateParseError", "PartialDate", "Precision", "parse_partial_date"]

ACCEPTED_FORMS = "2023-10, Oct 2023, 25.10.2023, 25 October 2023, end of March 2024 or c. 2013"


class DateParseError(ValueError):
    """Raised when text cannot be read as a date; the message says what is accepted."""


class Precision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"

    @property
    def rank(self) -> int:
        """Coarse before fine, so "2023" sorts before "2023-01-01"."""
        return _PRECISION_RANK[self]


_PRECISION_RANK = {Precision.YEAR: 0, Precision.MONTH: 1, Precision.DAY: 2}

MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

RUSSIAN_MONTH_NAMES = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]
RUSSIAN_MONTH_NAMES_GENITIVE = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A year, a year and month, or a day, possibly approximate."""

    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise DateParseError(f"year {self.year} is outside 1–9999")
        if self.day is not None and self.month is None:
            raise DateParseError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise DateParseError(f"month {self.month} does not exist")
        if self.day is not None:
            assert self.month is not None  # checked above; narrows the type
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise DateParseError(
                    f"{MONTH_NAMES[self.month - 1]} {self.year} has no day {self.day}"
                )

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read a date as people type it; raise DateParseError with a helpful message."""
        return parse_partial_date(text)

    @classmethod
    def from_iso(cls, iso: str, approximate: bool = False) -> PartialDate:
        """Build from the stored ISO form (``2023``, ``2023-10`` or ``2023-10-25``)."""
        # Dates repeat (a large import reads each one about ten times, in validation, the rows
        # and the revisions, and a million events share a few thousand dates), and a date is
        # immutable: the same one can be handed out again.
        if cls is PartialDate:
            return _from_iso(iso, bool(approximate))
        return cls._from_iso(iso, approximate)

    @classmethod
    def _from_iso(cls, iso: str, approximate: bool) -> PartialDate:
        match = _ISO.fullmatch(iso.strip())
        if not match:
            raise DateParseError(f'"{iso}" is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)')
        year, month, day = match.group("y", "m", "d")
        return cls(
            int(year),
            int(month) if month else None,
            int(day) if day else None,
            approximate,
        )

    @classmethod
    def from_date(cls, value: dt.date, approximate: bool = False) -> PartialDate:
        """A day-precision date from a ``datetime.date``."""
        return cls(value.year, value.month, value.day, approximate)

    @classmethod
    def from_stored(
        cls, iso: str | None, approximate: bool, _start: Any, _precision: Any, _end: Any
    ) -> PartialDate:
        """Rebuild from the five stored columns (the composite's constructor)."""
        if iso is None:
            # SQLAlchemy builds a composite's previous value for its change history from the
            # columns' histories and passes None for a column that did not change (a date whose
            # approximate flag alone changed); there is no previous date to rebuild then.
            return None  # type: ignore[return-value]
        return cls.from_iso(iso, bool(approximate))

    @classmethod
    def from_columns(
        cls, iso: str | None, approximate: bool | None, start: Any, precision: Any, end: Any
    ) -> PartialDate | None:
        """Like ``from_stored`` for an optional date: None when the columns are NULL."""
        if iso is None:
            return None
        return cls.from_stored(iso, bool(approximate), start, precision, end)

    # -- derived values -----------------------------------------------------------------------

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    @property
    def iso(self) -> str:
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @property
    def start(self) -> dt.date:
        """The first day the date could be; what it sorts by."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def end(self) -> dt.date:
        """The last day the date could be; a ban "until March 2024" runs through 31 March."""
        if self.day is not None:
            return self.start
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def sort_key(self) -> tuple[dt.date, int]:
        return (self.start, self.precision.rank)

    def __lt__(self, other: PartialDate) -> bool:
        return self.sort_key < other.sort_key

    def __le__(self, other: PartialDate) -> bool:
        return self.sort_key <= other.sort_key

    def __gt__(self, other: PartialDate) -> bool:
        return self.sort_key > other.sort_key

    def __ge__(self, other: PartialDate) -> bool:
        return self.sort_key >= other.sort_key

    def __composite_values__(self) -> tuple[str, bool, dt.date, str, dt.date]:
        return (self.iso, self.approximate, self.start, self.precision.value, self.end)

    # -- output -------------------------------------------------------------------------------

    def format(self) -> str:
        """Show at its own precision: "25 October 2023", "October 2023", "c. 2013"."""
        text = self._plain()
        return f"c. {text}" if self.approximate else text

    def _plain(self) -> str:
        """The date at its precision, without "c.": shared by format() and phrase()."""
        if self.day is not None:
            assert self.month is not None  # a day always has a month
            return f"{self.day} {MONTH_NAMES[self.month - 1]} {self._year}"
        if self.month is not None:
            return f"{MONTH_NAMES[self.month - 1]} {self._year}"
        return self._year

    @property
    def _year(self) -> str:
        # Four digits always, so that "c. 0850" reads back as a year and not as a day.
        return f"{self.year:04d}"

    def format_short(self) -> str:
        """A compact form for tables and axes: "25 Oct 2023", "Oct 2023", "c. 2013"."""
        if self.day is not None:
            assert self.month is not None
            text = f"{self.day} {MONTH_NAMES[self.month - 1][:3]} {self._year}"
        elif self.month is not None:
            text = f"{MONTH_NAMES[self.month - 1][:3]} {self._year}"
        else:
            text = self._year
        return f"c. {text}" if self.approximate else text

    def phrase(self) -> str:
        """The date inside a sentence: "on 25 October 2023", "in October 2023", "around 2013"."""
        # No new PartialDate for the plain text: status explanations call this for every event.
        plain = self._plain()
        if self.approximate:
            return f"around {plain}"
        return f"on {plain}" if self.day is not None else f"in {plain}"

    @property
    def unknown(self) -> str | None:
        """What the date leaves open, for a label next to it: "day unknown"."""
        if self.day is not None:
            return None
        return "day unknown" if self.month is not None else "month and day unknown"

    def edtf(self) -> str:
        """The ISO string with EDTF's "~" for approximate, e.g. ``2013~``; parse() reads it."""
        return f"{self.iso}~" if self.approximate else self.iso

    def __str__(self) -> str:
        return self.format()


def shift(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, stopping at the calendar's first and last day: a chart pads
    its range, a status looks a day ahead, and a record dated in year 1 or 9999 must not take a
    page down with it."""
    ordinal = min(max(day.toordinal() + days, dt.date.min.toordinal()), dt.date.max.toordinal())
    return dt.date.fromordinal(ordinal)


# --------------------------------------------------------------------------------------------
# Parsing

_ISO = re.compile(r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?")


@lru_cache(maxsize=65536)
def _from_iso(iso: str, approximate: bool) -> PartialDate:
    return PartialDate._from_iso(iso, approximate)


_DOTTED = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})")
_DOTTED_MONTH = re.compile(r"(?P<m>\d{1,2})[./](?P<y>\d{4})")
_SLASHED = re.compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})")
_YEAR_FIRST_SLASHED = re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})(?:/(?P<d>\d{1,2}))?")
_FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")

# Words that mark a date as approximate, in English, Russian and Kyrgyz, in front of the date.
_APPROXIMATE_PREFIX = re.compile(
    r"^(?:circa|approximately|approx\.?|about|around|ca\.?|c\.?|~|около|ок\.|примерно|"
    r"приблизительно|болжол менен|болжолдуу)\s*",
    re.IGNORECASE,
)
# EDTF's "2013~" (approximate) and "2013?" (uncertain) both become approximate here: the model
# has one flag, and a question mark is the user telling us the date is not certain.
_APPROXIMATE_SUFFIX = re.compile(r"\s*[~?]$")
_END_OF = re.compile(r"^(?:the\s+)?(?:end|конец|конца|в\s+конце)(?:\s+of)?\s+", re.IGNORECASE)
_RUSSIAN_YEAR_SUFFIX = re.compile(r"\s*(?:г\.?|года|году|год|гг\.?)$", re.IGNORECASE)
_RUSSIAN_IN = re.compile(r"^в\s+", re.IGNORECASE)

# Kyrgyz writes the year and the day with a hyphen and a case ending: "2024-жылдын 2-апрели"
# (2 April of 2024), "2024-ж. 2-апрель", "2024-жылы" (in 2024). The months are the Russian names
# with Kyrgyz endings (апрели, апрелинде, мартында).
_KYRGYZ_YEAR = re.compile(r"(?<!\d)(\d{4})-?\s*ж(?:ылдын|ылы|ыл|\.)?(?![а-яёңөү])", re.IGNORECASE)
_KYRGYZ_DAY = re.compile(r"(?<!\d)(\d{1,2})-(?=[а-яёңөү])", re.IGNORECASE)
# "март айында": the word for "month" after a month's name says nothing more.
_KYRGYZ_MONTH_WORD = re.compile(r"(?<![а-яёңөү])ай(?:ы|ында|ынын)(?![а-яёңөү])", re.IGNORECASE)

# Month names as whole words: each month's stem with the endings Russian (марта, марте) and
# Kyrgyz (марты, мартында) give it, and the usual abbreviations. A word that only starts like
# a month ("марафон", "декада") is not one.
_MONTH_STEMS = (
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
)
_RUSSIAN_ENDINGS = ("ь", "я", "е", "ю", "ем", "ём")
_KYRGYZ_ENDINGS = ("ы", "и", "у", "ү", "ында", "инде", "унда", "үндө", "ынын", "инин", "унун")
_MONTH_ABBREVIATIONS = {
    "янв": 1,
    "фев": 2,
    "февр": 2,
    "мар": 3,
    "апр": 4,
    "июн": 6,
    "июл": 7,
    "авг": 8,
    "сен": 9,
    "сент": 9,
    "окт": 10,
    "ноя": 11,
    "нояб": 11,
    "дек": 12,
}


def _month_forms() -> dict[str, int]:
    forms = dict(_MONTH_ABBREVIATIONS)
    for number, stem in enumerate(_MONTH_STEMS, 1):
        if stem == "ма":  # май: мая, мае, майы, майында
            words = ["май", "мая", "мае", *(f"май{ending}" for ending in _KYRGYZ_ENDINGS)]
        elif stem in {"март", "август"}:  # no soft sign: марта, марте; марты, мартында
            words = [stem, f"{stem}а", f"{stem}е", *(stem + ending for ending in _KYRGYZ_ENDINGS)]
        else:
            words = [stem + ending for ending in (*_RUSSIAN_ENDINGS, *_KYRGYZ_ENDINGS)]
        forms.update(dict.fromkeys(words, number))
    return forms


_MONTH_FORMS = _month_forms()
_CYRILLIC_WORD = re.compile(r"[а-яёңөү]+\.?", re.IGNORECASE)

_WEEKDAYS = {
    **dict.fromkeys(("monday", "mon"), 0),
    **dict.fromkeys(("tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("wednesday", "wed"), 2),
    **dict.fromkeys(("thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("friday", "fri"), 4),
    **dict.fromkeys(("saturday", "sat"), 5),
    **dict.fromkeys(("sunday", "sun"), 6),
    **dict.fromkeys(("понедельник", "пн", "дүйшөмбү"), 0),
    **dict.fromkeys(("вторник", "вт", "шейшемби"), 1),
    **dict.fromkeys(("среда", "среду", "ср", "шаршемби"), 2),
    **dict.fromkeys(("четверг", "чт", "бейшемби"), 3),
    **dict.fromkeys(("пятница", "пятницу", "пт", "жума"), 4),
    **dict.fromkeys(("суббота", "субботу", "сб", "ишемби"), 5),
    **dict.fromkeys(("воскресенье", "вс", "жекшемби"), 6),
}
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WORD = re.compile(r"[^\W\d_]+\.?", re.UNICODE)

# An ISO date with a time ("2024-04-02T10:00", "…Z", "…+05:00"): the date is the day as written.
_ISO_DATE_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_TIME = re.compile(r"\d{1,2}:\d{2}|(?<![a-z])\d{1,2}\s*[ap]\.?m\.?(?![a-z])", re.IGNORECASE)


def _replace_cyrillic_months(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        word = match.group(0).lower()
        number = _MONTH_FORMS.get(word) or _MONTH_FORMS.get(word.rstrip("."))
        if number is None:
            raise DateParseError(f'"{match.group(0)}" is not a month name')
        return MONTH_NAMES[number - 1]

    return _CYRILLIC_WORD.sub(replace, text)


def _take_weekday(text: str) -> tuple[str, int | None]:
    """The text without a weekday name ("Tuesday, 2 April 2024"), and that weekday."""
    found: int | None = None
    kept = []
    for match in _WORD.finditer(text):
        weekday = _WEEKDAYS.get(match.group(0).lower().rstrip("."))
        if weekday is not None:
            if found is not None and found != weekday:
                raise DateParseError("two different weekdays")
            found = weekday
            kept.append((match.start(), match.end()))
    for start, end in reversed(kept):
        text = text[:start] + text[end:]
    return " ".join(text.replace(",", " , ").split()).strip(" ,").replace(" ,", ","), found


def _check_weekday(value: PartialDate, weekday: int) -> None:
    """A weekday typed with the date must be that date's ("Monday, 2 April 2024" is wrong)."""
    if value.day is None:
        raise DateParseError("a weekday goes with a full date")
    actual = value.start.weekday()
    if actual != weekday:
        raise DateParseError(
            f"{value.format()} is a {_WEEKDAY_NAMES[actual]}, not a {_WEEKDAY_NAMES[weekday]}"
        )


def _error(text: str, reason: str | None = None) -> DateParseError:
    why = f" ({reason})" if reason else ""
    return DateParseError(f'"{text}" is not a date we can read{why}. Try {ACCEPTED_FORMS}.')


def parse_partial_date(text: str) -> PartialDate:
    """Read a partial date in any usual English, Russian or Kyrgyz form.

    Anything ambiguous or unreadable raises ``DateParseError`` with a message that says what is
    accepted; nothing is guessed silently (a two-digit year, a bare "05/10/2023", a word that
    only starts like a month, or a weekday that is not the date's, is refused).
    """
    original = text
    text = " ".join(text.split())
    if not text:
        raise DateParseError(f"Enter a date, for example {ACCEPTED_FORMS}.")
    if len(text) > 60:
        raise _error(original[:60] + "…", "too long")

    if match := _ISO_DATE_TIME.fullmatch(text):
        # A timestamp pasted from a feed or a spreadsheet: the day as written, not re-read
        # day-first ("2024-04-02T10:00" is 2 April, never 4 February).
        return PartialDate.from_iso(match["date"])
    if _TIME.search(text):
        raise _error(original, "write the date without a time of day")

    approximate = False
    prefix = _APPROXIMATE_PREFIX.match(text)
    if prefix:
        approximate = True
        text = text[prefix.end() :]
    suffix = _APPROXIMATE_SUFFIX.search(text)
    if suffix:
        approximate = True
        text = text[: suffix.start()]

    end_of = _END_OF.match(text)
    if end_of:
        text = text[end_of.end() :]
    try:
        text, weekday = _take_weekday(text)
        text = _RUSSIAN_IN.sub("", text)
        text = _RUSSIAN_YEAR_SUFFIX.sub("", text).strip(" ,")
        text = _KYRGYZ_YEAR.sub(r"\1", text)
        text = _KYRGYZ_DAY.sub(r"\1 ", text)
        text = " ".join(_KYRGYZ_MONTH_WORD.sub(" ", text).split())
        value = _parse_core(text, original)
        if weekday is not None:
            _check_weekday(value, weekday)
    except DateParseError as exc:
        if "is not a date we can read" in str(exc):
            raise
        raise _error(original, str(exc)) from None

    if end_of:
        # "end of March 2024" is the last day of March: the day a ban "until the end of March"
        # stops. "end of 2024" is 31 December.
        value = PartialDate.from_date(value.end)
    if approximate:
        value = PartialDate(value.year, value.month, value.day, True)
    return value


def _parse_core(text: str, original: str) -> PartialDate:
    if match := _ISO.fullmatch(text):
        return PartialDate.from_iso(text)
    if match := _DOTTED.fullmatch(text):
        return PartialDate(int(match["y"]), int(match["m"]), int(match["d"]))
    if match := _DOTTED_MONTH.fullmatch(text):
        return PartialDate(int(match["y"]), int(match["m"]))
    if match := _YEAR_FIRST_SLASHED.fullmatch(text):
        day = match["d"]
        return PartialDate(int(match["y"]), int(match["m"]), int(day) if day else None)
    if match := _SLASHED.fullmatch(text):
        first, second = int(match["a"]), int(match["b"])
        if first <= 12 and second <= 12 and first != second:
            raise _error(original, "day and month are ambiguous; write 2023-10-05 or 5 Oct 2023")
        # Whichever number cannot be a month is the day; otherwise day first, as in most of
        # the world outside the United States.
        if second > 12:
            return PartialDate(int(match["y"]), first, second)
        return PartialDate(int(match["y"]), second, first)

    if re.search(r"[а-яёңөү]", text, re.IGNORECASE):
        text = _replace_cyrillic_months(text)

    years = _FOUR_DIGIT_YEAR.findall(text)
    if len(years) != 1:
        raise _error(original, "write the year with four digits" if not years else None)
    if not re.search(r"[A-Za-z]", text):
        # Only digits and separators left, in a shape none of the patterns above knows.
        raise _error(original)

    # dateutil turns some years into others ("0001" is read as 2001); hand it a stand-in year
    # of the same leap-ness and put the real one back afterwards.
    year = int(years[0])
    text = _FOUR_DIGIT_YEAR.sub("2000" if calendar.isleap(year) else "2001", text, count=1)

    # dateutil fills in missing parts from ``default``; parsing against two different
    # defaults shows which parts the text really gave.
    first_default = dt.datetime(1999, 1, 1)
    second_default = dt.datetime(1998, 2, 2)
    try:
        a = dateutil_parser.parse(text, default=first_default, dayfirst=True, fuzzy=False)
        b = dateutil_parser.parse(text, default=second_default, dayfirst=True, fuzzy=False)
    except (ValueError, OverflowError) as exc:
        raise _error(original) from exc
    if a.year != b.year or a.year not in (2000, 2001):
        raise _error(original, "write the year with four digits")
    if a.month != b.month:
        if a.day != b.day:
            return PartialDate(year)
        raise _error(original, "a day without a month")
    if a.day != b.day:
        return PartialDate(year, a.month)
    return PartialDate(year, a.month, a.day)
