"""Merging a duplicate organization, person or measure into the record that stays (editors).

One page per record, sent twice: first the editor picks the record to keep and sees what will
move (and anything that stops the merge), then confirms. The rules live in
tracker.services.merging; the old addresses of merged records redirect in tracker.http.redirects.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, abort, flash, render_template, request
from markupsafe import Markup
from sqlalchemy import select

from tracker import forms
from tracker.db import get_session
from tracker.http.access import requires_role
from tracker.models import Measure
from tracker.services import merging, names
from tracker.services.measures import similar_measures
from tracker.services.merging import Mergeable, MergePlan, MergeRefused
from tracker.services.record_data import label
from tracker.services.saving import EditConflict
from tracker.web.editing import Page
from tracker.web.helpers import record_url, see_other

bp = Blueprint("merge", __name__)


def _look_alikes(kind: str, record: Mergeable) -> list[names.Named]:
    """Records that look like this one, offered first: the duplicates it is likely one of."""
    session = get_session()
    if isinstance(record, Measure):
        similar = similar_measures(session, names.MeasureNames.of(record), exclude_id=record.id)
        slugs = {item.measure.slug for item in similar}
        return [named for named in names.named(session, Measure) if named.slug in slugs]
    model = merging.MERGEABLE[kind]
    found: dict[str, names.Named] = {}
    for text in (record.name, getattr(record, "acronym", None)):
        for named in names.find(session, model, text, exclude=record.slug):
            found.setdefault(named.slug, named)
    return list(found.values())


def _merge_page(kind: str, slug: str) -> Page:
    session = get_session()
    model = merging.MERGEABLE[kind]
    merged = cast(Mergeable | None, session.scalar(select(model).where(model.slug == slug)))
    if merged is None:
        abort(404)
    name = label(merged)
    form = forms.MergeForm()
    form.into.picker_list = f"{kind}-choices"
    if request.method == "GET":
        form.version.data = str(merged.version)
    plan: MergePlan | None = None
    changed = False
    if form.validate_on_submit():
        found = names.find(session, model, form.into.data, exclude=merged.slug)
        if len(found) != 1:
            message = names.not_found(
                session, model, form.into.data or "", "; pick one from the list", merged.slug
            )
            form.into.errors = [*form.into.errors, message]
        else:
            survivor = cast(
                Mergeable, session.scalars(select(model).where(model.slug == found[0].slug)).one()
            )
            plan = merging.plan(session, merged, survivor)
            if form.confirm.data and plan.refusal is None:
                try:
                    merging.merge(
                        session,
                        merged,
                        survivor,
                        expected_versions=(form.expected_version(), form.survivor_version()),
                        reason=form.reason.data,
                    )
                except EditConflict:
                    session.rollback()
                    changed = True
                    plan = merging.plan(session, merged, survivor)
                except MergeRefused as exc:
                    session.rollback()
                    plan.refusal = str(exc)
                else:
                    flash(
                        Markup("Merged “{}” into “{}”. Its old address now leads here.").format(
                            name, label(survivor)
                        ),
                        "success",
                    )
                    return see_other(record_url(kind, survivor))
            # The plan is shown for these versions: a change by someone else meanwhile makes
            # the confirmation a conflict rather than a merge of something not shown.
            form.version.data = str(merged.version)
            form.into_version.data = str(survivor.version)
            form.into.data = found[0].label
    context: dict[str, Any] = {
        "kind": kind,
        "merged": merged,
        "name": name,
        "form": form,
        "plan": plan,
        "changed": changed,
        "look_alikes": _look_alikes(kind, merged),
        "choices": [pair for pair in names.choices(session, model) if pair[0] != merged.slug],
        "back": record_url(kind, merged),
    }
    status = 422 if form.errors else 409 if changed else 200
    return render_template("edit/merge.html", **context), status


@bp.route("/organizations/<slug>/merge", methods=["GET", "POST"])
@requires_role("editor")
def organization(slug: str) -> Page:
    return _merge_page("organization", slug)


@bp.route("/people/<slug>/merge", methods=["GET", "POST"])
@requires_role("editor")
def person(slug: str) -> Page:
    return _merge_page("person", slug)


@bp.route("/measures/<slug>/merge", methods=["GET", "POST"])
@requires_role("editor")
def measure(slug: str) -> Page:
    return _merge_page("measure", slug)
