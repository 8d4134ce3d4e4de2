"""Add curators' notes to events, and move the notes written inside descriptions into them.

``events.curator_notes``: the researchers' own notes on an event ("[UNCERTAIN: ...]",
"[Curation: recorded in the notes as ...]"), which were kept inside the public description
until now. Internal (tracker.domain.kinds): never on a public page, in a download or a brief.
A plain column added in place: SQLite's ADD COLUMN keeps the table, so its triggers stay.

Going up, a bracketed note in a description that says "UNCERTAIN" or starts "Curation:" (the
two kinds of note the seed and its research notes wrote) moves to the new field, so that a
tracker loaded with the old seed stops publishing them; any other text stays where an editor
wrote it. Going down drops the column and the notes in it (take a backup first: ``tracker
backup``); a "[Curators' notes: ...]" block at the end of a description, as an older version
or a hand edit may have left it, is moved back whole when going up. The search index and the
data version follow the descriptions through their triggers; no revision is written (a schema
change is not an edit).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BLOCK = "[Curators' notes: "
_NOTE = re.compile(r"\s*\[(?:[^\[\]]*UNCERTAIN[^\[\]]*|Curation:[^\[\]]*)\]")

events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("description", sa.Text),
    sa.column("curator_notes", sa.Text),
)


def _split(description: str) -> tuple[str | None, str | None]:
    """(the description without its notes, the notes), from a description as stored."""
    text, block = description, None
    at = text.rfind(_BLOCK)
    if at != -1 and text.endswith("]"):  # written by this revision's downgrade
        text, block = text[:at], text[at + len(_BLOCK) : -1]
    notes = [found.group().strip()[1:-1].strip() for found in _NOTE.finditer(text)]
    notes = [note if note.endswith((".", "!", "?")) else f"{note}." for note in notes]
    if block is not None:
        notes.append(block)
    text = _NOTE.sub("", text).rstrip()
    return (text or None), (" ".join(notes) or None)


def upgrade() -> None:
    op.add_column("events", sa.Column("curator_notes", sa.Text()))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(events.c.id, events.c.description).where(events.c.description.like("%[%]%"))
    ).all()
    for event_id, description in rows:
        text, notes = _split(description)
        if notes is not None:
            bind.execute(
                events.update()
                .where(events.c.id == event_id)
                .values(description=text, curator_notes=notes)
            )


def downgrade() -> None:
    # SQLite drops a column in place since 3.35 (Python 3.11 ships a newer one).
    op.drop_column("events", "curator_notes")
