"""Add people and organization visibility: each is public or internal by its own decision.

Until now an organization or a person was hidden from anonymous readers when only internal
statements mentioned them, and public otherwise: a person made before the internal statement
that quotes them was public at once, and deleting or re-pointing that statement made them
public again. Now each has a ``visibility`` column like measures and statements.

Existing rows get exactly what the old rule gave them today, so that upgrading shows and hides
nothing: internal when an internal statement mentions them (an organization as author or
co-signatory, a person as speaker or quoted) and no public one does; public otherwise. New rows
are internal unless whoever makes them decides otherwise (the column's default).

Going down drops the columns, and the old derived rule applies again: decisions made since
(a person made internal although a public statement quotes them) are lost with them.

The columns are added in place, not by batch mode, on SQLite: copying the tables would drop
their search-index and data-version triggers.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("organizations", "people")


def _mentioned(table: str, visibility: str) -> str:
    """SQL: a statement of ``visibility`` mentions the row of ``table`` being updated (built
    from the fixed names above only)."""
    if table == "organizations":
        return (
            "EXISTS (SELECT 1 FROM statements s WHERE s.organization_id = organizations.id "  # noqa: S608
            f"AND s.visibility = '{visibility}') "
            "OR EXISTS (SELECT 1 FROM statement_signatories x "
            "JOIN statements s ON s.id = x.statement_id "
            f"WHERE x.organization_id = organizations.id AND s.visibility = '{visibility}')"
        )
    return (
        "EXISTS (SELECT 1 FROM statements s WHERE s.speaker_id = people.id "  # noqa: S608
        f"AND s.visibility = '{visibility}') "
        "OR EXISTS (SELECT 1 FROM quotes q JOIN statements s ON s.id = q.statement_id "
        f"WHERE q.speaker_id = people.id AND s.visibility = '{visibility}')"
    )


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # The UPDATEs below write every row and so move the data version (migration 0004's
    # triggers), though they change nothing any page shows: put it back as it was after.
    version = bind.execute(sa.text("SELECT version, bumped_in FROM data_version")).one_or_none()
    for table in TABLES:
        check = f"ck_{table}_visibility"
        if sqlite:
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN visibility VARCHAR(10) DEFAULT 'internal' "
                f"NOT NULL CONSTRAINT {check} CHECK (visibility IN ('public', 'internal'))"
            )
        else:
            op.add_column(
                table,
                sa.Column(
                    "visibility", sa.String(length=10), server_default="internal", nullable=False
                ),
            )
            op.create_check_constraint(op.f(check), table, "visibility IN ('public', 'internal')")
        # The rule of today, once: public unless only internal statements mention the row.
        op.execute(
            f"UPDATE {table} SET visibility = 'public' "  # noqa: S608  # nosec B608 - fixed names
            f"WHERE ({_mentioned(table, 'public')}) OR NOT ({_mentioned(table, 'internal')})"
        )
    if version is not None:
        bind.execute(
            sa.text("UPDATE data_version SET version = :version, bumped_in = :bumped_in"),
            {"version": version.version, "bumped_in": version.bumped_in},
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        if sqlite:
            op.execute(f"ALTER TABLE {table} DROP COLUMN visibility")
        else:
            op.drop_constraint(op.f(f"ck_{table}_visibility"), table, type_="check")
            op.drop_column(table, "visibility")
