"""Who is reading, and as of which day: the one place that decides what a reader may see.

A ``Viewpoint`` is made once per request (tracker.http) or per command, and handed down to the
services, the exports and the serializers. The public/internal rule for every record kind lives
here and nowhere else: anonymous readers see public records only; signed-in readers (viewers,
editors, admins) and API tokens see internal ones too. Each kind follows the rule the kinds'
description gives it (tracker.domain.kinds: its own visibility, its measure's, or none).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from sqlalchemy import ColumnElement, Select, select, true

from tracker import clock, vocab
from tracker.models import (
    Event,
    Measure,
    MeasureStatus,
    Organization,
    Person,
    Relation,
    Statement,
)

PUBLIC = vocab.VISIBILITY_PUBLIC

Audience = Literal["anonymous", "viewer", "token"]
"""anonymous: anyone; viewer: a signed-in user of any role; token: a caller with an API token."""

Visible = Measure | Statement | Organization | Person
"""The kinds with a visibility of their own."""

R = TypeVar("R", bound=Visible)
M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class Viewpoint:
    """A reader (its audience) looking at the record as it stood on ``as_of``."""

    as_of: dt.date
    audience: Audience = "anonymous"

    @classmethod
    def anonymous(cls, as_of: dt.date | None = None) -> Viewpoint:
        """Anyone, as of ``as_of`` (today when not given)."""
        return cls(as_of or clock.today())

    @classmethod
    def viewer(cls, as_of: dt.date | None = None) -> Viewpoint:
        """A signed-in reader (internal records too), as of ``as_of`` (today when not given):
        editors' own views of a record, and the command line's ``--include-internal``."""
        return cls(as_of or clock.today(), "viewer")

    def on(self, as_of: dt.date) -> Viewpoint:
        """The same reader on another day."""
        return replace(self, as_of=as_of)

    @property
    def sees_internal(self) -> bool:
        """Whether internal records are shown to this reader."""
        return self.audience != "anonymous"

    # -- one record --------------------------------------------------------------------------

    def sees(self, record: Visible | Event | Relation) -> bool:
        """Whether this reader may see the record: by its own visibility, an event by its
        measure's, a relation by both of its measures'."""
        if self.sees_internal:
            return True
        if isinstance(record, Event):
            return is_public(record.measure)
        if isinstance(record, Relation):
            return is_public(record.subject) and is_public(record.object)
        return is_public(record)

    def shown(self, record: R | None) -> R | None:
        """The record if this reader may see it, else None (the reference is withheld)."""
        return record if record is not None and self.sees(record) else None

    def only_seen(self, records: list[R]) -> list[R]:
        """The records of a list this reader may see, in order."""
        return [record for record in records if self.sees(record)]

    # -- in SQL ------------------------------------------------------------------------------

    def visible(
        self, model: type[Visible] | type[MeasureStatus] | Visible | MeasureStatus
    ) -> ColumnElement[bool]:
        """SQL: the rows of ``model`` (a model, an alias, or a status row) this reader may see."""
        if self.sees_internal:
            return true()
        return public(model)

    def select(self, model: type[M]) -> Select[M]:
        """SELECT the rows of a kind with a visibility of its own that this reader may see."""
        return select(model).where(self.visible(model))  # type: ignore[arg-type]


def is_public(record: Visible) -> bool:
    """Whether anonymous readers see a record of a kind with its own visibility."""
    return record.is_public


def public(
    model: type[Visible] | type[MeasureStatus] | Visible | MeasureStatus,
) -> ColumnElement[bool]:
    """SQL: the rows anonymous readers see (a measure's status row carries its visibility)."""
    return model.visibility == PUBLIC  # type: ignore[return-value]
