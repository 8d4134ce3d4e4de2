"""The editing routes: new, edit and delete for every kind in tracker.web.editing.table, made
by one implementation each, plus the list of sources and the measure page's event form.

Every kind gets ``edit.new_<kind>``, ``edit.edit_<kind>`` and ``edit.delete_<kind>`` (GET and
POST, editors only) at the addresses its table entry names.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import forms
from tracker.db import get_session
from tracker.http.access import requires_role
from tracker.models import Measure, Source
from tracker.services.record_data import stored_fields
from tracker.web.editing.pages import (
    Page,
    bp,
    delete_page,
    deleted_meanwhile,
    edit_page,
    or_404,
)
from tracker.web.editing.table import EDIT_KINDS, EditKind, pickers, resolver


def _form_and_context(
    kind: EditKind, session: Session, record: Any, measure: Measure | None
) -> tuple[Any, dict[str, Any]]:
    """The kind's form (what was sent, a stored record's values, or a new one's) and what its
    page shows besides."""
    if request.method == "POST":
        form = kind.form()
    elif record is None:
        blank = kind.blank(session)
        form = kind.form() if blank is None else kind.form(data=blank)
    else:
        form = kind.form(data=kind.values(session, record))
        form.version.data = str(record.version)
    shown = pickers(session) if kind.shows_pickers else {}
    kind.prepare(session, form, shown)
    context = {kind.name: record, **kind.context(session, record), **shown}
    if kind.measure is not None:
        context["measure"] = measure
    return form, context


def _edit(kind: EditKind, record: Any, measure: Measure | None) -> Page:
    session = get_session()
    form, context = _form_and_context(kind, session, record, measure)
    resolve = resolver(session)
    if (
        record is None
        and kind.look_alikes is not None
        and form.validate_on_submit()
        and not form.confirm_new.data
    ):
        similar = kind.look_alikes(session, form)
        if similar:
            # Not an error: show the look-alikes and let the person confirm.
            context["similar"] = similar
            return render_template(kind.template, form=form, conflict=None, **context)

    def save() -> Any:
        return kind.save(
            session,
            measure,
            record,
            kind.read(form, resolve),
            expected_version=form.expected_version(),
            reason=form.reason.data,
        )

    return edit_page(
        kind.name,
        record,
        form,
        kind.template,
        save,
        lambda: stored_fields(kind.read(form, resolve)),
        context,
        kind.warning,
    )


def _route(kind: EditKind) -> None:
    """Add the kind's three pages to the blueprint, under their old endpoint names."""

    def new(**address: str) -> Page:
        measure = None
        if kind.measure is not None:
            # Events and relations are added from their measure's page.
            slug = address["slug"]
            measure = or_404(get_session().scalar(select(Measure).where(Measure.slug == slug)))
        return _edit(kind, None, measure)

    def edit(**address: Any) -> Page:
        session = get_session()
        key = address[kind.url_key]
        record = kind.find(session, key)
        if record is None:
            if kind.notices_deletion:
                form, context = _form_and_context(kind, session, None, None)
                page = deleted_meanwhile(kind.name, key, form, kind.template, context)
                if page is not None:
                    return page
            abort(404)
        return _edit(kind, record, kind.measure(record) if kind.measure else None)

    def delete(**address: Any) -> Page:
        session = get_session()
        record = or_404(kind.find(session, address[kind.url_key], *kind.delete_options))
        # Where to go is read before the deletion, while the record's measure is still loaded.
        return delete_page(record, kind.after_deleting(record), kind.consequences)

    for verb, rule, view in (
        ("new", kind.new_path, new),
        ("edit", kind.path + "/edit", edit),
        ("delete", kind.path + "/delete", delete),
    ):
        view.__name__ = view.__qualname__ = f"{verb}_{kind.name}"
        bp.add_url_rule(rule, view_func=requires_role("editor")(view), methods=["GET", "POST"])


for _kind in EDIT_KINDS:
    _route(_kind)


@bp.app_template_global()
def new_event_form() -> forms.EventForm:
    """A blank event form for the measure page, where events are added in one step."""
    return forms.EventForm(formdata=None)


@bp.get("/sources/")
def sources() -> str:
    """Every source, with how often it is cited (signed-in users; sources have no public page)."""
    session = get_session()
    query_text = request.args.get("q", "").strip()[:200]
    query = select(Source).order_by(Source.url)
    if query_text:
        pattern = f"%{query_text.lower()}%"
        query = query.where(
            func.lower(Source.url).like(pattern) | func.lower(Source.title).like(pattern)
        )
    rows = list(session.scalars(query.limit(500)))
    return render_template("edit/sources.html", sources=rows, q=query_text)
