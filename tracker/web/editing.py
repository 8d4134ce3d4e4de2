"""Editing pages: forms to create, change and delete every kind of record (editors only).

Views stay thin: a form reads the input, a service (tracker.services.<noun>.write) validates and
writes it (recording history), and the view shows the result, the errors next to their fields,
or the conflict page when someone else saved first. Nothing is written unless the request ends
in a success or a redirect (tracker.db commits only then).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers.response import Response

from tracker import forms
from tracker.db import get_session
from tracker.http.access import requires_role
from tracker.models import (
    Event,
    Measure,
    Organization,
    Person,
    Quote,
    Relation,
    Revision,
    Source,
    Statement,
    Topic,
)
from tracker.services import history, names
from tracker.services.events import event_choices, save_event
from tracker.services.measures import (
    SimilarMeasure,
    event_warnings,
    save_measure,
    save_relation,
    similar_measures,
)
from tracker.services.organizations import save_organization, save_person
from tracker.services.record_data import (
    RECORD_TYPES,
    Record,
    event_data,
    label,
    measure_data,
    organization_data,
    person_data,
    record_type,
    relation_data,
    snapshot,
    source_data,
    statement_data,
    stored_fields,
)
from tracker.services.saving import (
    DeleteRefused,
    EditConflict,
    ValidationFailed,
    citations,
    delete_record,
    delete_refusal,
)
from tracker.services.sources import save_source
from tracker.services.statements import save_statement
from tracker.web.helpers import record_url, see_other

bp = Blueprint("edit", __name__)

Page = str | Response | tuple[str, int]


def _or_404(record: Any) -> Any:
    if record is None:
        abort(404)
    return record


def _deleted_meanwhile(
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


def _measure(slug: str) -> Measure:
    measure: Measure = _or_404(get_session().scalar(select(Measure).where(Measure.slug == slug)))
    return measure


def _resolver(session: Session) -> Callable[[str, str | None], str]:
    models: dict[str, type[Measure | Organization | Person]] = {
        "organization": Organization,
        "person": Person,
        "measure": Measure,
    }

    def resolve(kind: str, text: str | None) -> str:
        return names.resolve(session, models[kind], text)

    return resolve


def _status(form: forms.TrackerForm) -> int:
    return 422 if form.errors or form.form_errors else 200


def _pickers(session: Session) -> dict[str, Any]:
    return {
        "organization_choices": names.choices(session, Organization),
        "person_choices": names.choices(session, Person),
        "measure_choices": names.choices(session, Measure),
    }


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
    differences = history.changes(kind, current_state, mine)
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
                "differences": differences,
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


def _edit_page(
    kind: str,
    record: Record | None,
    form: forms.EditForm,
    template: str,
    save: Callable[[], Record],
    theirs: Callable[[], dict[str, Any]],
    context: dict[str, Any],
) -> Page:
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
            if isinstance(saved, Event):
                note = event_warnings(saved.measure.events).get(saved.id)
                if note:
                    flash(note, "warning")
            return _saved(message, saved)
    return render_template(template, form=form, conflict=None, **context), _status(form)


@bp.app_template_global()
def new_event_form() -> forms.EventForm:
    """A blank event form for the measure page, where events are added in one step."""
    return forms.EventForm(formdata=None)


# --------------------------------------------------------------------------------------------
# Measures


def _measure_form(measure: Measure | None) -> forms.MeasureForm:
    session = get_session()
    if request.method == "POST" or measure is None:
        form = forms.MeasureForm()
    else:
        form = forms.MeasureForm(data=forms.form_values(measure_data(measure)))
        form.version.data = str(measure.version)
    form.topics.choices = forms.options(
        (topic.slug, topic.name) for topic in session.scalars(select(Topic).order_by(Topic.name))
    )
    return form


@bp.route("/measures/new", methods=["GET", "POST"])
@requires_role("editor")
def new_measure() -> Page:
    session = get_session()
    form = _measure_form(None)
    similar: list[SimilarMeasure] = []
    if form.validate_on_submit() and not form.confirm_new.data:
        data = form.to_data()
        candidate = names.MeasureNames(
            data.country,
            data.title,
            data.short_title,
            data.original_title,
            data.popular_names,
            data.identifier,
        )
        similar = similar_measures(session, candidate)
        if similar:
            # Not an error: show the look-alikes and let the person confirm.
            return render_template(
                "edit/measure.html", form=form, measure=None, similar=similar, conflict=None
            )
    return _edit_page(
        "measure",
        None,
        form,
        "edit/measure.html",
        lambda: save_measure(session, None, form.to_data(), reason=form.reason.data),
        lambda: stored_fields(form.to_data()),
        {"measure": None, "similar": similar},
    )


@bp.route("/measures/<slug>/edit", methods=["GET", "POST"])
@requires_role("editor")
def edit_measure(slug: str) -> Page:
    session = get_session()
    found = session.scalar(select(Measure).where(Measure.slug == slug))
    if found is None:
        form = _measure_form(None)
        context: dict[str, Any] = {"measure": None, "similar": []}
        return _deleted_meanwhile("measure", slug, form, "edit/measure.html", context) or abort(404)
    measure = found
    form = _measure_form(measure)
    return _edit_page(
        "measure",
        measure,
        form,
        "edit/measure.html",
        lambda: save_measure(
            session,
            measure,
            form.to_data(),
            expected_version=form.expected_version(),
            reason=form.reason.data,
        ),
        lambda: stored_fields(form.to_data()),
        {"measure": measure, "similar": []},
    )


# --------------------------------------------------------------------------------------------
# Events


def _event_form(event: Event | None) -> forms.EventForm:
    if request.method == "POST" or event is None:
        return forms.EventForm()
    form = forms.EventForm(data=forms.form_values(event_data(event)))
    form.version.data = str(event.version)
    return form


@bp.route("/measures/<slug>/events/new", methods=["GET", "POST"])
@requires_role("editor")
def new_event(slug: str) -> Page:
    session = get_session()
    measure = _measure(slug)
    form = _event_form(None)
    return _edit_page(
        "event",
        None,
        form,
        "edit/event.html",
        lambda: save_event(session, measure, None, form.to_data(), reason=form.reason.data),
        lambda: stored_fields(form.to_data()),
        {"measure": measure, "event": None},
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@requires_role("editor")
def edit_event(event_id: int) -> Page:
    session = get_session()
    event: Event = _or_404(session.get(Event, event_id))
    form = _event_form(event)
    return _edit_page(
        "event",
        event,
        form,
        "edit/event.html",
        lambda: save_event(
            session,
            event.measure,
            event,
            form.to_data(),
            expected_version=form.expected_version(),
            reason=form.reason.data,
        ),
        lambda: stored_fields(form.to_data()),
        {"measure": event.measure, "event": event},
    )


# --------------------------------------------------------------------------------------------
# Relations


def _relation_form(relation: Relation | None) -> forms.RelationForm:
    if request.method == "POST" or relation is None:
        form = forms.RelationForm()
    else:
        data = relation_data(relation)
        data.target = names.labels(get_session(), Measure, [data.target]).get(data.target, "")
        form = forms.RelationForm(data=forms.form_values(data))
        form.version.data = str(relation.version)
    return form


@bp.route("/measures/<slug>/relations/new", methods=["GET", "POST"])
@requires_role("editor")
def new_relation(slug: str) -> Page:
    session = get_session()
    measure = _measure(slug)
    form = _relation_form(None)
    resolve = _resolver(session)

    def save() -> Record:
        data = form.to_data()
        data.target = resolve("measure", data.target)
        return save_relation(session, measure, None, data, reason=form.reason.data)

    return _edit_page(
        "relation",
        None,
        form,
        "edit/relation.html",
        save,
        lambda: stored_fields(form.to_data()),
        {"measure": measure, "relation": None, **_pickers(session)},
    )


@bp.route("/relations/<int:relation_id>/edit", methods=["GET", "POST"])
@requires_role("editor")
def edit_relation(relation_id: int) -> Page:
    session = get_session()
    relation: Relation = _or_404(session.get(Relation, relation_id))
    form = _relation_form(relation)
    resolve = _resolver(session)

    def save() -> Record:
        data = form.to_data()
        data.target = resolve("measure", data.target)
        return save_relation(
            session,
            relation.subject,
            relation,
            data,
            expected_version=form.expected_version(),
            reason=form.reason.data,
        )

    return _edit_page(
        "relation",
        relation,
        form,
        "edit/relation.html",
        save,
        lambda: stored_fields(form.to_data()),
        {"measure": relation.subject, "relation": relation, **_pickers(session)},
    )


# --------------------------------------------------------------------------------------------
# Statements


def _statement_form(statement: Statement | None, measure: Measure | None = None) -> Any:
    session = get_session()
    if request.method == "POST":
        form = forms.StatementForm()
    elif statement is None:
        form = forms.StatementForm(data={"measures": [measure.slug] if measure else []})
    else:
        data = statement_data(statement)
        # The pickers show names, never slugs (the save reads either).
        shown = names.labels(session, Organization, [data.organization])
        data.organization = shown.get(data.organization, data.organization)
        people = names.labels(session, Person, [data.speaker, *(q.speaker for q in data.quotes)])
        data.speaker = people.get(data.speaker or "", data.speaker)
        for quote in data.quotes:
            quote.speaker = people.get(quote.speaker or "", quote.speaker)
        values = forms.form_values(data)
        values["reacts_to"] = str(values["reacts_to"] or "")
        form = forms.StatementForm(data=values)
        form.version.data = str(statement.version)
    if request.method == "GET":
        for _ in range(2):
            form.quotes.append_entry()
    pickers = _pickers(session)
    form.signatories.choices = forms.options(pickers["organization_choices"])
    form.measures.choices = forms.options(pickers["measure_choices"])
    form.reacts_to.choices = forms.options([("", "No particular event")]) + [
        choice
        for measure_title, events in event_choices(session)
        for choice in forms.options(events, optgroup=measure_title)
    ]
    return form, pickers


@bp.route("/statements/new", methods=["GET", "POST"])
@requires_role("editor")
def new_statement() -> Page:
    session = get_session()
    measure_slug = request.args.get("measure")
    measure = (
        session.scalar(select(Measure).where(Measure.slug == measure_slug))
        if measure_slug
        else None
    )
    form, pickers = _statement_form(None, measure)
    resolve = _resolver(session)
    return _edit_page(
        "statement",
        None,
        form,
        "edit/statement.html",
        lambda: save_statement(session, None, form.to_data(resolve), reason=form.reason.data),
        lambda: stored_fields(form.to_data(resolve)),
        {"statement": None, **pickers},
    )


@bp.route("/statements/<slug>/edit", methods=["GET", "POST"])
@requires_role("editor")
def edit_statement(slug: str) -> Page:
    session = get_session()
    statement: Statement = _or_404(session.scalar(select(Statement).where(Statement.slug == slug)))
    form, pickers = _statement_form(statement)
    resolve = _resolver(session)
    return _edit_page(
        "statement",
        statement,
        form,
        "edit/statement.html",
        lambda: save_statement(
            session,
            statement,
            form.to_data(resolve),
            expected_version=form.expected_version(),
            reason=form.reason.data,
        ),
        lambda: stored_fields(form.to_data(resolve)),
        {"statement": statement, **pickers},
    )


# --------------------------------------------------------------------------------------------
# Organizations and people


@bp.route("/organizations/new", methods=["GET", "POST"])
@requires_role("editor")
def new_organization() -> Page:
    session = get_session()
    form = forms.OrganizationForm()
    return _edit_page(
        "organization",
        None,
        form,
        "edit/organization.html",
        lambda: save_organization(session, None, form.to_data(), reason=form.reason.data),
        lambda: stored_fields(form.to_data()),
        {"organization": None},
    )


@bp.route("/organizations/<slug>/edit", methods=["GET", "POST"])
@requires_role("editor")
def edit_organization(slug: str) -> Page:
    session = get_session()
    org: Organization = _or_404(
        session.scalar(select(Organization).where(Organization.slug == slug))
    )
    if request.method == "POST":
        form = forms.OrganizationForm()
    else:
        values = forms.form_values(organization_data(org))
        values = {key: value or "" for key, value in values.items()}
        form = forms.OrganizationForm(data=values)
        form.version.data = str(org.version)
    return _edit_page(
        "organization",
        org,
        form,
        "edit/organization.html",
        lambda: save_organization(
            session,
            org,
            form.to_data(),
            expected_version=form.expected_version(),
            reason=form.reason.data,
        ),
        lambda: stored_fields(form.to_data()),
        {"organization": org},
    )


@bp.route("/people/new", methods=["GET", "POST"])
@requires_role("editor")
def new_person() -> Page:
    session = get_session()
    form = forms.PersonForm()
    if request.method == "GET" and request.args.get("organization"):
        chosen = request.args["organization"]
        form.organization.data = names.labels(session, Organization, [chosen]).get(chosen, chosen)
    resolve = _resolver(session)
    return _edit_page(
        "person",
        None,
        form,
        "edit/person.html",
        lambda: save_person(session, None, form.to_data(resolve), reason=form.reason.data),
        lambda: stored_fields(form.to_data(resolve)),
        {"person": None, **_pickers(session)},
    )


@bp.route("/people/<slug>/edit", methods=["GET", "POST"])
@requires_role("editor")
def edit_person(slug: str) -> Page:
    session = get_session()
    person: Person = _or_404(session.scalar(select(Person).where(Person.slug == slug)))
    if request.method == "POST":
        form = forms.PersonForm()
    else:
        data = person_data(person)
        shown = names.labels(session, Organization, [data.organization])
        data.organization = shown.get(data.organization or "", data.organization)
        form = forms.PersonForm(data=forms.form_values(data))
        form.version.data = str(person.version)
    resolve = _resolver(session)
    return _edit_page(
        "person",
        person,
        form,
        "edit/person.html",
        lambda: save_person(
            session,
            person,
            form.to_data(resolve),
            expected_version=form.expected_version(),
            reason=form.reason.data,
        ),
        lambda: stored_fields(form.to_data(resolve)),
        {"person": person, **_pickers(session)},
    )


# --------------------------------------------------------------------------------------------
# Sources


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


@bp.route("/sources/new", methods=["GET", "POST"])
@requires_role("editor")
def new_source() -> Page:
    session = get_session()
    form = forms.SourceForm()
    return _edit_page(
        "source",
        None,
        form,
        "edit/source.html",
        lambda: save_source(session, None, form.to_data(), reason=form.reason.data),
        lambda: stored_fields(form.to_data()),
        {"source": None, "citations": 0},
    )


@bp.route("/sources/<int:source_id>/edit", methods=["GET", "POST"])
@requires_role("editor")
def edit_source(source_id: int) -> Page:
    session = get_session()
    source: Source = _or_404(session.get(Source, source_id))
    if request.method == "POST":
        form = forms.SourceForm()
    else:
        values = forms.form_values(source_data(source))
        values["accessed"] = source.accessed
        form = forms.SourceForm(data=values)
        form.version.data = str(source.version)
    return _edit_page(
        "source",
        source,
        form,
        "edit/source.html",
        lambda: save_source(
            session,
            source,
            form.to_data(),
            expected_version=form.expected_version(),
            reason=form.reason.data,
        ),
        lambda: stored_fields(form.to_data()),
        {"source": source, "citations": citations(session, source)},
    )


# --------------------------------------------------------------------------------------------
# Deleting: a confirmation page, then the deletion, which the history can undo


def _consequences(session: Session, record: Record) -> list[str]:
    """What else a deletion takes or unlinks, said before it happens."""
    notes: list[str] = []
    if isinstance(record, Measure):
        events = len(record.events)
        relations = len(record.relations) + len(record.inverse_relations)
        statements = len(record.statements)
        if events:
            notes.append(f"its {events} event{'s' if events != 1 else ''} will be deleted too")
        if relations:
            notes.append(f"{relations} relation{'s' if relations != 1 else ''} to other measures")
        if statements:
            notes.append(
                f"{statements} statement{'s' if statements != 1 else ''} will no longer link to it"
            )
    elif isinstance(record, Event):
        reacting = session.scalar(
            select(func.count())
            .select_from(Statement)
            .where(Statement.reacts_to_event_id == record.id)
        )
        if reacting:
            notes.append(f"{reacting} statement(s) will no longer say they react to it")
    elif isinstance(record, Person):
        speaking = session.scalar(
            select(func.count()).select_from(Statement).where(Statement.speaker_id == record.id)
        )
        quoted = session.scalar(
            select(func.count()).select_from(Quote).where(Quote.speaker_id == record.id)
        )
        if speaking or quoted:
            notes.append(f"{speaking} statement(s) and {quoted} quote(s) will lose their speaker")
    return notes


def _delete_page(record: Record, after: str) -> Page:
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
        consequences=_consequences(session, record),
        back=record_url(kind, record),
    ), (409 if refusal and request.method == "POST" else 200)


@bp.route("/measures/<slug>/delete", methods=["GET", "POST"])
@requires_role("editor")
def delete_measure(slug: str) -> Page:
    measure = get_session().scalar(
        select(Measure)
        .where(Measure.slug == slug)
        .options(selectinload(Measure.events), selectinload(Measure.statements))
    )
    return _delete_page(_or_404(measure), url_for("measures.index"))


@bp.route("/events/<int:event_id>/delete", methods=["GET", "POST"])
@requires_role("editor")
def delete_event(event_id: int) -> Page:
    event: Event = _or_404(get_session().get(Event, event_id))
    return _delete_page(event, url_for("measures.show", slug=event.measure.slug))


@bp.route("/relations/<int:relation_id>/delete", methods=["GET", "POST"])
@requires_role("editor")
def delete_relation(relation_id: int) -> Page:
    relation: Relation = _or_404(get_session().get(Relation, relation_id))
    return _delete_page(relation, url_for("measures.show", slug=relation.subject.slug))


@bp.route("/statements/<slug>/delete", methods=["GET", "POST"])
@requires_role("editor")
def delete_statement(slug: str) -> Page:
    statement = get_session().scalar(select(Statement).where(Statement.slug == slug))
    return _delete_page(_or_404(statement), url_for("statements.index"))


@bp.route("/organizations/<slug>/delete", methods=["GET", "POST"])
@requires_role("editor")
def delete_organization(slug: str) -> Page:
    org = get_session().scalar(select(Organization).where(Organization.slug == slug))
    return _delete_page(_or_404(org), url_for("organizations.index"))


@bp.route("/people/<slug>/delete", methods=["GET", "POST"])
@requires_role("editor")
def delete_person(slug: str) -> Page:
    person = get_session().scalar(select(Person).where(Person.slug == slug))
    return _delete_page(_or_404(person), url_for("organizations.index"))


@bp.route("/sources/<int:source_id>/delete", methods=["GET", "POST"])
@requires_role("editor")
def delete_source(source_id: int) -> Page:
    source = get_session().get(Source, source_id)
    return _delete_page(_or_404(source), url_for("edit.sources"))
