"""Rules of meaning that hold for one record wherever it comes from: a form, the JSON API or a
file. Written once here, so that the saves (tracker.services.saving and each noun's save) and
the validation of a whole file (tracker.interchange.validate, which must judge records that are
not in the database yet) cannot drift apart. Each caller words its own message.
"""

from __future__ import annotations

from collections.abc import Sequence

from tracker.dates import PartialDate


def ends_before_it_starts(start: PartialDate, end: PartialDate) -> bool:
    """An end date wholly before the date (partial dates are spans: "2020" ends on Dec 31)."""
    return end.end < start.start


def shows_where_it_was_made(url: str | None, sources: Sequence[object] | None) -> bool:
    """A statement needs its own web address or at least one source."""
    return bool(url) or bool(sources)


def topic_name(slug: str) -> str:
    """The name of a topic known only by its slug: "freedom-of-assembly", "Freedom of assembly"."""
    return slug.replace("-", " ").capitalize()
