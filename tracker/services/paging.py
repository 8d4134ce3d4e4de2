"""One page of a list: the items, how many there are in all, which page and how large.

The JSON API's lists page this way (tracker.services.events and .statements); the measure
list has its own MeasurePage, which carries the derived status with each row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int


def page_of(
    session: Session, query: Select[Any], order: Sequence[Any], page: int, size: int
) -> Page[Any]:
    """Page ``page`` (from 1) of ``query`` in ``order``, and the count of the whole query."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.order_by(*order).limit(size).offset((page - 1) * size)))
    return Page(items, total, page, size)
