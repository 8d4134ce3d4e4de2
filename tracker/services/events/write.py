"""Writing events: add an event to a measure or change one (the measure's status follows by
itself), and the events a statement may react to. The shared pieces are in
tracker.services.saving."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from tracker import vocab
from tracker.dates import PartialDate
from tracker.domain.rules import ends_before_it_starts
from tracker.models import Event, Measure
from tracker.services.record_data import EventData
from tracker.services.saving import (
    ValidationFailed,
    assign,
    assign_collection,
    check_iso,
    check_source_urls,
    cite_sources,
    flush_record,
    reason_context,
    start_save,
)

# --------------------------------------------------------------------------------------------
# Events and relations


def save_event(
    session: Session,
    measure: Measure,
    event: Event | None,
    data: EventData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Event:
    """Add an event to a measure, or change one; the measure's status follows by itself."""
    errors, plain = start_save(event, data, expected_version)
    date = check_iso(errors, "date", data.date)
    if not data.date:
        errors["date"] = "Enter the date, even if only the year is known."
    end = check_iso(errors, "end_date", data.end_date)
    if date is not None and end is not None and ends_before_it_starts(date, end):
        errors["end_date"] = f"The end date is before the date ({date.format()})."
    for key in ("votes_for", "votes_against", "votes_abstain"):
        value = getattr(data, key)
        if value is not None and (not isinstance(value, int) or value < 0 or value > 100000):
            errors[key] = "Enter a whole number of votes, or leave it empty."
    with session.no_autoflush:
        check_source_urls(errors, data.sources)
        if errors:
            raise ValidationFailed(errors)
        assert date is not None
        sources = cite_sources(session, data.sources, data.source_titles)
        with reason_context(session, reason):
            values: dict[str, Any] = {
                "type": data.type,
                "date": PartialDate(date.year, date.month, date.day, bool(data.approximate)),
                "end_date": (
                    PartialDate(end.year, end.month, end.day, bool(data.end_approximate))
                    if end is not None
                    else None
                ),
                **plain,
                "votes_for": data.votes_for,
                "votes_against": data.votes_against,
                "votes_abstain": data.votes_abstain,
            }
            if event is None:
                event = Event(**values)
                measure.events.append(event)
            else:
                assign(event, values)
            assign_collection(event, "sources", sources)
            flush_record(session, event)
    return event


# --------------------------------------------------------------------------------------------
# Pickers (the names a person types into them are read by tracker.services.names)


def event_choices(session: Session) -> list[tuple[str, list[tuple[int, str]]]]:
    """Events grouped by measure, for "the event this statement reacts to"."""
    query = (
        select(Event)
        .join(Event.measure)
        .options(contains_eager(Event.measure))
        .order_by(Measure.title, Event.date_iso, Event.id)
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for event in session.scalars(query):
        text = f"{event.date.format_short()}: {vocab.EVENT_TYPES[event.type].label}"
        groups.setdefault(event.measure.display_title, []).append((event.id, text))
    return list(groups.items())
