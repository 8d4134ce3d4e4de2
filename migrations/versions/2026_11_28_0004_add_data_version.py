"""Add a data version that every write to the records moves on.

Public pages are the same for every anonymous visitor until the records change or the day does;
tracker.web.page_cache keeps them, keyed by this number. Triggers move it on every insert,
update and delete of a table that pages show, so no code path (forms, import, API, SQL typed by
hand) can change what a page shows without the cache noticing. Derived tables (the status cache,
the search index) and accounts and history, which no public page shows, are left out.

SQLite has only row triggers; PostgreSQL gets statement triggers, so a bulk insert of a million
events moves the version once per statement, not once per row.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables public pages are made of.
TABLES = (
    "measures",
    "events",
    "relations",
    "statements",
    "quotes",
    "organizations",
    "people",
    "sources",
    "topics",
    "measure_topics",
    "measure_sources",
    "event_sources",
    "statement_sources",
    "statement_measures",
    "statement_signatories",
)
BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_data_version_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER data_version_{table} AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()"
            )
        return
    for table in TABLES:
        for action in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER data_version_{table}_{action.lower()} AFTER {action} ON {table} "
                f"BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS data_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS data_version_bump()")
    else:
        for table in TABLES:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS data_version_{table}_{action}")
    op.drop_table("data_version")
