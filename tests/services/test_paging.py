"""One page of a list: the items of that page, in order, and the count of the whole list."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Measure
from tracker.services.paging import page_of

ALL = select(Measure).where(Measure.country == "KG")


def test_pages_split_the_list_in_order_and_count_all_of_it(session: Session) -> None:
    slugs = sorted(session.scalars(ALL.with_only_columns(Measure.slug)))
    first = page_of(session, ALL, [Measure.slug], page=1, size=3)
    second = page_of(session, ALL, [Measure.slug], page=2, size=3)
    assert first.total == second.total == len(slugs)
    assert [m.slug for m in first.items] + [m.slug for m in second.items] == slugs[:6]
    assert (second.page, second.size) == (2, 3)


def test_a_page_past_the_end_is_empty_but_still_counts_the_list(session: Session) -> None:
    past = page_of(session, ALL, [Measure.slug], page=99, size=10)
    assert past.items == []
    assert past.total == len(list(session.scalars(ALL)))
