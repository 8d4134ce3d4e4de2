"""Lists counted only up to a cap, a page at a time: the events and the statements pages.

Counting every match of a broad filter cost more than listing a page of them, so past
COUNT_CAP the page says "more than" and offers a next page while the current one is full.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import render_template

from tracker.http import params

# Past this many matches the page says "more than" instead of counting them all.
COUNT_CAP = 10_000


def capped_list(
    template: str,
    rows_name: str,
    per_page: int,
    count: Callable[[int], int],
    fetch: Callable[[int, int], Sequence[Any]],
    **context: Any,
) -> str:
    """The ``?page=`` of a list: ``count(cap)`` counts the matches up to the cap (cap + 1 past
    it), ``fetch(offset, limit)`` lists a page of them, shown to the template as ``rows_name``."""
    page, _ = params.page(default_size=per_page, max_size=per_page)
    total = count(COUNT_CAP)
    rows = fetch((page - 1) * per_page, per_page)
    pages, more = params.pages_of(page, total, len(rows), per_page, COUNT_CAP)
    return render_template(
        template,
        total=total,
        more=more,
        count_cap=COUNT_CAP,
        page=page,
        pages=pages,
        **{rows_name: rows},
        **context,
    )
