"""How records are named, and found again by what people type.

One way to fold a name (case, accents, punctuation and quotes, Cyrillic or Latin letters), so
that "«Закон об иностранных представителях»" and "zakon ob inostrannykh predstaviteliakh", or
"Law No. 72" and "law no 72", compare equal. The forms' pickers, the warning on a new measure
that looks like one already recorded, the import report and the merge pages all use it.

Pickers name records by a label unique among their kind ("Human Rights Watch (HRW)",
"Foreign Representatives Law (2024) (KG)"), never by a slug: the label is what a <datalist>
offers and what a form shows back; a typed slug, label or name (title, short title, popular
name, acronym) finds the record, and a name several records share lists them all.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from text_unidecode import unidecode

from tracker import vocab
from tracker.countries import country_name
from tracker.models import Measure, Organization, Person

Pickable = type[Measure] | type[Organization] | type[Person]

# Words that tell nothing apart in a measure's name: "Law No. 72" and "No. 72" are one law.
MEASURE_STOP_WORDS = frozenset(
    {"the", "of", "on", "a", "an", "and", "to", "in", "law", "bill", "no", "draft"}
)

NOUNS = {Measure: "measure", Organization: "organization", Person: "person"}
PLURALS = {Measure: "measures", Organization: "organizations", Person: "people"}


_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str | None) -> list[str]:
    """The words of a name, lower case, in Latin letters (Cyrillic and other scripts
    transliterated as slugs are, accents dropped), without punctuation or quotes.

    Written out rather than ``slugify(text, separator=" ")``, which gives the same words and
    takes ten times as long: an import folds the names of every measure of its countries.
    """
    if not text:
        return []
    if not text.isascii():
        # NFKD first, as slugify does: "№" becomes "No", "ﬁ" becomes "fi".
        text = unidecode(unicodedata.normalize("NFKD", text))
    return _WORD.findall(text.lower())


def fold(text: str | None) -> str:
    """A name as names are compared: "«Закон» No. 72" -> "zakon no 72"."""
    return " ".join(_words(text))


def measure_key(text: str | None) -> str:
    """A measure's name as look-alikes are compared: folded, without the words every law's
    name has ("law", "the", "no")."""
    return " ".join(word for word in _words(text) if word not in MEASURE_STOP_WORDS)


@dataclass(frozen=True, slots=True)
class Named:
    """A record as pickers and messages name it."""

    slug: str
    label: str
    """Unique among the records of its kind."""
    names: frozenset[str]
    """What it answers to, folded: its name or titles, popular names, acronym."""


def _rows(session: Session, model: Pickable) -> list[tuple[str, str, list[str], list[str]]]:
    """(slug, base label, context that tells namesakes apart, names) of every record."""
    if model is Measure:
        measures = session.execute(
            select(
                Measure.slug,
                Measure.title,
                Measure.short_title,
                Measure.original_title,
                Measure.popular_names,
                Measure.country,
                Measure.kind,
            )
        )
        return [
            (
                slug,
                f"{short or title} ({country})",
                [vocab.MEASURE_KINDS.get(kind, kind), title],
                [title, short or "", original or "", *(popular or [])],
            )
            for slug, title, short, original, popular, country, kind in measures
        ]
    if model is Organization:
        organizations = session.execute(
            select(
                Organization.slug,
                Organization.name,
                Organization.acronym,
                Organization.country,
                Organization.kind,
            )
        )
        return [
            (
                slug,
                f"{name} ({acronym})" if acronym and fold(acronym) != fold(name) else name,
                [
                    country_name(country) if country else "",
                    vocab.ORGANIZATION_KINDS.get(kind, "") if kind else "",
                ],
                [name, acronym or ""],
            )
            for slug, name, acronym, country, kind in organizations
        ]
    people = session.execute(
        select(Person.slug, Person.name, Person.role, Organization.name).outerjoin(
            Person.organization
        )
    )
    return [
        (slug, f"{name}, {org}" if org else name, [role or ""], [name])
        for slug, name, role, org in people
    ]


def named(session: Session, model: Pickable) -> list[Named]:
    """Every record of a kind with its unique label, by label.

    Namesakes (records whose base label is the same) all get what tells them apart: a country,
    a kind or a role when each of them has a different one (or all of it), else their slug, as
    a last resort for records alike in everything, which a merge should join. None of them
    keeps the bare name, so typing the shared name lists them all rather than picking one.
    """
    rows = _rows(session, model)
    groups: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for slug, base, context, _ in rows:
        groups[base.casefold()].append((slug, context))
    bases = {slug: base for slug, base, _, _ in rows}
    labels = dict(bases)
    for members in groups.values():
        if len(members) < 2:
            continue
        stages = max(len(context) for _, context in members)
        tries = [
            *([context[stage] if stage < len(context) else "" for _, context in members]
              for stage in range(stages)),
            [", ".join(filter(None, context)) for _, context in members],
        ]  # fmt: skip
        for values in tries:
            if all(values) and len({value.casefold() for value in values}) == len(values):
                for (slug, _), value in zip(members, values, strict=True):
                    labels[slug] = f"{bases[slug]} · {value}"
                break
        else:
            for slug, _ in members:
                labels[slug] = f"{bases[slug]} [{slug}]"
    found = [
        Named(slug, labels[slug], frozenset(filter(None, map(fold, names))))
        for slug, _, _, names in rows
    ]
    return sorted(found, key=lambda record: (record.label.casefold(), record.slug))


def choices(session: Session, model: Pickable) -> list[tuple[str, str]]:
    """(slug, label) of every record of a kind, by label: what pickers offer."""
    return [(record.slug, record.label) for record in named(session, model)]


def labels(session: Session, model: Pickable, slugs: Iterable[str | None]) -> dict[str, str]:
    """The labels of some records by slug, for forms that show a picked record again."""
    wanted = {slug for slug in slugs if slug}
    if not wanted:
        return {}
    return {record.slug: record.label for record in named(session, model) if record.slug in wanted}


def find(
    session: Session, model: Pickable, text: str | None, exclude: str | None = None
) -> list[Named]:
    """The records a typed text names: its slug, its label, or a name (folded) it answers to;
    several when several answer to that name. ``exclude``: a slug never to find (the record
    a merge page is about, which shares its name with the one to keep)."""
    text = (text or "").strip()
    if not text:
        return []
    records = [record for record in named(session, model) if record.slug != exclude]
    exact = [record for record in records if record.slug == text] or [
        record for record in records if record.label.casefold() == text.casefold()
    ]
    if exact:
        return exact
    key = fold(text)
    return [record for record in records if key and key in record.names]


def resolve(session: Session, model: Pickable, text: str | None) -> str:
    """The slug of the one record a typed text names; otherwise the text itself, which the
    save then reports (``not_found``)."""
    if text and session.scalar(select(model.id).where(model.slug == text.strip())) is not None:
        return text.strip()  # a slug (the API, a restored revision): no need to read them all
    found = find(session, model, text)
    return found[0].slug if len(found) == 1 else (text or "").strip()


def not_found(
    session: Session, model: Pickable, text: str, hint: str = "", exclude: str | None = None
) -> str:
    """Why a typed name picks no record: none has it, or several do (listed by label)."""
    found = find(session, model, text, exclude)
    if len(found) > 1:
        listed = "; ".join(record.label for record in found[:10])
        more = f" and {len(found) - 10} more" if len(found) > 10 else ""
        return (
            f'{len(found)} {PLURALS[model]} are called "{text}": {listed}{more}. '
            "Type or pick the one you mean."
        )
    return f'No {NOUNS[model]} "{text}"{hint}.'


# --------------------------------------------------------------------------------------------
# Look-alike measures


@dataclass(frozen=True, slots=True)
class MeasureNames:
    """What a measure is called, for finding look-alikes before it is saved or imported."""

    country: str
    title: str
    short_title: str | None = None
    original_title: str | None = None
    popular_names: Sequence[str] = ()
    identifier: str | None = None

    @classmethod
    def of(cls, measure: Measure) -> MeasureNames:
        return cls(
            measure.country,
            measure.title,
            measure.short_title,
            measure.original_title,
            tuple(measure.popular_names or ()),
            measure.identifier,
        )

    def keys(self) -> dict[str, str]:
        """Folded name -> the name as written: title, short title, original title, popular
        names (a short title "Foreign Representatives Law (2024)" also without its year)."""
        written = [self.title, self.short_title, self.original_title, *self.popular_names]
        if self.short_title and self.short_title.rstrip().endswith(")"):
            written.append(self.short_title.rsplit("(", 1)[0])
        keys: dict[str, str] = {}
        for text in written:
            key = measure_key(text)
            if key:
                keys.setdefault(key, (text or "").strip())
        return keys

    def identifier_key(self) -> str:
        return measure_key(self.identifier)


@dataclass(frozen=True, slots=True)
class Likeness:
    strength: float
    """2 for the same identifier, 1.5 for a shared name, else how alike the titles are."""
    closeness: float
    """How alike the titles are (0 to 1), to order look-alikes of equal strength."""
    why: str


SIMILAR_TITLES = 0.75


def likeness(new: MeasureNames, old: MeasureNames) -> Likeness | None:
    """Why ``old`` looks like the measure ``new`` (the same country is the caller's to check):
    the same official identifier, a name they share (title, short title, original title or
    popular name, in either's place), or titles at least three quarters alike; None if none."""
    titles = [key for key in (measure_key(new.title), measure_key(new.short_title)) if key]
    theirs = [key for key in (measure_key(old.title), measure_key(old.short_title)) if key]
    closeness = max(
        (difflib.SequenceMatcher(None, a, b).ratio() for a in titles for b in theirs), default=0.0
    )
    identifier = new.identifier_key()
    if identifier and identifier == old.identifier_key():
        return Likeness(2.0, closeness, f"same identifier ({old.identifier})")
    shared = new.keys().keys() & (their_keys := old.keys())
    if shared:
        return Likeness(1.5, closeness, f"same name ({their_keys[min(shared)]})")
    if closeness >= SIMILAR_TITLES:
        return Likeness(closeness, closeness, f"similar title ({closeness:.0%} alike)")
    return None
