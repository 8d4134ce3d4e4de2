"""The web forms (WTForms through Flask-WTF, so every form carries a CSRF token).

Forms read and check what a person typed and turn it into the editing services' data objects;
the services hold the rules (tracker.services.editing), so the JSON API applies the same ones.
A form only declares the fields it reads: anything else posted (``role``, ``version`` of another
record, ``created_by``, ``id``) is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from markupsafe import Markup
from slugify import slugify
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField, EmailField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)
from wtforms.widgets import CheckboxInput, ListWidget

from tracker import vocab
from tracker.countries import all_countries
from tracker.dates import DateParseError, PartialDate
from tracker.models import ROLES
from tracker.passwords import MAX_LENGTH, MIN_LENGTH
from tracker.services import editing
from tracker.services.users import ROLE_LABELS

DATE_HELP = "For example 2023-10, Oct 2023, 25.10.2023, end of March 2024, c. 2013"


class PartialDateField(StringField):  # type: ignore[misc]  # wtforms ships no type hints
    """A date as people type it, down to the year; ``data`` is a PartialDate or None.

    On any error in the form it shows back exactly what was typed, so nothing typed is lost.
    """

    def __init__(self, label: str | None = None, required: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("description", DATE_HELP)
        super().__init__(label, **kwargs)
        self.required = required
        self.typed: str | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.typed = str(valuelist[0]) if valuelist else ""
        self.data = None
        if self.typed.strip():
            try:
                self.data = PartialDate.parse(self.typed)
            except DateParseError as exc:
                raise ValueError(str(exc)) from None

    def process_data(self, value: Any) -> None:
        if isinstance(value, str) and value:
            value = PartialDate.from_iso(value)
        self.data = value if isinstance(value, PartialDate) else None

    def pre_validate(self, form: Any) -> None:
        if self.required and not (self.typed or "").strip() and self.data is None:
            raise StopValidation("Enter a date, even if only the year is known.")

    def _value(self) -> str:
        if self.typed is not None:
            return self.typed
        return self.data.format() if isinstance(self.data, PartialDate) else ""


def dates_read(form: Any) -> list[str]:
    """How each date typed in a different form was read, to say after saving: "Date:
    “end of March 2025” read as 31 March 2025"."""
    notes = []
    for field in form:
        if isinstance(field, PartialDateField) and field.typed and field.data is not None:
            shown = field.data.format()
            if " ".join(field.typed.split()) != shown:
                notes.append(f"{field.label.text}: “{field.typed.strip()}” read as {shown}")
    return notes


class LinesField(TextAreaField):  # type: ignore[misc]  # wtforms ships no type hints
    """A list typed one item per line; ``data`` is the list of non-empty lines."""

    typed: str | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.typed = str(valuelist[0]) if valuelist else ""
        self.data = editing.split_lines(self.typed)

    def process_data(self, value: Any) -> None:
        self.typed = None
        self.data = list(value or [])

    def _value(self) -> str:
        typed = self.typed
        if typed is not None:
            return typed
        return "\n".join(self.data or [])


class SourcesField(LinesField):
    """Web addresses pasted one per line, each optionally followed by a title."""

    def pre_validate(self, form: Any) -> None:
        _, _, bad = editing.parse_source_lines("\n".join(self.data or []))
        if bad:
            raise StopValidation(
                "Start each line with a web address (https://...): " + "; ".join(bad[:3])
            )

    def parsed(self) -> tuple[list[str], dict[str, str]]:
        urls, titles, _ = editing.parse_source_lines("\n".join(self.data or []))
        return urls, titles


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]  # wtforms ships no type hints
    """Several choices shown as checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PickerField(StringField):  # type: ignore[misc]  # wtforms ships no type hints
    """Type part of a name and pick from a <datalist>; the value is a slug (or a name).

    The datalist's id is kept as ``picker_list``, a name of our own: WTForms 3.3 gave every
    field a ``datalist`` method, and a template reading ``field.datalist`` then wrote
    ``list="<bound method …>"`` into every input.
    """

    def __init__(self, label: str | None = None, picker_list: str = "", **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.picker_list = picker_list


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def _blank_to_none(value: Any) -> Any:
    return None if value in ("", None) else value


def options(pairs: Iterable[tuple[Any, Any]], optgroup: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(str(value), str(label), optgroup=optgroup) for value, label in pairs]


def _choices(mapping: Mapping[str, Any], blank: str | None = None) -> list[SelectChoice]:
    items = [(code, str(getattr(label, "label", label))) for code, label in mapping.items()]
    return options([("", blank), *items] if blank is not None else items)


def country_choices(blank: str = "Choose a country") -> list[SelectChoice]:
    return options([("", blank), *all_countries()])


class TrackerForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """The base of every form: CSRF, and errors from a service put next to their fields."""

    class Meta(FlaskForm.Meta):  # type: ignore[misc]  # flask_wtf ships no type hints
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """A form reads the text fields a browser posts (urlencoded or multipart), nothing
            else. Flask-WTF would also read uploaded files (a text field sent as a file reached
            the validators as a file: a 500) and a JSON body (which the sign-in limit, keyed on
            the posted form, did not see)."""
            if formdata is None or hasattr(formdata, "getlist"):
                return formdata  # given by the caller
            return request.form if form.is_submitted() and request.form else None

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, and no hidden control character in anything typed (checked
        here, before a view looks anything up with it)."""
        valid = bool(super().validate(extra_validators))
        for field in self._all_fields():
            code = editing.control_character(field.raw_data or [])
            if code:
                field.errors = [
                    *list(field.errors or []),
                    editing.CONTROL_MESSAGE.format(code=code),
                ]
                valid = False
        return valid

    def _all_fields(self) -> list[Field]:
        fields: list[Field] = []
        for field in self:
            entries = getattr(field, "entries", None)
            if entries is None:
                fields.append(field)
                continue
            for entry in entries:  # a FieldList of sub-forms (quotes) or of fields
                sub = getattr(entry, "form", None)
                fields.extend(list(sub) if sub is not None else [entry])
        return fields

    def add_errors(self, errors: Mapping[str, str]) -> None:
        """Attach a service's ValidationFailed messages to the fields they are about."""
        leftover: list[str] = []
        for key, message in errors.items():
            field = self._field_for(key)
            if field is None:
                leftover.append(message)
            else:
                field.errors = [*list(field.errors or []), message]
        if leftover:
            current: list[str] = list(getattr(self, "form_errors", []))
            self.form_errors = [*current, *leftover]

    def _field_for(self, key: str) -> Field | None:
        if key in self._fields:
            field: Field = self._fields[key]
            return field
        # "quotes-1-speaker" is the speaker field of the second quote.
        parts = key.split("-")
        if len(parts) == 3 and parts[0] in self._fields and parts[1].isdigit():
            entries = getattr(self._fields[parts[0]], "entries", [])
            index = int(parts[1])
            if index < len(entries):
                sub: Field | None = getattr(entries[index].form, parts[2], None)
                return sub
        return None


class EditForm(TrackerForm):
    """A form that changes a record: the version it started from, and why."""

    version = HiddenField()
    reason = StringField(
        "Why this change? (optional)",
        validators=[Optional(), Length(max=2000)],
        description="Shown in the history, e.g. “date corrected from the gazette”.",
    )

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data) if self.version.data else None
        except ValueError:
            return None


# --------------------------------------------------------------------------------------------
# Accounts


class LoginForm(TrackerForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=MAX_LENGTH)])
    next = HiddenField()


_PASSWORD_HELP = (
    f"At least {MIN_LENGTH} characters. A few unrelated words are strong and easy to remember; "
    "common passwords are refused."
)


class PasswordChangeForm(TrackerForm):
    current_password = PasswordField("Current password", validators=[InputRequired()])
    password = PasswordField(
        "New password",
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        description=_PASSWORD_HELP,
    )
    confirm = PasswordField(
        "New password again",
        validators=[InputRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class PasswordResetForm(TrackerForm):
    password = PasswordField(
        "New password",
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        description=_PASSWORD_HELP + " Give it to the person by a safe channel.",
    )
    confirm = PasswordField(
        "New password again",
        validators=[InputRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class UserCreateForm(PasswordResetForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=320)])
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    role = RadioField(
        "Role", choices=options((role, ROLE_LABELS[role]) for role in ROLES), default="editor"
    )


class UserEditForm(TrackerForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=320)])
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    role = RadioField("Role", choices=options((role, ROLE_LABELS[role]) for role in ROLES))
    active = BooleanField(
        "Active", description="An inactive account cannot sign in; its history stays."
    )


# --------------------------------------------------------------------------------------------
# Records


class MeasureForm(EditForm):
    title = StringField("Official title (English)", validators=[InputRequired(), Length(max=1000)])
    country = SelectField("Country", choices=country_choices(), default="")
    kind = SelectField("Kind", choices=_choices(vocab.MEASURE_KINDS, "Choose a kind"), default="")
    short_title = StringField(
        "Short title",
        validators=[Length(max=300)],
        description="For lists and timelines, e.g. “Foreign Representatives Law (2024)”.",
    )
    original_title = StringField("Title in the original language", validators=[Length(max=1000)])
    original_language = StringField(
        "Language code", validators=[Length(max=20)], description="e.g. ru, ky, ka"
    )
    popular_names = LinesField(
        "Popular names", description="One per line, e.g. “foreign agents law”."
    )
    identifier = StringField(
        "Official identifier", validators=[Length(max=300)], description="e.g. Law No. 72"
    )
    originating_body = StringField("Originating body", validators=[Length(max=500)])
    topics = MultiCheckboxField("Topics", choices=[])
    new_topics = StringField(
        "Other topics", description="Names of topics not listed above, separated by commas."
    )
    summary = TextAreaField(
        "Summary",
        description="Markdown: **bold**, *italic*, [link](https://...), lists with “- ”.",
    )
    visibility = RadioField(
        "Visibility", choices=options(vocab.VISIBILITIES.items()), default="public"
    )
    sources = SourcesField(
        "Sources for the measure",
        description="Paste web addresses, one per line; a title may follow the address.",
    )
    slug = StringField(
        "Slug",
        validators=[Length(max=120)],
        description="The record's address; made from the country and title when left empty.",
    )
    confirm_new = BooleanField("This is a different measure: save it anyway")

    def to_data(self) -> editing.MeasureData:
        urls, titles = self.sources.parsed()
        names = {
            slugify(name): name.strip()
            for name in (self.new_topics.data or "").split(",")
            if name.strip() and slugify(name)
        }
        return editing.MeasureData(
            slug=self.slug.data or None,
            title=self.title.data or "",
            country=self.country.data or "",
            kind=self.kind.data or "",
            short_title=self.short_title.data,
            original_title=self.original_title.data,
            original_language=self.original_language.data,
            popular_names=list(self.popular_names.data or []),
            identifier=self.identifier.data,
            originating_body=self.originating_body.data,
            summary=self.summary.data,
            visibility=self.visibility.data or "public",
            topics=[*(self.topics.data or []), *names],
            sources=urls,
            topic_names=names,
            source_titles=titles,
        )


def _event_type_choices() -> list[SelectChoice]:
    return options(
        [("", "Choose what happened"), *((c, t.label) for c, t in vocab.EVENT_TYPES.items())]
    )


class EventForm(EditForm):
    type = SelectField("What happened", choices=_event_type_choices(), default="")
    date = PartialDateField("Date", required=True)
    approximate = BooleanField("The date is approximate")
    end_date = PartialDateField(
        "Until",
        description="For a ban or a term that ends: " + DATE_HELP,
    )
    actor = StringField(
        "Who acted", validators=[Length(max=500)], description="e.g. Jogorku Kenesh, President"
    )
    description = TextAreaField("Description")
    votes_for = IntegerField("Votes for", validators=[Optional(), NumberRange(min=0)])
    votes_against = IntegerField("against", validators=[Optional(), NumberRange(min=0)])
    votes_abstain = IntegerField("abstaining", validators=[Optional(), NumberRange(min=0)])
    sources = SourcesField(
        "Sources",
        description="Paste web addresses, one per line; a title may follow the address.",
    )

    def to_data(self) -> editing.EventData:
        urls, titles = self.sources.parsed()
        date: PartialDate | None = self.date.data
        end: PartialDate | None = self.end_date.data
        return editing.EventData(
            type=self.type.data or "",
            date=date.iso if date else "",
            approximate=bool(self.approximate.data or (date and date.approximate)),
            end_date=end.iso if end else None,
            end_approximate=bool(end and end.approximate),
            actor=self.actor.data,
            description=self.description.data,
            votes_for=self.votes_for.data,
            votes_against=self.votes_against.data,
            votes_abstain=self.votes_abstain.data,
            sources=urls,
            source_titles=titles,
        )


class RelationForm(EditForm):
    type = SelectField(
        "This measure…",
        default="",
        choices=options(
            [("", "Choose a relation")]
            + [(code, kind.label) for code, kind in vocab.RELATION_TYPES.items()]
        ),
    )
    target = PickerField(
        "…the measure",
        picker_list="measure-choices",
        validators=[InputRequired()],
        description="Type part of its title and pick it from the list.",
    )
    note = TextAreaField("Note")

    def to_data(self) -> editing.RelationData:
        return editing.RelationData(
            type=self.type.data or "", target=self.target.data or "", note=self.note.data
        )


class QuoteForm(Form):  # type: ignore[misc]  # a sub-form: the statement form carries the CSRF token
    text = TextAreaField("Quote", render_kw={"rows": 3})
    speaker = PickerField(
        "Speaker",
        picker_list="person-choices",
        description="Leave empty for the statement's speaker.",
    )


class StatementForm(EditForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=1000)])
    organization = PickerField(
        "Organization",
        picker_list="organization-choices",
        validators=[InputRequired()],
        description="Type part of the name and pick it from the list.",
    )
    signatories = SelectMultipleField("Co-signatories", choices=[], render_kw={"size": 8})
    speaker = PickerField("Speaker", picker_list="person-choices")
    date = PartialDateField("Date", required=True)
    approximate = BooleanField("The date is approximate")
    type = SelectField("Type", choices=_choices(vocab.STATEMENT_TYPES, "Not stated"), default="")
    stance = SelectField("Stance", choices=_choices(vocab.STANCES, "Not stated"), default="")
    asks = MultiCheckboxField("Asks for", choices=options(vocab.ASKS.items()))
    url = StringField("Web address of the statement", validators=[Length(max=2000)])
    measures = SelectMultipleField("About the measures", choices=[], render_kw={"size": 8})
    reacts_to = SelectField("Reacting to the event", choices=[], default="")
    summary = TextAreaField("Summary", description="Markdown.")
    quotes = FieldList(FormField(QuoteForm), min_entries=1)
    visibility = RadioField(
        "Visibility", choices=options(vocab.VISIBILITIES.items()), default="public"
    )
    sources = SourcesField(
        "Sources", description="Where the statement was reported, one web address per line."
    )
    slug = StringField(
        "Slug",
        validators=[Length(max=120)],
        description="Made from the organization, date and title when left empty.",
    )

    def to_data(self, resolve: Any = lambda kind, text: text) -> editing.StatementData:
        """The data to save; ``resolve(kind, text)`` turns typed names into slugs."""
        urls, titles = self.sources.parsed()
        date: PartialDate | None = self.date.data
        quotes = [
            editing.QuoteData(
                text=(entry.form.text.data or "").strip(),
                speaker=resolve("person", entry.form.speaker.data) or None,
            )
            for entry in self.quotes.entries
            if (entry.form.text.data or "").strip()
        ]
        reacts = self.reacts_to.data
        return editing.StatementData(
            slug=self.slug.data or None,
            title=self.title.data or "",
            organization=resolve("organization", self.organization.data),
            signatories=list(self.signatories.data or []),
            speaker=resolve("person", self.speaker.data) or None,
            date=date.iso if date else "",
            approximate=bool(self.approximate.data or (date and date.approximate)),
            type=_blank_to_none(self.type.data),
            stance=_blank_to_none(self.stance.data),
            asks=list(self.asks.data or []),
            url=self.url.data,
            summary=self.summary.data,
            visibility=self.visibility.data or "public",
            measures=list(self.measures.data or []),
            reacts_to=int(reacts)
            if reacts and str(reacts).isascii() and str(reacts).isdigit()
            else None,
            quotes=quotes,
            sources=urls,
            source_titles=titles,
        )


class OrganizationForm(EditForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=500)])
    acronym = StringField("Acronym", validators=[Length(max=50)])
    kind = SelectField("Kind", choices=_choices(vocab.ORGANIZATION_KINDS, "Not stated"), default="")
    country = SelectField("Country", choices=country_choices("None or international"), default="")
    url = StringField("Website", validators=[Length(max=2000)])
    visibility = RadioField(
        "Visibility",
        choices=options(vocab.VISIBILITIES.items()),
        default="public",
        description=(
            "Internal keeps the organization off every public page, download and API answer; "
            "a public statement it made or signed then names it as “"
            + vocab.WITHHELD_ORGANIZATION
            + "”. Choose internal for a group that would be at risk if named. Statements it "
            "made before keep their addresses, which begin with its slug: give them a new slug "
            "if that would name it."
        ),
    )
    slug = StringField(
        "Slug", validators=[Length(max=120)], description="Made from the name when left empty."
    )

    def to_data(self) -> editing.OrganizationData:
        return editing.OrganizationData(
            slug=self.slug.data or None,
            name=self.name.data or "",
            acronym=self.acronym.data,
            kind=_blank_to_none(self.kind.data),
            country=_blank_to_none(self.country.data),
            url=self.url.data,
            visibility=self.visibility.data or "public",
        )


class PersonForm(EditForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=300)])
    role = StringField(
        "Role", validators=[Length(max=500)], description="e.g. Central Asia Researcher"
    )
    organization = PickerField("Organization", picker_list="organization-choices")
    visibility = RadioField(
        "Visibility",
        choices=options(vocab.VISIBILITIES.items()),
        default="internal",
        description=(
            "A new person is internal until you decide otherwise: only signed-in users see "
            "them, and a public statement that quotes them says “"
            + vocab.WITHHELD_PERSON
            + "”. Make them public only when they spoke publicly and naming them puts no one "
            "at risk."
        ),
    )
    slug = StringField(
        "Slug", validators=[Length(max=120)], description="Made from the name when left empty."
    )

    def to_data(self, resolve: Any = lambda kind, text: text) -> editing.PersonData:
        return editing.PersonData(
            slug=self.slug.data or None,
            name=self.name.data or "",
            role=self.role.data,
            organization=resolve("organization", self.organization.data) or None,
            # Missing from the form (a hand-made request) means no decision: internal.
            visibility=self.visibility.data or "internal",
        )


class SourceForm(EditForm):
    url = StringField("Web address", validators=[InputRequired(), Length(max=2000)])
    title = StringField("Title", validators=[Length(max=1000)])
    publisher = StringField("Publisher", validators=[Length(max=500)])
    published = PartialDateField("Published")
    accessed = DateField("Accessed on", validators=[Optional()])
    archived_url = StringField(
        "Archived copy", validators=[Length(max=2000)], description="e.g. a Wayback Machine address"
    )

    def to_data(self) -> editing.SourceData:
        published: PartialDate | None = self.published.data
        return editing.SourceData(
            url=self.url.data or "",
            title=self.title.data,
            publisher=self.publisher.data,
            published=published.iso if published else None,
            published_approximate=bool(published and published.approximate),
            accessed=self.accessed.data.isoformat() if self.accessed.data else None,
            archived_url=self.archived_url.data,
        )


class MergeForm(EditForm):
    """Merge the record of the page (its ``version``) into another, picked by name.

    Sent twice: without ``confirm`` it asks for the plan of what will move (the confirm page),
    with it, it merges. ``into_version`` is the version of the survivor the plan was shown for.
    """

    into = PickerField(
        "Merge it into",
        validators=[InputRequired()],
        description="The record that stays: type part of its name and pick it from the list.",
    )
    into_version = HiddenField()
    confirm = HiddenField()

    def survivor_version(self) -> int | None:
        try:
            return int(self.into_version.data) if self.into_version.data else None
        except ValueError:
            return None


def form_values(data: Any, **extra: Any) -> dict[str, Any]:
    """A data object as keyword values for a form (dates as ISO strings, parsed back)."""
    values = editing.stored_fields(data)
    values.update(extra)
    return values


def option_list(choices: Iterable[tuple[str, str]]) -> Markup:
    """<option> elements for a <datalist>, escaped."""
    return Markup("").join(
        Markup('<option value="{}">{}</option>').format(value, text) for value, text in choices
    )


# --------------------------------------------------------------------------------------------
# API tokens

TOKEN_EXPIRY = {"30": "In 30 days", "90": "In 90 days", "365": "In a year", "never": "Never"}


class ApiTokenForm(TrackerForm):
    name = StringField(
        "Name",
        validators=[InputRequired(), Length(max=100)],
        description="What will use it, so that you know which to revoke, e.g. “import script”.",
    )
    scope = RadioField("What it may do", default="read")
    expires = SelectField(
        "Expires",
        choices=options(TOKEN_EXPIRY.items()),
        default="90",
        description="A token that expires limits the harm if it leaks.",
    )
