"""The spread of a kind of law across countries, for the map (/map/): each country's
strongest status among the measures a list selects, and the "modelled on" relations between
countries, as of the reader's day.

"Strongest" orders what a law does to civil society there and then: in force, then enacted
but not in force (not yet, suspended, or its entry into force not recorded), then pending,
then ended (expired, repealed, struck down), then stopped before enactment.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.countries import country_name
from tracker.models import Measure, MeasureStatus, Relation
from tracker.services import status_cache
from tracker.services.as_of import measure_exists
from tracker.services.measures.read import MeasureFilters, select_measures, statuses
from tracker.viewpoint import Viewpoint


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    label: str
    states: tuple[str, ...]


# Strongest first; every state of tracker.vocab.STATES is in exactly one (tests check it).
CATEGORIES = (
    Category("in-force", "In force", ("in-force", "partly-in-force")),
    Category(
        "enacted",
        "Enacted, not in force (not yet, suspended, or not recorded)",
        ("not-yet-in-force", "suspended", "not-recorded"),
    ),
    Category("pending", "Pending", ("pending",)),
    Category(
        "ended",
        "No longer in force (expired, repealed, struck down)",
        ("expired", "no-longer-in-force", "repealed", "struck-down"),
    ),
    Category("stopped", "Stopped before enactment", ("defeated", "withdrawn", "vetoed")),
)
_CATEGORY_OF = {state: category for category in CATEGORIES for state in category.states}
_RANK = {category.code: rank for rank, category in enumerate(CATEGORIES)}


@dataclass(slots=True)
class CountrySpread:
    code: str
    name: str
    counts: Counter[str] = field(default_factory=Counter)
    """Measures by category code."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def strongest(self) -> Category:
        return min(
            (category for category in CATEGORIES if self.counts[category.code]),
            key=lambda category: _RANK[category.code],
        )


@dataclass(frozen=True, slots=True)
class MeasureEnd:
    slug: str
    title: str
    country: str


@dataclass(frozen=True, slots=True)
class Copy:
    """One "modelled on" relation: ``copy`` is modelled on ``model``."""

    model: MeasureEnd
    copy: MeasureEnd


@dataclass(slots=True)
class Arrow:
    """The copies of one country's laws in another country (all relations between them)."""

    source: str
    target: str
    copies: list[Copy]


@dataclass(slots=True)
class Spread:
    as_of: dt.date
    countries: list[CountrySpread]
    """Countries with at least one selected measure, by name."""
    arrows: list[Arrow]
    model_countries: set[str]
    first_year: int | None
    """The year of the earliest recorded event of any measure the reader may see."""

    @property
    def measure_count(self) -> int:
        return sum(country.total for country in self.countries)


def spread(session: Session, filters: MeasureFilters, view: Viewpoint) -> Spread:
    as_of = view.as_of
    selection = select_measures(session, filters, view)
    rows = session.execute(
        selection.ids().add_columns(MeasureStatus.country, MeasureStatus.state)
    ).all()
    if as_of == clock.today():
        # The cached state, except for rows gone stale since (derived just now).
        fresh = status_cache.prepare(session, as_of)
        states = {
            measure_id: (fresh[measure_id].state if measure_id in fresh else state)
            for measure_id, _country, state in rows
        }
    else:
        missing = [measure_id for measure_id, *_ in rows if measure_id not in selection.derived]
        derived = {**selection.derived, **statuses(session, missing, as_of)}
        states = {measure_id: derived[measure_id].state for measure_id, *_ in rows}

    countries: dict[str, CountrySpread] = {}
    for measure_id, country, _state in rows:
        category = _CATEGORY_OF.get(states[measure_id] or "")
        if category is None:  # no event recorded: nothing to say about its force
            continue
        entry = countries.setdefault(country, CountrySpread(country, country_name(country)))
        entry.counts[category.code] += 1

    arrows = _arrows(session, [row[0] for row in rows], view)
    first_year = session.scalar(
        select(func.min(MeasureStatus.first_year)).where(view.visible(MeasureStatus))
    )
    return Spread(
        as_of=as_of,
        countries=sorted(countries.values(), key=lambda c: (c.name.casefold(), c.code)),
        arrows=arrows,
        model_countries={arrow.source for arrow in arrows},
        first_year=first_year,
    )


def _arrows(session: Session, selected: list[int], view: Viewpoint) -> list[Arrow]:
    """The "modelled on" relations whose copy is selected and whose model the reader may see
    and existed on the day, grouped by pair of countries (a law copied within its own country
    draws no arrow)."""
    if not selected:
        return []
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(selected), 500):
        chunk = selected[start : start + 500]
        pairs += [
            (copy_id, model_id)
            for copy_id, model_id in session.execute(
                select(Relation.subject_id, Relation.object_id).where(
                    Relation.type == "modelled-on", Relation.subject_id.in_(chunk)
                )
            )
        ]
    if not pairs:
        return []
    ids = {measure_id for pair in pairs for measure_id in pair}
    ends = {
        measure_id: MeasureEnd(slug, short_title or title, country)
        for measure_id, slug, title, short_title, country in session.execute(
            select(Measure.id, Measure.slug, Measure.title, Measure.short_title, Measure.country)
            .join(MeasureStatus, MeasureStatus.measure_id == Measure.id)
            .where(
                Measure.id.in_(ids),
                view.visible(MeasureStatus),
                measure_exists(view.as_of),
            )
        )
    }
    grouped: dict[tuple[str, str], list[Copy]] = defaultdict(list)
    for copy_id, model_id in pairs:
        model, copy = ends.get(model_id), ends.get(copy_id)
        if model is None or copy is None or model.country == copy.country:
            continue
        grouped[model.country, copy.country].append(Copy(model, copy))
    return [
        Arrow(source, target, sorted(copies, key=lambda c: (c.model.title, c.copy.title)))
        for (source, target), copies in sorted(grouped.items())
    ]
