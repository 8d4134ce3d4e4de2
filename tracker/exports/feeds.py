"""Atom feeds of new events and statements, with feedgen.

Entries are the records most recently added to the tracker, newest first, so a newsroom learns
what changed since it last looked; each says what happened and when (at the date's precision),
to which measure, and where it comes from. Entry ids are ``tag:`` URIs made of the site's host,
the day the record was created and its number: they never change when a title or a slug does, so
a feed reader never shows an entry twice. Summaries are plain text (Markdown removed, nothing a
reader would render as HTML).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tracker import vocab
from tracker.countries import country_name
from tracker.exports.brief import votes_text
from tracker.exports.links import Links, event_link
from tracker.exports.tables import quote_line
from tracker.markup import markdown_to_text
from tracker.models import Event, Statement
from tracker.services.organizations import name_for
from tracker.viewpoint import Viewpoint

INTERNAL_MARK = "[Internal] "
"""Starts the title of a record only signed-in users see: never to be republished."""


@dataclass(frozen=True, slots=True)
class FeedInfo:
    title: str
    subtitle: str
    self_url: str
    page_url: str
    authority: str
    """The host name in the ``tag:`` ids, e.g. ``tracker.example``."""
    site_name: str


def tag_uri(authority: str, created: dt.datetime, what: str) -> str:
    """``tag:tracker.example,2026-11-28:event/12`` (RFC 4151): stable for the record's life."""
    return f"tag:{authority},{created.date().isoformat()}:{what}"


def _event_summary(event: Event) -> str:
    parts = []
    if event.description:
        parts.append(" ".join(event.description.split()))
    if event.end_date:
        parts.append(f"Until {event.end_date.format()}.")
    votes = votes_text(event)
    if votes:
        parts.append(f"Vote: {votes}.")
    if event.sources:
        parts.append("Sources: " + " ".join(source.url for source in event.sources))
    return "\n\n".join(parts)


def _statement_summary(statement: Statement, view: Viewpoint) -> str:
    parts = []
    details = []
    if statement.stance:
        details.append(vocab.STANCES.get(statement.stance, statement.stance))
    if statement.asks:
        asks = ", ".join(vocab.ASKS.get(ask, ask).lower() for ask in statement.asks)
        details.append(f"asks: {asks}")
    if details:
        parts.append("; ".join(details).capitalize() + ".")
    measures = [m.title for m in statement.measures if view.sees(m)]
    if measures:
        parts.append("About: " + "; ".join(measures) + ".")
    summary = markdown_to_text(statement.summary)
    if summary:
        parts.append(summary)
    speaker = statement.speaker
    for quote in statement.quotes:
        who = quote.speaker or speaker
        parts.append(quote_line(quote.text, name_for(who, view)))
    if statement.url:
        parts.append(f"Original: {statement.url}")
    return "\n\n".join(parts)


def render_feed(
    info: FeedInfo,
    events: Sequence[Event],
    statements: Sequence[Statement],
    links: Links,
    view: Viewpoint,
    generated: dt.datetime,
    limit: int = 50,
) -> bytes:
    """The Atom document: the ``limit`` most recently recorded events and statements."""
    from feedgen.feed import FeedGenerator

    items: list[tuple[dt.datetime, int, Event | Statement]] = [
        (event.created_at, event.id, event) for event in events
    ] + [(statement.created_at, statement.id, statement) for statement in statements]
    items.sort(key=lambda item: (item[0], item[1]), reverse=True)
    items = items[:limit]

    feed = FeedGenerator()
    # The feed's id names its address without the host, which the tag's authority names.
    address = urlsplit(info.self_url)
    path = address.path + (f"?{address.query}" if address.query else "")
    feed.id(f"tag:{info.authority},2024:feed{path}")
    feed.title(info.title)
    feed.subtitle(info.subtitle)
    feed.link(href=info.self_url, rel="self", type="application/atom+xml")
    feed.link(href=info.page_url, rel="alternate", type="text/html")
    feed.author({"name": info.site_name})
    feed.generator(info.site_name)
    feed.language("en")
    updated = max((_updated(item) for _, _, item in items), default=generated)
    feed.updated(updated)

    for _, _, item in reversed(items):  # feedgen prepends: add oldest first, newest ends on top
        entry = feed.add_entry()
        if isinstance(item, Event):
            measure = item.measure
            url = event_link(links.measure(measure.slug), item.id)
            past = vocab.EVENT_TYPES[item.type].past
            actor = f" ({item.actor})" if item.actor else ""
            entry.id(tag_uri(info.authority, item.created_at, f"event/{item.id}"))
            mark = "" if measure.is_public else INTERNAL_MARK
            entry.title(f"{mark}{measure.title}: {past} {item.date.phrase()}{actor}")
            entry.link(href=url, rel="alternate", type="text/html")
            entry.summary(_event_summary(item) or past)
            entry.category(term=item.type, label=vocab.EVENT_TYPES[item.type].label)
            entry.category(term=measure.country, label=country_name(measure.country))
        else:
            url = links.statement(item.slug)
            entry.id(tag_uri(info.authority, item.created_at, f"statement/{item.id}"))
            mark = "" if item.is_public else INTERNAL_MARK
            author = name_for(item.organization, view)
            entry.title(f"{mark}{author}: {item.title} ({item.date.format()})")
            # One link only: feedgen 1.0 writes an entry's links without their rel
            # (lkiesow/python-feedgen#135), so a second link would read as another
            # "alternate". The statement's own address is in the summary.
            entry.link(href=url, rel="alternate", type="text/html")
            entry.summary(_statement_summary(item, view) or item.title)
            entry.category(term="statement", label="Statement")
            if item.stance:
                entry.category(term=item.stance, label=vocab.STANCES.get(item.stance))
        entry.published(item.created_at)
        entry.updated(_updated(item))
        entry.author({"name": info.site_name})
    document: bytes = feed.atom_str(pretty=True)
    return document


def _updated(item: Event | Statement) -> dt.datetime:
    return max(item.updated_at, item.created_at)
