"""Add users, revisions, and a version number on every editable record.

``version`` is SQLAlchemy's ``version_id_col`` (optimistic locking). Existing rows get 1 from
the server default, on SQLite and PostgreSQL alike. The column is added with a plain ALTER TABLE
(SQLite supports ADD COLUMN with a default) rather than a batch copy: copying ``measures`` would
drop the original table, and with foreign keys on, dropping it deletes every event and relation
by cascade. The downgrade drops the column the same way (SQLite 3.35+).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED_TABLES = (
    "events",
    "measures",
    "organizations",
    "people",
    "relations",
    "sources",
    "statements",
)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'editor', 'viewer')", name=op.f("ck_users_role")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lower_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("session_token", name=op.f("uq_users_session_token")),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("record_label", sa.String(length=1000), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "action IN ('create', 'update', 'delete', 'restore')",
            name=op.f("ck_revisions_action"),
        ),
        sa.CheckConstraint(
            "record_type IN ('measure', 'event', 'relation', 'statement', 'organization', 'person', 'source')",
            name=op.f("ck_revisions_record_type"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_revisions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revisions_change_id"), ["change_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_revisions_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            "ix_revisions_record_type_record_id", ["record_type", "record_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_revisions_user_id"), ["user_id"], unique=False)

    for table in VERSIONED_TABLES:
        op.add_column(table, sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    for table in reversed(VERSIONED_TABLES):
        op.execute(f"ALTER TABLE {table} DROP COLUMN version")
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revisions_user_id"))
        batch_op.drop_index("ix_revisions_record_type_record_id")
        batch_op.drop_index(batch_op.f("ix_revisions_created_at"))
        batch_op.drop_index(batch_op.f("ix_revisions_change_id"))
    op.drop_table("revisions")
    op.drop_table("users")
