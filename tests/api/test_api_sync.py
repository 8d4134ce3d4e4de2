"""Syncing the API's lists incrementally: ?updated_since= with sort=updated, and deletions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import bearer
from tracker import clock
from tracker.models import Measure


def get(client: FlaskClient, url: str, status: int = 200, **kwargs: Any) -> Any:
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.data
    return response.get_json()


def since(moment: dt.datetime) -> str:
    return quote(moment.isoformat())


def test_a_script_gets_what_changed_since_its_last_run_oldest_change_first(
    client: FlaskClient, session: Session
) -> None:
    everything = get(client, "/api/v1/measures?size=100")["total"]
    last_run = clock.now()
    new = factories.measure(session, "xx-new-law", kind="law", country="UZ")
    factories.event(session, new, "introduced", "2026-01-15")
    old = session.scalars(select(Measure).where(Measure.slug == "kg-mass-media-law-2025")).one()
    old.summary = "Changed after the last run."
    session.commit()
    changed = get(client, f"/api/v1/measures?updated_since={since(last_run)}&sort=updated")
    assert [m["slug"] for m in changed["items"]] == ["xx-new-law", "kg-mass-media-law-2025"]
    assert changed["total"] == 2
    assert changed["deleted"] == []
    assert changed["updated_since"] == last_run.isoformat()
    # The next page link keeps the question.
    one = get(client, f"/api/v1/measures?updated_since={since(last_run)}&sort=updated&size=1")
    assert "updated_since=" in one["links"]["next"]
    assert "sort=updated" in one["links"]["next"]
    # Without updated_since, the whole list, as before; a day means its first moment (UTC).
    assert get(client, "/api/v1/measures?size=100")["total"] == everything + 1
    day = get(client, f"/api/v1/measures?updated_since={last_run.date().isoformat()}")
    assert day["total"] >= 2
    events = get(client, f"/api/v1/events?updated_since={since(last_run)}&sort=updated")
    assert [e["measure"]["slug"] for e in events["items"]] == ["xx-new-law"]


def test_deletions_since_are_listed_only_to_those_who_could_see_the_record(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    last_run = clock.now()
    public = factories.measure(session, "xx-public-gone")
    internal = factories.measure(session, "xx-internal-gone", visibility="internal")
    session.commit()
    session.delete(public)
    session.delete(internal)
    session.commit()
    url = f"/api/v1/measures?updated_since={since(last_run)}&sort=updated"
    anonymous = get(client, url)
    assert [d["slug"] for d in anonymous["deleted"]] == ["xx-public-gone"]
    assert anonymous["deleted"][0]["merged"] is False
    assert anonymous["items"] == []  # created and deleted since: only the deletion remains
    token = make_token("viewer", "read")
    signed = get(client, url, headers=bearer(token))
    assert {d["slug"] for d in signed["deleted"]} == {"xx-public-gone", "xx-internal-gone"}
    # Before the deletions, nothing was deleted.
    later = get(client, f"/api/v1/measures?updated_since={since(clock.now())}")
    assert later["deleted"] == []
    assert later["total"] == 0


def test_malformed_sync_parameters_say_what_to_write(client: FlaskClient) -> None:
    error = get(client, "/api/v1/measures?updated_since=yesterday", status=400)["error"]
    assert "updated_since" in error["message"]
    assert "ISO 8601" in error["message"]
    error = get(client, "/api/v1/statements?sort=title", status=400)["error"]
    assert "sort=updated" in error["message"]
