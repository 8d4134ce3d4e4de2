"""Records deleted since a moment, for scripts that sync the API's lists incrementally.

A deleted record leaves no row behind, so ``?updated_since=`` alone cannot show it; its last
revision (tracker.services.history: action "delete", or "merge" for a record merged into
another) can. A reader is told only of deletions it could have seen: measures and statements
that were public when deleted (everything, for a reader who sees internal records). An event's
revision does not say whose event it was, so event deletions are listed only for readers who
see internal records; anyone else sees an event go when its measure's events are read again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Revision
from tracker.viewpoint import Viewpoint

_GONE = ("delete", "merge")


@dataclass(frozen=True, slots=True)
class Deletion:
    record_id: int
    slug: str | None
    """The address it had (measures and statements); None for an event."""
    deleted_at: dt.datetime
    merged: bool
    """Merged into another record (its old address redirects there) rather than deleted."""


def deleted_since(
    session: Session, record_type: str, since: dt.datetime, view: Viewpoint, limit: int = 1000
) -> list[Deletion]:
    """Records of ``record_type`` ("measure", "event", "statement") deleted at or after
    ``since`` that the reader could have seen, oldest first, up to ``limit``."""
    if record_type == "event" and not view.sees_internal:
        return []
    query = (
        select(Revision.record_id, Revision.action, Revision.before, Revision.after)
        .add_columns(Revision.created_at)
        .where(
            Revision.record_type == record_type,
            Revision.action.in_(_GONE),
            Revision.created_at >= since,
        )
        .order_by(Revision.created_at, Revision.id)
    )
    found: list[Deletion] = []
    for record_id, action, before, after, at in session.execute(query):
        if after is not None:  # a survivor's "merge": it is still there
            continue
        before = before or {}
        if not view.sees_internal and before.get("visibility") != "public":
            continue
        found.append(Deletion(record_id, before.get("slug"), at, action == "merge"))
        if len(found) >= limit:
            break
    return found
