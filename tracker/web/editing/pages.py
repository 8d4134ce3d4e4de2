"""The shape every editing page shares, whatever the kind of record.

Views stay thin: a form reads the input, a service (tracker.services.<noun>.write) validates and
writes it (recording history), and the page shows the result, the errors next to their fields,
or the conflict page when someone else saved first. Nothing is written unless the request ends
in a success or a redirect (tracker.db commits only then). Here: the form page (edit_page), the
conflict page (409, both versions side by side), the page for a record deleted meanwhile, and
the deletion's confirmation page (delete_page). Which kind needs what is in
tracker.web.editing.table; the routes are in tracker.web.editing.views.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers.response import Response

from tracker import forms
from tracker.db import get_session
from tracker.models import Revision
from tracker.services import differences, history
from tracker.services.record_data import (
    RECORD_TYPES,
    Record,
    label,
    record_type,
    snapshot,
)
from tracker.services.saving import (
    DeleteRefused,
    EditConflict,
    ValidationFailed,
    delete_record,
    delete_refusal,
)
from tracker.web.helpers import record_url, see_other

bp = Blueprint("edit", __name__)

Page = str | Response | tuple[str, int]


def or_404(record: Any) -> Any:
    if record is None:
        abort(404)
    return record


def deleted_meanwhile(
    kind: str, slug: str, form: forms.EditForm, template: str, context: dict[str, Any]
) -> tuple[str, int] | None:
    """A form sent for a record deleted since it was opened: keep the input, say what happened.

    Only for a POST; a GET of a missing record is a plain 404.
    """
    if request.method != "POST":
        return None
    deletion = history.find_deletion(get_session(), kind, slug)
    if deletion is None:
        return None
    form.validate()
    conflict: dict[str, Any] = {
        "current": None,
        "differences": [],
        "latest": deletion,
        "kind": kind,
        "record_id": deletion.record_id,
    }
    return render_template(template, form=form, conflict=conflict, **context), 409


def _status(form: forms.TrackerForm) -> int:
    return 422 if form.errors or form.form_errors else 200


def _conflict(
    kind: str,
    record: Record,
    form: forms.EditForm,
    template: str,
    theirs: dict[str, Any],
    context: dict[str, Any],
) -> tuple[str, int]:
    """Someone saved first: show both versions side by side, keep what this user typed."""
    session = get_session()
    session.rollback()  # nothing of this attempt is kept
    model = RECORD_TYPES[kind]
    record_id = record.id
    current = session.get(model, record_id) if record_id is not None else None
    current_state = snapshot(current) if current is not None else None
    mine = {**(current_state or {}), **theirs}
    changed = differences.changes(kind, current_state, mine)
    latest = session.scalar(
        select(Revision)
        .where(Revision.record_type == kind, Revision.record_id == record_id)
        .order_by(Revision.id.desc())
        .limit(1)
    )
    if current is not None:
        # Sending the form again now is a deliberate choice to save over the other version.
        form.version.data = str(current.version)
    return (
        render_template(
            template,
            form=form,
            conflict={
                "current": current,
                "differences": changed,
                "latest": latest,
                "kind": kind,
                "record_id": record_id,
            },
            **context,
        ),
        409,
    )


def _saved(message: str, record: Record) -> Response:
    flash(message, "success")
    return see_other(record_url(record_type(record), record))


def edit_page(
    kind: str,
    record: Record | None,
    form: forms.EditForm,
    template: str,
    save: Callable[[], Record],
    theirs: Callable[[], dict[str, Any]],
    context: dict[str, Any],
    warning: Callable[[Any], str | None],
) -> Page:
    """The form, until it saves; then the record's page, with what was saved and any warning."""
    if form.validate_on_submit():
        try:
            saved = save()
        except ValidationFailed as exc:
            form.add_errors(exc.errors)
        except EditConflict:
            assert record is not None
            return _conflict(kind, record, form, template, theirs(), context)
        else:
            what = "Saved" if record is not None else "Created"
            message = f"{what}: {label(saved)}."
            for read in forms.dates_read(form):
                message += f" {read}."
            note = warning(saved)
            if note:
                flash(note, "warning")
            return _saved(message, saved)
    return render_template(template, form=form, conflict=None, **context), _status(form)


# --------------------------------------------------------------------------------------------
# Deleting: a confirmation page, then the deletion, which the history can undo


def delete_page(
    record: Record, after: str, consequences: Callable[[Session, Any], list[str]]
) -> Page:
    """Say what a deletion takes with it; on confirmation delete (the history can undo it)."""
    session = get_session()
    kind = record_type(record)
    form = forms.EditForm()
    refusal = delete_refusal(session, record)
    if request.method == "GET":
        form.version.data = str(record.version)
    elif form.validate_on_submit() and refusal is None:
        name = label(record)
        record_id = record.id
        try:
            delete_record(
                session, record, expected_version=form.expected_version(), reason=form.reason.data
            )
        except EditConflict:
            session.rollback()
            flash(
                "Someone changed this record after you opened this page. Check it, then delete.",
                "error",
            )
            return see_other(request.script_root + request.path)
        except DeleteRefused as exc:
            refusal = str(exc)
        else:
            link = url_for("history.record", record_type=kind, record_id=record_id)
            flash(
                Markup('Deleted “{}”. <a href="{}">Undo from its history</a>.').format(name, link),
                "success",
            )
            return see_other(after)
    return render_template(
        "edit/delete.html",
        form=form,
        record=record,
        kind=kind,
        name=label(record),
        refusal=refusal,
        consequences=consequences(session, record),
        back=record_url(kind, record),
    ), (409 if refusal and request.method == "POST" else 200)
