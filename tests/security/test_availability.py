"""No single client takes the tracker down: readers never wait for writers nor fail because of
them, heavy downloads cannot tie up every worker, one API request cannot hold the database for
minutes, and signing in works while someone else is writing.

These run the app as deployed on a SQLite file (``file_app``), with real transactions and locks.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.conftest import (
    PASSWORD,
    TODAY,
    bearer,
    drop_database_url,
    file_app,
    new_database_url,
)
from tests.security.state import changed_tables, database_rows
from tracker import migrate
from tracker.db import build_engine, write_now
from tracker.interchange import records
from tracker.models import DataVersion, Measure, MeasureStatus, Revision, Source, User
from tracker.services import status_cache

BAN = "kg-bishkek-protest-bans-2022"  # extended until 31 March 2026
BEFORE_EXPIRY, AFTER_EXPIRY = dt.date(2026, 3, 30), dt.date(2026, 4, 2)


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    """Another process in the middle of a long write: SQLite's write lock is taken."""
    blocker = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=1, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(0)`` ... ``work(count - 1)`` in as many threads, started together."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(number: int) -> None:
        start.wait()
        results[number] = work(number)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _computed_on(url: str) -> dt.date:
    engine = build_engine(url)
    try:
        with Session(engine) as session:
            return session.scalars(
                select(MeasureStatus.computed_on)
                .join(Measure, Measure.id == MeasureStatus.measure_id)
                .where(Measure.slug == BAN)
            ).one()
    finally:
        engine.dispose()


def _expired_list(app: Flask) -> Callable[[int], tuple[int, bool, bool]]:
    def read(_number: int) -> tuple[int, bool, bool]:
        client = app.test_client()
        page = client.get("/measures/?status=expired")
        data = client.get("/api/v1/measures?status=expired")
        slugs = [item["slug"] for item in data.get_json()["items"]] if data.is_json else []
        return page.status_code, BAN in page.get_data(as_text=True), BAN in slugs

    return read


def test_readers_after_a_day_change_neither_write_nor_wait(
    sqlite_file: str, tmp_path: Path
) -> None:
    """The day the protest ban expires, sixteen anonymous readers at once, while another
    process holds the write lock: all get the right list (the ban expired), none waits for the
    lock (a short busy timeout would turn waiting into 503s), and none refreshed the cache. Once
    the lock is free, the next reader refreshes it, once."""
    engine = build_engine(sqlite_file)
    with Session(engine) as session:
        status_cache.refresh(session, BEFORE_EXPIRY)
        session.commit()
    engine.dispose()
    app = file_app(
        sqlite_file,
        tmp_path,
        TODAY=AFTER_EXPIRY.isoformat(),
        SQLITE_BUSY_TIMEOUT_MS=300,
        PAGE_CACHE=False,  # every request reads the database
    )
    with write_lock_held(sqlite_file):
        results = at_once(16, _expired_list(app))
        assert results == [(200, True, True)] * 16
        assert _computed_on(sqlite_file) == BEFORE_EXPIRY  # no reader wrote
    assert _expired_list(app)(0) == (200, True, True)
    assert _computed_on(sqlite_file) == AFTER_EXPIRY  # refreshed once the lock was free

    # The day goes back (a pinned demo): every row is stale, and sixteen readers race to
    # refresh it. One does; the others read what they derived meanwhile.
    app.config["TODAY"] = BEFORE_EXPIRY.isoformat()
    results = at_once(16, _expired_list(app))
    assert results == [(200, False, False)] * 16
    assert _computed_on(sqlite_file) == BEFORE_EXPIRY


def test_write_now_gives_up_at_once_while_another_writer_holds_the_database(
    tmp_path: Path,
) -> None:
    """The helper readers refresh the cache with, and sign-ins note the time with: a session
    that can write, or None at once (never a wait) while another writer holds the lock."""
    url = new_database_url(tmp_path, "write_now")
    engine = build_engine(url)
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            # Not 0: a migration that writes rows moves it on (on PostgreSQL even for none).
            before = session.scalar(select(DataVersion.version))
        with ExitStack() as held:
            if engine.url.get_backend_name() == "sqlite":
                held.enter_context(write_lock_held(url))
            else:
                other = held.enter_context(Session(engine))
                other.execute(select(func.pg_advisory_xact_lock(42)))
            with write_now(engine, lock=42) as writer:
                assert writer is None
        with write_now(engine, lock=42) as writer:
            assert writer is not None
            writer.execute(update(DataVersion).values(version=DataVersion.version + 1))
        with Session(engine) as session:
            assert session.scalar(select(DataVersion.version)) == before + 1  # committed
    finally:
        engine.dispose()
        drop_database_url(url)


# --------------------------------------------------------------------------------------------
# Signing in: slow guessing, never the owner kept out, never waiting for a writer


class FakeTime:
    """The wall clock, moved by hand: the sign-in waits and the rate-limit store read it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = time.time()
        monkeypatch.setattr(time, "time", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _sign_in(client: FlaskClient, email: str, password: str, how: str = "form") -> Any:
    data = {"email": email, "password": password}
    if how == "json":
        return client.post("/login", json=data)
    if how == "multipart":
        return client.post("/login", data=data, content_type="multipart/form-data")
    return client.post("/login", data=data)


def test_guessing_slows_down_per_account_whatever_the_body(
    app: Flask, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeTime(monkeypatch)
    target = make_user("editor")
    free = app.config["LOGIN_FREE_FAILURES"]
    # A JSON body is no sign-in form: the right password signs nobody in, and counts nothing.
    for _ in range(free + 3):
        refused = _sign_in(app.test_client(), target.email, PASSWORD, "json")
        assert refused.status_code == 422  # and the waits below start as if it never came
    # Form and multipart bodies count for the same account, from browsers never used before.
    for number in range(free):
        how = "multipart" if number % 2 else "form"
        assert _sign_in(app.test_client(), target.email, f"guess {number}", how).status_code == 200
    waits = []
    for number in range(12):
        how = "multipart" if number % 2 else "form"
        assert _sign_in(app.test_client(), target.email, f"more {number}", how).status_code == 200
        waiting = _sign_in(app.test_client(), target.email, PASSWORD, how)  # not even checked
        assert waiting.status_code == 429
        waits.append(int(waiting.headers["Retry-After"]))
        clock.advance(waits[-1])
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    assert _sign_in(app.test_client(), target.email, PASSWORD).status_code == 303


def test_ten_wrong_guesses_a_minute_never_keep_the_owner_out(
    app: Flask, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attacker tries a password every six seconds for an hour; the owner, from the browser
    they signed in with before, gets in every minute, and the attacker's guesses are few."""
    clock = FakeTime(monkeypatch)
    owner = make_user("editor")
    browser = app.test_client()
    assert _sign_in(browser, owner.email, PASSWORD).status_code == 303
    browser.post("/logout")
    checked = 0
    for _minute in range(60):
        for guess in range(10):
            answer = _sign_in(app.test_client(), owner.email, f"guess {guess}")
            assert answer.status_code in (200, 429)
            checked += answer.status_code == 200
            clock.advance(6)
        assert _sign_in(browser, owner.email, PASSWORD).status_code == 303
        browser.post("/logout")
    assert checked <= 20  # of 600 tried
    # The owner's own typos count on their browser, not without end: a stolen cookie buys few.
    for _ in range(app.config["LOGIN_DEVICE_FAILURES"]):
        assert _sign_in(browser, owner.email, "typo").status_code == 200
    assert _sign_in(browser, owner.email, PASSWORD).status_code == 429


def test_signing_in_works_while_another_process_holds_the_write_lock(
    sqlite_file: str, tmp_path: Path
) -> None:
    """A long write holds SQLite's lock (an API import, a restore): signing in neither waits
    for it nor fails; noting the time of the sign-in is what waits for another day."""
    app = file_app(sqlite_file, tmp_path, SQLITE_BUSY_TIMEOUT_MS=60_000, PAGE_CACHE=False)
    client = app.test_client()
    with write_lock_held(sqlite_file):
        # With a minute of busy timeout, a sign-in that waited for the lock would hang here.
        response = _sign_in(client, "writer0@example.org", PASSWORD)
        assert response.status_code == 303
        assert client.get("/account/tokens").status_code == 200  # signed in
    engine = build_engine(sqlite_file)
    with Session(engine) as session:
        assert (
            session.scalar(select(User.last_login_at).where(User.email == "writer0@example.org"))
            is None
        )
    engine.dispose()
    assert _sign_in(app.test_client(), "writer0@example.org", PASSWORD).status_code == 303
    with Session(engine) as session:
        assert session.scalar(select(User.last_login_at).where(User.email == "writer0@example.org"))
    engine.dispose()


# --------------------------------------------------------------------------------------------
# One API request cannot hold the database for minutes


def _too_much(kind: str, field: str, count: int) -> tuple[str, dict[str, Any]]:
    """The endpoint that creates a ``kind``, and a body whose ``field`` has ``count`` entries."""
    source = {"url": "https://example.org/limits"}
    entries: dict[str, Any] = {
        "events": [{"type": "other", "date": "2025", "sources": [source]}] * count,
        "relations": [{"type": "related", "target": f"no-such-{n}"} for n in range(count)],
        "topics": [f"topic-{n}" for n in range(count)],
        "popular_names": [f"name {n}" for n in range(count)],
        "sources": [{"url": f"https://example.org/limits/{n}"} for n in range(count)],
        "quotes": [{"text": f"Quote {n}"} for n in range(count)],
        "signatories": [f"org-{n}" for n in range(count)],
        "measures": [f"measure-{n}" for n in range(count)],
    }
    bodies = {
        "measure": ("/api/v1/measures", {"title": "Too much", "country": "KG", "kind": "law"}),
        "event": (f"/api/v1/measures/{BAN}/events", {"type": "other", "date": "2025"}),
        "statement": (
            "/api/v1/statements",
            {"title": "Too much", "organization": "amnesty-international", "date": "2025",
             "url": "https://example.org/s", "measures": [BAN]},
        ),
    }  # fmt: skip
    url, body = bodies[kind]
    return url, {**body, field: entries[field]}


def test_one_request_carries_no_more_than_the_limits_say(
    app: Flask, client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    """Every limited list of every record, one entry over its limit: a 413 in the API's error
    shape that names the list and the limit and points to the import, nothing written; the
    OpenAPI document says each limit."""
    token = make_token("editor", "write")
    limits = app.config["API_RECORD_LIMITS"]
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    tried = 0
    for kind, fields in records.LIMITED_LISTS.items():
        for field in fields:
            url, body = _too_much(kind, field, limits[field] + 1)
            before = database_rows(session)
            answer = client.post(url, json=body, headers=bearer(token))
            assert answer.status_code == 413, (kind, field, answer.get_json())
            error = answer.get_json()["error"]
            assert error["code"] == "too_large"
            assert f"at most {limits[field]}" in error["message"]
            assert "tracker import" in error["message"]
            assert error["details"][0]["path"] == field
            assert not changed_tables(before, database_rows(session))
            title = {"measure": "Measure", "event": "Event", "statement": "Statement"}[kind]
            for name in (f"{title}Create", f"{title}Patch", f"dataset.{kind}"):
                if field in schemas[name]["properties"]:
                    assert schemas[name]["properties"][field]["maxItems"] == limits[field]
            tried += 1
    assert tried == sum(len(fields) for fields in records.LIMITED_LISTS.values())
    # The sources of each event inside a measure are bounded too.
    url, body = _too_much("measure", "events", 2)
    body["events"] = [
        {**body["events"][0], "sources": _too_much("event", "sources", 101)[1]["sources"]}
    ]
    answer = client.post(url, json=body, headers=bearer(token))
    assert answer.status_code == 413
    assert answer.get_json()["error"]["details"][0]["path"] == "events[0].sources"


def test_a_measure_with_as_many_events_as_allowed_is_saved_whole(
    app: Flask, client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    """Written in one flush, the events, their sources (shared ones once) and their history
    come out as the one-by-one saves made them."""
    token = make_token("editor", "write")
    count = app.config["API_RECORD_LIMITS"]["events"]
    events = [
        {
            "type": "extended",
            "date": f"{2000 + n % 25}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "description": f"Extension number {n}",
            "sources": [
                {"url": "https://example.org/gazette", "title": "The gazette"},
                {"url": f"https://example.org/order/{n}"},
            ],
        }
        for n in range(count)
    ]
    body = {"title": "A ban extended many times", "country": "KG", "kind": "court-order",
            "events": events, "reason": "from the court's register"}  # fmt: skip
    answer = client.post("/api/v1/measures", json=body, headers=bearer(token))
    assert answer.status_code == 201, answer.get_json()
    measure = session.scalars(select(Measure).where(Measure.title == body["title"])).one()
    saved = sorted(measure.events, key=lambda event: int(event.description.split()[-1]))
    assert [event.description for event in saved] == [e["description"] for e in events]
    assert all(len(event.sources) == 2 for event in saved)
    gazette = session.scalars(select(Source).where(Source.url == "https://example.org/gazette"))
    assert [source.title for source in gazette] == ["The gazette"]  # one source, shared
    created = session.scalars(
        select(Revision)
        .where(Revision.record_type == "event", Revision.action == "create")
        .where(Revision.record_id.in_([event.id for event in saved]))
    ).all()
    assert len(created) == count
    assert {revision.reason for revision in created} == {"from the court's register"}


# --------------------------------------------------------------------------------------------
# Heavy downloads cannot tie up every worker

HEAVY = (
    "/brief.pdf?country=KG",
    "/brief.docx?country=KG",
    f"/measures/{BAN}/brief.pdf",
    "/timeline.png?country=KG",
    "/lineage.png",
    "/data/tracker-tables.zip",
    "/data/tracker-dataset.json",
)


@contextmanager
def heavy_downloads_under_way(app: Flask) -> Iterator[None]:
    """As many heavy downloads as a worker makes at once are being made (their slots held)."""
    slots = app.extensions["tracker.heavy_slots"]
    for _ in range(app.config["HEAVY_DOWNLOADS"]):
        assert slots.acquire(blocking=False)
    try:
        yield
    finally:
        for _ in range(app.config["HEAVY_DOWNLOADS"]):
            slots.release()


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE": True}])
def test_while_heavy_downloads_are_made_the_pages_still_answer(
    app: Flask, client: FlaskClient
) -> None:
    asked_before = client.get("/brief.pdf?topic=assembly&country=KG")
    assert asked_before.status_code == 200
    with heavy_downloads_under_way(app):
        for url in HEAVY:
            busy = client.get(url)
            assert busy.status_code == 503, url
            assert busy.headers["Retry-After"] == str(app.config["HEAVY_DOWNLOAD_RETRY_SECONDS"])
            page = busy.get_data(as_text=True)
            assert "Busy making other downloads" in page
            assert f"Try again in {app.config['HEAVY_DOWNLOAD_RETRY_SECONDS']} seconds" in page
        for url in ("/", "/measures/", f"/measures/{BAN}", "/timeline/", "/api/v1/measures"):
            assert client.get(url).status_code == 200, url
        # A file made before comes from memory at once, whatever the order of the parameters
        # and whatever made-up ones are added to make it look new.
        again = client.get("/brief.pdf?country=KG&cachebuster=12345&topic=assembly&x=")
        assert again.status_code == 200
        assert again.data == asked_before.data
    for url in HEAVY:  # and once the slots are free, everything is made again
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_a_briefs_permalink_keeps_only_the_parameters_it_is_made_from(client: FlaskClient) -> None:
    """A cached brief is the same file for everyone who asks: nothing one visitor added to the
    address (a tracking tag) may end up in the file another one gets."""
    markdown = client.get("/brief.md?country=KG&ref=visitor-4711").get_data(as_text=True)
    assert "country=KG" in markdown
    assert "visitor-4711" not in markdown


def test_a_selection_larger_than_a_brief_may_cover_is_refused_with_a_way_to_narrow_it(
    app: Flask, client: FlaskClient
) -> None:
    app.config["BRIEF_MAX_MEASURES"] = 2  # the seed's Kyrgyz measures are more than two
    refused = client.get("/brief.pdf?country=KG")
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "a brief covers at most 2" in text
    assert "Narrow them (by country, topic or status)" in text


def test_a_write_leaves_the_status_cache_fresh_for_the_readers(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    """A save refreshes, before it commits, the statuses its events made stale: the readers
    after it have nothing to derive and nothing to write."""
    token = make_token("editor", "write")
    event = {"type": "repealed", "date": "2026-11-01", "sources": [{"url": "https://e.org/r"}]}
    answer = client.post(f"/api/v1/measures/{BAN}/events", json=event, headers=bearer(token))
    assert answer.status_code == 201
    row = session.scalars(
        select(MeasureStatus).join(Measure, Measure.id == MeasureStatus.measure_id)
        .where(Measure.slug == BAN)
    ).one()  # fmt: skip
    assert row.computed_on == TODAY
    assert row.valid_until > TODAY
    assert row.state == "repealed"
