"""Partial dates: read as people type them, shown at their own precision, sorted as expected."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.dates import DateParseError, PartialDate, Precision, parse_partial_date


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    year = draw(st.integers(min_value=1, max_value=9999))
    precision = draw(st.sampled_from(list(Precision)))
    approximate = draw(st.booleans())
    if precision is Precision.YEAR:
        return PartialDate(year, approximate=approximate)
    month = draw(st.integers(min_value=1, max_value=12))
    if precision is Precision.MONTH:
        return PartialDate(year, month, approximate=approximate)
    day = draw(st.integers(min_value=1, max_value=PartialDate(year, month).end.day))
    return PartialDate(year, month, day, approximate)


@pytest.mark.parametrize(
    ("text", "iso", "approximate"),
    [
        ("2023-10", "2023-10", False),
        ("Oct 2023", "2023-10", False),
        ("October 2023", "2023-10", False),
        ("25.10.2023", "2023-10-25", False),
        ("25 October 2023", "2023-10-25", False),
        ("October 25, 2023", "2023-10-25", False),
        ("end of March 2024", "2024-03-31", False),
        ("the end of March 2024", "2024-03-31", False),
        ("c. 2013", "2013", True),
        ("circa 2013", "2013", True),
        ("2013~", "2013", True),
        ("2 апреля 2024", "2024-04-02", False),
        ("март 2024", "2024-03", False),
        ("марта 2024 г.", "2024-03", False),
        ("в марте 2024 года", "2024-03", False),
        ("конец марта 2024", "2024-03-31", False),
        ("около 2013", "2013", True),
        ("2024", "2024", False),
        ("  25   October   2023 ", "2023-10-25", False),
        ("2024/03/05", "2024-03-05", False),
        ("31/12/2024", "2024-12-31", False),
        ("10.2023", "2023-10", False),
        # A timestamp is the day as written, never re-read day-first as 4 February.
        ("2024-04-02T10:00", "2024-04-02", False),
        ("2024-04-02T10:00Z", "2024-04-02", False),
        ("2024-04-02T23:30:00+05:00", "2024-04-02", False),
        ("2024-04-02 10:00", "2024-04-02", False),
        # Russian months as whole words in every case, and the usual abbreviations.
        ("в 2024 году", "2024", False),
        ("в мае 2024", "2024-05", False),
        ("1 мая 2024 г.", "2024-05-01", False),
        ("2 апр. 2024", "2024-04-02", False),
        ("15 сент. 2023", "2023-09-15", False),
        ("февр. 2024", "2024-02", False),
        # Kyrgyz: the year and the day carry a hyphen and a case ending.
        ("2024-жылдын 2-апрели", "2024-04-02", False),
        ("2024-ж. 2-апрель", "2024-04-02", False),
        ("2024-жылы", "2024", False),
        ("2024-жылдын апрелинде", "2024-04", False),
        ("2024-жылдын 15-январында", "2024-01-15", False),
        ("2024-жылдын март айында", "2024-03", False),
        ("болжол менен 2013-жыл", "2013", True),
        # A weekday that agrees with the date is fine.
        ("Tuesday, 2 April 2024", "2024-04-02", False),
        ("вторник, 2 апреля 2024", "2024-04-02", False),
    ],
)
def test_reads_the_forms_people_type(text: str, iso: str, approximate: bool) -> None:
    value = parse_partial_date(text)
    assert (value.iso, value.approximate) == (iso, approximate)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2023-13", "month 13 does not exist"),
        ("30 February 2024", "not a date we can read"),
        ("2023-02-30", "has no day 30"),
        ("05/10/2023", "ambiguous"),
        ("25.10.23", "four digits"),
        ("Oct 23", "four digits"),
        ("October", "four digits"),
        ("late March 2024", "not a date we can read"),
        ("soon", "four digits"),
        ("", "Enter a date"),
        ("2023 2024", "not a date we can read"),
        ("марафон 2024", '"марафон" is not a month name'),
        ("декада 2024", '"декада" is not a month name'),
        ("мартовский 2024", "is not a month name"),
        ("Monday, 2 April 2024", "2 April 2024 is a Tuesday, not a Monday"),
        ("понедельник, 2 апреля 2024", "is a Tuesday, not a Monday"),
        ("Monday April 2024", "a weekday goes with a full date"),
        ("10 am 2 April 2024", "without a time of day"),
        ("2 April 2024 14:30", "without a time of day"),
    ],
)
def test_refuses_what_it_cannot_read_and_says_what_it_accepts(text: str, reason: str) -> None:
    with pytest.raises(DateParseError) as error:
        parse_partial_date(text)
    assert reason in str(error.value)
    if text:
        assert "Oct 2023" in str(error.value)  # the message shows forms that work


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (PartialDate(2023, 10, 25), "25 October 2023"),
        (PartialDate(2023, 10), "October 2023"),
        (PartialDate(2013, approximate=True), "c. 2013"),
        (PartialDate(2024, 4, 2, True), "c. 2 April 2024"),
    ],
)
def test_shows_a_date_at_its_own_precision(value: PartialDate, shown: str) -> None:
    assert value.format() == shown


@given(partial_dates())
def test_formatting_then_parsing_gives_the_same_value(value: PartialDate) -> None:
    assert parse_partial_date(value.format()) == value
    assert parse_partial_date(value.format_short()) == value
    assert parse_partial_date(value.edtf()) == value
    assert PartialDate.from_iso(value.iso, value.approximate) == value


@given(partial_dates())
def test_stored_columns_rebuild_the_value(value: PartialDate) -> None:
    assert PartialDate.from_columns(*value.__composite_values__()) == value


@given(partial_dates(), partial_dates())
def test_order_is_the_order_of_the_iso_strings(a: PartialDate, b: PartialDate) -> None:
    """ "2023" < "2023-10" < "2023-10-25" < "2023-10-26" < "2023-11": coarse before fine."""
    assert (a.sort_key < b.sort_key) == (a.iso < b.iso)


@given(partial_dates())
def test_a_date_covers_the_days_it_could_be(value: PartialDate) -> None:
    assert value.start <= value.end
    assert value.start.year == value.end.year == value.year
    days = (value.end - value.start).days + 1
    expected = {Precision.DAY: {1}, Precision.MONTH: {28, 29, 30, 31}, Precision.YEAR: {365, 366}}
    assert days in expected[value.precision]


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 30)))
def test_every_written_form_of_a_day_sorts_on_that_day(day: dt.date) -> None:
    forms = [
        day.isoformat(),
        f"{day.day}.{day.month}.{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        day.strftime("%d %B %Y"),
        day.strftime("%B %d, %Y"),
        day.strftime("%d %b %Y"),
    ]
    following = day + dt.timedelta(days=1)
    for form in forms:
        value = parse_partial_date(form)
        assert value.start == day, form
        assert value < PartialDate.from_date(following), form
        assert PartialDate(day.year, day.month) <= value, form


@given(st.integers(min_value=1000, max_value=9999), st.integers(min_value=1, max_value=12))
def test_end_of_month_is_its_last_day_and_sorts_inside_the_month(year: int, month: int) -> None:
    month_value = PartialDate(year, month)
    end = parse_partial_date(f"end of {month_value.format()}")
    assert end.start == month_value.end
    assert month_value < end
    if month < 12:
        assert end < PartialDate(year, month + 1)


def test_phrases_fit_in_a_sentence() -> None:
    assert PartialDate(2023, 10, 25).phrase() == "on 25 October 2023"
    assert PartialDate(2023, 10).phrase() == "in October 2023"
    assert PartialDate(2013, approximate=True).phrase() == "around 2013"


def test_years_one_and_9999_are_dates_and_ten_thousand_is_not() -> None:
    assert parse_partial_date("0001-01-01").start == dt.date(1, 1, 1)
    assert parse_partial_date("31 December 9999").end == dt.date(9999, 12, 31)
    with pytest.raises(DateParseError):
        parse_partial_date("10000")
