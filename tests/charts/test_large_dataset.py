"""A larger dataset, imported in the interchange format, draws correctly (the benchmark's
generator, at a size a test can afford)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.timeline import generate
from tests.chart_checks import SVG, assert_self_contained, inline_svgs
from tracker import interchange
from tracker.models import Event

MEASURES, EVENTS = 60, 1200


def test_a_generated_dataset_imports_and_draws_every_event(
    client: FlaskClient, session: Session
) -> None:
    before = session.scalar(select(func.count()).select_from(Event))
    interchange.import_dataset(session, generate(MEASURES, EVENTS, seed=7))
    session.flush()
    assert session.scalar(select(func.count()).select_from(Event)) == before + EVENTS

    response = client.get("/timeline/?q=benchmark")
    assert response.status_code == 200
    (chart,) = inline_svgs(response.data)
    assert_self_contained(chart, own_links="/")
    lanes = [g for g in chart.iter(f"{SVG}g") if g.get("class") == "lane"]
    assert len(lanes) == MEASURES
    marks = next(g for g in chart.iter(f"{SVG}g") if g.get("class") == "marks")
    # Every event drawn, at its own precision: a link of its own, or inside a group of marks
    # close together (drawn where it falls, and listed among the group's members).
    singles = [a for a in marks if a.tag == f"{SVG}a" and "#event-" in (a.get("href") or "")]
    singles = [a for a in singles if a.find(f"{SVG}g") is None]
    groups = [a for a in marks if a.tag == f"{SVG}a" and a.find(f"{SVG}g") is not None]
    members = [
        a
        for g in marks
        if g.get("class") == "mark-group__members"
        for a in g
        if "#event-" in (a.get("href") or "")
    ]
    assert len(singles) + len(members) == EVENTS
    drawn_in_groups = [
        shape
        for a in groups
        for shape in a.iter()
        if "mark--" in (shape.get("class") or "")
        and "mark--statement" not in shape.get("class", "")
    ]
    assert len(singles) + len(drawn_in_groups) == EVENTS
    assert response.data.count(b'<li class="entries__item">') == EVENTS
    # Bars for periods, dots for days; dashed faded marks for approximate dates.
    classes = " ".join(
        shape.get("class") or ""
        for a in [*singles, *groups]
        for shape in a.iter()
        if shape.tag != f"{SVG}title"
    )
    assert "mark--month" in classes
    assert "mark--year" in classes
    assert "mark--approximate" in classes
