"""What every template may use: labels of codes, dates, country names, Markdown, links."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from flask import Flask, g, redirect, request, url_for
from werkzeug.wrappers.response import Response

from tracker import clock, vocab
from tracker.countries import country_name
from tracker.dates import PartialDate
from tracker.http import params
from tracker.http.access import has_role, reader
from tracker.markup import render_markdown
from tracker.models import Measure, Organization, Person, Statement
from tracker.services import history, organizations


def format_date(value: PartialDate | None, short: bool = False) -> str:
    if value is None:
        return ""
    return value.format_short() if short else value.format()


def format_day(value: dt.date) -> str:
    """A whole day as a reader writes it: "2 April 2024"."""
    return PartialDate.from_date(value).format()


# The query parameters that a page's own links (facet values, active filters, pages, "back to
# today") carry over, for pages that say which they read: a link then never passes on someone's
# tracking parameters (?utm_…, ?fbclid=…), and the page does not read them, so the page cache
# (tracker.http.page_cache) keys it without them. Other pages' links carry every parameter.
LINK_PARAMS: dict[str, tuple[str, ...]] = {
    "measures.index": (*params.MEASURE_FILTER_ARGS, "as_of", "size", "page"),
    "home.index": ("as_of",),
    "countries.show": ("as_of", "page"),
}


def _link_args() -> dict[str, list[str]]:
    """The current request's parameters that its links carry over (read once per request)."""
    found: dict[str, list[str]] | None = g.get("_link_args")
    if found is None:
        kept = LINK_PARAMS.get(request.endpoint or "")
        if kept is None:
            found = request.args.to_dict(flat=False)
        else:
            found = {name: values for name in kept if (values := request.args.getlist(name))}
        g._link_args = found
    return found


def url_with(**changes: Any) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    args = dict(_link_args())
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [value]
    assert request.endpoint is not None  # only called while rendering a routed page
    values: dict[str, Any] = {**(request.view_args or {}), **args}
    return url_for(request.endpoint, **values)


def see_other(url: str) -> Response:
    """Redirect after a successful form (303: the browser follows with a GET)."""
    return redirect(url, 303)


def record_url(record_type: str, record: Any) -> str:
    """The page that shows a record (an event's or a relation's is its measure's page)."""
    if record_type == "measure":
        return url_for("measures.show", slug=record.slug)
    if record_type == "event":
        return url_for("measures.show", slug=record.measure.slug, _anchor=f"event-{record.id}")
    if record_type == "relation":
        return url_for("measures.show", slug=record.subject.slug, _anchor="relations-heading")
    if record_type == "statement":
        return url_for("statements.show", slug=record.slug)
    if record_type == "organization":
        return url_for("organizations.show", slug=record.slug)
    if record_type == "person":
        return url_for("organizations.person", slug=record.slug)
    return url_for("edit.edit_source", source_id=record.id)


def can_edit_records() -> bool:
    """Whether the signed-in user may edit (an editor or an admin)."""
    return has_role("editor")


# The templates ask the request's viewpoint (tracker.http.access.reader: never a 400 of its
# own while a page renders) through these, by the names they have always used.


def reader_sees_internal() -> bool:
    """Whether the reader of this page sees internal records (templates' ``can_see_internal``)."""
    return reader().sees_internal


def reader_may_see(record: Measure | Statement | Organization | Person) -> bool:
    """Whether the reader of this page may see a record (templates' ``may_see``)."""
    return reader().sees(record)


Named = TypeVar("Named", Organization, Person)


def shown_to_reader(record: Named | None) -> Named | None:
    """The organization or person if the reader may see it (templates' ``shown``)."""
    return reader().shown(record)


def name_for_reader(record: Organization | Person | None) -> str | None:
    """Its name, or the neutral wording when the reader may not see it (``name_for``)."""
    return organizations.name_for(record, reader())


def history_url(record_type: str, record: Any) -> str:
    return url_for("history.record", record_type=record_type, record_id=record.id)


_TRACKING = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_hsenc"}
)


def saved_search_key() -> str:
    """This list's path and query for "Save this search", without the parameters that only
    say where a visitor came from (?utm_…, ?fbclid=…). Read from the raw query string, so the
    page cache does not count the page as reading every parameter."""
    pairs = [
        (name, value)
        for name, value in parse_qsl(request.query_string.decode("utf-8", "replace"))
        if name not in _TRACKING and not name.startswith("utm_")
    ]
    return request.path + (f"?{urlencode(pairs)}" if pairs else "")


def query_with(**changes: Any) -> str:
    """Like ``url_with`` for the current path, without routing: facet lists build hundreds of
    links per page, and building each through the URL map cost more than the query did. The
    parameters that do not change are encoded once per request for each set of changed names
    (a facet's links differ only in that facet), so a link costs one small ``urlencode``."""
    cache: dict[frozenset[str], str] | None = g.get("_link_rests")
    if cache is None:
        cache = g._link_rests = {}
    names = frozenset(changes)
    rest = cache.get(names)
    if rest is None:
        kept = {key: values for key, values in _link_args().items() if key not in names}
        rest = cache[names] = urlencode(kept, doseq=True)
    changed = {
        key: [str(v) for v in value] if isinstance(value, list) else [str(value)]
        for key, value in changes.items()
        if value is not None
    }
    query = "&".join(part for part in (rest, urlencode(changed, doseq=True)) if part)
    path = request.script_root + request.path  # wherever the app is mounted
    return f"{path}?{query}" if query else path


def facet_link(name: str, chosen: list[str], value: str) -> str:
    """The link of a facet's value: the list with ``value`` added to the facet's ``chosen``
    values, or taken out if chosen already; back to the first page."""
    values = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
    return query_with(**{name: values or None, "page": None})


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        partial_date=format_date,
        day=format_day,
        country_name=country_name,
        markdown=render_markdown,
    )
    app.jinja_env.globals.update(
        vocab=vocab,
        url_with=url_with,
        query_with=query_with,
        saved_search_key=saved_search_key,
        facet_link=facet_link,
        today=clock.today,
        country_name=country_name,
        can_see_internal=reader_sees_internal,
        may_see=reader_may_see,
        shown=shown_to_reader,
        name_for=name_for_reader,
        record_url=record_url,
        history_url=history_url,
        can_edit_records=can_edit_records,
        revision_author=history.author,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
