"""The timeline's lanes: stretches of one status, successive terms of a ban as successive
bands, and each event marked by what it did to the status."""

from __future__ import annotations

import datetime as dt
import itertools

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Measure
from tracker.services.timeline import bands_from_history, event_category, popular_name
from tracker.status import status_history

BAN = "kg-bishkek-protest-bans-2022"


def test_a_bans_lapses_and_extensions_are_bands_that_never_overlap(session: Session) -> None:
    ban = session.scalars(select(Measure).where(Measure.slug == BAN)).one()
    until = dt.date(2026, 11, 28)
    bands = bands_from_history(status_history(ban.events, until), until)
    assert bands[0].start == dt.date(2022, 3, 11)  # imposed
    assert bands[-1].end == until
    for before, after in itertools.pairwise(bands):
        assert before.end + dt.timedelta(days=1) == after.start
    shades = [band.shade for band in bands]
    assert shades[0] == "in-force"
    assert shades[-1] == "expired"  # after 31 March 2026
    lapses = [band for band in bands if band.shade == "expired"]
    assert lapses[0].start == dt.date(2022, 12, 3)  # its first term ran out before renewal


def test_a_term_running_past_the_window_is_drawn_beyond_it(session: Session) -> None:
    ban = session.scalars(select(Measure).where(Measure.slug == BAN)).one()
    until = dt.date(2026, 1, 15)  # extended on 31 December 2025 until 31 March 2026
    bands = bands_from_history(status_history(ban.events, until), until)
    assert bands[-1].start == dt.date(2026, 1, 16)
    assert bands[-1].end == dt.date(2026, 3, 31)
    assert bands[-1].shade == "in-force"


def test_events_are_marked_by_what_they_do_to_the_status() -> None:
    assert event_category("reading-1") == "step"
    assert event_category("signed") == "decision"
    assert event_category("entered-into-force") == "force"
    assert event_category("other") == "other"
    assert popular_name(["foreign agents law"]) == "Foreign agents law"
    assert popular_name([]) is None


def test_the_timeline_page_has_one_lane_per_measure_it_selects(client: FlaskClient) -> None:
    everything = client.get("/timeline/?country=KG").get_data(as_text=True)
    one = client.get("/timeline/?country=KG&kind=court-order").get_data(as_text=True)
    assert everything.count('class="lane"') > one.count('class="lane"') == 1
