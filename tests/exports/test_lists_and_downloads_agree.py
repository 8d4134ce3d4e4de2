"""A list and its downloads are one query: for random combinations of the real filters of each
list (measures, events, statements), what the page counts and shows is what its CSV, JSON and
XLSX hold, row for row, and the brief of a measure selection holds the same measures; for an
anonymous reader and a signed-in one.

The combinations come from a seeded sampler over values read from the database (countries,
kinds, statuses, topics, years, words of titles and popular names, organizations, stances,
event types, measures, dates), plus values that match nothing, so that a failure names a URL
that fails again on the next run. ``/measures/?q=foreign+agents`` once showed four measures and
downloaded one: the page searched the words as the search page does, the downloads looked for
them in the title.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import bearer
from tests.exports_support import (
    SIGNED_IN,
    add_internal_records,
    add_measure,
    add_statement,
    allow_signed_in,
)
from tracker import vocab
from tracker.dates import PartialDate
from tracker.models import Event, Measure, MeasureStatus, Organization, Topic

SEED = 20261128
# One combination per parameter of a list (each drawn at least once, with others), five or six
# requests each: the file runs in seconds. TRACKER_FUZZ=deep, as for the input fuzzing suite,
# draws two hundred combinations per list.
DEEP = os.environ.get("TRACKER_FUZZ") == "deep"
NOTHING = "zzqx"  # a word, slug or code no record has


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    allow_signed_in(app)
    return app.test_client()


@pytest.fixture
def records(session: Session) -> None:
    """Besides the seed: an internal measure and statement, measures of another country, kind,
    topic and year, one known by a popular name, and a joint statement about two measures."""
    add_internal_records(session)
    georgia = add_measure(
        session,
        "ge-transparency-of-foreign-influence-2024",
        "Law on Transparency of Foreign Influence",
        country="GE",
        topics=["foreign-funding", "association"],
        events=[("introduced", "2024-04-03"), ("passed", "2024-05-14"), ("signed", "2024-06")],
    )
    georgia.popular_names = ["foreign agents law", "Russian law"]
    decree = add_measure(
        session,
        "kg-protest-decree-2019",
        "Decree on assemblies near state buildings",
        kind="decree",
        topics=["assembly"],
        events=[("imposed", "2019-03-01"), ("expired", "2019")],
    )
    add_statement(
        session,
        "joint-2024-06-georgia-kyrgyzstan",
        "Joint letter on foreign agents laws",
        [georgia, decree],
        date="2024-06",
    )
    session.commit()


@dataclass(frozen=True)
class Pools:
    """Real values of every filter, and one value each that matches nothing."""

    countries: list[str]
    kinds: list[str]
    topics: list[str]
    years: list[str]
    words: list[str]
    measures: list[str]
    organizations: list[str]
    event_types: list[str]


def pools(session: Session) -> Pools:
    titles = session.execute(select(Measure.title, Measure.popular_names)).all()
    words = sorted(
        {
            word.lower()
            for title, names in titles
            for text in [title, *(names or [])]
            for word in re.findall(r"\w{4,}", text)
        }
    )
    years = sorted({str(y) for y in session.scalars(select(MeasureStatus.first_year)) if y})
    return Pools(
        countries=[*sorted(set(session.scalars(select(Measure.country)))), "FR"],
        kinds=sorted(vocab.MEASURE_KINDS),
        topics=[*session.scalars(select(Topic.slug).order_by(Topic.slug)), NOTHING],
        years=[*years, "1999"],
        words=[
            *words,
            "foreign agents",
            '"foreign representatives"',
            "иностранных",
            "закон",
            NOTHING,
        ],
        measures=[*session.scalars(select(Measure.slug).order_by(Measure.slug)), NOTHING],
        organizations=[
            *session.scalars(select(Organization.slug).order_by(Organization.slug)),
            NOTHING,
        ],
        event_types=sorted(set(session.scalars(select(Event.type)))),
    )


AS_OF = ["2012-12-01", "2019-06-30", "2024-02-08", "2024-06-15", "2025-06-30", "2030-01-01"]
DATES = ["2012", "2019-03", "2024-02", "2024-04-02", "2025", "2026-11-28"]

Parameters = dict[str, Callable[[], list[str]]]
"""A list's filter parameters, each with a way to draw values for it."""
Sampler = Callable[[random.Random, Pools], Parameters]


def _some(rng: random.Random, values: Sequence[str], most: int = 2) -> list[str]:
    return rng.sample(list(values), k=min(len(values), rng.randint(1, most)))


def measure_parameters(rng: random.Random, pool: Pools) -> Parameters:
    return {
        "country": lambda: _some(rng, pool.countries),
        "kind": lambda: _some(rng, pool.kinds),
        "status": lambda: _some(rng, list(vocab.STATES)),
        "topic": lambda: _some(rng, pool.topics),
        "year": lambda: _some(rng, pool.years),
        "q": lambda: [" ".join(_some(rng, pool.words))],
        "as_of": lambda: [rng.choice(AS_OF)],
    }


def event_parameters(rng: random.Random, pool: Pools) -> Parameters:
    return {
        **measure_parameters(rng, pool),
        "type": lambda: _some(rng, pool.event_types),
        "from": lambda: [rng.choice(DATES[:3])],
        "to": lambda: [rng.choice(DATES[3:])],
        "measure": lambda: [rng.choice(pool.measures)],
    }


def statement_parameters(rng: random.Random, pool: Pools) -> Parameters:
    return {
        "country": lambda: _some(rng, pool.countries),
        "topic": lambda: _some(rng, pool.topics),
        "organization": lambda: _some(rng, pool.organizations),
        "stance": lambda: _some(rng, list(vocab.STANCES)),
        "type": lambda: _some(rng, list(vocab.STATEMENT_TYPES)),
        "measure": lambda: [rng.choice(pool.measures)],
        "from": lambda: [rng.choice(DATES[:3])],
        "to": lambda: [rng.choice(DATES[3:])],
        "as_of": lambda: [rng.choice(AS_OF)],
    }


def combination(
    rng: random.Random, parameters: Parameters, forced: str | None
) -> list[tuple[str, str]]:
    """``forced`` (so that every parameter is drawn at least once) and up to three others,
    several values of one repeated or joined by commas, as the pages accept them."""
    others = sorted(name for name in parameters if name != forced)
    chosen = [*([forced] if forced else []), *rng.sample(others, k=rng.randint(0, 3))]
    query: list[tuple[str, str]] = []
    for name in chosen:
        values = parameters[name]()
        if len(values) > 1 and rng.random() < 0.5:
            values = [",".join(values)]
        query += [(name, value) for value in values]
    return query


# -- reading what each format holds ------------------------------------------------------------


def page_count(html: str, noun: str) -> int:
    found = re.search(rf'class="result-count" role="status">([\d,]+) {noun}', html)
    assert found, f"no count of {noun}s on the page"
    return int(found.group(1).replace(",", ""))


def csv_keys(data: bytes, key: str) -> list[str]:
    return [row[key] for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))]


def json_keys(data: bytes, key: str) -> tuple[int, list[str]]:
    document = json.loads(data)
    return document["total"], [str(item[key]) for item in document["items"]]


def xlsx_keys(data: bytes, key: str) -> tuple[str, list[str]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    column = list(rows[0]).index(key)
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True) if row[0]}
    workbook.close()
    return str(about["Rows"]), [str(row[column]) for row in rows[1:]]


@dataclass(frozen=True)
class ListPage:
    path: str
    download: str
    noun: str
    key: str
    """The column that names a row (slug or id)."""
    shown: str
    """How the page names each row it shows, as a regular expression."""
    sample: Sampler


LISTS = {
    "measures": ListPage(
        "/measures/",
        "/measures",
        "measure",
        "slug",
        r'<td class="cell-title"><a href="/measures/([a-z0-9-]+)[?"]',
        measure_parameters,
    ),
    "events": ListPage(
        "/events/",
        "/events",
        "event",
        "id",
        r'href="/measures/[^"#]+#event-(\d+)"',
        event_parameters,
    ),
    "statements": ListPage(
        "/statements/",
        "/statements",
        "statement",
        "slug",
        r'class="statement__title"><a href="/statements/([a-z0-9-]+)"',
        statement_parameters,
    ),
}


def disagreements(
    client: FlaskClient, listing: ListPage, query: str, signed_in: bool
) -> tuple[int, list[str]]:
    """How many rows the page counts, and each way its downloads (and brief) disagree."""
    headers = SIGNED_IN if signed_in else {}
    page = client.get(f"{listing.path}?{query}", headers=headers)
    if page.status_code != 200:
        return -1, [f"the page answered {page.status_code}"]
    html = page.data.decode()
    count = page_count(html, listing.noun)
    shown = re.findall(listing.shown, html)
    problems = []
    downloads = {}
    for fmt in ("csv", "json", "xlsx"):
        response = client.get(f"{listing.download}.{fmt}?{query}", headers=headers)
        if response.status_code != 200:
            problems.append(f"the {fmt.upper()} answered {response.status_code}")
            continue
        if fmt == "csv":
            downloads[fmt] = csv_keys(response.data, listing.key)
        elif fmt == "json":
            total, downloads[fmt] = json_keys(response.data, listing.key)
            if total != count:
                problems.append(f"the JSON's total is {total}, the page counts {count}")
        else:
            rows, downloads[fmt] = xlsx_keys(response.data, listing.key)
            if rows != str(count):
                problems.append(f"the XLSX's About sheet says {rows} rows, the page {count}")
    for fmt, keys in downloads.items():
        if len(keys) != count:
            problems.append(f"the {fmt.upper()} has {len(keys)} rows, the page counts {count}")
        elif keys[: len(shown)] != shown:
            problems.append(f"the {fmt.upper()} starts {keys[:5]}, the page shows {shown[:5]}")
    if listing.noun == "measure" and count <= 50:
        brief = client.get(f"/brief?{query}", headers=headers)
        in_brief = re.findall(
            r'<article class="brief-measure" id="measure-([a-z0-9-]+)"', brief.text
        )
        if in_brief != shown:
            problems.append(f"the brief holds {len(in_brief)} measures, the page shows {count}")
    return count, problems


@pytest.mark.parametrize("name", sorted(LISTS))
@pytest.mark.usefixtures("records")
def test_a_list_and_its_downloads_hold_the_same_rows_for_any_filters(
    client: FlaskClient, session: Session, name: str
) -> None:
    listing = LISTS[name]
    pool = pools(session)
    rng = random.Random(f"{SEED}-{name}")  # noqa: S311 - picks test filters, no secret
    names = sorted(listing.sample(rng, pool))
    offenders = []
    counts = []
    # The unfiltered list first (never empty), then the drawn combinations.
    queries = [""] + [
        urlencode(combination(rng, listing.sample(rng, pool), names[round_ % len(names)]))
        for round_ in range(200 if DEEP else len(names))
    ]
    for query in queries:
        for signed_in in (False, True):
            who = "signed in" if signed_in else "anonymous"
            count, found = disagreements(client, listing, query, signed_in)
            offenders += [f"{listing.path}?{query} ({who}): {problem}" for problem in found]
            counts.append(count)
    assert not offenders, "\n".join(offenders)
    # The sampler reached both empty and non-empty lists: the comparisons compared something.
    assert 0 in counts
    assert any(count > 1 for count in counts)


@pytest.mark.usefixtures("records")
def test_the_words_of_q_select_the_same_measures_on_the_page_and_in_every_download(
    client: FlaskClient,
) -> None:
    """The report's case: the page found the laws popularly called "foreign agents" laws, the
    downloads only titles containing the words."""
    query = "q=foreign+agents"
    page = client.get(f"/measures/?{query}").data.decode()
    shown = re.findall(LISTS["measures"].shown, page)
    assert "ge-transparency-of-foreign-influence-2024" in shown  # by its popular name only
    assert csv_keys(client.get(f"/measures.csv?{query}").data, "slug") == shown
    assert not disagreements(client, LISTS["measures"], query, signed_in=False)[1]
    # The spreadsheet says how the words were used: not "title contains".
    workbook = load_workbook(io.BytesIO(client.get(f"/measures.xlsx?{query}").data))
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True) if row[0]}
    assert about["Filters"] == "matching “foreign agents”"


@pytest.mark.usefixtures("records")
def test_search_as_a_list_counts_what_the_list_and_its_downloads_hold(
    client: FlaskClient,
) -> None:
    for words in ("foreign agents", "закон", "protest", '"foreign representatives"'):
        search = client.get("/search", query_string={"q": words}).data.decode()
        found = re.search(
            r'id="group-measures">Measures <span class="muted small">([\d,]+)<', search
        )
        assert found, words
        link = re.search(r'<a href="([^"]+)">These measures as a list', search)
        assert link, words
        listed = client.get(link.group(1).replace("&amp;", "&")).data.decode()
        assert page_count(listed, "measure") == int(found.group(1)), words
        query = link.group(1).replace("&amp;", "&").split("?", 1)[1]
        assert not disagreements(client, LISTS["measures"], query, signed_in=False)[1], words


def timeline_counts(html: str) -> tuple[int, int]:
    found = re.search(r"· (\d+) events?, (\d+) statements?", html)
    assert found, "no counts on the timeline"
    return int(found.group(1)), int(found.group(2))


@pytest.mark.usefixtures("records")
def test_the_timeline_counts_events_and_statements_as_their_lists_do(
    client: FlaskClient, session: Session
) -> None:
    """A joint statement about two measures is drawn on two lanes and is one statement; an
    event scheduled after today is drawn, and counted apart ("1 scheduled")."""
    law = session.scalars(
        select(Measure).where(Measure.slug == "kg-foreign-representatives-law-2024")
    ).one()
    law.events.append(
        Event(type="court-ruling", date=PartialDate.from_iso("2027-02-10"), description="Hearing")
    )
    session.commit()
    for query in ("", "country=KG", "country=GE,KG", "topic=assembly", "as_of=2024-02-08",
                  "country=KG&as_of=2024-06-15"):  # fmt: skip
        for headers in ({}, SIGNED_IN):
            timeline = client.get(f"/timeline/?{query}", headers=headers).text
            events, statements = timeline_counts(timeline)
            listed = client.get(f"/statements/?{query}", headers=headers).text
            assert statements == page_count(listed, "statement"), query
            listed = client.get(f"/events/?{query}", headers=headers).text
            assert events == page_count(listed, "event"), query
    assert "· 1 scheduled" in client.get("/timeline/?country=KG").text


@pytest.mark.usefixtures("records")
def test_the_api_lists_what_the_pages_list(
    client: FlaskClient, make_token: Callable[..., str]
) -> None:
    """The API's measures and events run the pages' queries: its status filter, too, means the
    status on the as_of day (it once meant today's for events, whatever the day)."""
    token = bearer(make_token("viewer", "read"))  # the API reads internal records by token
    for query in ("status=pending&as_of=2024-02-08", "q=foreign+agents", "year=2024&country=GE"):
        for api, pages in (({}, {}), (token, SIGNED_IN)):
            for what, noun in (("measures", "measure"), ("events", "event")):
                found = client.get(f"/api/v1/{what}?{query}", headers=api).get_json()
                page = client.get(f"/{what}/?{query}", headers=pages).text
                assert found["total"] == page_count(page, noun), (what, query, bool(api))
