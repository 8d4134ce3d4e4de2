"""The timeline's data and layout: lanes, bands from the status history, marks at precision."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.charts.timeline import TimelineLayout, layout_timeline
from tracker.dates import PartialDate
from tracker.models import Event, Measure
from tracker.services.measures import MeasureFilters
from tracker.services.timeline import Timeline, build_timeline
from tracker.viewpoint import Viewpoint

TODAY = dt.date(2026, 11, 28)
FEB_8_2024 = dt.date(2024, 2, 8)
KG = MeasureFilters(countries=("KG",))
ALL = MeasureFilters()


def timeline(
    session: Session,
    filters: MeasureFilters = ALL,
    as_of: dt.date = TODAY,
    include_internal: bool = False,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Timeline:
    view = Viewpoint(as_of, "viewer" if include_internal else "anonymous")
    return build_timeline(session, filters, view, TODAY, start, end)


def lane(result: Timeline | TimelineLayout, slug: str):  # type: ignore[no-untyped-def]
    lanes = result.lanes if isinstance(result, Timeline) else [box.lane for box in result.lanes]
    return next(item for item in lanes if item.slug == slug)


def box(layout: TimelineLayout, slug: str):  # type: ignore[no-untyped-def]
    return next(item for item in layout.lanes if item.lane.slug == slug)


def test_lanes_are_grouped_by_country_and_ordered_by_their_first_event(session: Session) -> None:
    result = timeline(session)
    countries = [item.country for item in result.lanes]
    assert countries == sorted(countries, key=lambda c: {"KG": 0, "RU": 1}[c])
    kyrgyz = [item for item in result.lanes if item.country == "KG"]
    firsts = [item.first_day for item in kyrgyz]
    assert firsts == sorted(firsts)
    assert kyrgyz[0].slug == "kg-foreign-agents-bill-2013"
    layout = layout_timeline(result)
    assert [c.name for c in layout.countries] == ["Kyrgyzstan", "Russian Federation"]
    ys = [item.y for item in layout.lanes]
    assert ys == sorted(ys)


def test_protest_ban_is_shaded_in_force_through_each_successive_extension(
    session: Session,
) -> None:
    ban = lane(timeline(session), "kg-bishkek-protest-bans-2022")
    in_force = [band for band in ban.bands if band.shade == "in-force"]
    starts = [band.start for band in in_force]
    # Each extension starts a new stretch in force, so the chart shows the renewals.
    for day in ("2024-01-12", "2024-03-28", "2025-07-01", "2025-09-30", "2025-12-31"):
        assert dt.date.fromisoformat(day) in starts
    extension = next(b for b in in_force if b.start == dt.date(2024, 1, 12))
    assert extension.end == dt.date(2024, 3, 27)
    assert "31 March 2024" in extension.status.force.explanation
    # The last term ran until 31 March 2026 and lapsed by itself after it.
    assert ban.bands[-1].shade == "expired"
    assert ban.bands[-1].start == dt.date(2026, 4, 1)
    assert ban.status.state == "expired"


def test_as_of_a_past_day_hides_later_events_and_recomputes_statuses(session: Session) -> None:
    result = timeline(session, KG, as_of=FEB_8_2024)
    law = lane(result, "kg-foreign-representatives-law-2024")
    assert law.status.outcome.code == "pending"
    assert law.status.stage is not None
    assert law.status.stage.code == "reading-1"
    assert all(event.date.start <= FEB_8_2024 for event in law.events)
    assert "signed" not in {event.type for event in law.events}
    assert law.bands[-1].shade == "pending"
    assert law.bands[-1].end == FEB_8_2024
    court = lane(result, "kg-constitutional-court-review-law-2023")
    assert court.status.outcome.code == "enacted"
    assert "signed" in {event.type for event in court.events}
    assert result.hidden_events > 0
    # The media law of 2025 existed as a draft then; the 2025 bills did not.
    assert result.end < dt.date(2025, 6, 1)


def test_the_term_in_force_known_on_the_day_shown_runs_ahead_as_a_projection(
    session: Session,
) -> None:
    ban = lane(timeline(session, KG, as_of=FEB_8_2024), "kg-bishkek-protest-bans-2022")
    ahead = ban.bands[-1]
    assert ahead.projected
    assert (ahead.start, ahead.end) == (dt.date(2024, 2, 9), dt.date(2024, 3, 31))


def test_a_month_event_spans_its_month_and_a_year_event_its_year(session: Session) -> None:
    two_years = timeline(session, KG, start=dt.date(2023, 1, 1), end=dt.date(2024, 12, 31))
    layout = layout_timeline(two_years)
    scale = layout.scale
    law = box(layout, "kg-foreign-representatives-law-2024")
    in_force = next(m for m in law.marks if "Entered into force, April 2024" in m.title)
    assert in_force.shape == "bar"
    assert in_force.x == pytest.approx(scale.x(dt.date(2024, 4, 1)))
    assert in_force.x + in_force.width == pytest.approx(scale.x_end(dt.date(2024, 4, 30)))
    signed = next(m for m in law.marks if m.title.startswith("Signed, 2 April 2024"))
    assert signed.shape == "diamond"
    assert signed.cx == pytest.approx(scale.x_mid(dt.date(2024, 4, 2)))
    assert signed.width < in_force.width
    ban = box(layout, "kg-bishkek-protest-bans-2022")
    year = next(m for m in ban.marks if m.title.startswith("Extended, c. 2024"))
    assert year.shape == "bar"
    assert year.x == pytest.approx(scale.x(dt.date(2024, 1, 1)))
    assert year.x + year.width == pytest.approx(scale.x_end(dt.date(2024, 12, 31)))


def test_a_period_too_narrow_to_see_keeps_a_visible_width_centred_on_it(
    session: Session,
) -> None:
    layout = layout_timeline(timeline(session))  # fourteen years: a month is ~5 px
    law = box(layout, "kg-foreign-representatives-law-2024")
    month = next(m for m in law.marks if "Entered into force, April 2024" in m.title)
    middle = (layout.scale.x(dt.date(2024, 4, 1)) + layout.scale.x_end(dt.date(2024, 4, 30))) / 2
    assert month.width >= 6
    assert month.cx == pytest.approx(middle)


def test_approximate_dates_look_approximate(session: Session) -> None:
    layout = layout_timeline(timeline(session, KG))
    law = box(layout, "kg-foreign-representatives-law-2024")
    approximate = next(m for m in law.marks if m.title.startswith("Other, c. 18 July 2023"))
    assert "mark--approximate" in approximate.classes
    exact = next(m for m in law.marks if m.title.startswith("Introduced, 19 May 2023"))
    assert "mark--approximate" not in exact.classes
    assert "Approximate date (c.)" in [item.label for item in layout.legend]


def test_every_mark_says_what_when_and_which_measure(session: Session) -> None:
    layout = layout_timeline(timeline(session, KG))
    law = box(layout, "kg-foreign-representatives-law-2024")
    reading = next(m for m in law.marks if m.title.startswith("First reading, 25 October 2023"))
    assert law.lane.title in reading.title
    assert reading.event_id is not None
    assert reading.slug == law.lane.slug
    statement = next(m for m in law.marks if m.statement_slug)
    assert statement.title.startswith("Statement, ")


def test_the_today_line_sits_on_today(session: Session) -> None:
    layout = layout_timeline(timeline(session))
    today = next(line for line in layout.lines if "line--today" in line.classes)
    assert today.x == pytest.approx(layout.scale.x_mid(TODAY))
    assert today.label == "Today, 28 Nov 2026"
    past = layout_timeline(timeline(session, as_of=FEB_8_2024))
    assert [line.label for line in past.lines] == ["As of 8 Feb 2024"]


def test_a_date_window_keeps_measures_alive_in_it_and_drops_the_rest(session: Session) -> None:
    result = timeline(session, start=dt.date(2017, 1, 1), end=dt.date(2018, 12, 31))
    # Russia's law was in force then (nothing dated); Kyrgyzstan's defeated bill was over.
    assert [item.slug for item in result.lanes] == ["ru-foreign-agents-law-2012"]
    assert (result.start, result.end) == (dt.date(2017, 1, 1), dt.date(2018, 12, 31))
    assert result.entries() == []


def test_the_status_filter_uses_the_status_on_the_day_shown(session: Session) -> None:
    pending = timeline(session, MeasureFilters(states=("pending",)), as_of=FEB_8_2024)
    slugs = {item.slug for item in pending.lanes}
    assert "kg-foreign-representatives-law-2024" in slugs
    assert "kg-constitutional-court-review-law-2023" not in slugs


def test_entries_list_every_event_and_statement_in_date_order(session: Session) -> None:
    entries = timeline(session, KG).entries()
    keys = [entry.date.sort_key for entry in entries]
    assert keys == sorted(keys)
    assert any(entry.statement for entry in entries)
    assert sum(1 for entry in entries if entry.event) == timeline(session, KG).event_count


def test_internal_measures_only_for_those_who_may_see_them(session: Session) -> None:
    secret = Measure(
        slug="kg-internal-draft", country="KG", kind="bill", title="Unpublished draft",
        visibility="internal", popular_names=[],
    )  # fmt: skip
    secret.events.append(Event(type="introduced", date=PartialDate.from_iso("2024-01-10")))
    session.add(secret)
    session.flush()
    assert "kg-internal-draft" not in {item.slug for item in timeline(session, KG).lanes}
    signed_in = timeline(session, KG, include_internal=True)
    assert "kg-internal-draft" in {item.slug for item in signed_in.lanes}


def test_future_events_are_drawn_as_scheduled(session: Session) -> None:
    slug = "kg-foreign-representatives-law-2024"
    law = session.scalars(select(Measure).where(Measure.slug == slug)).one()
    law.events.append(Event(type="hearing", date=PartialDate.from_iso("2027-01-15")))
    session.flush()
    layout = layout_timeline(timeline(session, KG))
    mark = next(m for m in box(layout, law.slug).marks if "15 January 2027" in m.title)
    assert "mark--scheduled" in mark.classes
    assert "(scheduled)" in mark.title
    assert layout.scale.end >= dt.date(2027, 1, 15)
