"""Add the address of a measure's official text.

``measures.official_text_url``: where the law's text is in the official legal database (the
Kyrgyz Ministry of Justice's register, pravo.gov.ru), described with the measure's other fields
in tracker.domain.kinds. A plain column added in place: SQLite's ADD COLUMN keeps the table,
so its search and data-version triggers stay as they are. Going down drops it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("measures", sa.Column("official_text_url", sa.String(length=2000)))


def downgrade() -> None:
    # SQLite drops a column in place since 3.35 (Python 3.11 ships a newer one).
    op.drop_column("measures", "official_text_url")
