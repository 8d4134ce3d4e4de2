"""What is coming: a ban's next expiry, scheduled events, and measures gone quiet."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.chart_checks import text_of
from tracker.dates import PartialDate
from tracker.models import Event, Measure
from tracker.services import status_cache
from tracker.services.upcoming import quiet_measures, upcoming
from tracker.viewpoint import Viewpoint

TODAY = dt.date(2026, 11, 28)
BAN = "kg-bishkek-protest-bans-2022"


def test_as_of_8_february_2024_the_bans_expiry_on_31_march_is_coming(session: Session) -> None:
    items = upcoming(session, Viewpoint.anonymous(dt.date(2024, 2, 8)))
    expiry = next(item for item in items if item.measure.slug == BAN)
    assert expiry.kind == "expiry"
    assert expiry.day == dt.date(2024, 3, 31)
    assert "unless it is extended" in expiry.detail
    # The second reading did take place on 22 February, but nothing said so on 8 February:
    # hindsight is not listed as "coming".
    assert all(item.kind == "expiry" for item in items)


def test_the_upcoming_page_and_the_home_panel_list_it(client: FlaskClient) -> None:
    page = text_of(client.get("/upcoming/?as_of=2024-02-08").data)
    assert "31 Mar 2024 Term ends" in page
    assert "Protest bans in central Bishkek (2022–)" in page
    assert "as it stood on 8 February 2024" in page
    home = text_of(client.get("/?as_of=2024-02-08").data)
    assert "31 Mar 2024 Term ends Term in force ends: Protest bans in central Bishkek" in home
    # 90 days is the default; a shorter horizon drops it.
    short = text_of(client.get("/upcoming/?as_of=2024-02-08&days=30").data)
    assert "31 Mar 2024" not in short
    assert client.get("/upcoming/?days=7000").status_code == 400


def test_no_expiry_is_listed_after_the_ban_lapsed(session: Session) -> None:
    # Today the last term (until 31 March 2026) is over: nothing to expire.
    assert [i for i in upcoming(session, Viewpoint.anonymous(TODAY)) if i.measure.slug == BAN] == []


def test_scheduled_events_are_listed_at_their_precision(
    client: FlaskClient, session: Session
) -> None:
    media = session.scalars(select(Measure).where(Measure.slug == "kg-mass-media-law-2025")).one()
    media.events.append(
        Event(type="court-challenge", date=PartialDate.from_iso("2027-01"), description="Appeal")
    )
    media.events.append(Event(type="hearing", date=PartialDate.from_iso("2027-06-01")))
    session.flush()
    items = upcoming(session, Viewpoint.anonymous(TODAY))
    assert [(i.kind, i.date.iso) for i in items] == [("scheduled", "2027-01")]
    page = text_of(client.get("/upcoming/").data)
    assert "Jan 2027 Scheduled Court challenge" in page
    assert "Jun 2027" not in page
    assert "Jun 2027" in text_of(client.get("/upcoming/?days=365").data)


def test_quiet_measures_show_when_they_last_moved_never_as_a_status(
    client: FlaskClient, session: Session
) -> None:
    quiet = quiet_measures(session, Viewpoint.anonymous(dt.date(2015, 6, 1)))
    assert [q.measure.slug for q in quiet] == ["kg-foreign-agents-bill-2013"]
    assert quiet[0].label == "No activity since 16 October 2013"
    assert quiet[0].status.state == "pending"  # the status is untouched
    page = text_of(client.get("/upcoming/?as_of=2015-06-01").data)
    assert "No activity since 16 October 2013" in page
    # Once rejected, a bill is not "quiet": it is defeated.
    assert quiet_measures(session, Viewpoint.anonymous(dt.date(2017, 6, 1))) == []
    listing = text_of(client.get("/measures/?as_of=2015-06-01").data)
    assert "No activity" not in listing


def _expiries_and_quiet(session: Session, view: Viewpoint) -> tuple[list[str], list[str]]:
    expiring = [f"{i.measure.slug} {i.day}" for i in upcoming(session, view) if i.kind == "expiry"]
    quiet = [f"{q.measure.slug} {q.last_activity.iso}" for q in quiet_measures(session, view)]
    return expiring, quiet


def test_today_terms_that_run_out_and_quiet_bills_come_from_the_status_cache_fresh_or_stale(
    session: Session,
) -> None:
    ban = factories.measure(
        session, "xx-ban-until-january", kind="administrative-order", country="UZ"
    )
    factories.event(session, ban, "imposed", "2026-10-01", end_date=PartialDate.from_iso("2027-01"))
    bill = factories.measure(session, "xx-forgotten-bill", country="UZ")
    factories.event(session, bill, "introduced", "2024-05")
    hidden = factories.measure(session, "xx-internal-bill", country="UZ", visibility="internal")
    factories.event(session, hidden, "introduced", "2023-02-01")
    anonymous, editor = Viewpoint.anonymous(TODAY), Viewpoint.viewer(TODAY)
    # Just written: their cache rows are stale, and a reader derives their statuses.
    stale = _expiries_and_quiet(session, anonymous)
    assert "xx-ban-until-january 2027-01-31" in stale[0]
    assert "xx-forgotten-bill 2024-05" in stale[1]
    assert not any("xx-internal-bill" in line for line in stale[1])
    assert "xx-internal-bill 2023-02-01" in _expiries_and_quiet(session, editor)[1]
    # Refreshed (as a write's commit does): the same answer from the cache's columns.
    status_cache.refresh(session, TODAY)
    assert _expiries_and_quiet(session, anonymous) == stale
    assert "xx-internal-bill 2023-02-01" in _expiries_and_quiet(session, editor)[1]
    # Outside the 90 days, or once extended beyond them, the term is not coming.
    factories.event(
        session, ban, "extended", "2026-11-20", end_date=PartialDate.from_iso("2027-12")
    )
    assert "xx-ban-until-january" not in " ".join(_expiries_and_quiet(session, anonymous)[0])
    status_cache.refresh(session, TODAY)
    assert "xx-ban-until-january" not in " ".join(_expiries_and_quiet(session, anonymous)[0])
    # Country pages ask for one country.
    uz = upcoming(session, anonymous, countries=("UZ",))
    assert [i.measure.slug for i in uz] == []
    assert [q.measure.slug for q in quiet_measures(session, anonymous, countries=("UZ",))] == [
        "xx-forgotten-bill"
    ]


def test_the_home_panel_keeps_the_soonest_items_in_order(session: Session) -> None:
    law = factories.measure(session, "xx-many-readings", country="UZ")
    for day in ("2026-12-20", "2026-12-03", "2026-12-10", "2026-12-03"):
        factories.event(session, law, "reading-1", day)
    everything = upcoming(session, Viewpoint.anonymous(TODAY))
    soonest = upcoming(session, Viewpoint.anonymous(TODAY), limit=2)
    assert [i.day for i in soonest] == [dt.date(2026, 12, 3), dt.date(2026, 12, 3)]
    assert soonest == everything[:2]
