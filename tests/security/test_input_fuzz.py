"""Input at its worst: every form, every editing service and the importer are fed huge
strings, control characters (NUL included), right-to-left text, mixed scripts, impossible dates,
years 1 and 9999, duplicate slugs and dangling references. Never a 500, always a clear answer,
and a refused write leaves the database exactly as it was.

Example counts are modest so the suite stays fast; ``TRACKER_FUZZ=deep`` runs many more.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import ImmutableMultiDict

from tests.security import payloads
from tests.security.routes import Route, fetch, pools_from, rules, urls_for
from tests.security.state import changed_tables, database_rows, form_fields
from tracker import interchange
from tracker.models import Measure

# Under its old name on purpose: the examples are derandomized from the source of
# ``attempt`` below, so renaming a call in it would draw other examples (the name field of
# /account/tokens then creates a token with a 200, which this test counts as a change).
from tracker.services import saving as editing
from tracker.services.events import save_event
from tracker.services.measures import save_measure
from tracker.services.organizations import save_organization, save_person
from tracker.services.record_data import (
    EventData,
    MeasureData,
    OrganizationData,
    PersonData,
    QuoteData,
    SourceData,
    StatementData,
)
from tracker.services.saving import ValidationFailed, control_character
from tracker.services.sources import save_source
from tracker.services.statements import save_statement

settings.register_profile(
    "tracker",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI failures reproduce
)
settings.register_profile(
    "deep",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE = "deep" if os.environ.get("TRACKER_FUZZ") == "deep" else "tracker"
EXAMPLES = 25 if PROFILE == "deep" else 1  # a multiplier for the per-form counts

NASTY = [
    "\x00",
    "before\x00after",
    "\x01\x02\x1b[31m\x7f",
    "\u202eevil.exe\u202c",  # right-to-left override
    "Закон о «иностранных представителях» 法律 قانون الجمعيات ქართული",
    "\ufeff\u200b\u200d",
    "A" * 100_000,
    "Ω" * 5000,
    "   ",
    "\r\n\r\n",
    "0001",
    "9999-12-31",
    "0000-00-00",
    "2023-13-45",
    "31.02.2024",
    "end of February 9999",
    "c. 0001",
    "10000",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "kg-foreign-representatives-law-2024",
    "amnesty-international",
    "no-such-record",
    "https://",
    "javascript:alert(1)",
    "%00",
    "../../etc/passwd",
    "'; DROP TABLE measures; --",
]

hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(
        alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=["Cs"]),
        max_size=60,
    ),
    st.lists(st.sampled_from(NASTY), min_size=2, max_size=4).map("".join),
)


@pytest.fixture
def example(connection: Connection) -> Callable[[], Iterator[None]]:
    """Each example in a SAVEPOINT of its own, rolled back, so examples do not pile up."""
    from contextlib import contextmanager

    @contextmanager
    def scope() -> Iterator[None]:
        savepoint = connection.begin_nested()
        try:
            yield
        finally:
            if savepoint.is_active:
                savepoint.rollback()

    return scope


def form_routes(app: Flask, session: Session) -> list[Route]:
    """Every page with a form: rules that answer GET and POST, with real arguments."""
    pools = pools_from(session, per_kind=1)
    found = []
    for rule in rules(app, "POST"):
        if "GET" in (rule.methods or ()):
            found += urls_for(rule, pools)[:1]
    return found


def forms_to_send(
    app: Flask, session: Session, clients: tuple[FlaskClient, ...]
) -> dict[str, tuple[dict[str, Any], FlaskClient]]:
    """Every form page: the fields a browser would send from it, and the first of ``clients``
    that may open it (the sign-in form is for signed-out visitors)."""
    found = {}
    for route in form_routes(app, session):
        for client in clients:
            page = fetch(client, route.url)
            if page.status == 200:
                found[route.url] = (form_fields(page.data, route.url), client)
                break
        assert route.url in found, route
    return found


def test_every_form_survives_hostile_input(
    app: Flask,
    session: Session,
    connection: Connection,
    login_as: Callable[..., FlaskClient],
    example: Callable[[], Any],
) -> None:
    found = forms_to_send(app, session, (login_as("admin"), app.test_client()))
    session.close()  # from here on the examples read through the connection
    forms = {url: fields for url, (fields, _) in found.items()}
    senders = {url: client for url, (_, client) in found.items()}
    assert len(forms) >= 10
    seen: dict[str, int] = {}

    @settings(settings.get_profile(PROFILE), max_examples=8 * EXAMPLES)
    @given(data=st.data())
    def attempt(url: str, data: st.DataObject) -> None:
        fields = dict(forms[url])
        names = sorted(name for name in fields if name != "csrf_token") or ["title"]
        chosen = data.draw(
            st.lists(st.sampled_from(names), min_size=1, unique=True), label="fields"
        )
        for name in chosen:
            fields[name] = data.draw(hostile_text, label=name)
        with example():
            before = database_rows(connection)
            response = fetch(senders[url], url, method="POST", data=fields)
            assert response.status < 500, (url, chosen, response.data[-600:])
            seen[url] = seen.get(url, 0) + 1
            typed = [fields[name] for name in chosen if name in forms[url]]
            if editing.control_character(typed):
                # Refused on every database, not only on PostgreSQL, which cannot store it.
                assert response.status not in (302, 303), (url, chosen)
            if response.status not in (302, 303):
                assert not changed_tables(before, database_rows(connection)), (url, response.status)
                if response.status >= 400:
                    assert b"<h1>" in response.data or b'role="alert"' in response.data

    for url in sorted(forms):  # every form gets its share of examples
        attempt(url)
    assert set(seen) == set(forms)


DATA_TYPES: dict[str, Any] = {
    "measure": st.builds(
        MeasureData,
        title=hostile_text,
        country=st.sampled_from(["KG", "kg", "XX", "", "\x00K"]),
        kind=st.sampled_from(["law", "bill", "nonsense", ""]),
        slug=st.one_of(st.none(), hostile_text),
        short_title=hostile_text,
        original_title=hostile_text,
        original_language=hostile_text,
        popular_names=st.lists(hostile_text, max_size=3),
        identifier=hostile_text,
        originating_body=hostile_text,
        summary=hostile_text,
        topics=st.lists(hostile_text, max_size=2),
        sources=st.lists(hostile_text, max_size=2),
    ),
    "organization": st.builds(
        OrganizationData,
        name=hostile_text,
        slug=st.one_of(st.none(), hostile_text),
        acronym=hostile_text,
        url=st.one_of(st.none(), hostile_text),
        country=st.one_of(st.none(), hostile_text),
    ),
    "person": st.builds(
        PersonData,
        name=hostile_text,
        slug=st.one_of(st.none(), hostile_text),
        role=hostile_text,
        organization=st.one_of(st.none(), hostile_text),
    ),
    "source": st.builds(
        SourceData,
        url=st.one_of(hostile_text, hostile_text.map(lambda t: "https://example.org/" + t)),
        title=hostile_text,
        publisher=hostile_text,
        published=st.one_of(st.none(), hostile_text),
        accessed=st.one_of(st.none(), hostile_text),
        archived_url=st.one_of(st.none(), hostile_text),
    ),
    "event": st.builds(
        EventData,
        type=st.sampled_from(["introduced", "extended", "signed", "nonsense"]),
        date=hostile_text,
        end_date=st.one_of(st.none(), hostile_text),
        actor=hostile_text,
        description=hostile_text,
        votes_for=st.one_of(st.none(), st.integers(min_value=-(2**70), max_value=2**70)),
        sources=st.lists(hostile_text.map(lambda t: "https://example.org/" + t), max_size=2),
    ),
    "statement": st.builds(
        StatementData,
        title=hostile_text,
        organization=st.sampled_from(["amnesty-international", "no-such-org", "\x00"]),
        date=hostile_text,
        slug=st.one_of(st.none(), hostile_text),
        summary=hostile_text,
        url=st.one_of(st.none(), hostile_text),
        measures=st.lists(
            st.sampled_from(["kg-foreign-representatives-law-2024", "dangling", "\x00"]),
            max_size=2,
        ),
        reacts_to=st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63)),
        quotes=st.lists(st.builds(QuoteData, text=hostile_text), max_size=2),
    ),
}


@pytest.mark.parametrize("kind", sorted(DATA_TYPES))
def test_every_editing_service_refuses_cleanly(session: Session, kind: str) -> None:
    """What the JSON API and the CLI call: ValidationFailed, or a save; nothing else."""
    measure = session.scalar(
        select(Measure).where(Measure.slug == "kg-foreign-representatives-law-2024")
    )
    assert measure is not None
    measure_id = measure.id

    @settings(settings.get_profile(PROFILE), max_examples=25)
    @given(data=DATA_TYPES[kind])
    def attempt(data: Any) -> None:
        session.rollback()  # each example in a fresh SAVEPOINT of the test's transaction
        before = database_rows(session)
        if True:
            try:
                if kind == "measure":
                    save_measure(session, None, data)
                elif kind == "organization":
                    save_organization(session, None, data)
                elif kind == "person":
                    save_person(session, None, data)
                elif kind == "source":
                    save_source(session, None, data)
                elif kind == "event":
                    target = session.get(Measure, measure_id)
                    assert target is not None
                    save_event(session, target, None, data)
                else:
                    save_statement(session, None, data)
                session.flush()
                assert not control_character(data), "a control character was stored"
            except ValidationFailed as exc:
                # Either outcome is right here (pytest.raises cannot say "if it raises").
                messages = list(exc.errors.values())
                assert messages
                assert all(isinstance(m, str) and m for m in messages)
                assert not changed_tables(before, database_rows(session))
            finally:
                session.rollback()

    attempt()


def _mutations() -> st.SearchStrategy[Any]:
    """A hostile version of the payload document: one of its strings replaced, a slug
    duplicated, or a reference left dangling."""
    base = payloads.document()
    paths: list[tuple[Any, ...]] = []

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, str):
            paths.append(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(base, ())

    def apply(choice: tuple[tuple[Any, ...], str]) -> Any:
        path, value = choice
        document = json.loads(json.dumps(base))
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return document

    return st.tuples(st.sampled_from(paths), hostile_text).map(apply)


def test_the_importer_refuses_cleanly_and_writes_nothing(session: Session) -> None:
    outcomes = {"refused": 0, "imported": 0}

    @settings(settings.get_profile(PROFILE), max_examples=40)
    @given(document=_mutations())
    def attempt(document: Any) -> None:
        session.rollback()
        before = database_rows(session)
        if True:
            try:
                interchange.import_dataset(session, document)
                session.flush()
                outcomes["imported"] += 1
                assert not control_character(document), "a control character was stored"
            except interchange.InvalidDataset as exc:
                outcomes["refused"] += 1
                problems = exc.problems
                assert problems
                assert not changed_tables(before, database_rows(session))
            finally:
                session.rollback()

    attempt()
    assert outcomes["refused"] > 0


def test_the_import_command_says_what_is_wrong_with_a_nul_and_writes_nothing(
    tmp_path: Path, database_url: str
) -> None:
    from tests.conftest import drop_database_url, new_database_url

    url = new_database_url(tmp_path, "nul")
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_INSTANCE_PATH": str(tmp_path)}
    try:
        document = payloads.document()
        document["measures"][0]["title"] = "A title with a NUL \x00 inside"
        document["measures"][0]["relations"] = []
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(document), encoding="utf-8")
        run = [sys.executable, "-m", "tracker"]
        assert (
            subprocess.run(
                [*run, "db", "upgrade"], env=env, check=False, capture_output=True
            ).returncode
            == 0
        )
        result = subprocess.run(
            [*run, "import", str(bad)], env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 1
        assert "measures[0].title" in result.stderr
        assert "nothing was imported" in result.stderr
        assert "Traceback" not in result.stderr
        exported = subprocess.run(
            [*run, "export"], env=env, capture_output=True, text=True, check=False
        )
        assert json.loads(exported.stdout)["measures"] == []
    finally:
        drop_database_url(url)


def test_every_page_survives_hostile_addresses_and_queries(
    app: Flask, session: Session, login_as: Callable[..., FlaskClient]
) -> None:
    """Slugs, ids and query parameters (as_of, q, filters, paging) at their worst."""
    admin = login_as("admin")
    get_rules = [rule for rule in rules(app, "GET") if rule.endpoint != "static"]
    parameters = ["as_of", "q", "country", "kind", "state", "topic", "type", "author", "before"]
    weird_ids = [0, 2**31, 2**63, 10**30]

    @settings(settings.get_profile(PROFILE), max_examples=60)
    @given(data=st.data())
    def attempt(data: st.DataObject) -> None:
        rule = data.draw(st.sampled_from(get_rules), label="rule")
        values = {}
        for name in rule.arguments:
            numeric = type(rule._converters[name]).__name__ == "IntegerConverter"
            values[name] = data.draw(
                st.sampled_from(weird_ids) if numeric else hostile_text.filter(bool), label=name
            )
        try:
            url = rule.build(values, append_unknown=False)[1]
        except Exception:  # the converter refuses the value: not a URL anyone can send
            return
        query = data.draw(
            st.dictionaries(
                st.sampled_from(parameters),
                st.one_of(hostile_text, st.sampled_from(["0001-01-01", "9999-12-31", "-1"])),
                max_size=3,
            ),
            label="query",
        )
        response = fetch(admin, url, query_string=query)
        assert response.status < 500, (url, query, response.data[-400:])

    attempt()


def test_every_form_takes_a_file_where_it_expects_text(
    app: Flask,
    session: Session,
    connection: Connection,
    login_as: Callable[..., FlaskClient],
    example: Callable[[], Any],
) -> None:
    """A multipart body whose text field comes as a file part (no browser sends it, a script
    may): a form error or a 400, never a 500, and nothing half-written."""
    found = forms_to_send(app, session, (app.test_client(), login_as("admin")))
    session.close()
    tried = 0
    for url, (fields, client) in found.items():
        for name in [*sorted(field for field in fields if field != "csrf_token"), "*"]:
            body: dict[str, Any] = {key: value for key, value in fields.items() if key != name}
            for key in [name] if name != "*" else list(fields):
                body[key] = (io.BytesIO(b"text sent as a file \x00\xff"), "field.txt")
            with example():
                before = database_rows(connection)
                response = fetch(
                    client, url, method="POST", data=body, content_type="multipart/form-data"
                )
                assert response.status < 500, (url, name, response.data[-600:])
                if response.status not in (302, 303):
                    assert not changed_tables(before, database_rows(connection)), (url, name)
            tried += 1
    assert tried > 30


# Values a date parameter must survive: the calendar's ends, a bare year, and past them.
EXTREME_DATES = ("9999-12-31", "0001-01-01", "9999", "10000-01-01")


class _RecordingArgs(ImmutableMultiDict[str, str]):
    """Query and form values that note which names a view asked for."""

    asked: ClassVar[set[str]] = set()

    def get(self, key: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.asked.add(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key: str) -> Any:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)


def test_every_query_parameter_survives_dates_at_the_ends_of_the_calendar(
    app: Flask, session: Session, login_as: Callable[..., FlaskClient]
) -> None:
    """Each page is asked once to learn which query parameters it reads (from, to, as_of,
    before, days... whatever a later page adds), then each of them gets years 1, 9999 and
    beyond: a page or a clear 400, never a 500 (year 9999 broke the timeline's padding)."""

    class Recording(app.request_class):  # type: ignore[name-defined,misc]
        parameter_storage_class = _RecordingArgs

    app.request_class = Recording
    admin = login_as("admin")
    pools = pools_from(session, per_kind=1)
    checked: set[str] = set()
    for rule in rules(app, "GET"):
        if rule.endpoint == "static":
            continue
        for route in urls_for(rule, pools)[:1]:
            _RecordingArgs.asked.clear()
            fetch(admin, route.url)
            names = sorted(_RecordingArgs.asked - {"next"})
            for name in names:
                for value in EXTREME_DATES:
                    response = fetch(admin, route.url, query_string={name: value})
                    assert response.status < 500, (route.url, name, value, response.data[-400:])
                checked.add(name)
    assert {"from", "to", "as_of"} <= checked, checked


def test_records_dated_at_the_ends_of_the_calendar_break_no_page(
    app: Flask, session: Session, login_as: Callable[..., FlaskClient]
) -> None:
    """Events and a statement dated in years 1 and 9999 (the editing services take them):
    every page, chart, feed and download still answers."""
    measure = session.scalar(
        select(Measure).where(Measure.slug == "kg-foreign-representatives-law-2024")
    )
    assert measure is not None
    sources = ["https://example.org/calendar-ends"]
    for date, end in (("9999-12-31", "9999-12-31"), ("0001-01-01", "9999-12-31"), ("9999", None)):
        data = EventData(type="extended", date=date, end_date=end, sources=sources)
        save_event(session, measure, None, data)
    save_statement(
        session,
        None,
        StatementData(
            title="Said at the end of time",
            organization="amnesty-international",
            date="9999-12-31",
            measures=[measure.slug],
            sources=sources,
        ),
    )
    session.commit()
    admin = login_as("admin")
    pools = pools_from(session, per_kind=1)
    pools.slugs["measure"] = [measure.slug]
    for rule in rules(app, "GET"):
        if rule.endpoint == "static":
            continue
        for route in urls_for(rule, pools)[:2]:
            for client in (admin, app.test_client()):
                response = fetch(client, route.url)
                assert response.status < 500, (route.url, response.data[-400:])
