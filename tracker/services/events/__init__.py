"""Events: ``read`` lists them (filters, feeds, expiries), ``write`` adds or changes one."""

from __future__ import annotations

from tracker.services.events.read import (
    SOURCE_SEPARATOR,
    EventFilters,
    EventRecord,
    Expiry,
    Query,
    count_events,
    dated_events,
    event_counts,
    event_types_in_use,
    get_event,
    iter_event_records,
    list_events,
    newest_events,
    page_events,
    sources_of_events,
    upcoming_expiries,
)
from tracker.services.events.write import (
    event_choices,
    save_event,
)

__all__ = [
    "SOURCE_SEPARATOR",
    "EventFilters",
    "EventRecord",
    "Expiry",
    "Query",
    "count_events",
    "dated_events",
    "event_choices",
    "event_counts",
    "event_types_in_use",
    "get_event",
    "iter_event_records",
    "list_events",
    "newest_events",
    "page_events",
    "save_event",
    "sources_of_events",
    "upcoming_expiries",
]
