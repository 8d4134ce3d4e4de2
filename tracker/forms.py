"""The web forms (WTForms through Flask-WTF, so every form carries a CSRF token).

Forms read and check what a person typed and turn it into the saves' data objects
(tracker.services.record_data); the saves hold the rules (tracker.services.measures,
statements... on tracker.services.saving), so the JSON API applies the same ones.
A form only declares the fields it reads: anything else posted (``role``, ``version`` of another
record, ``created_by``, ``id``) is ignored.

Long (~750 lines) because every form of the tracker is here, one class each, so that CSRF, the
control-character check and the errors of a service reach every form from one base. Labels,
hints, limits and the order of a record's fields are not written here: they come from
tracker.domain.kinds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar

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
from wtforms.fields.core import UnboundField
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
from tracker.domain import kinds
from tracker.domain.kinds import Kind
from tracker.models import ROLES
from tracker.passwords import MAX_LENGTH, MIN_LENGTH
from tracker.services.record_data import (
    EventData,
    MeasureData,
    OrganizationData,
    PersonData,
    QuoteData,
    RelationData,
    SourceData,
    StatementData,
    stored_fields,
)
from tracker.services.saving import (
    CONTROL_MESSAGE,
    control_character,
    parse_source_lines,
    split_lines,
)
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
        self.data = split_lines(self.typed)

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
        _, _, bad = parse_source_lines("\n".join(self.data or []))
        if bad:
            raise StopValidation(
                "Start each line with a web address (https://...): " + "; ".join(bad[:3])
            )

    def parsed(self) -> tuple[list[str], dict[str, str]]:
        urls, titles, _ = parse_source_lines("\n".join(self.data or []))
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
            code = control_character(field.raw_data or [])
            if code:
                field.errors = [
                    *list(field.errors or []),
                    CONTROL_MESSAGE.format(code=code),
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
# Records: each field's label, hint, limit and whether it is required come from the kind's
# description (tracker.domain.kinds); plain fields (a line, a web address, Markdown) need no
# line here at all: ``record_form`` adds them, and the edit page lays them out in the kind's
# order (``RecordForm.layout``).

_PLAIN_FIELD_CLASSES: dict[str, type[Field]] = {
    "slug": StringField,
    "line": StringField,
    "url": StringField,
    "prose": TextAreaField,
}
_REQUIRED_SHAPES = frozenset({"line", "url", "prose", "ref"})


def described(kind: Kind, name: str, field_class: type[Field] | None = None, **options: Any) -> Any:
    """The form field for one field of a kind, as the kind describes it.

    ``options`` go to the field (``choices``, a ``label`` the form's layout needs instead of
    the described one); a ``description`` given here follows the described hint."""
    described_field = kind[name]
    if field_class is None:
        field_class = _PLAIN_FIELD_CLASSES[described_field.shape]
    validators = list(options.pop("validators", []))
    if described_field.required and described_field.shape in _REQUIRED_SHAPES:
        validators.insert(0, InputRequired())
    if described_field.max_length is not None:
        validators.append(Length(max=described_field.max_length))
    if validators:
        options["validators"] = validators
    hint = options.pop("description", None)
    if described_field.help or hint:
        options["description"] = ": ".join(t for t in (described_field.help, hint) if t)
    return field_class(options.pop("label", described_field.label), **options)


class RecordForm(EditForm):
    """An edit form for one record kind (``KIND``)."""

    KIND: ClassVar[Kind]
    FOLLOWERS: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """Form-only fields laid out right after a described one ("approximate" after "date")."""

    def layout(self) -> list[tuple[Any, dict[str, Any]]]:
        """The fields of the record in the kind's order, each with how it is shown."""
        laid_out: list[tuple[Any, dict[str, Any]]] = []
        for described_field in self.KIND.fields:
            if described_field.name not in self._fields:
                continue
            options: dict[str, Any] = {}
            if described_field.wide:
                options["class_"] = "form-field--wide"
            if described_field.rows:
                options["rows"] = described_field.rows
            if described_field.shape == "url":
                options["type"] = "url"
            if described_field.shape == "count":
                options["min"] = 0
            laid_out.append((self._fields[described_field.name], options))
            for follower in self.FOLLOWERS.get(described_field.name, ()):
                laid_out.append((self._fields[follower], {}))
        return laid_out

    def plain_values(self) -> dict[str, Any]:
        """What was typed in the plain fields, by name."""
        return {f.name: self._fields[f.name].data for f in self.KIND.plain_fields}


F = TypeVar("F", bound=type[RecordForm])


def record_form(form_class: F) -> F:
    """Complete a record form from its kind: a field for each plain field it does not declare,
    and every field in the kind's order (so errors are listed in the order of the page)."""
    kind = form_class.KIND
    for described_field in kind.fields:
        if isinstance(getattr(form_class, described_field.name, None), UnboundField):
            continue  # declared by the form: a shape that needs more than the description
        if described_field.plain or described_field.shape == "slug":
            setattr(form_class, described_field.name, described(kind, described_field.name))
        elif described_field.shape == "visibility":
            setattr(
                form_class,
                described_field.name,
                described(
                    kind,
                    described_field.name,
                    RadioField,
                    choices=options(vocab.VISIBILITIES.items()),
                    default=described_field.default,
                ),
            )
    ordered: list[str] = []
    for described_field in kind.fields:
        ordered.append(described_field.name)
        ordered.extend(form_class.FOLLOWERS.get(described_field.name, ()))
    own = sorted(
        (
            (value.creation_counter, name)
            for name, value in vars(form_class).items()
            if isinstance(value, UnboundField)
        ),
    )
    ordered += [name for _, name in own if name not in ordered]
    first = min((counter for counter, _ in own), default=0)
    for offset, name in enumerate(
        n for n in ordered if isinstance(vars(form_class).get(n), UnboundField)
    ):
        vars(form_class)[name].creation_counter = first + offset
    form_class._unbound_fields = None  # WTForms' cache of the fields' order
    return form_class


@record_form
class MeasureForm(RecordForm):
    KIND = kinds.MEASURE
    FOLLOWERS: ClassVar[Mapping[str, tuple[str, ...]]] = {"topics": ("new_topics",)}

    country = described(KIND, "country", SelectField, choices=country_choices(), default="")
    kind = described(
        KIND,
        "kind",
        SelectField,
        choices=_choices(vocab.MEASURE_KINDS, "Choose a kind"),
        default="",
    )
    popular_names = described(KIND, "popular_names", LinesField)
    topics = described(KIND, "topics", MultiCheckboxField, choices=[])
    new_topics = StringField(
        "Other topics", description="Names of topics not listed above, separated by commas."
    )
    sources = described(KIND, "sources", SourcesField)
    confirm_new = BooleanField("This is a different measure: save it anyway")

    def to_data(self) -> MeasureData:
        urls, titles = self.sources.parsed()
        names = {
            slugify(name): name.strip()
            for name in (self.new_topics.data or "").split(",")
            if name.strip() and slugify(name)
        }
        return MeasureData(
            **self.plain_values(),
            slug=self.slug.data or None,
            country=self.country.data or "",
            kind=self.kind.data or "",
            popular_names=list(self.popular_names.data or []),
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


_VOTES = [Optional(), NumberRange(min=0)]


@record_form
class EventForm(RecordForm):
    KIND = kinds.EVENT
    FOLLOWERS: ClassVar[Mapping[str, tuple[str, ...]]] = {"date": ("approximate",)}

    type = described(KIND, "type", SelectField, choices=_event_type_choices(), default="")
    date = described(KIND, "date", PartialDateField, required=True, description=DATE_HELP)
    approximate = BooleanField("The date is approximate")
    end_date = described(KIND, "end_date", PartialDateField, description=DATE_HELP)
    votes_for = described(KIND, "votes_for", IntegerField, validators=_VOTES)
    # Inside the "Vote" fieldset the short labels read on from "Votes for".
    votes_against = described(
        KIND, "votes_against", IntegerField, validators=_VOTES, label="against"
    )
    votes_abstain = described(
        KIND, "votes_abstain", IntegerField, validators=_VOTES, label="abstaining"
    )
    sources = described(KIND, "sources", SourcesField)

    def to_data(self) -> EventData:
        urls, titles = self.sources.parsed()
        date: PartialDate | None = self.date.data
        end: PartialDate | None = self.end_date.data
        return EventData(
            **self.plain_values(),
            type=self.type.data or "",
            date=date.iso if date else "",
            approximate=bool(self.approximate.data or (date and date.approximate)),
            end_date=end.iso if end else None,
            end_approximate=bool(end and end.approximate),
            votes_for=self.votes_for.data,
            votes_against=self.votes_against.data,
            votes_abstain=self.votes_abstain.data,
            sources=urls,
            source_titles=titles,
        )


@record_form
class RelationForm(RecordForm):
    KIND = kinds.RELATION

    # The form reads as a sentence: "This measure… is modelled on …the measure".
    type = described(
        KIND,
        "type",
        SelectField,
        label="This measure…",
        default="",
        choices=options(
            [("", "Choose a relation")]
            + [(code, kind.label) for code, kind in vocab.RELATION_TYPES.items()]
        ),
    )
    target = described(
        KIND,
        "target",
        PickerField,
        label="…the measure",
        picker_list="measure-choices",
        description="Type part of its title and pick it from the list.",
    )

    def to_data(self) -> RelationData:
        return RelationData(
            **self.plain_values(), type=self.type.data or "", target=self.target.data or ""
        )


class QuoteForm(Form):  # type: ignore[misc]  # a sub-form: the statement form carries the CSRF token
    text = TextAreaField("Quote", render_kw={"rows": 3})
    speaker = PickerField(
        "Speaker",
        picker_list="person-choices",
        description="Leave empty for the statement's speaker.",
    )


@record_form
class StatementForm(RecordForm):
    KIND = kinds.STATEMENT
    FOLLOWERS: ClassVar[Mapping[str, tuple[str, ...]]] = {"date": ("approximate",)}

    organization = described(KIND, "organization", PickerField, picker_list="organization-choices")
    signatories = described(
        KIND, "signatories", SelectMultipleField, choices=[], render_kw={"size": 8}
    )
    speaker = described(KIND, "speaker", PickerField, picker_list="person-choices")
    date = described(KIND, "date", PartialDateField, required=True, description=DATE_HELP)
    approximate = BooleanField("The date is approximate")
    type = described(
        KIND, "type", SelectField, choices=_choices(vocab.STATEMENT_TYPES, "Not stated"), default=""
    )
    stance = described(
        KIND, "stance", SelectField, choices=_choices(vocab.STANCES, "Not stated"), default=""
    )
    asks = described(KIND, "asks", MultiCheckboxField, choices=options(vocab.ASKS.items()))
    measures = described(KIND, "measures", SelectMultipleField, choices=[], render_kw={"size": 8})
    reacts_to = described(KIND, "reacts_to", SelectField, choices=[], default="")
    quotes = FieldList(FormField(QuoteForm), min_entries=1)
    sources = described(KIND, "sources", SourcesField)

    def to_data(self, resolve: Any = lambda kind, text: text) -> StatementData:
        """The data to save; ``resolve(kind, text)`` turns typed names into slugs."""
        urls, titles = self.sources.parsed()
        date: PartialDate | None = self.date.data
        quotes = [
            QuoteData(
                text=(entry.form.text.data or "").strip(),
                speaker=resolve("person", entry.form.speaker.data) or None,
            )
            for entry in self.quotes.entries
            if (entry.form.text.data or "").strip()
        ]
        reacts = self.reacts_to.data
        return StatementData(
            **self.plain_values(),
            slug=self.slug.data or None,
            organization=resolve("organization", self.organization.data),
            signatories=list(self.signatories.data or []),
            speaker=resolve("person", self.speaker.data) or None,
            date=date.iso if date else "",
            approximate=bool(self.approximate.data or (date and date.approximate)),
            type=_blank_to_none(self.type.data),
            stance=_blank_to_none(self.stance.data),
            asks=list(self.asks.data or []),
            visibility=self.visibility.data or "public",
            measures=list(self.measures.data or []),
            reacts_to=int(reacts)
            if reacts and str(reacts).isascii() and str(reacts).isdigit()
            else None,
            quotes=quotes,
            sources=urls,
            source_titles=titles,
        )


@record_form
class OrganizationForm(RecordForm):
    KIND = kinds.ORGANIZATION

    kind = described(
        KIND,
        "kind",
        SelectField,
        choices=_choices(vocab.ORGANIZATION_KINDS, "Not stated"),
        default="",
    )
    country = described(
        KIND, "country", SelectField, choices=country_choices("None or international"), default=""
    )

    def to_data(self) -> OrganizationData:
        return OrganizationData(
            **self.plain_values(),
            slug=self.slug.data or None,
            kind=_blank_to_none(self.kind.data),
            country=_blank_to_none(self.country.data),
            visibility=self.visibility.data or "public",
        )


@record_form
class PersonForm(RecordForm):
    KIND = kinds.PERSON

    organization = described(KIND, "organization", PickerField, picker_list="organization-choices")

    def to_data(self, resolve: Any = lambda kind, text: text) -> PersonData:
        return PersonData(
            **self.plain_values(),
            slug=self.slug.data or None,
            organization=resolve("organization", self.organization.data) or None,
            # Missing from the form (a hand-made request) means no decision: internal.
            visibility=self.visibility.data or "internal",
        )


@record_form
class SourceForm(RecordForm):
    KIND = kinds.SOURCE

    published = described(KIND, "published", PartialDateField, description=DATE_HELP)
    accessed = described(KIND, "accessed", DateField, validators=[Optional()])

    def to_data(self) -> SourceData:
        published: PartialDate | None = self.published.data
        return SourceData(
            **self.plain_values(),
            published=published.iso if published else None,
            published_approximate=bool(published and published.approximate),
            accessed=self.accessed.data.isoformat() if self.accessed.data else None,
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
    values = stored_fields(data)
    values.update(extra)
    return values


def option_list(choices: Iterable[tuple[str, str]]) -> Markup:
    """<option> elements for a <datalist>, escaped."""
    return Markup("").join(
        Markup('<option value="{}">{}</option>').format(value, text) for value, text in choices
    )


# --------------------------------------------------------------------------------------------
# Alerts (tracker.web.alerts)

ALERT_FREQUENCY_CHOICES = (("instant", "At once"), ("daily", "Daily"), ("weekly", "Weekly"))


class FollowForm(TrackerForm):
    """The follow control of a signed-in user: what (hidden) and how often."""

    kind = HiddenField(validators=[InputRequired()])
    target = HiddenField()
    frequency = SelectField(
        "How often", choices=options(ALERT_FREQUENCY_CHOICES), default="instant"
    )
    next = HiddenField()


class SubscribeForm(TrackerForm):
    """An anonymous reader's request for email alerts (double opt-in)."""

    kind = HiddenField(validators=[InputRequired()])
    target = HiddenField()
    email = EmailField(
        "Your email address",
        validators=[InputRequired(message="Enter your email address."), Length(max=320)],
        description="We send a link to confirm. The address is kept only while you follow "
        "something, is never shown to anyone, and is deleted when you unsubscribe.",
    )
    frequency = RadioField("How often", choices=options(ALERT_FREQUENCY_CHOICES), default="instant")


class AlertSettingsForm(TrackerForm):
    """How often one followed item is told, and how far ahead dates coming due."""

    frequency = SelectField("How often", choices=options(ALERT_FREQUENCY_CHOICES))
    due_days = IntegerField(
        "Tell me of dates due within (days)",
        validators=[
            InputRequired(message="Enter a number of days, e.g. 14."),
            NumberRange(min=0, max=366, message="Enter a number of days from 0 to 366."),
        ],
    )


class ConfirmForm(TrackerForm):
    """The button on a confirmation page (a mail scanner's GET changes nothing)."""


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
