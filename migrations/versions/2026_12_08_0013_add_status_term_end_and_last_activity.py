"""Keep each cached status's term end and last activity in columns of their own; index the
last change of measures, events and statements.

What is coming (the home page, country pages, ``/upcoming/``) needs the measures whose term in
force runs out soon, and the quietest pending measures. Both were found by deriving the status
of thousands of measures from all their events on every request (2.7 s of a home page at
100,000 measures), although the status cache holds each measure's term end and last event as
of today inside its JSON. Two columns and two indexes make them range scans:

- ``term_end``: ``Status.term_end``, the last day of a term in force;
- ``last_activity``: the last day the latest counted event could be
  (``Status.last_event_date.end``), with ``state`` in ``ix_measure_status_quiet``.

The API's lists take ``?updated_since=`` and ``sort=updated`` so that scripts sync incrementally:
``(updated_at, id)`` indexes on measures, events and statements make that a range scan in order,
and one on revisions by action, record type and time finds the deletions since then. Two
covering indexes on the status rows serve facet counts to every audience.

The status columns are filled here from the cached JSON, so that no status has to be derived again; rows that
are stale stay stale and are filled when they are refreshed (tracker.services.status_cache).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000
UPDATED_AT_INDEXES = ("measures", "events", "statements")
FACET_INDEXES = (
    ("ix_measure_status_facets_by_state", "state", "country"),
    ("ix_measure_status_facets_by_country", "country", "state"),
)


def _last_day(iso: str) -> dt.date:
    """The last day of a stored partial date (``2023``, ``2023-10`` or ``2023-10-25``)."""
    parts = [int(part) for part in iso.split("-")]
    if len(parts) == 3:
        return dt.date(parts[0], parts[1], parts[2])
    year, month = parts[0], parts[1] if len(parts) == 2 else 12
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _columns(status: dict[str, Any] | None) -> dict[str, dt.date | None]:
    if not status:
        return {"term_end": None, "last_activity": None}
    term_end, last = status.get("term_end"), status.get("last_event")
    return {
        "term_end": dt.date.fromisoformat(term_end) if term_end else None,
        "last_activity": _last_day(last[0]) if last else None,
    }


def upgrade() -> None:
    op.add_column("measure_status", sa.Column("term_end", sa.Date(), nullable=True))
    op.add_column("measure_status", sa.Column("last_activity", sa.Date(), nullable=True))
    op.create_index("ix_measure_status_term_end", "measure_status", ["term_end"], unique=False)
    op.create_index(
        "ix_measure_status_quiet", "measure_status", ["state", "last_activity"], unique=False
    )
    # The home page's counts by country of the measures that existed on a day: a covering
    # scan in country order for any audience (a signed-in reader's scanned the table and sorted).
    op.create_index(
        "ix_measure_status_country_exists",
        "measure_status",
        ["country", "exists_from", "visibility"],
        unique=False,
    )
    for table in UPDATED_AT_INDEXES:
        op.create_index(f"ix_{table}_updated_at_id", table, ["updated_at", "id"], unique=False)
    op.create_index(
        "ix_revisions_action_record_type_created_at",
        "revisions",
        ["action", "record_type", "created_at"],
        unique=False,
    )
    # Facet counts for every audience, covering (with exists_from): a count by country of the
    # measures in one state read 20,000 rows of the table through an index led by visibility.
    for name, first, second in FACET_INDEXES:
        op.create_index(
            name,
            "measure_status",
            [first, second, "kind", "first_year", "exists_from", "visibility"],
            unique=False,
        )
    rows = sa.table(
        "measure_status",
        sa.column("measure_id", sa.Integer),
        sa.column("status", sa.JSON),
        sa.column("term_end", sa.Date),
        sa.column("last_activity", sa.Date),
    )
    bind = op.get_bind()
    last_id = 0
    while True:
        batch = bind.execute(
            sa.select(rows.c.measure_id, rows.c.status)
            .where(rows.c.measure_id > last_id, rows.c.status.is_not(None))
            .order_by(rows.c.measure_id)
            .limit(_BATCH)
        ).all()
        if not batch:
            break
        bind.execute(
            rows.update().where(rows.c.measure_id == sa.bindparam("id")),
            [{"id": measure_id, **_columns(status)} for measure_id, status in batch],
        )
        last_id = batch[-1][0]


def downgrade() -> None:
    for name, _, _ in reversed(FACET_INDEXES):
        op.drop_index(name, table_name="measure_status")
    op.drop_index("ix_revisions_action_record_type_created_at", table_name="revisions")
    for table in reversed(UPDATED_AT_INDEXES):
        op.drop_index(f"ix_{table}_updated_at_id", table_name=table)
    op.drop_index("ix_measure_status_country_exists", table_name="measure_status")
    op.drop_index("ix_measure_status_quiet", table_name="measure_status")
    op.drop_index("ix_measure_status_term_end", table_name="measure_status")
    # Not batch mode: copying the table on SQLite would drop its triggers (see 0009).
    op.execute("ALTER TABLE measure_status DROP COLUMN last_activity")
    op.execute("ALTER TABLE measure_status DROP COLUMN term_end")
