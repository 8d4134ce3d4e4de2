"""What the editing pages do differently for each kind of record: one EditKind entry a kind.

An entry says where the kind's pages are, which form it uses and how a stored record fills it,
what the save function of tracker.services.<noun>.write needs besides the form's data (an
event's or a relation's measure), what the page shows besides the form (pickers, the number of
citations), and where a deletion goes. The generic views in tracker.web.editing.views read
nothing else; the fields themselves are described once in tracker.domain.kinds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from tracker import forms
from tracker.models import Event, Measure, Organization, Person, Quote, Statement, Topic
from tracker.services import names
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
    measure_data,
    organization_data,
    person_data,
    relation_data,
    source_data,
    statement_data,
)
from tracker.services.saving import citations
from tracker.services.sources import save_source
from tracker.services.statements import save_statement

Resolve = Callable[[str, str | None], str]
"""Turns a typed name of a kind ("organization", "person", "measure") into its slug."""

Save = Callable[..., Record]
"""save(session, measure, record, data, *, expected_version, reason): the measure is the
record's own for events and relations, None for every other kind."""


def resolver(session: Session) -> Resolve:
    models: dict[str, names.Pickable] = {
        "organization": Organization,
        "person": Person,
        "measure": Measure,
    }

    def resolve(kind: str, text: str | None) -> str:
        return names.resolve(session, models[kind], text)

    return resolve


def pickers(session: Session) -> dict[str, Any]:
    """The <datalist>s of names that the picker fields type into."""
    return {
        "organization_choices": names.choices(session, Organization),
        "person_choices": names.choices(session, Person),
        "measure_choices": names.choices(session, Measure),
    }


def _nothing(*_: Any) -> None:
    return None


def _no_context(_session: Session, _record: Any) -> dict[str, Any]:
    return {}


def _no_consequences(_session: Session, _record: Any) -> list[str]:
    return []


def _read_plain(form: Any, _resolve: Resolve) -> Any:
    return form.to_data()


def _read_resolved(form: Any, resolve: Resolve) -> Any:
    return form.to_data(resolve)


def _own(save: Callable[..., Record]) -> Save:
    """A save function of a kind that stands alone: it takes no measure."""

    def save_alone(session: Session, _measure: Measure | None, *args: Any, **kw: Any) -> Record:
        return save(session, *args, **kw)

    return save_alone


@dataclass(frozen=True)
class EditKind:
    """How the editing pages handle one record kind (see the module docstring)."""

    form: type[forms.RecordForm]
    """The kind's form; its KIND (tracker.domain.kinds) names the kind and its addresses."""
    values: Callable[[Session, Any], Mapping[str, Any]]
    """A stored record's values as its form shows them."""
    save: Save
    after_delete: str
    """The endpoint to go to once the record is deleted (its measure's page for the kinds that
    belong to a measure)."""
    read: Callable[[Any, Resolve], Any] = _read_plain
    """The form's data as the save function takes it, typed names resolved."""
    measure: Callable[[Any], Measure] | None = None
    """The measure a record belongs to, for kinds created from a measure's page."""
    blank: Callable[[Session], Mapping[str, Any] | None] = _nothing
    """What a new form starts with (from the address's query), None for its defaults."""
    prepare: Callable[[Session, Any, Mapping[str, Any]], None] = _nothing
    """Fills a form's choices once it is made (given the pickers, where the kind shows them)."""
    shows_pickers: bool = False
    context: Callable[[Session, Any], dict[str, Any]] = _no_context
    """What the page shows besides the form and the record."""
    look_alikes: Callable[[Session, Any], list[SimilarMeasure]] | None = None
    """Records a new one may repeat: shown for the editor to confirm before it is created."""
    warning: Callable[[Any], str | None] = _nothing
    """A note on a saved record that is flashed with the success message."""
    consequences: Callable[[Session, Any], list[str]] = _no_consequences
    """What else a deletion takes or unlinks, said before it happens."""
    delete_options: tuple[LoaderOption, ...] = ()
    """What the deletion page loads at once, for its consequences."""
    notices_deletion: bool = False
    """Whether a form sent for a record deleted meanwhile gets the conflict page, not a 404."""

    @property
    def name(self) -> str:
        """The record type, as history and tracker.services.record_data name it."""
        return self.form.KIND.name

    @property
    def template(self) -> str:
        return f"edit/{self.name}.html"

    @property
    def url_key(self) -> str:
        """The address's variable: the slug of a kind found by slug, else the id ("event_id")."""
        return "slug" if self.form.KIND.key == "slug" else f"{self.name}_id"

    @property
    def path(self) -> str:
        """The record's address ("/people/<slug>", "/events/<int:event_id>"): its form is at
        path + "/edit", its deletion at path + "/delete"."""
        variable = "slug" if self.url_key == "slug" else f"int:{self.url_key}"
        return f"/{self.form.KIND.plural}/<{variable}>"

    @property
    def new_path(self) -> str:
        """Where a new one is made: "/statements/new", "/measures/<slug>/events/new"."""
        collection = f"/{self.form.KIND.plural}/new"
        return f"/measures/<slug>{collection}" if self.measure else collection

    def after_deleting(self, record: Any) -> str:
        """The page to go to once the record is deleted (read before it is)."""
        if self.measure is not None:
            return url_for("measures.show", slug=self.measure(record).slug)
        return url_for(self.after_delete)

    def find(self, session: Session, key: str | int, *options: LoaderOption) -> Any:
        """The record an address names, or None."""
        model = RECORD_TYPES[self.name]
        if self.url_key == "slug":
            return session.scalar(select(model).where(model.slug == key).options(*options))
        return session.get(model, key)


# --------------------------------------------------------------------------------------------
# Measures


def _values(data: Callable[[Any], Any]) -> Callable[[Session, Any], Mapping[str, Any]]:
    """A stored record's form values, straight from its data."""
    return lambda _session, record: forms.form_values(data(record))


def _measure_topics(session: Session, form: Any, _pickers: Mapping[str, Any]) -> None:
    form.topics.choices = forms.options(
        (topic.slug, topic.name) for topic in session.scalars(select(Topic).order_by(Topic.name))
    )


def _similar_measures(session: Session, form: Any) -> list[SimilarMeasure]:
    data = form.to_data()
    candidate = names.MeasureNames(
        data.country,
        data.title,
        data.short_title,
        data.original_title,
        data.popular_names,
        data.identifier,
    )
    return similar_measures(session, candidate)


def _measure_consequences(_session: Session, measure: Measure) -> list[str]:
    notes: list[str] = []
    events = len(measure.events)
    relations = len(measure.relations) + len(measure.inverse_relations)
    statements = len(measure.statements)
    if events:
        notes.append(f"its {events} event{'s' if events != 1 else ''} will be deleted too")
    if relations:
        notes.append(f"{relations} relation{'s' if relations != 1 else ''} to other measures")
    if statements:
        notes.append(
            f"{statements} statement{'s' if statements != 1 else ''} will no longer link to it"
        )
    return notes


MEASURE = EditKind(
    form=forms.MeasureForm,
    values=_values(measure_data),
    save=_own(save_measure),
    after_delete="measures.index",
    prepare=_measure_topics,
    context=lambda _session, _measure: {"similar": []},
    look_alikes=_similar_measures,
    consequences=_measure_consequences,
    delete_options=(selectinload(Measure.events), selectinload(Measure.statements)),
    notices_deletion=True,
)


# --------------------------------------------------------------------------------------------
# Events and relations: created from their measure's page, shown on it


def _event_warning(event: Event) -> str | None:
    return event_warnings(event.measure.events).get(event.id)


def _event_consequences(session: Session, event: Event) -> list[str]:
    reacting = session.scalar(
        select(func.count()).select_from(Statement).where(Statement.reacts_to_event_id == event.id)
    )
    if reacting:
        return [f"{reacting} statement(s) will no longer say they react to it"]
    return []


EVENT = EditKind(
    form=forms.EventForm,
    values=_values(event_data),
    save=save_event,
    after_delete="measures.show",
    measure=lambda event: event.measure,
    warning=_event_warning,
    consequences=_event_consequences,
)


def _relation_values(session: Session, relation: Any) -> Mapping[str, Any]:
    data = relation_data(relation)
    # The picker shows the target's name, never its slug (the save reads either).
    data.target = names.labels(session, Measure, [data.target]).get(data.target, "")
    return forms.form_values(data)


def _save_relation(
    session: Session, subject: Measure, relation: Any, data: Any, **kw: Any
) -> Record:
    # The target is resolved here, not when the form is read: the conflict page compares
    # what was typed, as it always has.
    data.target = resolver(session)("measure", data.target)
    return save_relation(session, subject, relation, data, **kw)


RELATION = EditKind(
    form=forms.RelationForm,
    values=_relation_values,
    save=_save_relation,
    after_delete="measures.show",
    measure=lambda relation: relation.subject,
    shows_pickers=True,
)


# --------------------------------------------------------------------------------------------
# Statements


def _statement_blank(session: Session) -> Mapping[str, Any]:
    # "Add a statement" on a measure's page chooses that measure already.
    slug = request.args.get("measure")
    measure = session.scalar(select(Measure).where(Measure.slug == slug)) if slug else None
    return {"measures": [measure.slug] if measure else []}


def _statement_values(session: Session, statement: Statement) -> Mapping[str, Any]:
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
    return values


def _statement_choices(session: Session, form: Any, shown: Mapping[str, Any]) -> None:
    if request.method == "GET":
        for _ in range(2):  # room for two more quotes
            form.quotes.append_entry()
    form.signatories.choices = forms.options(shown["organization_choices"])
    form.measures.choices = forms.options(shown["measure_choices"])
    form.reacts_to.choices = forms.options([("", "No particular event")]) + [
        choice
        for measure_title, events in event_choices(session)
        for choice in forms.options(events, optgroup=measure_title)
    ]


STATEMENT = EditKind(
    form=forms.StatementForm,
    values=_statement_values,
    save=_own(save_statement),
    after_delete="statements.index",
    read=_read_resolved,
    blank=_statement_blank,
    prepare=_statement_choices,
    shows_pickers=True,
)


# --------------------------------------------------------------------------------------------
# Organizations and people


def _organization_values(_session: Session, org: Organization) -> Mapping[str, Any]:
    values = forms.form_values(organization_data(org))
    return {key: value or "" for key, value in values.items()}


ORGANIZATION = EditKind(
    form=forms.OrganizationForm,
    values=_organization_values,
    save=_own(save_organization),
    after_delete="organizations.index",
)


def _person_blank(session: Session) -> Mapping[str, Any] | None:
    # "Add a person" on an organization's page chooses that organization already.
    chosen = request.args.get("organization")
    if not chosen:
        return None
    return {"organization": names.labels(session, Organization, [chosen]).get(chosen, chosen)}


def _person_values(session: Session, person: Person) -> Mapping[str, Any]:
    data = person_data(person)
    shown = names.labels(session, Organization, [data.organization])
    data.organization = shown.get(data.organization or "", data.organization)
    return forms.form_values(data)


def _person_consequences(session: Session, person: Person) -> list[str]:
    speaking = session.scalar(
        select(func.count()).select_from(Statement).where(Statement.speaker_id == person.id)
    )
    quoted = session.scalar(
        select(func.count()).select_from(Quote).where(Quote.speaker_id == person.id)
    )
    if speaking or quoted:
        return [f"{speaking} statement(s) and {quoted} quote(s) will lose their speaker"]
    return []


PERSON = EditKind(
    form=forms.PersonForm,
    values=_person_values,
    save=_own(save_person),
    after_delete="organizations.index",
    read=_read_resolved,
    blank=_person_blank,
    shows_pickers=True,
    consequences=_person_consequences,
)


# --------------------------------------------------------------------------------------------
# Sources


def _source_values(_session: Session, source: Any) -> Mapping[str, Any]:
    values = forms.form_values(source_data(source))
    values["accessed"] = source.accessed  # the date itself: the form's field is a date field
    return values


SOURCE = EditKind(
    form=forms.SourceForm,
    values=_source_values,
    save=_own(save_source),
    after_delete="edit.sources",
    context=lambda session, source: {"citations": citations(session, source) if source else 0},
)


EDIT_KINDS: tuple[EditKind, ...] = (
    MEASURE,
    EVENT,
    RELATION,
    STATEMENT,
    ORGANIZATION,
    PERSON,
    SOURCE,
)
