"""Anonymous visitors never learn of an internal record, by any path: pages, lists, search,
feeds, exports, the API, or by guessing its slug or id into any route of the URL map.

An internal measure, an internal statement, and an organization and a person that only that
statement mentions are planted with marker strings in their text and slugs. Every GET route is
then fetched anonymously and every response read by its content type: no marker may appear,
and a route asked for an internal record answers exactly as it does for a record that does not
exist (a 404, never a 403 that would confirm it exists).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from tests import factories
from tests.security.content import read
from tests.security.routes import (
    NUMBERED,
    Fetched,
    Pools,
    fetch,
    get_routes,
    guessed,
    markers_in,
    pools_from,
    rules,
    urls_for,
)
from tracker.http.access import is_public_endpoint
from tracker.models import Measure, Organization, Quote, Relation, Revision, Source, Statement
from tracker.services import search
from tracker.services.events import save_event
from tracker.services.measures import MeasureFilters, save_measure, save_relation
from tracker.services.organizations import save_organization, save_person
from tracker.services.record_data import (
    EventData,
    MeasureData,
    OrganizationData,
    PersonData,
    QuoteData,
    RelationData,
    StatementData,
)
from tracker.services.statements import save_statement
from tracker.viewpoint import Viewpoint

TEXT = "Qzsecret7f3a"  # in every text field of the internal records
SLUG = "qzslug7f3a"  # in every slug
WORD = "Qzword"  # a searchable word next to the marker
PUBLIC_LAW = "kg-foreign-representatives-law-2024"
RUSSIAN_LAW = "ru-foreign-agents-law-2012"
MISSING_SLUG = "no-such-record-anywhere"
MISSING_ID = 987654321


@dataclass
class Internal:
    """The planted records' slugs and ids, as an attacker would guess them, and the kind of
    record each id is of."""

    pairs: list[tuple[str, int, str]]
    measure_slug: str
    statement_slug: str


def text(field: str) -> str:
    return f"{WORD} {TEXT} {field}"


@pytest.fixture
def public_pools(session: Session) -> Pools:
    """Real slugs and ids of public records, read before the internal ones are planted."""
    return pools_from(session, per_kind=3)


@pytest.fixture
def internal(session: Session, public_pools: Pools) -> Internal:
    org = save_organization(
        session,
        None,
        OrganizationData(
            name=text("organization"),
            slug=f"{SLUG}-org",
            acronym="QZ",
            url="https://qz.example/",
            visibility="internal",
        ),
    )
    person = save_person(
        session,
        None,
        PersonData(name=text("person"), slug=f"{SLUG}-person", role=text("role"),
                           organization=org.slug),
    )  # fmt: skip
    source = f"https://example.org/{SLUG}/source"
    measure = save_measure(
        session,
        None,
        MeasureData(
            title=text("title"),
            country="KG",
            kind="bill",
            slug=f"kg-{SLUG}-bill",
            short_title=text("short"),
            popular_names=[text("popular")],
            identifier=text("identifier"),
            summary=text("summary"),
            visibility="internal",
            topics=[f"{SLUG}-topic"],
            topic_names={f"{SLUG}-topic": text("topic")},
            sources=[source],
            source_titles={source: text("source title")},
        ),
    )
    event = save_event(
        session,
        measure,
        None,
        EventData(
            type="introduced", date="2026-10", description=text("event"), actor=text("actor"),
            sources=[source],
        ),
    )  # fmt: skip
    save_event(
        session, measure, None, EventData(type="reading-1", date="2026-12-15")
    )  # an upcoming event: "what is next" lists must not show it
    relation = save_relation(
        session, measure, None, RelationData("modelled-on", RUSSIAN_LAW, text("note"))
    )
    public_law = session.scalar(select(Measure).where(Measure.slug == PUBLIC_LAW))
    assert public_law is not None
    save_relation(  # the public law's page must not show a relation to it
        session, public_law, None, RelationData("related", measure.slug, text("back"))
    )
    statement = save_statement(
        session,
        None,
        StatementData(
            title=text("statement"),
            organization=org.slug,
            date="2026-10-20",
            slug=f"{SLUG}-statement",
            speaker=person.slug,
            summary=text("statement summary"),
            measures=[measure.slug, PUBLIC_LAW],  # also about a public measure
            reacts_to=event.id,
            quotes=[QuoteData(text("quote"), person.slug)],
            url=f"https://example.org/{SLUG}/statement",
            visibility="internal",
        ),
    )
    session.commit()
    quote = session.scalar(select(Quote.id).where(Quote.statement_id == statement.id))
    source_id = session.scalar(select(Source.id).where(Source.url == source))
    revision = session.scalar(
        select(Revision.id).where(Revision.record_type == "statement").order_by(Revision.id.desc())
    )
    back = session.scalar(select(Relation.id).where(Relation.object_id == measure.id))
    assert quote
    assert source_id
    assert revision
    assert back
    return Internal(
        pairs=[
            (measure.slug, measure.id, "measure"),
            (statement.slug, statement.id, "statement"),
            (org.slug, org.id, "organization"),
            (person.slug, person.id, "person"),
            (measure.slug, event.id, "event"),
            (measure.slug, relation.id, "relation"),
            (measure.slug, back, "relation"),
            (measure.slug, source_id, "source"),
            (measure.slug, quote, "quote"),
            (measure.slug, revision, "revision"),
        ],
        measure_slug=measure.slug,
        statement_slug=statement.slug,
    )


def leaks(response: Fetched, echoed: bool = False) -> list[str]:
    """The markers this response gives away, in its text or anywhere in its bytes; with
    ``echoed``, the slug was in the request (a sign-in link may repeat it), so only the text
    counts."""
    return markers_in(response, (TEXT,) if echoed else (TEXT, SLUG))


def test_no_page_list_search_feed_or_export_shows_an_internal_record(
    app: Flask, public_pools: Pools, internal: Internal
) -> None:
    client = app.test_client()
    routes = list(get_routes(app, public_pools))
    # Lists, search and feeds, also filtered and searched for the internal record's words.
    lists = [route for route in routes if not route.rule.arguments]
    for query in (f"q={WORD}&query={WORD}&search={WORD}", "country=KG&as_of=2026-12-31"):
        routes += [type(r)(f"{r.url}?{query}", r.rule) for r in lists]
    offenders = []
    for route in routes:
        response = fetch(client, route.url)
        found = leaks(response)
        if found:
            offenders.append(f"GET {route} answered {response.status} showing {found}")
    assert not offenders, "\n".join(offenders)
    assert len(routes) > len(rules(app, "GET"))


def test_guessing_an_internal_slug_or_id_answers_as_for_a_record_that_does_not_exist(
    app: Flask, internal: Internal
) -> None:
    client = app.test_client()
    missing = guessed(MISSING_SLUG, MISSING_ID)
    offenders = []
    seen: set[str] = set()
    for slug, number, kind in internal.pairs:
        for rule in rules(app, "GET"):
            if not rule.arguments or rule.endpoint == "static":
                continue
            named = _id_kinds(rule)
            if named and kind not in named:
                # /api/v1/events/<int:event_id> reads event ids: the internal measure's id may
                # well be a public event's, and that event is rightly shown.
                continue
            pairs = zip(urls_for(rule, guessed(slug, number)), urls_for(rule, missing), strict=True)
            for secret, nothing in pairs:
                # A rule whose arguments name no record (/measures.<fmt>, /countries/<code>)
                # reads the same either way: there is nothing to guess.
                if secret.url in seen or secret.url == nothing.url:
                    continue
                seen.add(secret.url)
                answer = fetch(client, secret.url)
                control = fetch(client, nothing.url)
                if leaks(answer, echoed=True):
                    offenders.append(f"GET {secret} shows {leaks(answer, echoed=True)}")
                if answer.status != control.status:
                    offenders.append(
                        f"GET {secret} answered {answer.status}, but {control.status} for a "
                        f"record that does not exist: that confirms the record exists"
                    )
                elif is_public_endpoint(app, rule.endpoint) and answer.status not in (404, 400):
                    offenders.append(f"GET {secret} (public) answered {answer.status}, not 404")
    assert not offenders, "\n".join(offenders)
    assert len(seen) >= 20


def _id_kinds(rule: Rule) -> set[str]:
    """The kinds of record a rule's id arguments name (``event_id``: event); empty when an
    argument could be an id of anything (``record_id`` beside ``record_type``)."""
    kinds = set()
    for name in rule.arguments:
        if type(rule._converters[name]).__name__ != "IntegerConverter":
            continue
        named = [kind for kind in NUMBERED if kind in name.lower()]
        if not named:
            return set()
        kinds.update(named)
    return kinds


def test_signed_in_viewers_do_see_them(
    internal: Internal, login_as: Callable[..., FlaskClient]
) -> None:
    """The planted records are really there: the checks above are not vacuous."""
    viewer = login_as("viewer")
    for url in (
        f"/measures/{internal.measure_slug}",
        f"/statements/{internal.statement_slug}",
        f"/measures/{PUBLIC_LAW}",
        "/measures/",
        "/statements/",
        "/organizations/",
    ):
        response = fetch(viewer, url)
        assert response.status == 200, url
        assert TEXT in response.data.decode() or SLUG in response.data.decode(), url


def test_an_internal_statement_about_a_public_measure_stays_hidden_there(
    client: FlaskClient, internal: Internal, session: Session
) -> None:
    page = fetch(client, f"/measures/{PUBLIC_LAW}")
    assert page.status == 200
    assert not leaks(page)
    statement = session.scalar(select(Statement).where(Statement.slug == internal.statement_slug))
    assert statement is not None
    assert statement.visibility == "internal"


def test_the_public_export_leaves_them_out(session: Session, internal: Internal) -> None:
    """What `tracker export --public-only` and the public exports write."""
    import json

    from tracker import interchange

    public = json.dumps(interchange.export_dataset(session, Viewpoint.anonymous()))
    assert TEXT not in public
    assert SLUG not in public
    everything = json.dumps(interchange.export_dataset(session, Viewpoint.viewer()))
    assert TEXT in everything
    assert SLUG in everything


SEARCHED = ("law", "foreign agents", "court ruling", "amnesty", "protest ban")


def _search_answers(client: FlaskClient) -> dict[str, bytes]:
    answers = {}
    for words in SEARCHED:
        for url in (
            f"/search?q={words}",
            f"/search?q={words}&scope=measures",
            f"/api/v1/search?q={words}&size=100",
        ):
            response = fetch(client, url)
            assert response.status == 200, url
            answers[url] = response.data
    return answers


def test_internal_records_do_not_move_what_anonymous_search_finds(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12.4: the rank of a public result was computed over internal records too (bm25
    weighs a word by its rarity in the whole index), so adding internal records that contain a
    word changed public results' scores and order. A small ranking window makes the newest
    internal matches push public ones out of it, as a thousand would."""
    monkeypatch.setattr(search, "RANK_WINDOW", 4)
    before = _search_answers(client)
    organization = session.get(Organization, 1)
    assert organization is not None
    for number in range(12):
        words = "law law court ruling protest ban foreign agents amnesty"
        measure = factories.measure(
            session,
            f"zz-internal-{number}",
            title=f"Law {number}: {words}",
            summary=words * (number + 1),
            visibility="internal",
        )
        factories.event(session, measure, "court-ruling", "2025-01", description=words)
        factories.statement(
            session,
            f"zz-internal-statement-{number}",
            [measure],
            quotes=[words],
            title=f"Amnesty on the law {number}",
            visibility="internal",
        )
        factories.person(session, f"zz-lawyer-{number}", f"Amnesty Law Court {number}")
        session.add(Organization(slug=f"zz-law-{number}", name=f"Law Court Amnesty {number}"))
    session.commit()
    after = _search_answers(client)
    changed = [url for url in before if before[url] != after[url]]
    assert not changed, changed
    signed_in = search.search(session, "law", MeasureFilters(), Viewpoint.viewer(), limit=50)
    assert (
        signed_in.total
        > search.search(session, "law", MeasureFilters(), Viewpoint.anonymous()).total
    )


def _comparable(response: Fetched, slug: str) -> str:
    """A response's text as its content type reads, without the spaces and line breaks (a
    PDF breaks a long address anywhere), the topic asked for, the clock times of its making
    and the memory addresses that Python's reprs carry."""
    body, _ = read(response.mimetype, response.data)
    body = "".join(body.split()).replace(slug, "<topic>")
    body = re.sub(r"0x[0-9a-f]+", "<address>", body)
    return re.sub(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", "<time>", body)


def test_an_internal_topic_answers_as_an_unknown_one(
    app: Flask, public_pools: Pools, internal: Internal
) -> None:
    """Issue 12.5: ``?topic=<slug of a topic only internal measures use>`` echoed its name on
    lists, API facets, the brief and the feed. Every route without arguments, and the ones
    with (a measure's feed, a country's page), is asked for that topic and for one that does
    not exist: the answers must be the same but for the slug."""
    client = app.test_client()
    # Of the same length: a PDF's lines wrap by it.
    topic, unknown = f"{SLUG}-topic", "n" * len(SLUG) + "-topic"
    offenders = []
    for route in get_routes(app, public_pools):
        if route.endpoint == "static":
            continue
        separator = "&" if "?" in route.url else "?"
        query = f"{separator}topic={{}}&facets=1&entries=statements"
        secret = fetch(client, route.url + query.format(topic))
        control = fetch(client, route.url + query.format(unknown))
        if markers_in(secret, (TEXT,)):
            offenders.append(f"GET {route} names the topic")
        elif secret.status != control.status:
            offenders.append(f"GET {route}: {secret.status}, but {control.status} when unknown")
        elif _comparable(secret, topic) != _comparable(control, unknown):
            offenders.append(f"GET {route} answers otherwise than for an unknown topic")
    assert not offenders, "\n".join(offenders)
