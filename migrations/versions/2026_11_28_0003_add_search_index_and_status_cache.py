# DDL built from the fixed names and labels in this file, no outside input:
# ruff: noqa: S608
"""Add the full-text search index, the cached measure status, and indexes for lists at scale.

Search: one index table per kind of record (measures, events, statements, organizations,
people), kept in step with the base tables by database triggers, so that every write (the
forms, the import, a script, a direct SQL statement) is searchable at once and no code path can
forget to update it.

- SQLite: FTS5 tables (``unicode61 remove_diacritics 2``: Latin and Cyrillic words, case and
  accents folded), the rowid being the record's id.
- PostgreSQL: plain tables with a generated ``tsvector`` column (the ``simple`` configuration)
  and a GIN index; rows are deleted with their record by a foreign key.

Neither is modelled in tracker.models (an FTS5 table is not something Alembic can reflect or
compare), so tracker.migrate.include_name keeps autogenerate from proposing to drop them.

Status: ``measure_status`` caches each measure's status as of today. Triggers insert a stale row
for every new measure and mark the row stale whenever one of its events is inserted, updated or
deleted; tracker.services.status_cache recomputes stale rows when they are read.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STALE = "0001-01-01"

# Event type labels as of this revision, frozen here so that the migration always builds the
# same index; "Entered into force" is findable as words, not only as the code.
EVENT_TYPE_LABELS = {
    "drafted": "Drafted",
    "published-for-consultation": "Published for consultation",
    "introduced": "Introduced",
    "committee-referral": "Referred to committee",
    "committee-approval": "Approved in committee",
    "hearing": "Hearing",
    "reading-1": "First reading",
    "reading-2": "Second reading",
    "reading-3": "Third reading",
    "passed": "Passed",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
    "lapsed": "Lapsed",
    "sent-for-signature": "Sent for signature",
    "vetoed": "Vetoed",
    "veto-overridden": "Veto overridden",
    "signed": "Signed",
    "published": "Published",
    "entered-into-force": "Entered into force",
    "imposed": "Imposed",
    "extended": "Extended",
    "expired": "Expired",
    "suspended": "Suspended",
    "reinstated": "Reinstated",
    "struck-down": "Struck down",
    "partly-struck-down": "Partly struck down",
    "repealed": "Repealed",
    "amended": "Amended",
    "implementing-regulation": "Implementing regulation",
    "enforcement-action": "Enforcement action",
    "court-challenge": "Court challenge",
    "court-ruling": "Court ruling",
    "international-opinion": "International opinion",
    "other": "Other",
}

KINDS = ("measures", "events", "statements", "organizations", "people")

# A new measure gets a stale status row holding copies of its facet columns; an update of those
# columns is copied over.
_STATUS_INSERT = (
    "INSERT INTO measure_status (measure_id, computed_on, valid_until, country, kind, visibility) "
    f"VALUES (NEW.id, '{STALE}', '{STALE}', NEW.country, NEW.kind, NEW.visibility)"
)
_STATUS_COPY = (
    "UPDATE measure_status SET country = NEW.country, kind = NEW.kind, "
    "visibility = NEW.visibility WHERE measure_id = NEW.id"
)


def _label(ref: str) -> str:
    cases = " ".join(f"WHEN '{code}' THEN '{label}'" for code, label in EVENT_TYPE_LABELS.items())
    return f"(CASE {ref}.type {cases} ELSE {ref}.type END)"


# -- the text of each kind of record, as SQL over a row reference (NEW, or a table alias) -------


def _columns(kind: str, ref: str, sqlite: bool) -> dict[str, str]:
    """Index column -> SQL expression of the text it holds, for a row ``ref`` of the table."""
    if kind == "measures":
        if sqlite:
            names = f"(SELECT group_concat(value, ' · ') FROM json_each({ref}.popular_names))"
        else:
            names = f"(SELECT string_agg(value, ' · ') FROM json_array_elements_text({ref}.popular_names))"
        return {
            "title": f"{ref}.title",
            "original_title": f"coalesce({ref}.original_title, '')",
            # The short title ("Foreign Representatives Law (2024)") is a name people search by.
            "names": (
                f"trim(coalesce({ref}.short_title, '') || ' · ' || coalesce({names}, '') "
                f"|| ' · ' || coalesce({ref}.identifier, ''), ' ·')"
            ),
            "summary": f"coalesce({ref}.summary, '')",
        }
    if kind == "events":
        return {
            "what": _label(ref),
            "actor": f"coalesce({ref}.actor, '')",
            "description": f"coalesce({ref}.description, '')",
        }
    if kind == "statements":
        joiner = (
            "group_concat(q.text, ' … ')"
            if sqlite
            else "string_agg(q.text, ' … ' ORDER BY q.position)"
        )
        return {
            "title": f"{ref}.title",
            "summary": f"coalesce({ref}.summary, '')",
            "quotes": (
                f"coalesce((SELECT {joiner} FROM quotes q WHERE q.statement_id = {ref}.id), '')"
            ),
        }
    if kind == "organizations":
        return {"name": f"{ref}.name", "acronym": f"coalesce({ref}.acronym, '')"}
    assert kind == "people"
    return {"name": f"{ref}.name", "role": f"coalesce({ref}.role, '')"}


# Which columns of the base table change the indexed text (updates of others don't reindex).
WATCHED = {
    "measures": "title, short_title, original_title, popular_names, identifier, summary",
    "events": "type, actor, description",
    "statements": "title, summary",
    "organizations": "name, acronym",
    "people": "name, role",
}

# PostgreSQL weights: titles and names rank above summaries and quotes.
PG_WEIGHTS = {
    "measures": {"title": "A", "original_title": "A", "names": "A", "summary": "C"},
    "events": {"what": "B", "actor": "B", "description": "C"},
    "statements": {"title": "A", "summary": "C", "quotes": "C"},
    "organizations": {"name": "A", "acronym": "A"},
    "people": {"name": "A", "role": "C"},
}


# -- SQLite ------------------------------------------------------------------------------------


def _sqlite_upgrade() -> None:
    for kind in KINDS:
        columns = ", ".join(_columns(kind, "x", True))
        op.execute(
            f"CREATE VIRTUAL TABLE search_{kind} USING fts5("
            f"{columns}, tokenize='unicode61 remove_diacritics 2')"
        )
    for kind in ("measures", "events", "organizations", "people"):
        names = ", ".join(["rowid", *_columns(kind, "NEW", True)])
        values = ", ".join(["NEW.id", *_columns(kind, "NEW", True).values()])
        op.execute(
            f"CREATE TRIGGER search_{kind}_insert AFTER INSERT ON {kind} BEGIN "
            f"INSERT INTO search_{kind} ({names}) VALUES ({values}); END"
        )
        op.execute(
            f"CREATE TRIGGER search_{kind}_update AFTER UPDATE OF {WATCHED[kind]} ON {kind} BEGIN "
            f"DELETE FROM search_{kind} WHERE rowid = OLD.id; "
            f"INSERT INTO search_{kind} ({names}) VALUES ({values}); END"
        )
        op.execute(
            f"CREATE TRIGGER search_{kind}_delete AFTER DELETE ON {kind} BEGIN "
            f"DELETE FROM search_{kind} WHERE rowid = OLD.id; END"
        )
        backfill = ", ".join(["x.id", *_columns(kind, "x", True).values()])
        op.execute(f"INSERT INTO search_{kind} ({names}) SELECT {backfill} FROM {kind} x")

    # A statement's row holds its quotes too: rebuild it from both tables on any change.
    statement_columns = _columns("statements", "s", True)
    names = ", ".join(["rowid", *statement_columns])
    rebuild = ", ".join(["s.id", *statement_columns.values()])

    def reindex_statement(ref: str) -> str:
        return (
            f"DELETE FROM search_statements WHERE rowid = {ref}; "
            f"INSERT INTO search_statements ({names}) "
            f"SELECT {rebuild} FROM statements s WHERE s.id = {ref}; "
        )

    op.execute(
        "CREATE TRIGGER search_statements_insert AFTER INSERT ON statements BEGIN "
        f"{reindex_statement('NEW.id')} END"
    )
    op.execute(
        f"CREATE TRIGGER search_statements_update AFTER UPDATE OF {WATCHED['statements']} "
        f"ON statements BEGIN {reindex_statement('NEW.id')} END"
    )
    op.execute(
        "CREATE TRIGGER search_statements_delete AFTER DELETE ON statements BEGIN "
        "DELETE FROM search_statements WHERE rowid = OLD.id; END"
    )
    op.execute(
        "CREATE TRIGGER search_quotes_insert AFTER INSERT ON quotes BEGIN "
        f"{reindex_statement('NEW.statement_id')} END"
    )
    op.execute(
        "CREATE TRIGGER search_quotes_update AFTER UPDATE OF text, statement_id ON quotes BEGIN "
        f"{reindex_statement('OLD.statement_id')} {reindex_statement('NEW.statement_id')} END"
    )
    op.execute(
        "CREATE TRIGGER search_quotes_delete AFTER DELETE ON quotes BEGIN "
        f"{reindex_statement('OLD.statement_id')} END"
    )
    op.execute(f"INSERT INTO search_statements ({names}) SELECT {rebuild} FROM statements s")

    # The status cache: a stale row for every new measure; stale again when an event changes.
    op.execute(
        f"CREATE TRIGGER measure_status_insert AFTER INSERT ON measures BEGIN {_STATUS_INSERT}; END"
    )
    op.execute(
        "CREATE TRIGGER measure_status_measure_update AFTER UPDATE OF country, kind, visibility "
        f"ON measures BEGIN {_STATUS_COPY}; END"
    )
    # "AND valid_until <> ...": a large import writes many events of a measure whose row is
    # stale already; skipping the no-op update keeps each insert cheap.
    stale = (
        f"UPDATE measure_status SET valid_until = '{STALE}' "
        f"WHERE valid_until <> '{STALE}' AND measure_id ="
    )
    op.execute(
        "CREATE TRIGGER measure_status_event_insert AFTER INSERT ON events BEGIN "
        f"{stale} NEW.measure_id; END"
    )
    op.execute(
        "CREATE TRIGGER measure_status_event_update AFTER UPDATE ON events BEGIN "
        f"{stale} OLD.measure_id; {stale} NEW.measure_id; END"
    )
    op.execute(
        "CREATE TRIGGER measure_status_event_delete AFTER DELETE ON events BEGIN "
        f"{stale} OLD.measure_id; END"
    )


def _sqlite_downgrade() -> None:
    for trigger in ("insert", "update", "delete"):
        for kind in (*KINDS, "quotes"):
            op.execute(f"DROP TRIGGER IF EXISTS search_{kind}_{trigger}")
    for name in ("insert", "measure_update", "event_insert", "event_update", "event_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS measure_status_{name}")
    for kind in KINDS:
        op.execute(f"DROP TABLE IF EXISTS search_{kind}")


# -- PostgreSQL --------------------------------------------------------------------------------


def _pg_upgrade() -> None:
    for kind in KINDS:
        columns = _columns(kind, "NEW", False)
        weights = PG_WEIGHTS[kind]
        document = " || ".join(
            f"setweight(to_tsvector('simple'::regconfig, {name}), '{weights[name]}')"
            for name in columns
        )
        definitions = ", ".join(f"{name} text NOT NULL" for name in columns)
        op.execute(
            f"CREATE TABLE search_{kind} ("
            f"id integer PRIMARY KEY REFERENCES {kind} (id) ON DELETE CASCADE, {definitions}, "
            f"document tsvector GENERATED ALWAYS AS ({document}) STORED)"
        )
        op.execute(f"CREATE INDEX ix_search_{kind}_document ON search_{kind} USING gin (document)")
        names = ", ".join(["id", *columns])
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns)
        if kind == "statements":
            source = (
                f"SELECT {', '.join(['s.id', *_columns(kind, 's', False).values()])} "
                "FROM statements s WHERE s.id = statement_id"
            )
            op.execute(
                "CREATE FUNCTION search_statements_reindex(statement_id integer) RETURNS void "
                "LANGUAGE sql AS $$ "
                f"INSERT INTO search_statements ({names}) {source} "
                f"ON CONFLICT (id) DO UPDATE SET {updates} $$"
            )
            op.execute(
                "CREATE FUNCTION search_statements_sync() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN PERFORM search_statements_reindex(NEW.id); RETURN NULL; END $$"
            )
            op.execute(
                "CREATE FUNCTION search_quotes_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
                "PERFORM search_statements_reindex(OLD.statement_id); END IF; "
                "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
                "PERFORM search_statements_reindex(NEW.statement_id); END IF; "
                "RETURN NULL; END $$"
            )
            op.execute(
                "CREATE TRIGGER search_quotes_sync AFTER INSERT OR DELETE OR UPDATE OF text, "
                "statement_id ON quotes FOR EACH ROW EXECUTE FUNCTION search_quotes_sync()"
            )
        else:
            values = ", ".join(["NEW.id", *columns.values()])
            op.execute(
                f"CREATE FUNCTION search_{kind}_sync() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN INSERT INTO search_{kind} ({names}) VALUES ({values}) "
                f"ON CONFLICT (id) DO UPDATE SET {updates}; RETURN NULL; END $$"
            )
        op.execute(
            f"CREATE TRIGGER search_{kind}_sync AFTER INSERT OR UPDATE OF {WATCHED[kind]} "
            f"ON {kind} FOR EACH ROW EXECUTE FUNCTION search_{kind}_sync()"
        )
        backfill = ", ".join(["x.id", *_columns(kind, "x", False).values()])
        op.execute(f"INSERT INTO search_{kind} ({names}) SELECT {backfill} FROM {kind} x")

    op.execute(
        "CREATE FUNCTION measure_status_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_STATUS_INSERT}; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER measure_status_insert AFTER INSERT ON measures "
        "FOR EACH ROW EXECUTE FUNCTION measure_status_insert()"
    )
    op.execute(
        "CREATE FUNCTION measure_status_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_STATUS_COPY}; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER measure_status_copy AFTER UPDATE OF country, kind, visibility "
        "ON measures FOR EACH ROW EXECUTE FUNCTION measure_status_copy()"
    )
    # "AND valid_until <> ...": a large import writes many events of a measure whose row is
    # stale already; skipping the no-op update keeps each insert cheap.
    stale = (
        f"UPDATE measure_status SET valid_until = '{STALE}' "
        f"WHERE valid_until <> '{STALE}' AND measure_id ="
    )
    op.execute(
        "CREATE FUNCTION measure_status_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {stale} OLD.measure_id; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {stale} NEW.measure_id; END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER measure_status_event AFTER INSERT OR UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION measure_status_event()"
    )


def _pg_downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS measure_status_event ON events")
    op.execute("DROP TRIGGER IF EXISTS measure_status_insert ON measures")
    op.execute("DROP TRIGGER IF EXISTS measure_status_copy ON measures")
    op.execute("DROP FUNCTION IF EXISTS measure_status_copy()")
    op.execute("DROP FUNCTION IF EXISTS measure_status_event()")
    op.execute("DROP FUNCTION IF EXISTS measure_status_insert()")
    op.execute("DROP TRIGGER IF EXISTS search_quotes_sync ON quotes")
    op.execute("DROP FUNCTION IF EXISTS search_quotes_sync()")
    for kind in KINDS:
        op.execute(f"DROP TRIGGER IF EXISTS search_{kind}_sync ON {kind}")
        op.execute(f"DROP FUNCTION IF EXISTS search_{kind}_sync()")
    op.execute("DROP FUNCTION IF EXISTS search_statements_reindex(integer)")
    for kind in KINDS:
        op.execute(f"DROP TABLE IF EXISTS search_{kind}")


# -- both --------------------------------------------------------------------------------------


def upgrade() -> None:
    op.create_table(
        "measure_status",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=True),
        sa.Column("first_year", sa.Integer(), nullable=True),
        sa.Column("status", sa.JSON(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measures.id"],
            name=op.f("fk_measure_status_measure_id_measures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("measure_id", name=op.f("pk_measure_status")),
    )
    with op.batch_alter_table("measure_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measure_status_computed_on"), ["computed_on"])
        batch_op.create_index(batch_op.f("ix_measure_status_valid_until"), ["valid_until"])
        batch_op.create_index(batch_op.f("ix_measure_status_state"), ["state"])
        batch_op.create_index(batch_op.f("ix_measure_status_first_year"), ["first_year"])
        batch_op.create_index(
            "ix_measure_status_by_country",
            ["visibility", "country", "state", "kind", "first_year"],
        )
        batch_op.create_index(
            "ix_measure_status_by_state",
            ["visibility", "state", "country", "kind", "first_year"],
        )
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.create_index("ix_measures_country_title", ["country", "title"])
    with op.batch_alter_table("measure_topics", schema=None) as batch_op:
        batch_op.create_index("ix_measure_topics_topic_id", ["topic_id"])
    op.execute(
        "INSERT INTO measure_status (measure_id, computed_on, valid_until, country, kind, "
        f"visibility) SELECT id, '{STALE}', '{STALE}', country, kind, visibility FROM measures"
    )

    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _pg_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_downgrade()
    else:
        _pg_downgrade()
    with op.batch_alter_table("measure_topics", schema=None) as batch_op:
        batch_op.drop_index("ix_measure_topics_topic_id")
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_index("ix_measures_country_title")
    with op.batch_alter_table("measure_status", schema=None) as batch_op:
        batch_op.drop_index("ix_measure_status_by_state")
        batch_op.drop_index("ix_measure_status_by_country")
        batch_op.drop_index(batch_op.f("ix_measure_status_first_year"))
        batch_op.drop_index(batch_op.f("ix_measure_status_state"))
        batch_op.drop_index(batch_op.f("ix_measure_status_valid_until"))
        batch_op.drop_index(batch_op.f("ix_measure_status_computed_on"))
    op.drop_table("measure_status")
