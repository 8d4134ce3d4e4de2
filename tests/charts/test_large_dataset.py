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
    event_marks = [a for a in marks if "#event-" in (a.get("href") or "")]
    assert len(event_marks) == EVENTS  # every event drawn, at its own precision
    assert response.data.count(b'<li class="entries__item">') == EVENTS
    # Bars for periods, dots for days; dashed faded marks for approximate dates.
    classes = " ".join(
        shape.get("class") or "" for a in event_marks for shape in a if shape.tag != f"{SVG}title"
    )
    assert "mark--month" in classes
    assert "mark--year" in classes
    assert "mark--approximate" in classes
