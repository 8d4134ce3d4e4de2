"""The migrations are the schema: one head, equal to the models, and every step reversible."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from tests.conftest import drop_database_url, new_database_url
from tracker import migrate
from tracker.db import build_engine


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    url = new_database_url(tmp_path, "migrations")
    engine = build_engine(url)
    yield engine
    engine.dispose()
    drop_database_url(url)


def revisions(engine: Engine) -> list[str]:
    """Every revision from the first to the head."""
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_there_is_exactly_one_head(empty_engine: Engine) -> None:
    assert len(migrate.heads(empty_engine)) == 1


def test_upgrade_head_matches_the_models(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert migrate.differences(empty_engine) == []


def test_upgrade_head_twice_changes_nothing(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    tables = sorted(inspect(empty_engine).get_table_names())
    migrate.upgrade(empty_engine)
    assert sorted(inspect(empty_engine).get_table_names()) == tables
    assert migrate.current(empty_engine) == migrate.heads(empty_engine)[0]


def test_each_revision_goes_up_down_and_up_again(empty_engine: Engine) -> None:
    previous = "base"
    for revision in revisions(empty_engine):
        migrate.upgrade(empty_engine, revision)
        migrate.downgrade(empty_engine, previous)
        assert migrate.current(empty_engine) == (None if previous == "base" else previous)
        migrate.upgrade(empty_engine, revision)
        assert migrate.current(empty_engine) == revision
        previous = revision
    assert migrate.differences(empty_engine) == []


def test_downgrade_to_base_removes_every_table(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}


def test_0002_keeps_existing_rows_and_gives_them_version_1(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0001")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO measures (id, slug, country, kind, title, popular_names, visibility,"
                " created_at, updated_at) VALUES (1, 'kg-old', 'KG', 'law', 'Old law', '[]',"
                " 'public', '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO events (id, measure_id, type, date_iso, date_approximate, date_start,"
                " date_precision, created_at, updated_at) VALUES (1, 1, 'signed', '2024-04',"
                " false, '2024-04-01', 'month', '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
            )
        )
    migrate.upgrade(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT version FROM measures")).scalar_one() == 1
        assert connection.execute(text("SELECT version FROM events")).scalar_one() == 1
    migrate.downgrade(empty_engine, "0001")
    with empty_engine.connect() as connection:
        # Going back must not lose data (a table copy would cascade-delete the events).
        assert connection.execute(text("SELECT count(*) FROM events")).scalar_one() == 1
        assert connection.execute(text("SELECT title FROM measures")).scalar_one() == "Old law"
