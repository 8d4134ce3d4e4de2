"""The viewpoint (tracker.viewpoint): who may see what, for every kind, in one object, and the
one viewpoint each request is read from (tracker.http.access)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import TODAY, SignedInClient, bearer
from tracker.dates import PartialDate
from tracker.http import access
from tracker.models import (
    Event,
    Measure,
    MeasureStatus,
    Organization,
    Person,
    Relation,
    Statement,
)
from tracker.services import status_cache
from tracker.viewpoint import Viewpoint

DAY = dt.date(2024, 2, 8)
ANONYMOUS = Viewpoint(DAY, "anonymous")
READERS = (Viewpoint(DAY, "viewer"), Viewpoint(DAY, "token"))


def _measure(visibility: str) -> Measure:
    return Measure(slug=f"m-{visibility}", title="M", visibility=visibility)


# -- the rule, kind by kind --------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda visibility: Measure(slug="m", title="M", visibility=visibility),
        lambda visibility: Statement(slug="s", title="S", visibility=visibility),
        lambda visibility: Organization(slug="o", name="O", visibility=visibility),
        lambda visibility: Person(slug="p", name="P", visibility=visibility),
    ],
    ids=["measure", "statement", "organization", "person"],
)
def test_a_record_with_its_own_visibility_is_seen_by_it(make: Callable[[str], Any]) -> None:
    public, internal = make("public"), make("internal")
    assert ANONYMOUS.sees(public)
    assert not ANONYMOUS.sees(internal)
    assert ANONYMOUS.shown(internal) is None
    assert ANONYMOUS.shown(public) is public
    assert ANONYMOUS.only_seen([internal, public]) == [public]
    for reader in READERS:
        assert reader.sees(public)
        assert reader.sees(internal)
        assert reader.only_seen([internal, public]) == [internal, public]


def test_an_event_is_seen_by_its_measures_visibility() -> None:
    date = PartialDate.from_iso("2024-01-10")
    public = Event(type="introduced", date=date, measure=_measure("public"))
    internal = Event(type="introduced", date=date, measure=_measure("internal"))
    assert ANONYMOUS.sees(public)
    assert not ANONYMOUS.sees(internal)
    assert all(reader.sees(internal) for reader in READERS)


def test_a_relation_is_seen_only_when_both_of_its_measures_are() -> None:
    public, internal = _measure("public"), _measure("internal")
    both = Relation(type="modelled-on", subject=public, object=_measure("public"))
    to_internal = Relation(type="modelled-on", subject=public, object=internal)
    from_internal = Relation(type="modelled-on", subject=internal, object=public)
    assert ANONYMOUS.sees(both)
    assert not ANONYMOUS.sees(to_internal)
    assert not ANONYMOUS.sees(from_internal)
    assert all(reader.sees(to_internal) and reader.sees(from_internal) for reader in READERS)


def test_the_day_is_the_readers_and_another_day_keeps_the_reader() -> None:
    reader = Viewpoint(DAY, "token")
    later = reader.on(TODAY)
    assert later == Viewpoint(TODAY, "token")
    assert reader.as_of == DAY  # frozen: on() makes another
    assert Viewpoint.viewer(DAY) == Viewpoint(DAY, "viewer")
    assert Viewpoint.anonymous(DAY) == ANONYMOUS
    assert not ANONYMOUS.sees_internal
    assert all(reader.sees_internal for reader in READERS)


# -- the rule in SQL ---------------------------------------------------------------------------


def test_visible_in_sql_keeps_what_sees_keeps(session: Session) -> None:
    public = factories.measure(session, "zz-vp-public")
    internal = factories.measure(session, "zz-vp-internal", visibility="internal")
    statements = [
        factories.statement(session, "zz-vp-public-statement", [public]),
        factories.statement(session, "zz-vp-internal-statement", [public], visibility="internal"),
    ]
    people = [
        factories.person(session, "zz-vp-public-person", "Public", visibility="public"),
        factories.person(session, "zz-vp-internal-person", "Internal", visibility="internal"),
    ]
    organizations = [
        Organization(slug="zz-vp-public-org", name="Public org", visibility="public"),
        Organization(slug="zz-vp-internal-org", name="Internal org", visibility="internal"),
    ]
    session.add_all(organizations)
    session.flush()
    status_cache.refresh(session, TODAY)
    kinds: list[tuple[Any, list[Any]]] = [
        (Measure, [public, internal]),
        (Statement, statements),
        (Person, people),
        (Organization, organizations),
    ]
    for view in (ANONYMOUS, *READERS):
        for model, records in kinds:
            ids = [record.id for record in records]
            found = session.scalars(view.select(model).where(model.id.in_(ids))).all()
            assert found == view.only_seen(records), (view, model)
            clause = session.scalars(select(model.id).where(model.id.in_(ids), view.visible(model)))
            assert list(clause) == [record.id for record in view.only_seen(records)]
        # A measure's cached status row carries its visibility.
        rows = view.select(MeasureStatus).where(
            MeasureStatus.measure_id.in_([public.id, internal.id])
        )
        seen = {row.measure_id for row in session.scalars(rows)}
        assert seen == {measure.id for measure in view.only_seen([public, internal])}


# -- one viewpoint per request -----------------------------------------------------------------


@dataclass
class Seen:
    """The viewpoints handed to the services during requests, and how many access made."""

    views: list[Viewpoint] = field(default_factory=list)
    made: int = 0


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Seen:
    from tracker.api import views as api_views
    from tracker.services import measures as measure_service
    from tracker.web import measures as measure_pages

    found = Seen()
    real_page = measure_service.page_measures

    def page_measures(
        session: Session, filters: Any, view: Viewpoint, *args: Any, **kwargs: Any
    ) -> Any:
        found.views.append(view)
        return real_page(session, filters, view, *args, **kwargs)

    def counted(*args: Any, **kwargs: Any) -> Viewpoint:
        found.made += 1
        return Viewpoint(*args, **kwargs)

    monkeypatch.setattr(measure_pages, "page_measures", page_measures)
    monkeypatch.setattr(api_views, "page_measures", page_measures)
    monkeypatch.setattr(access, "Viewpoint", counted)
    return found


def test_an_anonymous_page_request_reads_as_anyone_on_its_day(
    client: FlaskClient, seen: Seen
) -> None:
    assert client.get(f"/measures/?as_of={DAY}").status_code == 200
    assert seen.views == [ANONYMOUS]
    assert seen.made == 1  # the list, its facets, filters and templates share it
    seen.made = 0
    assert client.get("/measures/").status_code == 200
    assert seen.views[-1] == Viewpoint(TODAY, "anonymous")
    assert seen.made == 1


def test_a_signed_in_page_request_reads_as_a_viewer(
    login_as: Callable[..., SignedInClient], seen: Seen
) -> None:
    viewer = login_as("viewer")
    seen.made = 0
    assert viewer.get(f"/measures/?as_of={DAY}").status_code == 200
    assert seen.views == [Viewpoint(DAY, "viewer")]
    assert seen.made == 1


def test_the_api_follows_the_token_not_the_browser_session(
    client: FlaskClient,
    login_as: Callable[..., SignedInClient],
    make_token: Callable[..., str],
    seen: Seen,
) -> None:
    token = make_token("viewer", "read")
    assert client.get("/api/v1/measures", headers=bearer(token)).status_code == 200
    assert seen.views == [Viewpoint(TODAY, "token")]
    # A browser signed in to the pages calls the API without a token: anyone, as a page on
    # another site that made the browser call it would be.
    browser = login_as("admin")
    assert browser.get(f"/api/v1/measures?as_of={DAY}").status_code == 200
    assert seen.views[-1] == ANONYMOUS


def test_a_malformed_day_is_a_400_only_where_the_day_is_read(client: FlaskClient) -> None:
    # The measure list reads the day: it says what to write. The organizations page shows no
    # day and never read it: it still answers, for the same reader.
    answer = client.get("/measures/?as_of=yesterday")
    assert answer.status_code == 400
    assert "write as_of=YYYY-MM-DD" in answer.get_data(as_text=True)
    assert client.get("/organizations/?as_of=yesterday").status_code == 200


def test_the_viewpoint_belongs_to_its_request(client: FlaskClient, seen: Seen) -> None:
    # The test app's context outlives its requests (g with it): each request makes its own.
    client.get(f"/measures/?as_of={DAY}")
    client.get("/measures/")
    assert seen.views == [ANONYMOUS, Viewpoint(TODAY, "anonymous")]
    assert seen.made == 2
