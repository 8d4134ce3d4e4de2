"""History pages: each record's revisions with readable differences, the latest changes across
the tracker, and restoring a revision (signed-in users read; editors restore)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from werkzeug.wrappers.response import Response

from tracker.db import get_session
from tracker.forms import EditForm
from tracker.http.access import requires_role
from tracker.models import REVISED_RECORDS, Revision
from tracker.services import differences, history
from tracker.services.record_data import label
from tracker.services.saving import MAX_ID, ValidationFailed
from tracker.web.helpers import record_url, see_other

bp = Blueprint("history", __name__)


@bp.get("/history/<record_type>/<int:record_id>")
def record(record_type: str, record_id: int) -> str:
    if record_type not in REVISED_RECORDS:
        abort(404)
    session = get_session()
    revisions = history.record_history(session, record_type, record_id)
    current = history.find_record(session, record_type, record_id)
    if not revisions and current is None:
        abort(404)
    return render_template(
        "history/record.html",
        record_type=record_type,
        record_id=record_id,
        current=current,
        current_url=record_url(record_type, current) if current is not None else None,
        revisions=revisions,
        changes={revision.id: differences.revision_changes(revision) for revision in revisions},
        name=label(current) if current is not None else revisions[0].record_label,
        form=EditForm(),
    )


def _id(text: str) -> int | None:
    """A record id typed in a query (``?before=123``); None unless it can be one."""
    return int(text) if text.isascii() and text.isdigit() and int(text) <= MAX_ID else None


@bp.get("/changes")
def changes() -> str:
    session = get_session()
    record_type = request.args.get("type") or None
    if record_type not in (None, *REVISED_RECORDS):
        record_type = None
    author = request.args.get("author", "")
    user_id = _id(author)
    actor_label = author[len("process:") :] if author.startswith("process:") else None
    before = request.args.get("before", "")
    page = history.recent_changes(
        session,
        user_id=user_id,
        record_type=record_type,
        actor_label=actor_label,
        before=_id(before),
    )
    return render_template(
        "history/changes.html",
        page=page,
        changes={r.id: differences.revision_changes(r) for r in page.revisions},
        record_type=record_type,
        author=author,
        authors=history.authors(session),
        record_types=REVISED_RECORDS,
    )


@bp.post("/revisions/<int:revision_id>/restore")
@requires_role("editor")
def restore(revision_id: int) -> Response | tuple[str, int]:
    session = get_session()
    revision = session.get(Revision, revision_id)
    if revision is None:
        abort(404)
    form = EditForm()
    back = url_for("history.record", record_type=revision.record_type, record_id=revision.record_id)
    if not form.validate_on_submit():
        abort(400)
    try:
        notes = history.restore(session, revision, form.reason.data or None)
    except (history.RestoreFailed, ValidationFailed) as exc:
        session.rollback()
        message = "; ".join(exc.errors.values()) if isinstance(exc, ValidationFailed) else str(exc)
        flash(f"Nothing was restored: {message}", "error")
        return see_other(back)
    for note in notes:
        flash(note, "warning")
    flash("Restored. The restore is itself a new revision, which you can undo too.", "success")
    return see_other(back)
