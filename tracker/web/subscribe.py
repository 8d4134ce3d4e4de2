"""Feed landing pages: where an "Atom feed" or "Calendar" link on a page leads.

A person who clicks a feed link in a browser gets raw XML or a downloaded .ics file and no idea
what to do with it. The links on the pages lead here instead: a short page that says what the
feed holds, how to subscribe in a feed reader or a calendar, and gives the address to copy.
The feeds themselves keep their addresses (``/feed.atom``, ``/calendar.ics``...), unchanged
for the readers already subscribed, and ``<link rel="alternate">`` still points at them for
the readers and browsers that discover feeds from a page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from tracker.countries import country_name
from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, reader
from tracker.http.links import absolute_url
from tracker.models import Measure

# The phrases that name a list's filters ("country Kyrgyzstan; topic Foreign funding") are the
# ones the feeds' own titles use, so that the page and the feed say the same thing.
from tracker.web.exports import (
    _event_filter_phrases,
    _measure_filter_phrases,
)

bp = Blueprint("subscribe", __name__)

ENTRIES = {"all": "events and statements", "events": "events", "statements": "statements"}


def _args() -> dict[str, Any]:
    """The request's filters, passed on to the feed (never the page number or "as of": a feed
    announces what is new today)."""
    return {key: request.args.getlist(key) for key in request.args if key not in {"page", "as_of"}}


def _measure(slug: str) -> Measure:
    measure = get_session().scalars(reader().select(Measure).where(Measure.slug == slug)).first()
    if measure is None:
        abort(404)
    return measure


@bp.get("/feed")
@public
def feed() -> str:
    """How to follow ``/feed.atom`` with the same filters."""
    entries = request.args.get("entries", "all").strip() or "all"
    if entries not in ENTRIES:
        abort(400, description="entries must be events, statements or all.")
    phrases = _measure_filter_phrases(params.measure_filters())
    return render_template(
        "subscribe/feed.html",
        kind="atom",
        title=f"Follow new {ENTRIES[entries]}",
        holds=f"New {ENTRIES[entries]} as they are recorded, newest first, with their sources",
        phrases=phrases,
        address=absolute_url("exports.feed", **_args()),
    )


@bp.get("/calendar")
@public
def calendar() -> str:
    """How to subscribe to ``/calendar.ics`` with the same filters."""
    phrases = _event_filter_phrases(params.event_filters())
    return render_template(
        "subscribe/feed.html",
        kind="calendar",
        title="Subscribe to the calendar of events",
        holds="Dated events of the measures and the last days of terms in force (a ban "
        "“until 31 March”)",
        phrases=phrases,
        address=absolute_url("exports.calendar", **_args()),
    )


@bp.get("/measures/<slug>/follow")
@public
def measure_feed(slug: str) -> str:
    """How to follow one measure's Atom feed."""
    measure = _measure(slug)
    return render_template(
        "subscribe/feed.html",
        kind="atom",
        measure=measure,
        title=f"Follow {measure.display_title}",
        holds=f"New events and statements about this measure ({country_name(measure.country)})",
        phrases=[],
        address=absolute_url("exports.measure_feed", slug=slug),
    )


@bp.get("/measures/<slug>/calendar")
@public
def measure_calendar(slug: str) -> str:
    """How to subscribe to one measure's calendar."""
    measure = _measure(slug)
    return render_template(
        "subscribe/feed.html",
        kind="calendar",
        measure=measure,
        title=f"Calendar of {measure.display_title}",
        holds=f"Dated events of this measure ({country_name(measure.country)}) and its expiry",
        phrases=[],
        address=absolute_url("exports.measure_calendar", slug=slug),
    )
