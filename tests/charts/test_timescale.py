"""Axis labels stay readable from a few weeks to twenty years: present, and never overlapping."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tracker.charts.timescale import LABEL_GAP, Axis, TimeScale, axis, text_width

WIDTH = 928.0  # the timeline's drawing width (960 less its margins)


def scale(start: str, end: str) -> TimeScale:
    return TimeScale(dt.date.fromisoformat(start), dt.date.fromisoformat(end), 16, 16 + WIDTH)


def assert_readable(result: Axis) -> None:
    for row in result.rows:
        labels = row.labels
        bold = row.unit == "year"
        for before, after in itertools.pairwise(labels):
            right = before.x + 3 + text_width(before.label or "", bold=bold)
            assert after.x + 3 >= right + LABEL_GAP - 0.01, (row.unit, before, after)
        for tick in labels:
            assert 16 <= tick.x <= 16 + WIDTH
            assert tick.x + 3 + text_width(tick.label or "", bold=bold) <= 16 + WIDTH + 2


def labels(result: Axis, unit: str) -> list[str]:
    row = next((r for r in result.rows if r.unit == unit), None)
    return [t.label for t in row.labels if t.label] if row else []


def test_three_months_show_the_year_every_month_by_name_and_the_weeks() -> None:
    result = axis(scale("2024-02-01", "2024-04-30"))
    assert_readable(result)
    # No 1 January falls in the range, yet the reader is told the year.
    assert labels(result, "year") == ["2024"]
    assert labels(result, "month") == ["February", "March", "April"]
    days = labels(result, "day")
    assert {"1", "8", "15", "22"} <= set(days)
    assert result.gridlines[0].day == dt.date(2024, 2, 1)


def test_a_few_weeks_label_every_day() -> None:
    result = axis(scale("2024-03-01", "2024-03-21"))
    assert_readable(result)
    assert labels(result, "day")[:3] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("start", "end"),
    [("2022-01-01", "2023-12-31"), ("2019-06-01", "2024-06-30"), ("2012-01-01", "2026-12-31")],
)
def test_middle_ranges_are_readable(start: str, end: str) -> None:
    result = axis(scale(start, end))
    assert_readable(result)
    assert len(labels(result, "year")) >= 2


def test_twenty_years_show_years_only_and_all_of_them_fit() -> None:
    result = axis(scale("2005-01-01", "2024-12-31"))
    assert_readable(result)
    years = labels(result, "year")
    assert years[0] == "2005"
    assert "2024" in years or "2020" in years
    assert 4 <= len(years) <= 20
    # Twelve month labels a year would be 4 px apart: there is no month row at all.
    assert labels(result, "month") == []


def test_a_century_thins_the_year_labels_to_round_numbers() -> None:
    result = axis(scale("1925-01-01", "2024-12-31"))
    assert_readable(result)
    years = [int(year) for year in labels(result, "year")]
    assert len(years) >= 4
    assert all(year % 5 == 0 for year in years)


def test_a_scale_maps_days_to_their_span() -> None:
    s = scale("2024-01-01", "2024-12-31")
    assert s.x(dt.date(2024, 1, 1)) == 16
    assert s.x_end(dt.date(2024, 12, 31)) == pytest.approx(16 + WIDTH)
    with pytest.raises(ValueError, match="end comes before"):
        TimeScale(dt.date(2024, 2, 1), dt.date(2024, 1, 1), 0, 100)
