"""The migrations are the schema: one head, equal to the models, and every step reversible."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from tests.conftest import drop_database_url, new_database_url
from tracker import migrate
from tracker.db import build_engine
from tracker.viewpoint import Viewpoint


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


def test_0007_gives_organizations_and_people_the_visibility_they_had(
    empty_engine: Engine,
) -> None:
    """Upgrading shows and hides no one: a row is internal exactly when only internal
    statements mentioned it (the rule before 0007); going down drops the columns."""
    migrate.upgrade(empty_engine, "0006")
    stamp = "'2024-01-01 00:00:00'"
    with empty_engine.begin() as connection:
        for number, slug in enumerate(
            ["only-internal", "both", "nobody", "signs-internal", "signs-public"], 1
        ):
            connection.execute(
                text(
                    "INSERT INTO organizations (id, slug, name, created_at, updated_at) "
                    f"VALUES ({number}, 'org-{slug}', 'Org {slug}', {stamp}, {stamp})"
                )
            )
        for number, slug in enumerate(
            ["speaks-internal", "quoted-internal", "quoted-both", "nobody", "speaks-public"], 1
        ):
            connection.execute(
                text(
                    "INSERT INTO people (id, slug, name, organization_id, created_at, updated_at)"
                    f" VALUES ({number}, 'person-{slug}', 'Person {slug}', 1, {stamp}, {stamp})"
                )
            )
        statements = [
            # id, author, speaker, visibility
            (1, 1, 1, "internal"),
            (2, 2, None, "internal"),
            (3, 2, 5, "public"),
        ]
        for number, author, speaker, visibility in statements:
            connection.execute(
                text(
                    "INSERT INTO statements (id, slug, organization_id, speaker_id, asks,"
                    " date_iso, date_approximate, date_start, date_precision, title,"
                    " visibility, created_at, updated_at) VALUES (:id, :slug, :author,"
                    " :speaker, '[]', '2024-02', false, '2024-02-01', 'month', 'T',"
                    f" :visibility, {stamp}, {stamp})"
                ),
                {
                    "id": number,
                    "slug": f"statement-{number}",
                    "author": author,
                    "speaker": speaker,
                    "visibility": visibility,
                },
            )
        connection.execute(
            text(
                "INSERT INTO statement_signatories (statement_id, organization_id)"
                " VALUES (1, 4), (3, 5)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO quotes (id, statement_id, position, text, speaker_id)"
                " VALUES (1, 2, 0, 'q', 2), (2, 2, 1, 'q', 3), (3, 3, 0, 'q', 3)"
            )
        )
        version = connection.execute(text("SELECT version FROM data_version")).scalar_one()
    migrate.upgrade(empty_engine, "0007")
    with empty_engine.connect() as connection:
        organizations = dict(
            connection.execute(text("SELECT slug, visibility FROM organizations")).all()
        )
        people = dict(connection.execute(text("SELECT slug, visibility FROM people")).all())
        # Nothing any page shows changed, so the page cache's key did not either.
        assert connection.execute(text("SELECT version FROM data_version")).scalar_one() == version
    assert organizations == {
        "org-only-internal": "internal",
        "org-both": "public",
        "org-nobody": "public",
        "org-signs-internal": "internal",
        "org-signs-public": "public",
    }
    assert people == {
        "person-speaks-internal": "internal",
        "person-quoted-internal": "internal",
        "person-quoted-both": "public",
        "person-nobody": "public",
        "person-speaks-public": "public",
    }
    for table in ("organizations", "people"):
        checks = {check["name"] for check in inspect(empty_engine).get_check_constraints(table)}
        assert f"ck_{table}_visibility" in checks  # named as the models name it
    with empty_engine.begin() as connection:
        # A row written without a visibility, by hand or by a tool, is internal.
        connection.execute(
            text(
                "INSERT INTO people (id, slug, name, created_at, updated_at)"
                f" VALUES (9, 'person-new', 'New', {stamp}, {stamp})"
            )
        )
        assert (
            connection.execute(text("SELECT visibility FROM people WHERE id = 9")).scalar_one()
            == "internal"
        )
    migrate.downgrade(empty_engine, "0006")
    for table in ("organizations", "people"):
        assert "visibility" not in {c["name"] for c in inspect(empty_engine).get_columns(table)}
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM people")).scalar_one() == 6
        assert connection.execute(text("SELECT count(*) FROM quotes")).scalar_one() == 3


def _dump(engine: Engine) -> dict[str, list[dict[str, object]]]:
    """Every row of every table (but Alembic's own), as reflected from the database."""
    from sqlalchemy import MetaData, select

    metadata = MetaData()
    metadata.reflect(engine)
    rows = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            query = select(table).order_by(*(table.primary_key.columns or table.columns))
            rows[table.name] = [dict(row._mapping) for row in connection.execute(query)]
    return rows


def _fill(engine: Engine, reference: dict[str, list[dict[str, object]]]) -> None:
    """Put the reference rows into every table that exists and is still empty, keeping the
    columns the table has at this revision."""
    from sqlalchemy import MetaData, func, insert, select

    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            rows = reference.get(table.name)
            if not rows or connection.scalar(select(func.count()).select_from(table)):
                continue
            columns = set(table.columns.keys())
            connection.execute(
                insert(table), [{k: v for k, v in row.items() if k in columns} for row in rows]
            )
            if engine.dialect.name == "postgresql" and "id" in columns:
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                         f"(SELECT max(id) FROM {table.name}))")
                )  # fmt: skip


def _fill_added_columns(
    engine: Engine,
    reference: dict[str, list[dict[str, object]]],
    before: dict[str, list[dict[str, object]]],
) -> None:
    """Give the columns a revision adds to a table that already has rows their reference
    values, as if the rows had been written at this revision (events' curators' notes, 0012):
    otherwise the data at head could never equal the reference."""
    from sqlalchemy import MetaData, update

    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            had = before.get(table.name)
            rows = reference.get(table.name)
            if not had or not rows:
                continue
            added = set(table.columns.keys()) - set(had[0])
            key = list(table.primary_key.columns)
            if not added or len(key) != 1:
                continue
            for row in rows:
                values = {name: row[name] for name in added if row.get(name) is not None}
                if values:
                    connection.execute(
                        update(table).where(key[0] == row[key[0].name]).values(values)
                    )


def _common(
    rows: dict[str, list[dict[str, object]]], like: dict[str, list[dict[str, object]]]
) -> dict[str, list[dict[str, object]]]:
    """``rows`` restricted to the tables and columns that ``like`` has, without the page
    cache's data version: a counter that any revision writing rows moves on, by design."""
    result = {}
    for name, table_rows in like.items():
        if name == "data_version":
            continue
        columns = set(table_rows[0]) if table_rows else None
        result[name] = [
            {k: v for k, v in row.items() if columns is None or k in columns}
            for row in rows.get(name, [])
        ]
    return result


def test_each_revision_keeps_realistic_data_up_down_and_up(
    empty_engine: Engine, tmp_path: Path
) -> None:
    """The seed, accounts and history, put in at the first revision whose tables hold them,
    survive every step up and down; ``upgrade head`` twice changes nothing."""
    from sqlalchemy.orm import Session

    from tests.conftest import PASSWORD, TODAY
    from tracker import interchange, paths
    from tracker.services import api_tokens, history, users
    from tracker.services.organizations import save_organization
    from tracker.services.record_data import OrganizationData

    reference_url = new_database_url(tmp_path, "reference")
    reference_engine = build_engine(reference_url)
    try:
        migrate.upgrade(reference_engine)
        with Session(reference_engine) as session:
            history.set_actor(session, history.Actor("import"))
            interchange.import_dataset(
                session, interchange.load_json(paths.seed_file().read_bytes())
            )
            user = users.create_user(session, "keeper@example.org", "Keeper", "admin", PASSWORD)
            api_tokens.create_token(session, user, "sync", "write", None, TODAY)
            history.set_actor(session, history.actor_for(user))
            save_organization(session, None, OrganizationData(name="Bir Duino"))
            session.commit()
            expected_export = interchange.export_dataset(session, Viewpoint.viewer())
        reference = _dump(reference_engine)
    finally:
        reference_engine.dispose()
        drop_database_url(reference_url)

    previous = "base"
    before: dict[str, list[dict[str, object]]] = {}
    for revision in revisions(empty_engine):
        migrate.upgrade(empty_engine, revision)
        _fill_added_columns(empty_engine, reference, before)
        _fill(empty_engine, reference)
        here = _dump(empty_engine)
        assert any(here.values()), revision
        if previous != "base":
            migrate.downgrade(empty_engine, previous)
            below = _dump(empty_engine)
            assert _common(below, below) == _common(here, below), (
                f"data lost going down from {revision}"
            )
            migrate.upgrade(empty_engine, revision)
            _fill(empty_engine, reference)  # tables the revision creates come back empty
            _fill_added_columns(empty_engine, reference, below)  # and columns it adds
            again = _dump(empty_engine)
            assert _common(again, below) == _common(below, below), (
                f"data lost going up again to {revision}"
            )
        previous = revision
        before = _dump(empty_engine)
    at_head = _dump(empty_engine)
    migrate.upgrade(empty_engine)
    assert _dump(empty_engine) == at_head
    assert migrate.differences(empty_engine) == []
    with Session(empty_engine) as session:
        exported = interchange.export_dataset(session, Viewpoint.viewer())
    exported.pop("exported_at"), expected_export.pop("exported_at")
    assert exported == expected_export


def test_0008_down_writes_merges_as_the_update_and_the_deletion_they_were(
    empty_engine: Engine,
) -> None:
    """Before 0008 a revision could not say "merge": going down keeps the history, as the
    survivor's update and the merged record's deletion; the redirects go (their table)."""
    from sqlalchemy import insert, select

    from tracker.models import Revision, SlugRedirect

    migrate.upgrade(empty_engine, "0008")
    revisions_table = Revision.__table__
    common = {
        "change_id": "c0ffee",
        "created_at": dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC),
        "actor_label": "editor",
        "record_type": "organization",
        "action": "merge",
    }
    with empty_engine.begin() as connection:
        connection.execute(
            insert(revisions_table),
            [
                {**common, "record_id": 1, "record_label": "Kept", "before": {"name": "Kept"},
                 "after": {"name": "Kept"}, "reason": "Merged “Dup” (dup) into this organization."},
                {**common, "record_id": 2, "record_label": "Dup", "before": {"name": "Dup"},
                 "after": None, "reason": "Merged into “Kept” (kept)."},
            ],
        )  # fmt: skip
        connection.execute(
            insert(SlugRedirect.__table__),
            [{"record_type": "organization", "old_slug": "dup", "target_id": 1, "public": True,
              "created_at": dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)}],
        )  # fmt: skip
    migrate.downgrade(empty_engine, "0007")
    with empty_engine.connect() as connection:
        query = select(
            revisions_table.c.record_id, revisions_table.c.action, revisions_table.c.reason
        )
        rows = connection.execute(query.order_by(revisions_table.c.record_id)).all()
        assert [(row[0], row[1]) for row in rows] == [(1, "update"), (2, "delete")]
        assert rows[1][2] == "Merged into “Kept” (kept)."
    assert "slug_redirects" not in inspect(empty_engine).get_table_names()
    migrate.upgrade(empty_engine)
    assert migrate.differences(empty_engine) == []


def test_0012_moves_the_curators_notes_out_of_descriptions(empty_engine: Engine) -> None:
    """A tracker loaded with the old seed published "[UNCERTAIN: ...]" and "[Curation: ...]"
    notes inside event descriptions: going up moves them to the internal field, and leaves
    any other bracket ("[sic]") where the editor wrote it."""
    from sqlalchemy import insert
    from sqlalchemy import text as sql

    from tracker.dates import PartialDate
    from tracker.models import Event, Measure

    migrate.upgrade(empty_engine, "0011")
    day = PartialDate.from_iso("2024-01-02")
    with empty_engine.begin() as connection:
        connection.execute(
            insert(Measure.__table__).values(
                id=1, slug="m", country="KG", kind="law", title="M", popular_names=[],
                visibility="public", created_at=dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
                updated_at=dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
            )
        )  # fmt: skip
        for event_id, description in (
            (1, "Passed, per a reprint [UNCERTAIN: maybe a committee]. [Curation: typed so.]"),
            (2, "Signed [sic] by the President."),
        ):
            connection.execute(
                insert(Event.__table__).values(
                    id=event_id, measure_id=1, type="passed", date_iso=day.iso,
                    date_approximate=False, date_start=day.start, date_precision="day",
                    date_end=day.end, description=description,
                    created_at=dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
                    updated_at=dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
                )
            )  # fmt: skip
    migrate.upgrade(empty_engine, "0012")
    with empty_engine.connect() as connection:
        rows = connection.execute(
            sql("SELECT description, curator_notes FROM events ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("Passed, per a reprint.", "UNCERTAIN: maybe a committee. Curation: typed so."),
        ("Signed [sic] by the President.", None),
    ]
