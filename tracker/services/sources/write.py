"""Writing a source (shared by URL: the records that cite one are written by their own saves,
through tracker.services.saving.cite_sources). The shared pieces are in tracker.services.saving."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tracker.dates import PartialDate
from tracker.models import Source
from tracker.services.record_data import SourceData
from tracker.services.saving import (
    ValidationFailed,
    assign,
    check_iso,
    find_sources,
    flush_record,
    new_sources,
    reason_context,
    start_save,
)


def save_source(
    session: Session,
    source: Source | None,
    data: SourceData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Source:
    errors, plain = start_save(source, data, expected_version)
    url = plain["url"]
    published = check_iso(errors, "published", data.published)
    accessed = None
    if data.accessed:
        try:
            accessed = dt.date.fromisoformat(data.accessed)
        except ValueError:
            errors["accessed"] = "Enter the day as YYYY-MM-DD."
    if url and "url" not in errors:
        other = find_sources(session, [url]).get(url)
        if other is not None and other is not source:
            errors["url"] = "This address is already recorded as another source."
    if errors:
        raise ValidationFailed(errors)
    with reason_context(session, reason):
        if source is None:
            assert url is not None  # required above
            source = Source(url=url)
            session.add(source)
            new_sources(session)[url] = source
        assign(
            source,
            {
                **plain,
                "published": (
                    PartialDate(
                        published.year,
                        published.month,
                        published.day,
                        bool(data.published_approximate),
                    )
                    if published is not None
                    else None
                ),
                "accessed": accessed,
            },
        )
        flush_record(session, source)
    return source
