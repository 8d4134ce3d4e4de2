"""Backups of the whole database, safe while the tracker keeps running, and restoring them.

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies the database in one
  read transaction, so the copy is the database as it stood at one moment even while editors
  save (WAL mode lets them go on writing meanwhile).
- PostgreSQL: ``pg_dump -Fc`` (one snapshot, custom format) and ``pg_restore --clean
  --if-exists --single-transaction`` (all of it or nothing). How to connect is passed in the
  environment (``PGPASSWORD``...), never on the command line, where any user of the machine
  could read it with ``ps``.

A backup holds everything: internal records, the history, and the accounts' password hashes.
It is written readable by its owner only, under a temporary name until complete, into a folder
that must exist, and over an existing file only when forced (tracker.files).

Restoring refuses to overwrite a database that holds data unless forced, refuses a backup made
by a newer version of the tracker (an Alembic revision this code does not know), and brings an
older backup up to the current schema after restoring it.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3

# Only to run pg_dump and pg_restore, with fixed arguments and no shell (bandit B404).
import subprocess  # nosec B404
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, literal, select, table, update
from sqlalchemy.engine import URL

from tracker import migrate
from tracker.db import create_private_sqlite_file
from tracker.files import private_file
from tracker.models import DataVersion

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupFailed(Exception):
    """The backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class RestoreReport:
    revision: str | None  # the schema revision the backup was made at
    upgraded_to: str | None  # the revision it was brought up to, if it was older


def _kind(engine: Engine) -> str:
    backend = engine.url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupFailed(f"backups of {backend} databases are not supported")
    return backend


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupFailed("an in-memory SQLite database cannot be backed up")
    return url.database


# --------------------------------------------------------------------------------------------
# PostgreSQL tools


def find_tool(name: str) -> str:
    """pg_dump or pg_restore: the newest installed (a newer one reads older servers)."""
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which(name)
    found = candidates[0] if candidates else on_path
    if not found:
        raise BackupFailed(
            f"{name} is not installed; install the PostgreSQL client tools "
            "(Debian: apt install postgresql-client) and try again"
        )
    return found


def _pg_environment(url: URL) -> dict[str, str]:
    """How to connect, as libpq environment variables (never as command-line arguments)."""
    env = dict(os.environ)
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode")
        if isinstance(url.query.get("sslmode"), str)
        else None,
    }
    for key, value in values.items():
        if value:
            env[key] = str(value)
    return env


def _run(arguments: list[str], url: URL) -> subprocess.CompletedProcess[str]:
    # A fixed tool and arguments, no shell, no secrets in argv.
    result = subprocess.run(  # noqa: S603  # nosec B603
        arguments, env=_pg_environment(url), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()
        raise BackupFailed(f"{Path(arguments[0]).name} failed: {' '.join(message[-3:])}")
    return result


# --------------------------------------------------------------------------------------------
# Backing up


def backup(engine: Engine, target: Path, *, replace: bool = False) -> None:
    """Write a consistent copy of the whole database to ``target`` (tracker.files: private,
    in a folder that exists, over an existing file only with ``replace``)."""
    kind = _kind(engine)
    with private_file(target, replace=replace) as partial:
        if kind == "sqlite":
            source = sqlite3.connect(f"file:{_sqlite_path(engine.url)}?mode=ro", uri=True)
            copy = sqlite3.connect(partial.path)
            try:
                # pages=-1: all in one step, so the copy is one moment of the database.
                source.backup(copy, pages=-1)
            finally:
                copy.close()
                source.close()
        else:
            _run([find_tool("pg_dump"), "--format=custom", f"--file={partial.path}"], engine.url)


# --------------------------------------------------------------------------------------------
# Restoring


def backup_kind(source: Path) -> str:
    """sqlite or postgresql, from the file's first bytes."""
    try:
        with source.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise BackupFailed(f"cannot read {source}: {exc.strerror}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupFailed(f"{source} is not a tracker backup (neither SQLite nor pg_dump format)")


def backup_revision(source: Path, url: URL | None = None) -> str | None:
    """The schema revision a backup was made at (None if it holds no schema)."""
    if backup_kind(source) == "sqlite":
        connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return None
        finally:
            connection.close()
        return str(row[0]) if row else None
    output = _run(
        [
            find_tool("pg_restore"),
            "--data-only",
            "--table=alembic_version",
            "--file=-",
            str(source),
        ],
        url or URL.create("postgresql"),
    ).stdout
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and index + 1 < len(lines):
            value = lines[index + 1].strip()
            return None if value == "\\." else value
    return None


# Tables a migrated but empty database already has rows in.
_BOOKKEEPING = {"alembic_version", "data_version"}


def holds_data(engine: Engine) -> bool:
    """Whether any table of the database has a row (the schema alone does not count)."""
    names = [name for name in inspect(engine).get_table_names() if name not in _BOOKKEEPING]
    with engine.connect() as connection:
        for name in names:
            if connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first():
                return True
    return False


def _data_version(engine: Engine) -> int:
    """The number the page cache is keyed by (0 before migration 0004 made it)."""
    if "data_version" not in inspect(engine).get_table_names():
        return 0
    with engine.connect() as connection:
        return connection.execute(select(DataVersion.version)).scalar() or 0


def _move_data_version_past(engine: Engine, before: int) -> None:
    """A restored database carries the number of the moment it was backed up, which a running
    server may already have cached pages under; moving past both makes every cache miss."""
    with engine.begin() as connection:
        restored = connection.execute(select(DataVersion.version)).scalar() or 0
        connection.execute(update(DataVersion).values(version=max(before, restored) + 1))


def _known_revisions(engine: Engine) -> set[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    return {revision.revision for revision in script.walk_revisions()}


def restore(engine: Engine, source: Path, force: bool = False) -> RestoreReport:
    """Replace the database's content with a backup's, then bring its schema up to date."""
    kind = _kind(engine)
    made_by = backup_kind(source)
    if made_by != kind:
        raise BackupFailed(f"{source} is a {made_by} backup; this tracker uses {kind}")
    revision = backup_revision(source, engine.url)
    if revision is not None and revision not in _known_revisions(engine):
        raise BackupFailed(
            f"this backup was made by a newer version of the tracker (schema {revision}); "
            "upgrade the tracker first, then restore it"
        )
    if not force and holds_data(engine):
        raise BackupFailed(
            "the database already holds data; restoring would replace all of it. "
            "Back it up first, then restore with --force"
        )
    version_before = _data_version(engine)
    engine.dispose()  # no pooled connection may hold the old database open
    if kind == "sqlite":
        backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        create_private_sqlite_file(engine.url)
        database = sqlite3.connect(_sqlite_path(engine.url))
        try:
            backup_file.backup(database, pages=-1)
        finally:
            database.close()
            backup_file.close()
    else:
        _run(
            [
                find_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={engine.url.database}",
                str(source),
            ],
            engine.url,
        )
    upgraded_to = None
    heads = migrate.heads(engine)
    if revision not in heads:
        migrate.upgrade(engine)
        upgraded_to = migrate.current(engine)
    _move_data_version_past(engine, version_before)
    return RestoreReport(revision=revision, upgraded_to=upgraded_to)
