"""Files that hold private data (the full export, backups, the SQLite database itself) are
readable by their owner only, never written through a link someone planted, never into a
folder the command made up, and never over an existing backup unless forced."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import tracker
from tracker import migrate
from tracker.db import build_engine
from tracker.files import FileRefused, private_file


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The usual umask, under which a plain new file is readable by everyone."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    """A database holding the seed, and the environment `tracker` runs with."""
    assert tracker(cli_env, "seed").returncode == 0
    return cli_env


@pytest.mark.usefixtures("usual_umask")
def test_the_export_is_private_and_follows_no_planted_link(
    env: dict[str, str], tmp_path: Path
) -> None:
    bait = tmp_path / "bait.txt"
    bait.write_text("the attacker's file")
    target = tmp_path / "export.json"
    # The old predictable temporary name, and the target itself, point at the attacker's file.
    (tmp_path / "export.json.partial").symlink_to(bait)
    target.symlink_to(bait)
    result = tracker(env, "export", str(target))
    assert result.returncode == 0, result.stderr
    assert bait.read_text() == "the attacker's file"
    assert not target.is_symlink()
    assert mode(target) == 0o600
    assert len(json.loads(target.read_text(encoding="utf-8"))["measures"]) == 8
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []


def test_the_export_says_so_when_its_folder_is_missing(env: dict[str, str], tmp_path: Path) -> None:
    result = tracker(env, "export", str(tmp_path / "no-such-folder" / "export.json"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr
    assert "nothing was exported" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "no-such-folder").exists()


def test_a_backup_needs_its_folder_and_force_to_replace_a_file(
    env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "typo" / "tracker.backup"
    result = tracker(env, "backup", str(missing))
    assert result.returncode == 1
    assert "does not exist" in result.stderr
    assert not missing.parent.exists()  # no folder made up from a typo

    existing = tmp_path / "tracker.backup"
    existing.write_bytes(b"last week's backup")
    refused = tracker(env, "backup", str(existing))
    assert refused.returncode == 1
    assert "already exists; use --force" in refused.stderr
    assert "nothing was backed up" in refused.stderr
    assert existing.read_bytes() == b"last week's backup"

    forced = tracker(env, "backup", "--force", str(existing))
    assert forced.returncode == 0, forced.stderr
    assert existing.read_bytes() != b"last week's backup"
    assert mode(existing) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_private_file_is_not_published_if_its_name_is_taken_meanwhile(tmp_path: Path) -> None:
    target = tmp_path / "tracker.backup"

    def write_while_someone_takes_the_name() -> None:
        with private_file(target, replace=False) as partial:
            partial.handle.write(b"new")
            target.write_bytes(b"someone else's")

    with pytest.raises(FileRefused, match="already exists"):
        write_while_someone_takes_the_name()
    assert target.read_bytes() == b"someone else's"
    assert list(tmp_path.glob(".*.partial")) == []


@pytest.mark.usefixtures("usual_umask")
def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    if os.environ.get("TRACKER_TEST_DATABASE_URL"):
        pytest.skip("PostgreSQL keeps its files itself")
    path = tmp_path / "instance" / "tracker.sqlite3"
    path.parent.mkdir()
    engine = build_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:  # the -wal and -shm files exist while it is open
            connection.execute(text("SELECT 1"))
            files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
            assert all(file.exists() for file in files)
            assert {file.name: mode(file) for file in files} == {file.name: 0o600 for file in files}
    finally:
        engine.dispose()
