"""No single client takes the tracker down: readers never wait for writers nor fail because of
them, heavy downloads cannot tie up every worker, one API request cannot hold the database for
minutes, and signing in works while someone else is writing.

These run the app as deployed on a SQLite file (``file_app``), with real transactions and locks.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.conftest import drop_database_url, file_app, new_database_url
from tracker import migrate
from tracker.db import build_engine, write_now
from tracker.models import DataVersion, Measure, MeasureStatus
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
            assert session.scalar(select(DataVersion.version)) == 1  # committed
    finally:
        engine.dispose()
        drop_database_url(url)
