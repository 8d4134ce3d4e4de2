"""Facets on the measure list, and the cached status they count by."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import TODAY
from tracker.dates import PartialDate
from tracker.models import MeasureStatus
from tracker.services import status_cache
from tracker.services.facets import measure_facets
from tracker.services.measures import MeasureFilters, list_measures
from tracker.viewpoint import Viewpoint


def counts(
    session: Session, filters: MeasureFilters, as_of: dt.date = TODAY
) -> dict[str, dict[str, int]]:
    return {
        facet.name: {value.value: value.count for value in facet.values}
        for facet in measure_facets(session, filters, Viewpoint.anonymous(as_of))
    }


def test_counts_match_the_list(session: Session) -> None:
    facets = counts(session, MeasureFilters())
    rows = list_measures(session, MeasureFilters(), Viewpoint.anonymous(TODAY))
    assert sum(facets["country"].values()) == len(rows)
    states: dict[str, int] = {}
    for row in rows:
        states[row.status.state] = states.get(row.status.state, 0) + 1
    assert facets["status"] == states
    assert facets["country"] == {"KG": 7, "RU": 1}


def test_a_facet_ignores_its_own_filter_and_honours_the_others(session: Session) -> None:
    facets = counts(session, MeasureFilters(countries=("RU",)))
    assert facets["country"] == {"KG": 7, "RU": 1}
    assert sum(facets["kind"].values()) == 1


def test_status_counts_follow_as_of(session: Session) -> None:
    today = counts(session, MeasureFilters())["status"]
    then = counts(session, MeasureFilters(), dt.date(2024, 2, 8))["status"]
    assert today != then
    rows = list_measures(session, MeasureFilters(), Viewpoint.anonymous(dt.date(2024, 2, 8)))
    assert then.get("pending") == sum(1 for r in rows if r.status.state == "pending")
    only_pending = counts(session, MeasureFilters(states=("pending",)), dt.date(2024, 2, 8))
    assert sum(only_pending["country"].values()) == then["pending"]


def test_year_is_the_year_of_the_first_event(session: Session) -> None:
    measure = factories.measure(session, "zz-years")
    factories.event(session, measure, "introduced", "2019-05")
    factories.event(session, measure, "reading-1", "2021-01-10")
    assert counts(session, MeasureFilters(countries=("KG",)))["year"].get("2019") == 1
    assert counts(session, MeasureFilters(years=(2019,)))["country"] == {"KG": 1}


def test_facet_links_add_filters_and_active_filters_can_be_removed(client: FlaskClient) -> None:
    page = client.get("/measures/?country=KG").data.decode()
    assert "country=KG&amp;country=RU" in page  # adds Russia to the chosen countries
    assert "Remove filter Country: Kyrgyzstan" in page
    assert 'href="/measures/"' in page  # removing the only filter
    combined = client.get("/measures/?country=KG&status=in-force").data.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", combined))
    assert "Filtered by: Country: Kyrgyzstan" in text
    assert "Status: In force" in text


def test_the_list_is_paged(client: FlaskClient) -> None:
    page = client.get("/measures/?size=3").data.decode()
    assert "Page 1 of 3" in page
    assert 'rel="next"' in page
    assert client.get("/measures/?page=-1").status_code == 400


def test_an_event_written_directly_makes_the_cached_status_stale(session: Session) -> None:
    measure = factories.measure(session, "zz-cache")
    status_cache.refresh(session, TODAY)
    row = session.scalars(select(MeasureStatus).where(MeasureStatus.measure_id == measure.id)).one()
    assert row.state == "pending"
    factories.event(session, measure, "signed", "2025-03-01")
    session.refresh(row)
    assert row.valid_until == status_cache.STALE
    rows = list_measures(session, MeasureFilters(countries=("KG",)), Viewpoint.anonymous(TODAY))
    assert next(r for r in rows if r.measure.slug == "zz-cache").status.state == "not-recorded"


def test_the_cache_knows_when_a_term_or_a_future_event_changes_the_status(session: Session) -> None:
    ban = factories.measure(session, "zz-ban", kind="court-order")
    factories.event(
        session, ban, "imposed", "2026-11-01", end_date=PartialDate.from_iso("2026-12-15")
    )
    bill = factories.measure(session, "zz-bill")
    factories.event(session, bill, "introduced", "2026-10-01")
    factories.event(session, bill, "reading-1", "2027-02-03")
    session.flush()
    status_cache.refresh(session, TODAY)
    query = select(MeasureStatus.measure_id, MeasureStatus.valid_until).where(
        MeasureStatus.measure_id.in_([ban.id, bill.id])
    )
    until = {row.measure_id: row.valid_until for row in session.execute(query)}
    assert until[ban.id] == dt.date(2026, 12, 16)
    assert until[bill.id] == dt.date(2027, 2, 3)
    later = status_cache.cached_statuses(session, [ban.id], dt.date(2026, 12, 20))
    assert later[ban.id].state == "expired"
