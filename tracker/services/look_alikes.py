"""Records an import would create that look like records already there: a warning, never a
refusal (two bills may share a title; two people may share a name).

A record of the document is new when no record has its slug. It looks like another when their
names fold alike (tracker.services.names): an organization with the name or acronym of an
existing organization or of another new one, a person with the name of someone in the same
organization, a measure of the same country with a name (title, short title, original title,
popular name) or official identifier of another. One import once created a second "Amnesty
International" (slug ``amnesty``) next to ``amnesty-international``: now the report says so, and
the editor can merge them.

Names are compared by exact folded keys in dictionaries, so a file of a hundred thousand
measures is checked in one pass; the closer "similar title" comparison of the new-measure form
(difflib) is left to that form.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Measure, Organization, Person, SlugRedirect
from tracker.services.names import MeasureNames, fold

# At most this many look-alikes are named for one new record.
SHOWN = 5


@dataclass(frozen=True, slots=True)
class LookAlike:
    path: str
    """Where the new record is in the file: ``organizations[3]``."""
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class _Seen:
    """A record a new one may look like: in the database, or earlier in the file."""

    slug: str
    name: str
    path: str | None = None
    """Where it is in the file, for a record the same import creates."""

    def described(self, what: str) -> str:
        if self.path is None:
            return f'the existing {what} "{self.name}" ({self.slug})'
        return f'{self.path}, "{self.name}" ({self.slug}), also new in this file'


Items = Sequence[tuple[int, Mapping[str, Any]]]
"""The records of one kind in a document: (position in the file, record)."""


def _new(session: Session, model: Any, items: Items) -> list[tuple[int, Mapping[str, Any]]]:
    slugs = [item["slug"] for _, item in items]
    known: set[str] = set()
    for chunk in range(0, len(slugs), 500):
        query = select(model.slug).where(model.slug.in_(slugs[chunk : chunk + 500]))
        known.update(session.scalars(query))
    return [(index, item) for index, item in items if item["slug"] not in known]


class _Index:
    """Folded key -> the records known by it, database first, then the file's new records."""

    def __init__(self) -> None:
        self.by_key: dict[Any, list[tuple[_Seen, str]]] = defaultdict(list)

    def add(self, seen: _Seen, keys: Mapping[Any, str]) -> None:
        for key, why in keys.items():
            self.by_key[key].append((seen, why))

    def matches(self, slug: str, keys: Iterable[Any]) -> list[tuple[_Seen, str]]:
        """The first few records known by any of the keys: a popular name thousands of
        measures share must not make the check quadratic."""
        found: dict[str, tuple[_Seen, str]] = {}
        for key in keys:
            for seen, why in self.by_key.get(key, [])[: SHOWN + 1]:
                if seen.slug != slug:
                    found.setdefault(seen.slug, (seen, why))
        return list(found.values())[:SHOWN]

    def compare(
        self,
        new: Items,
        where: str,
        what: str,
        shown: Callable[[Mapping[str, Any]], str],
        keys: Callable[[Mapping[str, Any]], Mapping[Any, str]],
    ) -> list[LookAlike]:
        """Each new record against those indexed, then indexed itself for the next ones."""
        found: list[LookAlike] = []
        for position, item in new:
            path, name, slug, item_keys = (
                f"{where}[{position}]",
                shown(item),
                item["slug"],
                keys(item),
            )
            found += [
                LookAlike(path, f'"{name}" ({slug}) looks like {seen.described(what)}: {why}')
                for seen, why in self.matches(slug, item_keys)
            ]
            self.add(_Seen(slug, name, path), item_keys)
        return found


def _organization_keys(name: str | None, acronym: str | None) -> dict[str, str]:
    keys: dict[str, str] = {}
    for value, why in ((name, "same name"), (acronym, "same acronym")):
        key = fold(value)
        if key:
            keys.setdefault(key, f"{why} ({value})")
    return keys


def _organizations(session: Session, items: Items) -> list[LookAlike]:
    new = _new(session, Organization, items)
    if not new:
        return []
    index = _Index()
    rows = session.execute(select(Organization.slug, Organization.name, Organization.acronym))
    for slug, name, acronym in rows:
        index.add(_Seen(slug, name), _organization_keys(name, acronym))
    return index.compare(
        new,
        "organizations",
        "organization",
        lambda item: str(item.get("name", "")),
        lambda item: _organization_keys(item.get("name"), item.get("acronym")),
    )


def _person_keys(name: str | None, organization: str | None) -> dict[Any, str]:
    return {(fold(name), organization): "same name and organization"}


def _people(session: Session, items: Items) -> list[LookAlike]:
    new = _new(session, Person, items)
    if not new:
        return []
    index = _Index()
    rows = session.execute(
        select(Person.slug, Person.name, Organization.slug).outerjoin(Person.organization)
    )
    for slug, name, organization in rows:
        index.add(_Seen(slug, name), _person_keys(name, organization))
    return index.compare(
        new,
        "people",
        "person",
        lambda item: str(item.get("name", "")),
        lambda item: _person_keys(item.get("name"), item.get("organization")),
    )


def _measure_keys(names: MeasureNames) -> dict[Any, str]:
    country = (names.country or "").upper()
    keys: dict[Any, str] = {
        (country, "name", key): f"same name ({written})" for key, written in names.keys().items()
    }
    identifier = names.identifier_key()
    if identifier:
        keys[(country, "identifier", identifier)] = f"same identifier ({names.identifier})"
    return keys


def _measures(session: Session, items: Items) -> list[LookAlike]:
    new = _new(session, Measure, items)
    if not new:
        return []
    countries = sorted({str(item.get("country", "")).upper() for _, item in new})
    index = _Index()
    rows = session.execute(
        select(
            Measure.slug,
            Measure.country,
            Measure.title,
            Measure.short_title,
            Measure.original_title,
            Measure.popular_names,
            Measure.identifier,
        ).where(Measure.country.in_(countries))
    )
    for slug, country, title, short, original, popular, identifier in rows:
        names = MeasureNames(country, title, short, original, tuple(popular or ()), identifier)
        index.add(_Seen(slug, short or title), _measure_keys(names))
    return index.compare(
        new,
        "measures",
        "measure",
        lambda item: str(item.get("short_title") or item.get("title", "")),
        lambda item: _measure_keys(
            MeasureNames(
                str(item.get("country", "")),
                str(item.get("title", "")),
                item.get("short_title"),
                item.get("original_title"),
                tuple(item.get("popular_names") or ()),
                item.get("identifier"),
            )
        ),
    )


KINDS: dict[str, tuple[str, Any]] = {
    "organizations": ("organization", Organization),
    "people": ("person", Person),
    "measures": ("measure", Measure),
}
"""The keys of a document whose records may look like others: (kind, model)."""


def _merged_away(session: Session, records: Mapping[str, Items]) -> list[LookAlike]:
    """New records whose slug is the old address of a merged record: importing an old file
    again would bring back a duplicate someone merged."""
    found: list[LookAlike] = []
    for key, (kind, model) in KINDS.items():
        new = {item["slug"]: (index, item) for index, item in _new(session, model, records[key])}
        if not new:
            continue
        redirects = session.execute(
            select(SlugRedirect.old_slug, model.slug)
            .join(model, model.id == SlugRedirect.target_id)
            .where(SlugRedirect.record_type == kind, SlugRedirect.old_slug.in_(list(new)))
        )
        for old_slug, target in redirects:
            index, item = new[old_slug]
            name = item.get("name") or item.get("short_title") or item.get("title", "")
            found.append(
                LookAlike(
                    f"{key}[{index}]",
                    f'"{name}" ({old_slug}) was merged into the {kind} {target}; importing it '
                    "makes the duplicate again",
                )
            )
    return found


def in_dataset(session: Session, records: Mapping[str, Items]) -> list[LookAlike]:
    """The new records of a (valid) document that look like others, in the file's order;
    ``records``: the document's records of each of KINDS (tracker.interchange)."""
    return [
        *_merged_away(session, records),
        *_organizations(session, records["organizations"]),
        *_people(session, records["people"]),
        *_measures(session, records["measures"]),
    ]
