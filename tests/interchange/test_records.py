"""Writing a record given in the interchange format, as the JSON API receives it: checked as
an import is, every problem reported at its place, nothing kept when anything is wrong."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.interchange import records
from tracker.interchange.records import InvalidRecord, merge_patch
from tracker.models import Measure

NEW = {
    "slug": "zz-records-law-2026",
    "country": "KG",
    "kind": "law",
    "title": "A law written through the records service",
    "sources": [{"url": "https://example.org/zz-records-law", "title": "Example"}],
    "events": [
        {
            "type": "introduced",
            "date": "2026-02",
            "sources": [{"url": "https://example.org/zz-records-law"}],
        }
    ],
}


def test_a_merge_patch_sets_replaces_and_removes_fields() -> None:
    target = {"title": "Old", "summary": "Kept", "names": ["a"], "note": "gone"}
    patch = {"title": "New", "names": ["b"], "note": None}
    assert merge_patch(target, patch) == {"title": "New", "summary": "Kept", "names": ["b"]}
    assert target["title"] == "Old"  # neither argument is changed


def test_a_measure_is_created_with_its_events(session: Session) -> None:
    measure = records.create(session, "measure", NEW, reason="test")
    assert measure.slug == "zz-records-law-2026"
    assert [(event.type, event.date_iso) for event in measure.events] == [("introduced", "2026-02")]


def test_every_problem_is_named_at_its_place_and_nothing_is_kept(session: Session) -> None:
    before = session.scalar(select(func.count()).select_from(Measure))
    bad = {**NEW, "events": [{**NEW["events"][0], "date": "2026-13-45"}]}
    with pytest.raises(InvalidRecord) as raised:
        records.create(session, "measure", bad)
    assert any(problem.path.startswith("events[0]") for problem in raised.value.problems)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Measure)) == before
