"""Store the last day of every partial date, and recompute every cached status.

The status rule now counts an event from the last day its date could be ("April 2024" from 30
April 2024), whatever day the page is read on, and lists place and filter events by that day.
So each partial date gets a fifth column beside its ISO string, flag, first day and precision:
``events.date_end``, ``events.end_date_end``, ``statements.date_end`` and
``sources.published_end``, filled here from the first day and the precision.

The columns are nullable in the schema although tracker.dates.PartialDate always writes them:
SQLite can add a NOT NULL column only with a default or by copying the table, and copying
``events`` drops it, which with foreign keys on deletes every row that refers to it by cascade
(the same reason as in 0002).

The status cache gains ``exists_from``, the first day a measure's earliest event could be: "as
of" an earlier day the measure did not exist yet, and lists, facets and counts leave it out. The cached
statuses were derived by the old rule; every row is marked stale so that the next read derives
it again (and fills ``exists_from``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column prefix) of every stored partial date.
PARTIAL_DATES = (
    ("events", "date"),
    ("events", "end_date"),
    ("statements", "date"),
    ("sources", "published"),
)
INDEXES = (
    ("ix_events_date_end", "events", ["date_end"]),
    ("ix_statements_date_end", "statements", ["date_end"]),
)
STALE = "0001-01-01"


def _last_day(prefix: str, dialect: str) -> str:
    """SQL for the last day of the partial date stored under ``prefix``."""
    start, precision = f"{prefix}_start", f"{prefix}_precision"
    if dialect == "postgresql":
        month = f"(date_trunc('month', {start}) + interval '1 month' - interval '1 day')::date"
        year = f"make_date(extract(year from {start})::int, 12, 31)"
    else:
        # SQLite keeps dates as ISO text; date() cannot go past 9999-12-31, so December and
        # whole years are written out rather than computed.
        year = f"substr({start}, 1, 4) || '-12-31'"
        month = (
            f"CASE WHEN substr({start}, 6, 2) = '12' THEN {year} "
            f"ELSE date({start}, '+1 month', '-1 day') END"
        )
    return f"CASE {precision} WHEN 'day' THEN {start} WHEN 'month' THEN {month} ELSE {year} END"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, prefix in PARTIAL_DATES:
        op.add_column(table, sa.Column(f"{prefix}_end", sa.Date(), nullable=True))
        op.execute(
            f"UPDATE {table} SET {prefix}_end = {_last_day(prefix, dialect)} "  # noqa: S608 - fixed names
            f"WHERE {prefix}_start IS NOT NULL"
        )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.add_column("measure_status", sa.Column("exists_from", sa.Date(), nullable=True))
    op.execute(f"UPDATE measure_status SET valid_until = '{STALE}'")  # noqa: S608


def downgrade() -> None:
    op.execute("ALTER TABLE measure_status DROP COLUMN exists_from")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    for table, prefix in reversed(PARTIAL_DATES):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {prefix}_end")
    op.execute(f"UPDATE measure_status SET valid_until = '{STALE}'")  # noqa: S608
