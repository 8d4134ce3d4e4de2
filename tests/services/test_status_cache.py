"""The cached status of each measure as of today: the same answer as deriving it, and kept only
until the first day it could change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import TODAY
from tracker.models import Measure, MeasureStatus
from tracker.services import status_cache
from tracker.status import derive_status

LAW = "kg-foreign-representatives-law-2024"
BAN = "kg-bishkek-protest-bans-2022"


def _measure(session: Session, slug: str) -> Measure:
    return session.scalars(select(Measure).where(Measure.slug == slug)).one()


def test_a_stored_status_reads_back_as_the_derived_one(session: Session) -> None:
    law = _measure(session, LAW)
    derived = derive_status(law.events, TODAY)
    stored = status_cache.status_json(derived)
    assert status_cache.status_from_json(stored, TODAY) == derived
    cached = status_cache.cached_statuses(session, [law.id], TODAY)
    assert cached[law.id].state == derived.state == "in-force"


def test_a_ban_in_force_is_cached_until_the_day_after_its_term(session: Session) -> None:
    ban = _measure(session, BAN)
    on = dt.date(2025, 6, 1)  # extended on 27 March 2025 until 30 June 2025
    status = derive_status(ban.events, on)
    assert status.term_end == dt.date(2025, 6, 30)
    assert status_cache.valid_until(ban.events, status, on) == dt.date(2025, 7, 1)


def test_a_lapsed_ban_stays_lapsed_with_nothing_ahead(session: Session) -> None:
    ban = _measure(session, BAN)
    row = session.get(MeasureStatus, ban.id)
    assert row is not None
    assert row.state == "expired"  # its last term ran until 31 March 2026
    assert row.valid_until == status_cache.FOREVER


def test_the_status_filter_selects_by_the_cached_state(session: Session) -> None:
    condition = status_cache.state_condition(session, ["expired"], TODAY)
    expired = set(
        session.scalars(
            select(Measure.slug)
            .join(MeasureStatus, MeasureStatus.measure_id == Measure.id)
            .where(condition)
        )
    )
    assert BAN in expired
    assert LAW not in expired
