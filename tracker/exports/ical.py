"""An iCalendar feed of dated events and upcoming expiries, with the icalendar library.

A calendar cannot say "some day in April 2024", so each date is placed as honestly as the format
allows:

- a date known to the day is an all-day event on that day (``DTSTART;VALUE=DATE``);
- a date known only to the month is an all-day event spanning the whole month, and its title
  starts with the month and says "(day not known)": it is never pinned to the 1st;
- a date known only to the year is left out: a year-long bar says nothing useful in a calendar
  app, and the events list and its downloads have it;
- an approximate date says "c." in the title.

Upcoming expiries are the last day of each current term in force ("until 31 March 2026"),
derived from the events like the status, titled "Expires unless extended". Past events are
CONFIRMED, scheduled ones TENTATIVE; nothing blocks time (TRANSP:TRANSPARENT). UIDs are made of
the record's number and the site's host, so a calendar app updates entries instead of
duplicating them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from tracker import vocab
from tracker.countries import country_name
from tracker.dates import PartialDate, Precision
from tracker.exports.brief import votes_text
from tracker.exports.feeds import INTERNAL_MARK
from tracker.exports.links import Links, event_link
from tracker.models import Event
from tracker.services.events import Expiry
from tracker.status import dated_by


@dataclass(frozen=True, slots=True)
class CalendarInfo:
    name: str
    description: str
    url: str
    authority: str
    site_name: str


def event_span(date: PartialDate) -> tuple[dt.date, dt.date] | None:
    """The all-day span (start, exclusive end) a date covers, or None when it is too coarse
    (a year) or ends on the calendar's last day (no exclusive end can be written)."""
    if date.precision is Precision.YEAR or date.end == dt.date.max:
        return None
    return date.start, date.end + dt.timedelta(days=1)


def _title(event: Event) -> str:
    measure = event.measure
    kind = vocab.EVENT_TYPES[event.type]
    mark = "" if measure.is_public else INTERNAL_MARK
    if event.date.precision is Precision.DAY:
        when = "c. " if event.date.approximate else ""
        return f"{mark}{when}{kind.label}: {measure.title}"
    return f"{mark}{event.date.format()} (day not known): {kind.label}: {measure.title}"


def _description(event: Event, url: str) -> str:
    measure = event.measure
    lines = [
        f"{vocab.EVENT_TYPES[event.type].past} {event.date.phrase()}"
        + (f" ({event.actor})" if event.actor else "")
        + ".",
        f"{country_name(measure.country)} · {vocab.MEASURE_KINDS[measure.kind]}: {measure.title}",
    ]
    if event.date.precision is not Precision.DAY:
        lines.append(
            f"Only the {event.date.precision.value} is known ({event.date.format()}); "
            "this entry spans it."
        )
    if event.description:
        lines.append(" ".join(event.description.split()))
    if event.end_date:
        lines.append(f"Until {event.end_date.format()}.")
    votes = votes_text(event)
    if votes:
        lines.append(f"Vote: {votes}.")
    if event.sources:
        lines.append("Sources: " + " ".join(source.url for source in event.sources))
    lines.append(url)
    return "\n\n".join(lines)


def render_calendar(
    info: CalendarInfo,
    events: Sequence[Event],
    expiries: Sequence[Expiry],
    links: Links,
    today: dt.date,
    generated: dt.datetime,
) -> bytes:
    """The VCALENDAR document."""
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", f"-//{info.site_name}//{info.authority}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", info.name)
    calendar.add("x-wr-caldesc", info.description)
    calendar.add("x-published-ttl", "PT6H")
    calendar.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})

    for event in events:
        span = event_span(event.date)
        if span is None:
            continue
        url = event_link(links.measure(event.measure.slug), event.id)
        entry = CalendarEvent()
        entry.add("uid", f"event-{event.id}@{info.authority}")
        entry.add("dtstamp", max(event.updated_at, event.created_at))
        entry.add("dtstart", span[0])
        entry.add("dtend", span[1])
        entry.add("summary", _title(event))
        entry.add("description", _description(event, url))
        entry.add("url", url)
        entry.add("categories", [vocab.EVENT_TYPES[event.type].label])
        entry.add("status", "CONFIRMED" if dated_by(event.date, today) else "TENTATIVE")
        entry.add("transp", "TRANSPARENT")
        calendar.add_component(entry)

    for expiry in expiries:
        measure = expiry.measure
        url = links.measure(measure.slug)
        last_day = expiry.last_day
        lines = [
            f"{measure.title} ({country_name(measure.country)}) is in force until "
            f"{PartialDate.from_date(last_day).format()}, and expires after that day unless "
            "it is extended.",
            expiry.status.force.explanation,
        ]
        if expiry.granted_by is not None and expiry.granted_by.sources:
            lines.append("Sources: " + " ".join(source.url for source in expiry.granted_by.sources))
        lines.append(url)
        entry = CalendarEvent()
        entry.add("uid", f"expiry-{measure.id}-{last_day.isoformat()}@{info.authority}")
        stamp = expiry.granted_by.updated_at if expiry.granted_by else generated
        entry.add("dtstamp", stamp)
        entry.add("dtstart", last_day)
        entry.add("dtend", last_day + dt.timedelta(days=1))
        mark = "" if measure.is_public else INTERNAL_MARK
        entry.add("summary", f"{mark}Expires unless extended: {measure.title}")
        entry.add("description", "\n\n".join(lines))
        entry.add("url", url)
        entry.add("categories", ["Expiry"])
        entry.add("status", "TENTATIVE")
        entry.add("transp", "TRANSPARENT")
        calendar.add_component(entry)
    document: bytes = calendar.to_ical()
    return document
