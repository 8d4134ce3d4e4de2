"""No lost data under faults, and no stack trace when things fail.

- a save that fails half-way writes nothing (the failure injected late in the save, and in the
  history listener);
- in production configuration an unexpected error is a plain 500 page with an incident id that
  is also in the log, and debug stays off unless TRACKER_DEBUG asks for it;
- several editors saving at once on SQLite all succeed, or get the "busy, try again" page when
  the database stays locked past the busy timeout; none loses data.
Two editors saving one record get the conflict page: tests/web/test_conflicts.py.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, file_app, make_app
from tests.security.state import changed_tables, database_rows
from tracker import create_app
from tracker.db import build_engine, session_factory
from tracker.models import Organization
from tracker.services import history, users
from tracker.services.statements import write as statement_writes

STATEMENT = {
    "title": "Joint letter on the inspections bill",
    "organization": "amnesty-international",
    "date": "12 March 2026",
    "measures": "kg-foreign-representatives-law-2024",
    "url": "https://example.org/joint-letter",
    "quotes-0-text": "Withdraw it.",
    "reason": "from the letter",
}


@pytest.fixture
def production(database_url: str, connection: Connection, tmp_path: Path) -> Iterator[Flask]:
    """The app as deployed: not TESTING, so errors become pages instead of exceptions."""
    app = make_app(database_url, tmp_path, TESTING=False)
    session_factory(app).configure(bind=connection, join_transaction_mode="create_savepoint")
    with app.app_context():
        yield app


def _editor(app: Flask, session: Session) -> FlaskClient:
    user = users.create_user(
        session, "fault-editor@example.org", "Fault Editor", "editor", PASSWORD
    )
    session.commit()
    client = app.test_client()
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 303
    )
    return client


def test_a_save_that_fails_late_writes_nothing(
    production: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = _editor(production, session)

    def fail(*_args: Any) -> None:
        raise RuntimeError("the disk went away")

    # The last step of save_statement, after the statement, its links and sources are added.
    monkeypatch.setattr(statement_writes, "_sync_quotes", fail)
    before = database_rows(session)
    response = editor.post("/statements/new", data=STATEMENT)
    assert response.status_code == 500
    assert not changed_tables(before, database_rows(session))
    monkeypatch.undo()
    assert editor.post("/statements/new", data=STATEMENT).status_code == 303  # and it works


def test_a_failure_in_the_history_listener_writes_nothing(
    production: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The revision is written inside the same flush: if it fails, so does the save."""
    editor = _editor(production, session)

    def fail(*_args: Any) -> str:
        raise RuntimeError("no revision today")

    monkeypatch.setattr(history, "label", fail)  # called by the listener for every revision
    before = database_rows(session)
    response = editor.post("/organizations/new", data={"name": "Bir Duino", "reason": "x"})
    assert response.status_code == 500
    assert not changed_tables(before, database_rows(session))


def test_an_unexpected_error_is_a_plain_page_with_an_incident_id_in_the_log(
    production: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    from tracker.http.access import public

    def fail() -> str:
        raise KeyError("password=hunter2 at /srv/tracker/instance/secret_key")

    production.add_url_rule("/_test/fail", "test_fail", public(fail))
    caplog.set_level(logging.ERROR)
    response = production.test_client().get("/_test/fail")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    for secret in ("Traceback", "KeyError", "hunter2", "/srv/tracker", ".py", "line "):
        assert secret not in page
    incident = page.split("<code>")[1].split("</code>")[0]
    assert len(incident) >= 8
    logged = [record for record in caplog.records if incident in record.getMessage()]
    assert logged
    assert logged[0].exc_info is not None  # the operator gets the traceback, in the log


def test_debug_is_off_unless_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKER_DEBUG", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")  # left in someone's shell: must not count
    from click.testing import CliRunner

    from tracker.cli import main

    seen: dict[str, Any] = {}

    @main.command("_test-debug")
    def show() -> None:
        from flask import current_app

        seen["debug"] = current_app.debug
        seen["propagate"] = current_app.config.get("PROPAGATE_EXCEPTIONS")

    try:
        monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path))
        result = CliRunner().invoke(main, ["_test-debug"])
        assert result.exit_code == 0, result.output
    finally:
        main.commands.pop("_test-debug", None)
    assert seen == {"debug": False, "propagate": None}
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert not app.debug
    assert not app.config["PROPAGATE_EXCEPTIONS"]
    monkeypatch.setenv("TRACKER_DEBUG", "true")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).debug


# --------------------------------------------------------------------------------------------
# Concurrent writers on SQLite: a real database file, real transactions, real locks.


@pytest.mark.slow
def test_concurrent_editors_on_sqlite_all_save_and_lose_nothing(
    sqlite_file: str, tmp_path: Path
) -> None:
    app = file_app(sqlite_file, tmp_path)
    results: list[tuple[str, int]] = []
    lock = threading.Lock()

    def writer(number: int) -> None:
        client = app.test_client()
        signed = client.post(
            "/login", data={"email": f"writer{number}@example.org", "password": PASSWORD}
        )
        assert signed.status_code == 303
        for item in range(8):
            name = f"Organization {number}-{item}"
            response = client.post("/organizations/new", data={"name": name, "reason": "load"})
            with lock:
                results.append((name, response.status_code))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    statuses = {status for _, status in results}
    assert statuses <= {303}, results
    engine = build_engine(sqlite_file)
    with Session(engine) as session:
        names = set(session.scalars(select(Organization.name)))
        revisions = session.scalar(
            select(func.count())
            .select_from(history.Revision)
            .where(history.Revision.reason == "load")
        )
    engine.dispose()
    assert {name for name, _ in results} <= names
    assert revisions == len(results) == 32


def test_a_save_blocked_past_the_busy_timeout_gets_the_busy_page(
    sqlite_file: str, tmp_path: Path
) -> None:
    app = file_app(sqlite_file, tmp_path, SQLITE_BUSY_TIMEOUT_MS=200)
    client = app.test_client()
    assert (
        client.post(
            "/login", data={"email": "writer0@example.org", "password": PASSWORD}
        ).status_code
        == 303
    )
    path = sqlite_file.removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, timeout=1, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        response = client.post("/organizations/new", data={"name": "Blocked", "reason": "x"})
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "The tracker is busy, please try again" in page
    assert response.headers["Retry-After"] == "5"
    check = sqlite3.connect(path)
    assert (
        check.execute("SELECT count(*) FROM organizations WHERE name='Blocked'").fetchone()[0] == 0
    )
    check.close()
    # Once the lock is gone the same form goes through.
    again = client.post("/organizations/new", data={"name": "Blocked", "reason": "x"})
    assert again.status_code == 303
