"""Backup and restore: `tracker backup` while editors keep saving, `tracker restore` into a
fresh database, and every row compared with the source as it stood at the backup's moment."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, drop_database_url, new_database_url
from tests.security.state import database_rows
from tracker import interchange, migrate, paths
from tracker.db import build_engine
from tracker.models import DataVersion, Organization, Revision
from tracker.services import backup, history, users
from tracker.services.organizations import save_organization
from tracker.services.record_data import OrganizationData

PREFIX = "Written during the backup"


def tracker(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_INSTANCE_PATH": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A source database with the seed, users and history; an empty one to restore into."""
    source = new_database_url(tmp_path, "source")
    target = new_database_url(tmp_path, "target")
    engine = build_engine(source)
    migrate.upgrade(engine)
    with Session(engine) as session:
        history.set_actor(session, history.Actor("import"))
        interchange.import_dataset(session, interchange.load_json(paths.seed_file().read_bytes()))
        user = users.create_user(session, "keeper@example.org", "Keeper", "admin", PASSWORD)
        history.set_actor(session, history.actor_for(user))
        save_organization(session, None, OrganizationData(name="Bir Duino"))
        session.commit()
    engine.dispose()
    yield source, target
    drop_database_url(source)
    drop_database_url(target)


def _writer(url: str, stop: threading.Event, written: list[int]) -> None:
    engine = build_engine(url)
    number = 0
    while not stop.is_set() and number < 2000:
        with Session(engine) as session:
            history.set_actor(session, history.Actor("writer"))
            save_organization(session, None, OrganizationData(name=f"{PREFIX} {number:05d}"))
            session.commit()
        written.append(number)
        number += 1
    engine.dispose()


def _expected(source_rows: dict[str, list[Any]], restored_rows: dict[str, list[Any]]) -> Any:
    """The source's rows minus what the writer added after the backup's moment."""
    engine_rows = dict(source_rows)
    restored_names = {row[2] for row in restored_rows["organizations"]}
    late = {
        row[0]
        for row in source_rows["organizations"]
        if str(row[2]).startswith(PREFIX) and row[2] not in restored_names
    }
    engine_rows["organizations"] = [r for r in source_rows["organizations"] if r[0] not in late]
    revision_columns = [c.name for c in Revision.__table__.columns]
    kind, record = revision_columns.index("record_type"), revision_columns.index("record_id")
    engine_rows["revisions"] = [
        r for r in source_rows["revisions"] if not (r[kind] == "organization" and r[record] in late)
    ]
    return engine_rows, late


@pytest.mark.slow
def test_a_backup_taken_while_editors_save_restores_every_record(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    source, target = databases
    stop = threading.Event()
    written: list[int] = []
    thread = threading.Thread(target=_writer, args=(source, stop, written))
    thread.start()
    try:
        while len(written) < 20:  # the writer is really going
            threading.Event().wait(0.05)
        file = tmp_path / "tracker.backup"
        result = tracker(source, tmp_path, "backup", str(file))
        during = len(written)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert len(written) > during - 1  # it kept writing while the backup ran
    restored = tracker(target, tmp_path, "restore", str(file))
    assert restored.returncode == 0, restored.stderr

    source_engine, target_engine = build_engine(source), build_engine(target)
    try:
        with source_engine.connect() as connection:
            source_rows = database_rows(connection)
        with target_engine.connect() as connection:
            restored_rows = database_rows(connection)
            assert migrate.current(target_engine) == migrate.heads(target_engine)[0]
    finally:
        source_engine.dispose()
        target_engine.dispose()
    expected, late = _expected(source_rows, restored_rows)
    names = sorted(r[2] for r in restored_rows["organizations"] if str(r[2]).startswith(PREFIX))
    # A consistent moment: the writer's records up to some point, none missing in between.
    assert names == [f"{PREFIX} {n:05d}" for n in range(len(names))]
    assert len(names) >= 20
    assert late  # and the writer went on after that moment
    # The page cache's key is not data; the forced restore below checks it moves on.
    expected.pop("data_version")
    for name, rows in expected.items():
        assert restored_rows[name] == rows, f"table {name} differs after restore"


def test_restore_refuses_to_overwrite_data_unless_forced(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    source, _ = databases
    file = tmp_path / "backup"
    engine = build_engine(source)
    try:
        backup.backup(engine, file)
        with Session(engine) as session:
            save_organization(session, None, OrganizationData(name="After"))
            session.commit()
        refused = tracker(source, tmp_path, "restore", str(file))
        assert refused.returncode == 1
        assert "already holds data" in refused.stderr
        assert "nothing was restored" in refused.stderr
        with Session(engine) as session:
            assert session.scalar(select(Organization).where(Organization.name == "After"))
        with Session(engine) as session:
            version_before = session.scalar(select(DataVersion.version))
        forced = tracker(source, tmp_path, "restore", "--force", str(file))
        assert forced.returncode == 0, forced.stderr
        with Session(engine) as session:
            # A running server cached pages under the old number: it must never come back.
            assert session.scalar(select(DataVersion.version)) > version_before
            assert not session.scalar(select(Organization).where(Organization.name == "After"))
            assert session.scalar(select(Organization).where(Organization.name == "Bir Duino"))
    finally:
        engine.dispose()


def test_restore_refuses_a_backup_from_a_newer_tracker(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    source, target = databases
    engine = build_engine(source)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        backup.backup(engine, tmp_path / "newer")
    finally:
        engine.dispose()
    result = tracker(target, tmp_path, "restore", str(tmp_path / "newer"))
    assert result.returncode == 1
    assert "made by a newer version of the tracker" in result.stderr


def test_an_older_backup_is_upgraded_after_restoring(tmp_path: Path) -> None:
    old, target = new_database_url(tmp_path, "old"), new_database_url(tmp_path, "new")
    engines: list[Engine] = []
    try:
        engine = build_engine(old)
        engines.append(engine)
        first = migrate.alembic_config(engine)
        from alembic.script import ScriptDirectory

        base = list(ScriptDirectory.from_config(first).walk_revisions())[-1].revision
        migrate.upgrade(engine, base)
        backup.backup(engine, tmp_path / "old.backup")
        result = tracker(target, tmp_path, "restore", str(tmp_path / "old.backup"))
        assert result.returncode == 0, result.stderr
        assert "Upgraded its schema" in result.stdout
        restored = build_engine(target)
        engines.append(restored)
        assert migrate.current(restored) == migrate.heads(restored)[0]
    finally:
        for engine in engines:
            engine.dispose()
        drop_database_url(old)
        drop_database_url(target)


def test_the_database_password_never_goes_on_a_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []

    def run(arguments: list[str], env: dict[str, str], **_: Any) -> Any:
        calls.append((arguments, env))
        return subprocess.CompletedProcess(arguments, 0, "", "")

    monkeypatch.setattr(backup.subprocess, "run", run)
    monkeypatch.setattr(backup, "find_tool", lambda name: f"/usr/bin/{name}")
    engine = build_engine("postgresql+psycopg://tracker:s3cret-pass@db.internal:5433/tracker")
    backup.backup(engine, tmp_path / "pg.backup")
    arguments, env = calls[0]
    assert not any("s3cret-pass" in argument for argument in arguments)
    assert env["PGPASSWORD"] == "s3cret-pass"
    assert env["PGHOST"] == "db.internal"
    assert env["PGPORT"] == "5433"
    engine.dispose()


def test_a_missing_pg_dump_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup.glob, "glob", lambda _pattern: [])
    monkeypatch.setattr(backup.shutil, "which", lambda _name: None)
    with pytest.raises(backup.BackupFailed, match="pg_dump is not installed"):
        backup.find_tool("pg_dump")


def test_the_backup_holds_no_partial_file_when_it_fails(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'nothing.sqlite3'}")
    with pytest.raises(Exception):  # noqa: B017, PT011 - sqlite3 cannot open the source
        backup.backup(engine, tmp_path / "out.backup")
    assert list(tmp_path.glob("*.partial")) == []
    assert not (tmp_path / "out.backup").exists()
    engine.dispose()
