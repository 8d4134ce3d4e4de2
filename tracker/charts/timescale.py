"""A linear time scale and its axis: which dates to label so that the labels never collide.

Charts that put dates on an x axis (the timeline, the lineage) share it. The axis has up to
three rows, coarse to fine: years, then months, then days. A row appears only when its labels
fit, so a twenty-year range shows years (every one, or every second, fifth...) and a range of a
few months shows the year, every month by name and the days of the week starts. Each label sits
at the start of the period it names, as the periods on a wall calendar do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker.dates import MONTH_NAMES

# Average advance of a character of the axis font (11 px sans-serif), with a margin, so that
# estimated label widths err on the wide side and labels never touch.
AXIS_FONT_SIZE = 11
CHAR_WIDTH = 0.62 * AXIS_FONT_SIZE
LABEL_GAP = 8.0

_YEAR_STEPS = (1, 2, 5, 10, 20, 25, 50, 100)
_MONTH_STEPS = (1, 3, 6)


def text_width(text: str, font_size: float = AXIS_FONT_SIZE, bold: bool = False) -> float:
    """An estimate of the width of ``text`` in a sans-serif font, erring wide.

    The factors fit DejaVu Sans (what CairoSVG finds on a bare server), the widest of the
    usual system fonts, so labels that fit there fit everywhere.
    """
    return len(text) * (0.7 if bold else 0.62) * font_size


class TimeScale:
    """Maps days to x positions: ``start`` at ``x0``, the end of ``end`` at ``x1``."""

    __slots__ = ("_origin", "days", "end", "px_per_day", "start", "x0", "x1")

    def __init__(self, start: dt.date, end: dt.date, x0: float, x1: float) -> None:
        if end < start:
            raise ValueError("a scale's end comes before its start")
        self.start, self.end, self.x0, self.x1 = start, end, x0, x1
        self.days = (end - start).days + 1
        """Days covered, counting both ends."""
        self.px_per_day = (x1 - x0) / self.days
        # Charts place tens of thousands of marks: work from day ordinals, not timedeltas.
        self._origin = start.toordinal()

    def __repr__(self) -> str:
        return f"TimeScale({self.start}, {self.end}, {self.x0}, {self.x1})"

    def x(self, day: dt.date) -> float:
        """The left edge of ``day``."""
        return self.x0 + (day.toordinal() - self._origin) * self.px_per_day

    def x_end(self, day: dt.date) -> float:
        """The right edge of ``day``."""
        return self.x0 + (day.toordinal() - self._origin + 1) * self.px_per_day

    def x_mid(self, day: dt.date) -> float:
        return self.x0 + (day.toordinal() - self._origin + 0.5) * self.px_per_day

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def clamp(self, x: float) -> float:
        return min(max(x, self.x0), self.x1)


@dataclass(frozen=True, slots=True)
class Tick:
    day: dt.date
    x: float
    label: str | None
    """None for an unlabelled gridline (a label that would have collided)."""


@dataclass(frozen=True, slots=True)
class AxisRow:
    unit: str
    """"year", "month" or "day"."""
    ticks: tuple[Tick, ...]

    @property
    def labels(self) -> list[Tick]:
        return [tick for tick in self.ticks if tick.label]


@dataclass(frozen=True, slots=True)
class Axis:
    rows: tuple[AxisRow, ...]

    @property
    def gridlines(self) -> tuple[Tick, ...]:
        """The ticks of the finest row that has labels: what the eye reads dates against."""
        return self.rows[-1].ticks if self.rows else ()

    @property
    def year_lines(self) -> tuple[Tick, ...]:
        """Year boundaries, drawn a little stronger than the other gridlines."""
        return self.rows[0].ticks if self.rows and self.rows[0].unit == "year" else ()


def _month_starts(start: dt.date, end: dt.date, step: int) -> list[dt.date]:
    """First days of months within [start, end] whose month index is a multiple of ``step``."""
    year, month = start.year, start.month
    days: list[dt.date] = []
    while True:
        day = dt.date(year, month, 1)
        if day > end:
            return days
        if day >= start and (month - 1) % step == 0:
            days.append(day)
        month += 1
        if month > 12:
            year, month = year + 1, 1


def _collide_free(ticks: list[Tick], x_max: float, bold: bool = False) -> list[Tick]:
    """Drop labels that would overlap the previous label or run past the right edge."""
    kept: list[Tick] = []
    right = float("-inf")
    for tick in ticks:
        if tick.label is None:
            kept.append(tick)
            continue
        width = text_width(tick.label, bold=bold)
        left = tick.x + 3
        if left < right + LABEL_GAP or left + width > x_max + 2:
            kept.append(Tick(tick.day, tick.x, None))
            continue
        kept.append(tick)
        right = left + width
    return kept


def _with_context(ticks: list[Tick], scale: TimeScale, label: str) -> list[Tick]:
    """Name the period the axis starts in, at its left edge, when no tick is there to do so.

    A range from February to April 2024 has no 1 January in it, yet the reader needs "2024".
    """
    first = ticks[0] if ticks else None
    if first is not None and first.x - scale.x0 < text_width(label, bold=True) + LABEL_GAP + 3:
        return ticks
    return [Tick(scale.start, scale.x0, label), *ticks]


def year_row(scale: TimeScale) -> AxisRow:
    px_per_year = scale.px_per_day * 365.25
    step = next(
        (
            s
            for s in _YEAR_STEPS
            if px_per_year * s >= text_width("0000", bold=True) + LABEL_GAP + 4
        ),
        _YEAR_STEPS[-1],
    )
    ticks = [
        Tick(day, scale.x(day), str(day.year) if day.year % step == 0 else None)
        for day in (dt.date(year, 1, 1) for year in range(scale.start.year, scale.end.year + 1))
        if scale.start <= day <= scale.end
    ]
    # Unlabelled year lines only where they stay far enough apart to read as lines.
    if px_per_year < 6:
        ticks = [tick for tick in ticks if tick.label]
    ticks = _with_context(ticks, scale, str(scale.start.year)) if step == 1 else ticks
    return AxisRow("year", tuple(_collide_free(ticks, scale.x1, bold=True)))


def month_row(scale: TimeScale) -> AxisRow | None:
    px_per_month = scale.px_per_day * 30.44
    full = px_per_month >= max(text_width(name) for name in MONTH_NAMES) + LABEL_GAP + 4
    abbreviated_width = text_width("May") + LABEL_GAP + 4
    step = next((s for s in _MONTH_STEPS if px_per_month * s >= abbreviated_width), None)
    if step is None:
        return None

    def name(day: dt.date) -> str:
        return MONTH_NAMES[day.month - 1] if full else MONTH_NAMES[day.month - 1][:3]

    ticks = [
        Tick(day, scale.x(day), name(day)) for day in _month_starts(scale.start, scale.end, step)
    ]
    if step == 1:
        ticks = _with_context(ticks, scale, name(scale.start))
    return AxisRow("month", tuple(_collide_free(ticks, scale.x1)))


def day_row(scale: TimeScale) -> AxisRow | None:
    width = text_width("00") + LABEL_GAP + 2
    if scale.px_per_day >= width:
        days_of_month: tuple[int, ...] | None = None  # every day
    elif scale.px_per_day * 7 >= width:
        days_of_month = (1, 8, 15, 22)
    else:
        return None
    ticks = []
    day = scale.start
    while day <= scale.end:
        if days_of_month is None or day.day in days_of_month:
            ticks.append(Tick(day, scale.x(day), str(day.day)))
        if day == dt.date.max:
            break
        day += dt.timedelta(days=1)
    return AxisRow("day", tuple(_collide_free(ticks, scale.x1)))


def axis(scale: TimeScale, finest: str = "day") -> Axis:
    """The rows of labels that fit the scale, down to ``finest`` ("year", "month" or "day")."""
    rows = [year_row(scale)]
    if finest in {"month", "day"} and (months := month_row(scale)) is not None:
        rows.append(months)
        if finest == "day" and (days := day_row(scale)) is not None:
            rows.append(days)
    return Axis(tuple(rows))
