"""Downloads, briefs, feeds, calendars and citations: the web face of tracker.exports.

URL scheme (every list page links its own):

- list twins: ``/measures.csv``, ``/measures.json``, ``/measures.xlsx`` and the same for
  ``/events.*`` and ``/statements.*``, with exactly the query string of the page (filters and
  ``as_of``); ``?excel=1`` adds the byte-order mark Excel needs to read UTF-8 CSV;
- briefs: ``/measures/<slug>/brief`` (page) and ``/measures/<slug>/brief.pdf|docx|md``; a
  selection: ``/brief?country=KG...`` and ``/brief.pdf?...`` with the measure list's filters;
- the full dataset: ``/data/tracker-dataset.json`` (interchange JSON, re-importable with
  ``tracker import``) and ``/data/tracker-tables.zip`` (CSV tables + datapackage.json);
- feeds: ``/feed.atom`` (with the measure list's filters, ``?entries=events|statements``) and
  ``/measures/<slug>/feed.atom``; calendars: ``/calendar.ics`` and
  ``/measures/<slug>/calendar.ics``;
- citations: ``/measures/<slug>/cite.bib|txt`` and ``/statements/<slug>/cite.bib|txt``.

Views parse the request, call the services and the exports, and set the headers: downloads are
attachments with clear names, anonymous responses may be cached for five minutes, and a
signed-in user's are ``private, no-store`` (as every response to them is: tracker.http.access).

Long (~800 lines) because it is the one web face of every download, each view a few lines of
request parsing and headers; what they write lives in tracker.exports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from markupsafe import Markup
from sqlalchemy.orm import Session

from tracker import clock, vocab
from tracker.countries import country_name
from tracker.db import get_session, session_factory
from tracker.exports import dataset_zip, formats, tables
from tracker.exports.brief import Brief, build_brief
from tracker.exports.brief_html import Download, render_brief_html
from tracker.exports.cells import download_name
from tracker.exports.citation import CitationText, cite_measure, cite_statement
from tracker.exports.feeds import FeedInfo, render_feed
from tracker.exports.formats import Format, Formats
from tracker.exports.ical import CalendarInfo, render_calendar
from tracker.exports.jsonld import measure_jsonld, script_json
from tracker.exports.tables import Row, Table
from tracker.http import params
from tracker.http.access import public, reader, viewpoint
from tracker.http.heavy import heavy
from tracker.http.links import WebLinks, absolute_url, authority
from tracker.interchange import export_chunks
from tracker.models import Measure, Statement
from tracker.services.events import (
    EventFilters,
    count_events,
    dated_events,
    event_counts,
    iter_event_records,
    newest_events,
    upcoming_expiries,
)
from tracker.services.measures import (
    MeasureFilters,
    MeasureView,
    get_measure,
    list_measures,
    topic_names,
)
from tracker.services.statements import (
    StatementFilters,
    count_statements,
    get_statement,
    iter_statements,
    newest_statements,
    statement_counts,
)
from tracker.web.helpers import LINK_PARAMS

bp = Blueprint("exports", __name__)
bp.add_app_template_global(absolute_url, "absolute_url")

FEED_ENTRIES = 50
# Calendar apps slow down on huge files; the events list and its downloads have everything.
CALENDAR_EVENTS = 5000


def site_name() -> str:
    return str(current_app.config.get("SITE_NAME") or "tracker")


def _links() -> WebLinks:
    """Links that keep the "as of" day when the request asks for the past."""
    return WebLinks(params.as_of() if params.is_past_view() else None)


def _as_of_arg() -> str | None:
    return params.as_of().isoformat() if params.is_past_view() else None


def _query_args(drop: Iterable[str] = ("page",)) -> dict[str, Any]:
    """The request's query string, for links to the same list in another format."""
    dropped = set(drop)
    # Only the parameters the page reads, where it says which (helpers.LINK_PARAMS): a download
    # link passes on no tracking parameter, and the page cache keys the page without them.
    kept = LINK_PARAMS.get(request.endpoint or "")
    names = list(request.args) if kept is None else kept
    return {
        key: values for key in names if key not in dropped and (values := request.args.getlist(key))
    }


def _cache(response: Response) -> Response:
    # What an anonymous visitor gets is public and may be cached briefly; a signed-in user's
    # response is made "private, no-store" with every other one (tracker.http.access).
    response.vary.add("Cookie")
    if not reader().sees_internal:
        response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _attachment(body: Any, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return _cache(response)


def _feed_response(body: bytes, content_type: str, filename: str) -> Response:
    """Feeds and calendars are read in place (subscribed to), with conditional GET."""
    response = Response(body, content_type=content_type)
    response.headers.set("Content-Disposition", "inline", filename=filename)
    _cache(response)
    response.add_etag()
    response.make_conditional(request)  # a 304 when the reader already has this version
    return response


def _batched(chunks: Iterable[str], size: int = 64 * 1024) -> Iterator[bytes]:
    pending: list[str] = []
    length = 0
    for chunk in chunks:
        pending.append(chunk)
        length += len(chunk)
        if length >= size:
            yield "".join(pending).encode("utf-8")
            pending.clear()
            length = 0
    yield "".join(pending).encode("utf-8")


def _generated() -> dt.datetime:
    return clock.now().replace(microsecond=0)


# -- describing filters -----------------------------------------------------------------------


def _topic_names(slugs: Iterable[str]) -> list[str]:
    wanted = list(slugs)
    names = topic_names(get_session(), wanted, reader())
    return [names.get(slug, slug) for slug in wanted]


def _measure_filter_phrases(filters: MeasureFilters) -> list[str]:
    phrases = []
    if filters.countries:
        phrases.append("country " + ", ".join(country_name(c) for c in filters.countries))
    if filters.topics:
        phrases.append("topic " + ", ".join(_topic_names(filters.topics)))
    if filters.kinds:
        phrases.append("kind " + ", ".join(vocab.MEASURE_KINDS[k] for k in filters.kinds))
    if filters.states:
        phrases.append("status " + ", ".join(vocab.STATES[s] for s in filters.states))
    if filters.years:
        phrases.append("first recorded in " + ", ".join(str(year) for year in filters.years))
    if filters.query:
        # The words are searched as the search page searches them (titles in every language,
        # popular names, summary), not in the title alone.
        phrases.append(f"matching “{filters.query}”")
    return phrases


def _event_filter_phrases(filters: EventFilters) -> list[str]:
    phrases = _measure_filter_phrases(filters.measures)
    if filters.measure:
        phrases.append(f"measure {filters.measure}")
    if filters.types:
        phrases.append("event " + ", ".join(vocab.EVENT_TYPES[t].label for t in filters.types))
    if filters.start:
        phrases.append(f"from {filters.start.isoformat()}")
    if filters.end:
        phrases.append(f"to {filters.end.isoformat()}")
    return phrases


def _statement_filter_phrases(filters: StatementFilters) -> list[str]:
    phrases = []
    if filters.countries:
        phrases.append("country " + ", ".join(country_name(c) for c in filters.countries))
    if filters.topics:
        phrases.append("topic " + ", ".join(_topic_names(filters.topics)))
    if filters.organizations:
        phrases.append("organization " + ", ".join(filters.organizations))
    if filters.stances:
        phrases.append("stance " + ", ".join(vocab.STANCES[s] for s in filters.stances))
    if filters.types:
        phrases.append("type " + ", ".join(vocab.STATEMENT_TYPES[t] for t in filters.types))
    if filters.measure:
        phrases.append(f"measure {filters.measure}")
    if filters.start:
        phrases.append(f"from {filters.start.isoformat()}")
    if filters.end:
        phrases.append(f"to {filters.end.isoformat()}")
    return phrases


def _filter_echo() -> dict[str, list[str]]:
    """The filters as the query string gave them (for the JSON envelope and the XLSX)."""
    return {
        key: [value for raw in values for value in raw.split(",") if value.strip()]
        for key, values in _query_args(("page", "excel", "as_of")).items()
    }


def _name_parts(*groups: Iterable[str]) -> list[str]:
    return [value for group in groups for value in group]


# -- list twins -------------------------------------------------------------------------------


def _streamed(produce: Callable[[Session], Iterable[bytes]]) -> Iterator[bytes]:
    """A response body made while it is sent, inside the request's context.

    The body is read after the view has returned, when the request's session has been
    committed and closed, so it reads with a session of its own, closed when the stream ends
    or when the client goes away (the server then closes the body). Records must be read
    inside ``produce``, not in the view.
    """

    def generate() -> Iterator[bytes]:
        session = session_factory()()
        try:
            yield from produce(session)
        finally:
            session.close()

    return stream_with_context(generate())


Counted = tuple[Callable[[], int], Iterable[Row]]
"""How many rows there are (asked only by JSON and XLSX), and the rows."""


@dataclass(frozen=True, slots=True)
class ListDownload:
    """A list as a download asks for it: what each format's writer reads."""

    table: Table
    load: Callable[[Session], Counted]
    # The rows already as CSV lines, when a list is large enough to need it.
    csv_lines: Callable[[Session], Iterable[str]] | None
    as_of: dt.date
    page_url: str
    phrases: list[str]


def _write_csv(download: ListDownload) -> Iterable[bytes]:
    excel = request.args.get("excel", "").lower() in {"1", "true", "yes"}
    table, load, csv_lines = download.table, download.load, download.csv_lines

    def produce(session: Session) -> Iterator[bytes]:
        if csv_lines is not None:
            yield from tables.csv_lines_stream(table, csv_lines(session), excel)
        else:
            yield from tables.csv_stream(table, load(session)[1], excel)

    return _streamed(produce)


def _write_json(download: ListDownload) -> Iterable[bytes]:
    generated = _generated()
    filters = _filter_echo()
    table = download.table

    def produce(session: Session) -> Iterator[bytes]:
        total, rows = download.load(session)
        envelope = {
            "total": total(),
            "as_of": download.as_of.isoformat(),
            "generated": generated.isoformat(),
            "filters": filters,
            "page": download.page_url,
            "columns": [
                {"name": c.name, "type": c.type, "description": c.description}
                for c in table.columns
            ],
        }
        yield from tables.json_stream(table, rows, envelope)

    return _streamed(produce)


def _write_xlsx(download: ListDownload) -> Iterable[bytes]:
    generated = _generated()
    table = download.table
    total, rows = download.load(get_session())
    count = total()
    about = [
        ("Title", f"{site_name()}: {table.title.lower()}"),
        ("As of", download.as_of.isoformat()),
        ("Generated", generated.isoformat()),
        ("Filters", "; ".join(download.phrases) or "none"),
        ("Rows", str(count)),
        ("Page", download.page_url),
        (
            "Dates",
            "Written at their precision (2024, 2024-04, 2024-04-02) with the first and last "
            "day they could be. Text beginning with =, +, -, @ gets a leading apostrophe so "
            "that it is never run as a formula.",
        ),
    ]
    try:
        handle = tables.xlsx_file(table, rows, about, expected_rows=count)
    except tables.TooManyRows as exc:
        abort(400, description=str(exc))

    def send() -> Iterator[bytes]:
        # A generator rather than send_file: the temporary file is closed as soon as it is
        # sent, or when the client goes away (the server closes the body).
        try:
            while chunk := handle.read(64 * 1024):
                yield chunk
        finally:
            handle.close()

    return send()


# The twins of every list page; a new format is one more entry here.
LISTS: Formats[Callable[[ListDownload], Iterable[bytes]]] = Formats(
    Format("csv", formats.CSV, "CSV", _write_csv),
    Format("json", formats.JSON, "JSON", _write_json),
    Format("xlsx", formats.XLSX, "XLSX", _write_xlsx),
)


def _table_response(
    table: Table,
    fmt: str,
    load: Callable[[Session], Counted],
    *,
    stem: str,
    parts: list[str],
    phrases: list[str],
    page_endpoint: str,
    csv_lines: Callable[[Session], Iterable[str]] | None = None,
) -> Response:
    view = viewpoint()
    as_of = view.as_of
    if view.sees_internal:
        parts = [*parts, "including-internal"]  # a name that warns before the file is shared
    filename = download_name(stem, parts, as_of, fmt)
    page_url = absolute_url(page_endpoint, **_query_args(("page", "excel")))
    writer = LISTS[fmt]
    download = ListDownload(table, load, csv_lines, as_of, page_url, phrases)
    return _attachment(writer.write(download), writer.media_type, filename)


@bp.get(f"/measures.{LISTS.route}")
@public
def measures_table(fmt: str) -> Response:
    view = viewpoint()
    filters = params.measure_filters()
    links = _links()

    def load(session: Session) -> Counted:
        listed = list_measures(session, filters, view)
        ids = [row.measure.id for row in listed]
        events = event_counts(session, ids, view.as_of)
        statements = statement_counts(session, ids, view)
        return lambda: len(listed), tables.measure_rows(listed, links, events, statements)

    return _table_response(
        tables.MEASURES,
        fmt,
        load,
        stem="measures",
        parts=_name_parts(
            filters.countries,
            filters.topics,
            filters.kinds,
            filters.states,
            (str(year) for year in filters.years),
        ),
        phrases=_measure_filter_phrases(filters),
        page_endpoint="measures.index",
    )


@bp.get(f"/events.{LISTS.route}")
@public
def events_table(fmt: str) -> Response:
    view = viewpoint()
    filters = params.event_filters()
    links = _links()
    measures = filters.measures

    def load(session: Session) -> Counted:
        records = iter_event_records(session, filters, view)
        return (
            lambda: count_events(session, filters, view),
            tables.event_rows(records, links),
        )

    return _table_response(
        tables.EVENTS,
        fmt,
        load,
        stem="events",
        parts=_name_parts(
            measures.countries,
            [filters.measure] if filters.measure else [],
            measures.topics,
            filters.types,
        ),
        phrases=_event_filter_phrases(filters),
        page_endpoint="events.index",
        csv_lines=lambda session: tables.event_csv_lines(
            iter_event_records(session, filters, view), links
        ),
    )


@bp.get(f"/statements.{LISTS.route}")
@public
def statements_table(fmt: str) -> Response:
    view = viewpoint()
    filters = params.statement_filters()
    links = _links()

    def load(session: Session) -> Counted:
        listed = iter_statements(session, view, filters)
        return (
            lambda: count_statements(session, view, filters),
            tables.statement_rows(listed, links, view),
        )

    return _table_response(
        tables.STATEMENTS,
        fmt,
        load,
        stem="statements",
        parts=_name_parts(filters.countries, filters.organizations, filters.stances),
        phrases=_statement_filter_phrases(filters),
        page_endpoint="statements.index",
    )


# -- briefs -----------------------------------------------------------------------------------


# What a brief of a selection is made from; its permalink and its cached copies keep only these.
BRIEF_ARGS = (*params.MEASURE_FILTER_ARGS, "as_of")


def _brief_args() -> dict[str, Any]:
    return {key: values for key, values in _query_args().items() if key in BRIEF_ARGS}


def _downloads(endpoint: str, **values: Any) -> list[Download]:
    args = _brief_args()
    return [
        (brief.label, url_for(endpoint, fmt=brief.name, **values, **args), brief.media_type)
        for brief in formats.BRIEFS
    ]


def _measure_view(slug: str) -> MeasureView:
    found = get_measure(get_session(), slug, viewpoint())
    if found is None:
        abort(404)
    return found


def _measure_brief(slug: str) -> Brief:
    found = _measure_view(slug)
    measure = found.measure
    links = _links()
    description = f"{country_name(measure.country)} · {vocab.MEASURE_KINDS[measure.kind]}"
    if measure.identifier:
        description += f" · {measure.identifier}"
    return build_brief(
        [found],
        links,
        title=measure.title,
        description=description,
        url=links.measure(measure.slug),
        site_name=site_name(),
        view=viewpoint(),
    )


def _selection_brief() -> Brief:
    session = get_session()
    view = viewpoint()
    filters = params.measure_filters()
    rows = list_measures(session, filters, view)
    most = int(current_app.config["BRIEF_MAX_MEASURES"])
    if len(rows) > most:
        abort(
            400,
            description=(
                f"These filters select {len(rows)} measures; a brief covers at most {most}. "
                "Narrow them (by country, topic or status), or download the list as a "
                "spreadsheet."
            ),
        )
    views = [get_measure(session, row.measure.slug, view) for row in rows]
    countries = [country_name(code) for code in filters.countries]
    title = "Measures in " + " and ".join(countries) if countries else "Measures"
    phrases = _measure_filter_phrases(filters)
    description = (
        "Selected by " + "; ".join(phrases) + "." if phrases else "Every measure in the tracker."
    )
    return build_brief(
        [found for found in views if found is not None],
        _links(),
        title=title,
        description=description,
        url=absolute_url("exports.selection_brief", **_brief_args()),
        site_name=site_name(),
        view=view,
    )


def _brief_file(brief: Brief, fmt: str, name: str) -> Response:
    parts = [name, "including-internal"] if brief.has_internal else [name]
    filename = download_name("brief", parts, brief.as_of, fmt)
    writer = formats.BRIEFS[fmt]
    return _attachment(writer.write(brief), writer.media_type, filename)


def _brief_page(brief: Brief, downloads: list[Download], back_url: str) -> Response:
    html = render_brief_html(brief, downloads=downloads, back_url=back_url)
    return _cache(Response(html, content_type="text/html; charset=utf-8"))


@bp.get("/measures/<slug>/brief")
@public
def measure_brief(slug: str) -> Response:
    brief = _measure_brief(slug)
    back = url_for("measures.show", slug=slug, as_of=_as_of_arg())
    return _brief_page(brief, _downloads("exports.measure_brief_file", slug=slug), back)


@bp.get(f"/measures/<slug>/brief.{formats.BRIEFS.route}")
@public
@heavy(params=("as_of",))
def measure_brief_file(slug: str, fmt: str) -> Response:
    return _brief_file(_measure_brief(slug), fmt, slug)


@bp.get("/brief")
@public
def selection_brief() -> Response:
    brief = _selection_brief()
    back = url_for("measures.index", **_query_args())
    return _brief_page(brief, _downloads("exports.selection_brief_file"), back)


@bp.get(f"/brief.{formats.BRIEFS.route}")
@public
@heavy(params=BRIEF_ARGS)
def selection_brief_file(fmt: str) -> Response:
    filters = params.measure_filters()
    name = "-".join(_name_parts(filters.countries, filters.topics, filters.states)) or "measures"
    return _brief_file(_selection_brief(), fmt, name)


# -- the full dataset -------------------------------------------------------------------------


@bp.get("/data/")
@public
def data_page() -> str:
    return render_template(
        "exports/data.html",
        tables=(tables.MEASURES, tables.EVENTS, tables.STATEMENTS),
        resources=dataset_zip.RESOURCES,
        internal=reader().sees_internal,
        as_of=clock.today(),
    )


def _dataset_name(stem: str, extension: str) -> str:
    parts = ["including-internal"] if reader().sees_internal else []
    return download_name(stem, parts, clock.today(), extension)


@bp.get("/data/tracker-dataset.json")
@public
@heavy()
def dataset_json() -> Response:
    """Everything the reader may see, in the interchange format ``tracker import`` reads."""
    view, today = reader(), clock.today()  # the whole dataset as it stands: no day of its own
    body = _streamed(lambda session: _batched(export_chunks(session, view, as_of=today)))
    return _attachment(body, formats.JSON, _dataset_name("tracker-dataset", "json"))


@bp.get("/data/tracker-tables.zip")
@public
@heavy()
def dataset_tables() -> Response:
    view, links, name = reader(), WebLinks(), site_name()
    body = _streamed(lambda session: dataset_zip.zip_stream(session, links, view, name))
    return _attachment(body, formats.ZIP, _dataset_name("tracker-tables", "zip"))


# -- feeds and calendars ----------------------------------------------------------------------


def _visible_measure(slug: str) -> Measure:
    query = reader().select(Measure).where(Measure.slug == slug)
    measure = get_session().scalars(query).first()
    if measure is None:
        abort(404)
    return measure


def _entries() -> str:
    entries = request.args.get("entries", "all").strip() or "all"
    if entries not in {"all", "events", "statements"}:
        abort(400, description="entries must be events, statements or all.")
    return entries


@bp.get("/feed.atom")
@public
def feed() -> Response:
    """New events and statements, for everything or for the measure list's filters."""
    session = get_session()
    filters = params.measure_filters()
    view = reader()  # a feed announces what is new, today: it has no day of its own
    entries = _entries()
    events = []
    statements: list[Statement] = []
    if entries in {"all", "events"}:
        events = newest_events(session, EventFilters(measures=filters), view, FEED_ENTRIES)
    if entries in {"all", "statements"}:
        ids = None
        if filters.active:
            rows = list_measures(session, filters, view.on(clock.today()))
            ids = [row.measure.id for row in rows]
        statements = list(newest_statements(session, view, ids, FEED_ENTRIES))
    phrases = _measure_filter_phrases(filters)
    what = {"all": "events and statements", "events": "events", "statements": "statements"}
    title = f"{site_name()}: new {what[entries]}"
    if phrases:
        title += " (" + "; ".join(phrases) + ")"
    page = "statements.index" if entries == "statements" else "measures.index"
    info = FeedInfo(
        title=title,
        subtitle="Events and statements as they are recorded, with their sources.",
        self_url=absolute_url("exports.feed", **_query_args()),
        page_url=absolute_url(page, **_query_args(("page", "entries"))),
        authority=authority(),
        site_name=site_name(),
    )
    body = render_feed(info, events, statements, WebLinks(), view, _generated(), FEED_ENTRIES)
    return _feed_response(body, formats.ATOM, "feed.atom")


@bp.get("/measures/<slug>/feed.atom")
@public
def measure_feed(slug: str) -> Response:
    session = get_session()
    measure = _visible_measure(slug)
    view = reader()
    events = newest_events(session, EventFilters(measure=slug), view, FEED_ENTRIES)
    statements = newest_statements(session, view, [measure.id], FEED_ENTRIES)
    info = FeedInfo(
        title=f"{site_name()}: {measure.title}",
        subtitle=f"New events and statements about this measure ({country_name(measure.country)}).",
        self_url=absolute_url("exports.measure_feed", slug=slug),
        page_url=absolute_url("measures.show", slug=slug),
        authority=authority(),
        site_name=site_name(),
    )
    body = render_feed(info, events, statements, WebLinks(), view, _generated(), FEED_ENTRIES)
    return _feed_response(body, formats.ATOM, f"{slug}.atom")


def _calendar(filters: EventFilters, name: str, description: str, page: str) -> bytes:
    session = get_session()
    view = reader()  # a calendar covers every date, and its expiries are today's
    today = clock.today()
    events = dated_events(session, filters, view, CALENDAR_EVENTS)
    expiries = upcoming_expiries(session, filters.measures, view, today)
    if filters.measure:
        expiries = [e for e in expiries if e.measure.slug == filters.measure]
    info = CalendarInfo(
        name=name,
        description=description,
        url=page,
        authority=authority(),
        site_name=site_name(),
    )
    return render_calendar(info, events, expiries, WebLinks(), today, _generated())


@bp.get("/calendar.ics")
@public
def calendar() -> Response:
    """Dated events and upcoming expiries, with the events list's filters."""
    filters = params.event_filters()
    phrases = _event_filter_phrases(filters)
    name = f"{site_name()}: events" + (" (" + "; ".join(phrases) + ")" if phrases else "")
    body = _calendar(
        filters,
        name,
        "Dated events of the measures and the last days of terms in force.",
        absolute_url("events.index", **_query_args()),
    )
    return _feed_response(body, formats.ICALENDAR, "tracker.ics")


@bp.get("/measures/<slug>/calendar.ics")
@public
def measure_calendar(slug: str) -> Response:
    measure = _visible_measure(slug)
    body = _calendar(
        EventFilters(measure=slug),
        f"{site_name()}: {measure.title}",
        f"Dated events of this measure ({country_name(measure.country)}) and its expiry.",
        absolute_url("measures.show", slug=slug),
    )
    return _feed_response(body, formats.ICALENDAR, f"{slug}.ics")


# -- citations and machine-readable pages -----------------------------------------------------


def _measure_citation(measure: Measure) -> CitationText:
    as_of = params.as_of() if params.is_past_view() else None
    return cite_measure(
        measure, _links().measure(measure.slug), site_name(), clock.today(), as_of=as_of
    )


def _statement_citation(statement: Statement) -> CitationText:
    url = absolute_url("statements.show", slug=statement.slug)
    return cite_statement(statement, url, site_name(), clock.today(), reader())


def _citation_response(citation: CitationText, fmt: str) -> Response:
    writer = formats.CITATIONS[fmt]
    return _attachment(writer.write(citation), writer.media_type, f"{citation.key}.{fmt}")


@bp.get(f"/measures/<slug>/cite.{formats.CITATIONS.route}")
@public
def measure_citation(slug: str, fmt: str) -> Response:
    return _citation_response(_measure_citation(_visible_measure(slug)), fmt)


@bp.get(f"/statements/<slug>/cite.{formats.CITATIONS.route}")
@public
def statement_citation(slug: str, fmt: str) -> Response:
    statement = get_statement(get_session(), slug, reader())
    if statement is None:
        abort(404)
    return _citation_response(_statement_citation(statement), fmt)


@bp.app_template_global()
def export_url(endpoint: str, **values: Any) -> str:
    """A link to ``endpoint`` with the current page's filters and "as of" day."""
    args: dict[str, Any] = dict(_query_args(("page",)))
    args.update(values)
    return url_for(endpoint, **args)


@bp.app_template_global()
def measure_citation_of(measure: Measure) -> CitationText:
    return _measure_citation(measure)


@bp.app_template_global()
def statement_citation_of(statement: Statement) -> CitationText:
    return _statement_citation(statement)


@bp.app_template_global()
def measure_jsonld_of(view: MeasureView) -> Markup:
    return script_json(measure_jsonld(view, _links(), site_name()))
