"""Add slug redirects, and the "merge" action of revisions.

Merging two organizations, people or measures (tracker.services.merging) moves everything
that refers to one of them to the other and removes the first; its old address must keep
working for the links and citations already out there. ``slug_redirects`` keeps, per kind of
record, each old slug and the survivor's id (``public``: whether anonymous visitors may follow
it). A revision records the merge on both records with the new action ``merge``.

Self-contained: a new table, and the CHECK of ``revisions.action`` widened. Going down drops
the redirects (old addresses then answer 404, as before merges existed) and writes the merge
revisions as what they otherwise were: an update of the survivor, a deletion of the other.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = "action IN ('create', 'update', 'delete', 'restore', 'merge')"
ACTIONS_BEFORE = "action IN ('create', 'update', 'delete', 'restore')"


def _revision_actions(condition: str) -> None:
    # On SQLite a CHECK can only change with the table (batch mode copies ``revisions``, which
    # has no triggers to lose); PostgreSQL drops and adds the constraint in place.
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_revisions_action"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_revisions_action"), condition)


def upgrade() -> None:
    op.create_table(
        "slug_redirects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("old_slug", sa.String(length=120), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "record_type IN ('measure', 'organization', 'person')",
            name=op.f("ck_slug_redirects_record_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slug_redirects")),
        sa.UniqueConstraint(
            "record_type", "old_slug", name=op.f("uq_slug_redirects_record_type_old_slug")
        ),
    )
    with op.batch_alter_table("slug_redirects", schema=None) as batch_op:
        batch_op.create_index(
            "ix_slug_redirects_record_type_target_id", ["record_type", "target_id"], unique=False
        )
    _revision_actions(ACTIONS)


def downgrade() -> None:
    # The merged record's revision has no state after it (JSON null, or SQL NULL).
    op.execute(
        "UPDATE revisions SET action = 'delete' WHERE action = 'merge' "
        "AND (after IS NULL OR CAST(after AS TEXT) = 'null')"
    )
    op.execute("UPDATE revisions SET action = 'update' WHERE action = 'merge'")
    _revision_actions(ACTIONS_BEFORE)
    with op.batch_alter_table("slug_redirects", schema=None) as batch_op:
        batch_op.drop_index("ix_slug_redirects_record_type_target_id")
    op.drop_table("slug_redirects")
