"""Public pages are served from memory until the data or the day changes, and never to anyone
they were not made for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import interchange
from tracker.http.page_cache import data_version
from tracker.models import Measure
from tracker.services.measures import save_measure
from tracker.services.record_data import measure_data

SLUG = "kg-foreign-representatives-law-2024"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PAGE_CACHE": True}


@pytest.fixture
def counted(app: Flask) -> dict[str, int]:
    """How many times each endpoint's view really ran."""
    calls: dict[str, int] = {}
    for endpoint, view in list(app.view_functions.items()):

        def wrapper(*args: Any, _view: Any = view, _name: str = endpoint, **kwargs: Any) -> Any:
            calls[_name] = calls.get(_name, 0) + 1
            return _view(*args, **kwargs)

        for marker in ("_tracker_public",):
            if hasattr(view, marker):
                setattr(wrapper, marker, getattr(view, marker))
        app.view_functions[endpoint] = wrapper
    return calls


def test_a_public_page_is_made_once_until_the_data_changes(
    client: FlaskClient, counted: dict[str, int], session: Session
) -> None:
    first = client.get(f"/measures/{SLUG}")
    second = client.get(f"/measures/{SLUG}")
    assert counted["measures.show"] == 1
    assert second.data == first.data
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    measure = session.scalars(select(Measure).where(Measure.slug == SLUG)).one()
    data = measure_data(measure)
    data.short_title = "Renamed by an editor"
    save_measure(session, measure, data)
    session.commit()
    third = client.get(f"/measures/{SLUG}")
    assert counted["measures.show"] == 2
    assert b"Renamed by an editor" in third.data


def test_an_import_written_in_bulk_moves_the_data_version(app: Flask, session: Session) -> None:
    from pathlib import Path

    before = data_version()
    document = interchange.load_json(
        (Path(__file__).parents[1] / "data" / "georgia.json").read_bytes()
    )
    interchange.import_dataset(session, document)
    session.commit()
    assert data_version() > before


def test_signed_in_users_never_get_the_anonymous_copy(
    client: FlaskClient, login_as: Callable[..., FlaskClient], session: Session
) -> None:
    session.add(
        Measure(
            slug="kg-internal-cached", country="KG", kind="bill", title="Internal only draft",
            visibility="internal", popular_names=[],
        )
    )  # fmt: skip
    session.commit()
    assert b"Internal only draft" not in client.get("/measures/").data
    assert b"Internal only draft" in login_as("viewer").get("/measures/").data
    assert b"Internal only draft" not in client.get("/measures/").data


def test_the_day_is_part_of_the_key(
    app: Flask, client: FlaskClient, counted: dict[str, int]
) -> None:
    today = client.get("/upcoming/")
    app.config["TODAY"] = "2024-02-08"
    back_then = client.get("/upcoming/")
    assert counted["upcoming.index"] == 2
    assert back_then.data != today.data
    assert b"31 Mar 2024" in back_then.data  # the protest ban's term, still to run out


def test_a_cached_embed_may_still_be_framed_and_a_page_still_may_not(
    client: FlaskClient, counted: dict[str, int]
) -> None:
    for _ in range(2):
        embed = client.get("/embed/timeline?country=KG")
        assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
        assert "Set-Cookie" not in embed.headers
    assert counted["embed.timeline"] == 1
    page = client.get("/timeline/?country=KG")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_streams_and_token_requests_are_not_kept(
    app: Flask, client: FlaskClient, counted: dict[str, int]
) -> None:
    for _ in range(2):
        client.get("/events.csv")
        client.get("/api/v1/measures", headers={"Authorization": "Bearer not-a-token"})
    assert counted["exports.events_table"] == 2
    assert len(app.extensions["tracker.page_cache"]) == 0


def test_parameters_a_page_does_not_read_do_not_make_it_again(
    client: FlaskClient, counted: dict[str, int]
) -> None:
    # The first visit teaches the cache which parameters the home page reads (as_of), and is
    # kept under them alone.
    first = client.get("/?utm_source=newsletter")
    assert b"utm_source" not in first.data
    for junk in ("", "?fbclid=IwAR0abc", "?utm_source=x&utm_medium=y", "?gclid=1"):
        assert client.get(f"/{junk}").data == first.data
    assert counted["home.index"] == 1
    # A parameter it reads is still part of the key: another day is another page.
    past = client.get("/?as_of=2024-02-08&utm_campaign=z")
    assert counted["home.index"] == 2
    assert past.data != first.data
    assert b"8 February 2024" in past.data
    assert client.get("/?utm_campaign=other&as_of=2024-02-08").data == past.data
    assert counted["home.index"] == 2


def test_a_list_keys_on_its_filters_and_its_links_drop_tracking_parameters(
    client: FlaskClient, counted: dict[str, int]
) -> None:
    kyrgyzstan = client.get("/measures/?country=KG&fbclid=someone")
    assert b"fbclid" not in kyrgyzstan.data  # its facet and page links leave it out
    runs = counted["measures.index"]
    assert client.get("/measures/?country=KG").data == kyrgyzstan.data
    assert client.get("/measures/?country=KG&utm_source=a").data == kyrgyzstan.data
    assert counted["measures.index"] == runs
    # Other filters are other pages.
    in_force = client.get("/measures/?country=KG&status=in-force")
    assert counted["measures.index"] == runs + 1
    assert in_force.data != kyrgyzstan.data


def test_a_page_that_copies_every_parameter_is_keyed_by_all_of_them(
    client: FlaskClient, counted: dict[str, int]
) -> None:
    # The timeline page carries its whole query string into its download links.
    client.get("/timeline/?country=KG&utm_source=a")
    client.get("/timeline/?country=KG&utm_source=a")
    runs = counted["timeline.index"]
    other = client.get("/timeline/?country=KG&utm_source=b")
    assert counted["timeline.index"] == runs + 1
    assert b"utm_source=b" in other.data


def test_a_page_that_reads_no_parameter_is_made_once_whatever_is_added(
    client: FlaskClient, counted: dict[str, int]
) -> None:
    first = client.get("/api/v1/?utm_source=a")
    for junk in ("", "?utm_source=b", "?fbclid=c&gclid=d"):
        assert client.get(f"/api/v1/{junk}").data == first.data
    assert counted["api.index"] == 1
