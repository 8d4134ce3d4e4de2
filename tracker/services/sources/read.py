"""Naming the source of an event, for explanations that point to one ("per 24.kg")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Event, Source, event_sources


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


def source_namer(session: Session) -> Callable[[_Identified], str | None]:
    """A function naming the first source an event cites, for tracker.status's ``cite``.

    It asks the database only when called: the status explanations that cite a source (a law
    "not yet in force: enters into force on …, per <source>") are few, so a list of a thousand
    measures reads no sources for the others.
    """
    known: dict[int, str | None] = {}

    def name(event: _Identified) -> str | None:
        if event.id not in known:
            source = session.scalars(
                select(Source)
                .join(event_sources, event_sources.c.source_id == Source.id)
                .where(event_sources.c.event_id == event.id)
                .order_by(Source.id)
                .limit(1)
            ).first()
            known[event.id] = source.name if source else None
        return known[event.id]

    return name


def first_source_name(event: Event) -> str | None:
    """The name of the first source of an event whose sources are loaded already."""
    return event.sources[0].name if event.sources else None
