"""The timeline read at a glance (issue 16): an axis fitted to the events with a switch to the
whole history, no mark hidden under another, a legend of exactly what is drawn, text that fits
narrow frames; the lineage running down a narrow frame."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET
from flask import Flask
from sqlalchemy.orm import Session

from bench.timeline import generate
from tracker import interchange
from tracker.charts import svg
from tracker.charts.lineage import layout_lineage
from tracker.charts.timeline import MarkBox, TimelineLayout, layout_timeline
from tracker.charts.timescale import text_width
from tracker.services.lineage import build_lineage
from tracker.services.measures import MeasureFilters
from tracker.services.timeline import Timeline, build_timeline
from tracker.viewpoint import Viewpoint

TODAY = dt.date(2026, 11, 28)
ALL = MeasureFilters()
KG = MeasureFilters(countries=("KG",))


def timeline(
    session: Session, filters: MeasureFilters = ALL, start: dt.date | None = None
) -> Timeline:
    return build_timeline(session, filters, Viewpoint(TODAY, "anonymous"), TODAY, start, None)


class _Links:
    def measure(self, slug: str, event_id: int | None = None) -> str:
        return f"/measures/{slug}" + (f"#event-{event_id}" if event_id else "")

    def statement(self, slug: str) -> str:
        return f"/statements/{slug}"


def _targets(layout: TimelineLayout) -> list[list[tuple[float, float, float, float]]]:
    """What a reader can point at: each mark on its own, and each group (marks and badge)."""
    targets = []
    for lane in layout.lanes:
        targets += [[(m.x, m.y, m.width, m.height)] for m in lane.marks if not m.grouped]
        for group in lane.groups:
            boxes = [(m.x, m.y, m.width, m.height) for m in group.marks]
            boxes.append((group.badge_x, group.cy - 6, group.badge_width, 12))
            targets.append(boxes)
    return targets


def _alone(marks: Iterable[MarkBox]) -> list[list[tuple[float, float, float, float]]]:
    return [[(m.x, m.y, m.width, m.height)] for m in marks]


def covered(targets: Iterable[list[tuple[float, float, float, float]]]) -> int:
    """How many marks have their centre under what another target draws.

    A target is what a reader points at: a mark on its own, or a group of marks close together
    (its marks and its "+N" badge), which lists them all; only another target can hide a mark.
    """
    items = list(targets)
    count = 0
    for index, boxes in enumerate(items):
        for x, y, width, height in boxes:
            cx, cy = x + width / 2, y + height / 2
            if any(
                other != index and ox <= cx <= ox + ow and oy <= cy <= oy + oh
                for other, others in enumerate(items)
                for ox, oy, ow, oh in others
            ):
                count += 1
    return count


def _every_mark(layout: TimelineLayout) -> list[MarkBox]:
    return [mark for lane in layout.lanes for mark in lane.marks]


# -- the axis fits the events -----------------------------------------------------------------


def test_the_axis_fits_the_recent_events_and_says_how_many_earlier_ones_exist(
    session: Session,
) -> None:
    data = timeline(session)
    assert data.start.year <= 2012  # Russia's 2012 law and Kyrgyzstan's 2013 bill
    layout = layout_timeline(data)
    start = layout.scale.start
    assert start == dt.date(2022, 1, 1)
    # The years the story happens in take the whole width, not its right third.
    width = layout.scale.x1 - layout.scale.x0
    assert layout.scale.x(dt.date(2022, 3, 1)) - layout.scale.x0 < 0.05 * width
    earlier_events = sum(1 for lane in data.lanes for e in lane.events if e.end < start)
    earlier_statements = len(
        {s.id for lane in data.lanes for s in lane.statements if s.end < start}
    )
    assert earlier_events
    assert earlier_statements
    assert layout.note is not None
    sentence = " ".join(layout.note.lines)
    assert f"{earlier_events} events and {earlier_statements} statements from 2012" in sentence
    assert layout.note.switch == "Show the whole history"
    drawn = _every_mark(layout)
    assert all(mark.x + mark.width >= layout.scale.x0 for mark in drawn)


def test_the_whole_history_switch_shows_everything(session: Session) -> None:
    data = timeline(session)
    whole = layout_timeline(data, whole_history=True)
    assert whole.scale.start == data.start
    assert whole.note is not None
    assert whole.note.whole
    assert whole.note.switch == "Fit to the recent events"
    marks = len(_every_mark(whole))
    events = sum(len(lane.events) for lane in data.lanes)
    statements = sum(len(lane.statements) for lane in data.lanes)
    assert marks == events + statements
    assert len(_every_mark(layout_timeline(data))) < marks


def test_a_start_date_asked_for_is_kept_and_a_compact_story_is_not_cut(session: Session) -> None:
    asked = layout_timeline(timeline(session, start=dt.date(2013, 1, 1)))
    assert asked.scale.start == dt.date(2013, 1, 1)
    assert asked.note is None
    # Kyrgyzstan alone: 2013 to 2026 is spread out enough (no long quiet gap) to keep.
    kyrgyz = timeline(session, KG)
    layout = layout_timeline(kyrgyz)
    assert layout.note is None or layout.scale.start > kyrgyz.start


def test_the_page_offers_the_switch_and_the_caption_gives_the_axis_shown(
    app: Flask, session: Session
) -> None:
    client = app.test_client()
    page = client.get("/timeline/").data.decode()
    assert "Show the whole history" in page
    assert 'href="/timeline/?history=all"' in page
    assert "Timeline from 1 Jan 2022" in page
    whole = client.get("/timeline/?history=all").data.decode()
    assert "The whole history, from 2012." in whole
    assert 'href="/timeline/"' in whole
    assert "Timeline from 1 Jan 2011" in whole
    # Downloads and embeds follow the switch.
    download = client.get("/timeline.svg?history=all").data.decode()
    assert "The whole history" in download
    embed = client.get("/embed/timeline?history=all").data.decode()
    assert "The whole history" in embed


# -- no mark under another --------------------------------------------------------------------


def test_no_mark_is_hidden_under_another_on_the_seed(session: Session) -> None:
    layout = layout_timeline(timeline(session))
    marks = _every_mark(layout)
    raw = covered(_alone(marks))
    assert raw > 10  # drawn one by one, many would cover each other...
    assert covered(_targets(layout)) == 0  # ... grouped, none does
    grouped = [m for lane in layout.lanes for g in lane.groups for m in g.marks]
    assert len(grouped) == sum(1 for m in marks if m.grouped)
    assert all(g.badge == f"+{len(g.marks) - 1}" for lane in layout.lanes for g in lane.groups)


def test_no_mark_is_hidden_under_another_on_a_crowded_chart(session: Session) -> None:
    interchange.import_dataset(session, generate(40, 1000, seed=3))
    session.flush()
    crowded = timeline(session, MeasureFilters(query="benchmark"))
    for width in (960, 320):
        layout = layout_timeline(crowded, width=width)
        marks = _every_mark(layout)
        assert covered(_alone(marks)) > 100
        assert covered(_targets(layout)) == 0
        # Every mark is still drawn, each exactly once, alone or in one group.
        in_groups = [m for lane in layout.lanes for g in lane.groups for m in g.marks]
        assert len(in_groups) + sum(1 for m in marks if not m.grouped) == len(marks)


# -- the legend -------------------------------------------------------------------------------


def _drawn_classes(document: str) -> set[str]:
    root = SafeET.fromstring(document)
    hidden = {id(e) for g in root.iter() if g.get("display") == "none" for e in g.iter()}
    words: set[str] = set()

    def walk(element: ET.Element, in_legend: bool) -> None:
        in_legend = in_legend or element.get("class") == "legend"
        if not in_legend and id(element) not in hidden:
            words.update((element.get("class") or "").split())
        for child in element:
            walk(child, in_legend)

    walk(root, False)
    return words


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"filters": KG},
        {"filters": MeasureFilters(countries=("RU",))},
        {"start": dt.date(2017, 1, 1)},
    ],
)
def test_the_legend_shows_exactly_what_the_chart_draws(
    app: Flask, session: Session, kwargs: dict[str, Any]
) -> None:
    layout = layout_timeline(timeline(session, **kwargs))
    with app.test_request_context():
        drawn = _drawn_classes(svg.timeline_svg(layout, _Links(), standalone=True))
    legend = {item.code for item in layout.legend}
    expected = {c.removeprefix("band--") for c in drawn if c.startswith("band--")}
    expected.discard("projected")
    expected |= {c.removeprefix("mark--") for c in drawn if c.startswith("mark--")}
    expected -= {"day", "month", "year", "stance-oppose", "stance-concern", "stance-support"}
    expected -= {"stance-welcome", "stance-neutral"}
    if {"mark--month", "mark--year"} & drawn:
        expected.add("period")
    if "band--projected" in drawn:
        expected.add("projected")
    if "mark-badge" in drawn:
        expected.add("group")
    if "line--today" in drawn:
        expected.add("today")
    track_shown = any(
        not lane.bands
        or lane.bands[0].x > layout.scale.x0 + 0.5
        or lane.bands[-1].x + lane.bands[-1].width < layout.scale.x1 - 0.5
        for lane in layout.lanes
    )
    if track_shown:
        expected.add("track")
    assert legend == expected


def test_the_legend_names_statements_and_their_month_bars(session: Session) -> None:
    layout = layout_timeline(timeline(session))
    labels = [item.label for item in layout.legend]
    assert "Statement by an organization" in labels
    bars = [m for m in _every_mark(layout) if m.statement_slug and m.shape == "bar"]
    assert bars  # statements known to the month are drawn as bars under the lane...
    assert "Known to the month or year" in labels  # ... and the legend says what bars mean


# -- narrow frames ----------------------------------------------------------------------------


@pytest.mark.parametrize("width", [320, 480, 720, 1080])
def test_every_text_fits_the_width_it_is_drawn_for(session: Session, width: int) -> None:
    data = timeline(session)
    footer = "Source: tracker, https://tracker.example.org · as of 28 November 2026"
    layout = layout_timeline(
        data, title="Timeline: all countries", subtitle="9 measures", caption=True, width=width,
        footer=footer,
    )  # fmt: skip
    room = width - 32
    assert " ".join(layout.title_lines) == "Timeline: all countries"
    assert all(text_width(line, 18, bold=True) <= room for line in layout.title_lines)
    assert " ".join(layout.footer_lines) == footer
    assert all(text_width(item.label, 11) + 36 <= room for item in layout.legend)
    assert layout.note is not None
    assert all(text_width(line, 11.5) <= room for line in layout.note.lines)
    for lane in layout.lanes:
        # The whole name, on one or two lines, and the status after it.
        assert " ".join(lane.label_lines) == lane.lane.title
        assert all(text_width(line, 12.5, bold=True) <= room for line in lane.label_lines)
        assert lane.lane.status.headline in lane.meta
        if lane.meta_below:
            assert text_width(lane.meta, 11) <= room


def test_the_lineage_runs_down_a_narrow_frame_in_time_order(session: Session) -> None:
    lineage = build_lineage(session, Viewpoint(TODAY, "anonymous"), (), (), None)
    assert lineage is not None
    wide = layout_lineage(lineage, width=960)
    assert not wide.vertical
    narrow = layout_lineage(lineage, width=320, caption=True, title="Lineage: all countries")
    assert narrow.vertical
    assert len({node.x for node in narrow.nodes}) == 1
    assert all(node.x + node.width <= 320 - 16 for node in narrow.nodes)
    ordered = sorted(narrow.nodes, key=lambda node: node.y)
    firsts = [node.node.first.start for node in ordered if node.node.first]
    assert firsts == sorted(firsts)
    assert len(narrow.edges) == len(lineage.edges)
    assert all(edge.label_width <= 320 - 32 for edge in narrow.edges)
