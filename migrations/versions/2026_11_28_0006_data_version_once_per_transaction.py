"""On PostgreSQL, move the data version on once per transaction, not once per statement.

Migration 0004's statement trigger ran an UPDATE of the one data_version row for every
statement that wrote a page's table. An import's executemany is one statement per row, and
every UPDATE of the same row within one transaction adds a row version that the next UPDATE
must step over: importing 2,000 measures took 71 s instead of 12. The trigger now notes the
transaction that moved the version (``bumped_in``) and leaves the row alone for the rest of
that transaction. One move per transaction is all the page cache needs: no reader sees the
transaction's writes before it commits, and after it commits every reader sees the new number.

SQLite keeps its row triggers: it updates the row in place, so repeating it costs little.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONCE_PER_TRANSACTION = (
    "CREATE OR REPLACE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE data_version SET version = version + 1, bumped_in = txid_current() "
    "WHERE id = 1 AND bumped_in IS DISTINCT FROM txid_current(); RETURN NULL; END $$"
)
# As migration 0004 made it.
EVERY_STATEMENT = (
    "CREATE OR REPLACE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; RETURN NULL; END $$"
)


# Not batch mode on SQLite: copying data_version to a new table would break the triggers of
# every other table, which name it. SQLite adds and (since 3.35) drops a column in place.


def upgrade() -> None:
    op.add_column("data_version", sa.Column("bumped_in", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ONCE_PER_TRANSACTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(EVERY_STATEMENT)
        op.drop_column("data_version", "bumped_in")
    else:
        op.execute("ALTER TABLE data_version DROP COLUMN bumped_in")
