"""The identities the threat model protects first: an internal organization or person is never
named to an anonymous reader, by any face, even where a public record mentions them.

Planted: an internal legal clinic that co-signs a public joint statement and writes a public
statement of its own; an internal monitor who speaks for and is quoted in the public statement;
an internal lawyer quoted only in an internal statement; and a public director whose
organization is the internal clinic. Every GET route is then fetched anonymously (the public
records' pages, briefs in every format, the dataset and its zip, feeds, citations, the API,
search for the planted names): no name, role or slug of an internal one may appear, while the
pages say that someone is there ("Name withheld").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import bearer
from tests.security.content import read
from tests.security.routes import Pools, fetch, get_routes, markers_in, pools_from
from tests.security.state import form_fields
from tests.web.test_pages import text_of
from tracker import vocab
from tracker.models import Organization, Person, Quote, Statement
from tracker.services.organizations import save_organization, save_person
from tracker.services.record_data import OrganizationData, PersonData, QuoteData, StatementData
from tracker.services.statements import save_statement

NAME = "Qzanon"  # in every name and role of the internal organization and people
SLUG = "qzanon"  # in their slugs
PUBLIC_LAW = "kg-foreign-representatives-law-2024"
AMNESTY = "amnesty-international"
CLINIC = "qzanon-clinic"
MONITOR = "qzanon-zarina"
LAWYER = "qzanon-bakyt"
DIRECTOR = "aida-openvoice"


@dataclass
class Planted:
    joint: str  # public, co-signed by the clinic, spoken for by the monitor
    by_clinic: str  # public, by the clinic
    briefing: str  # internal, quoting the lawyer
    hidden: dict[str, list[int]]  # ids of the internal records, by kind


@pytest.fixture
def planted(session: Session) -> Planted:
    clinic = save_organization(
        session,
        None,
        OrganizationData(name=f"{NAME} Legal Clinic", slug=CLINIC, visibility="internal"),
    )
    monitor = save_person(  # internal: the default
        session,
        None,
        PersonData(
            name=f"Zarina {NAME}", slug=MONITOR, role=f"{NAME} field monitor", organization=AMNESTY
        ),
    )
    lawyer = save_person(
        session,
        None,
        PersonData(name=f"Bakyt {NAME}", slug=LAWYER, role=f"{NAME} lawyer", organization=AMNESTY),
    )
    save_person(
        session,
        None,
        PersonData(
            name="Aida Openvoice",
            slug=DIRECTOR,
            role="Director",
            organization=CLINIC,
            visibility="public",
        ),
    )
    joint = save_statement(
        session,
        None,
        StatementData(
            title="Joint appeal to withdraw the NGO law",
            organization=AMNESTY,
            signatories=[CLINIC],
            speaker=MONITOR,
            date="2026-10-01",
            measures=[PUBLIC_LAW],
            quotes=[
                QuoteData("Withdraw the law before it is signed.", MONITOR),
                QuoteData("Civil society is being dismantled.", DIRECTOR),
                QuoteData("We stand together."),
            ],
            url="https://example.org/joint-appeal",
        ),
    )
    by_clinic = save_statement(
        session,
        None,
        StatementData(
            title="Warning on the inspections",
            organization=CLINIC,
            date="2026-10-02",
            measures=[PUBLIC_LAW],
            url="https://example.org/clinic-warning",
        ),
    )
    briefing = save_statement(
        session,
        None,
        StatementData(
            title="Internal briefing on the court case",
            organization=AMNESTY,
            date="2026-10-03",
            measures=[PUBLIC_LAW],
            quotes=[QuoteData("They searched our office.", LAWYER)],
            url="https://example.org/briefing",
            visibility="internal",
        ),
    )
    session.commit()
    quotes = list(session.scalars(select(Quote.id).where(Quote.statement_id == briefing.id)))
    return Planted(
        joint=joint.slug,
        by_clinic=by_clinic.slug,
        briefing=briefing.slug,
        hidden={
            "organization": [clinic.id],
            "person": [monitor.id, lawyer.id],
            "statement": [briefing.id],
            "quote": quotes,
        },
    )


def _public_pools(session: Session, planted: Planted) -> Pools:
    """Real values for every route, the planted public records among them, the internal ones
    not (asking for those is test_internal_records' guessing test)."""
    pools = pools_from(session, per_kind=3)
    pools.slugs.update(
        measure=[PUBLIC_LAW],
        statement=[planted.joint, planted.by_clinic],
        organization=[AMNESTY],
        person=[DIRECTOR],
    )
    for kind, ids in planted.hidden.items():
        pools.ids[kind] = [i for i in pools.ids.get(kind, []) if i not in ids]
    return pools


def test_no_face_names_an_internal_organization_or_person(
    app: Flask, session: Session, planted: Planted
) -> None:
    client = app.test_client()
    routes = list(get_routes(app, _public_pools(session, planted)))
    lists = [route for route in routes if not route.rule.arguments]
    # Search for the planted names' other words, and filter by the internal ones' slugs (an
    # attacker who knows a slug types it: only the names must not come back).
    searches = [f"q={word}&query={word}&search={word}" for word in ("Zarina", "Clinic", "monitor")]
    for query in searches:
        routes += [type(r)(f"{r.url}?{query}", r.rule) for r in lists]
    filtered = [type(r)(f"{r.url}?organization={CLINIC}&speaker={MONITOR}", r.rule) for r in lists]
    offenders = []
    for route in routes:
        response = fetch(client, route.url)
        found = markers_in(response, (NAME, SLUG))
        if found:
            offenders.append(f"GET {route} answered {response.status} naming {found}")
    for route in filtered:
        response = fetch(client, route.url)
        if markers_in(response, (NAME,)):
            offenders.append(f"GET {route} answered {response.status} naming {NAME}")
    assert not offenders, "\n".join(offenders)

    # Not vacuous: the public records are there, and say that someone is withheld.
    page = text_of(client.get(f"/statements/{planted.joint}").data)
    assert "Joint appeal to withdraw the NGO law" in page
    assert f"— {vocab.WITHHELD_PERSON}" in page
    assert vocab.WITHHELD_ORGANIZATION in page  # the co-signatory
    assert "Aida Openvoice, Director" in page
    clinic_page = text_of(client.get(f"/statements/{planted.by_clinic}").data)
    assert vocab.WITHHELD_ORGANIZATION in clinic_page


def test_signed_in_readers_see_who_they_are(
    planted: Planted, login_as: Callable[..., FlaskClient], make_token: Callable[..., str]
) -> None:
    """The planted names are really on those pages for those allowed: the test above is not
    vacuous, and withholding is for anonymous readers only."""
    viewer = login_as("viewer")
    page = text_of(viewer.get(f"/statements/{planted.joint}").data)
    assert f"Zarina {NAME}" in page
    assert f"{NAME} Legal Clinic" in page
    for url in (f"/people/{MONITOR}", f"/organizations/{CLINIC}"):
        assert "Internal" in text_of(viewer.get(url).data), url  # marked, as records are
    token = bearer(make_token("viewer", "read"))
    statement = viewer.get(f"/api/v1/statements/{planted.joint}", headers=token).get_json()
    assert statement["speaker"]["slug"] == MONITOR
    assert [org["slug"] for org in statement["signatories"]] == [CLINIC]


def test_a_person_quoted_only_internally_is_not_named_on_their_organizations_page(
    client: FlaskClient, planted: Planted, make_token: Callable[..., str]
) -> None:
    """Issue 12.1: the lawyer's name and role were on Amnesty's page and in its API answer
    while their own page answered 404."""
    page = client.get(f"/organizations/{AMNESTY}").get_data(as_text=True)
    api = client.get(f"/api/v1/organizations/{AMNESTY}").get_data(as_text=True)
    for body in (page, api):
        assert "Bakyt" not in body
        assert NAME not in body
        assert SLUG not in body
    assert client.get(f"/people/{LAWYER}").status_code == 404
    assert client.get(f"/api/v1/people/{LAWYER}").status_code == 404
    people = client.get(
        f"/api/v1/organizations/{AMNESTY}", headers=bearer(make_token("viewer", "read"))
    ).get_json()["people"]
    assert LAWYER in [person["slug"] for person in people]


def test_a_public_person_does_not_name_their_internal_organization(
    client: FlaskClient, planted: Planted, make_token: Callable[..., str]
) -> None:
    """Issue 12.2: a public person's affiliation named the hidden organization on their page,
    in the API, in search results, in every brief's quote attribution and in the dataset."""
    page = text_of(client.get(f"/people/{DIRECTOR}").data)
    assert "Aida Openvoice" in page
    assert f"Director, {vocab.WITHHELD_ORGANIZATION}" in page
    person = client.get(f"/api/v1/people/{DIRECTOR}").get_json()
    assert person["organization"] is None
    assert "visibility" not in person  # only token holders are told
    found = client.get("/api/v1/search?q=Openvoice&scope=people").get_json()
    [hit] = found["groups"][0]["items"]
    assert hit["record"]["organization"] is None
    assert "rank" not in hit
    search_page = text_of(client.get("/search?q=Openvoice").data)
    assert "Aida Openvoice" in search_page
    assert vocab.WITHHELD_ORGANIZATION in search_page
    # Every brief's quote attributions: the director by name without the clinic, the monitor
    # withheld (with the statement's author, not their own organization).
    for fmt in ("", ".md", ".pdf", ".docx"):
        brief = fetch(client, f"/measures/{PUBLIC_LAW}/brief{fmt}")
        assert brief.status == 200, fmt
        text = " ".join(read(brief.mimetype, brief.data)[0].split())
        assert f"Aida Openvoice, Director, {vocab.WITHHELD_ORGANIZATION}" in text, fmt
        assert f"{vocab.WITHHELD_PERSON}, Amnesty International" in text, fmt
        assert not markers_in(brief, (NAME, SLUG)), fmt
    dataset = client.get("/data/tracker-dataset.json").get_json()
    [director] = [p for p in dataset["people"] if p["slug"] == DIRECTOR]
    assert director["organization"] is None
    # The statement the clinic made cannot be written without its slug: it is left out.
    assert planted.by_clinic not in [s["slug"] for s in dataset["statements"]]
    [joint] = [s for s in dataset["statements"] if s["slug"] == planted.joint]
    assert joint["signatories"] == []
    assert joint["speaker"] is None
    assert [q["speaker"] for q in joint["quotes"]] == [None, DIRECTOR, None]
    signed_in = client.get(
        f"/api/v1/people/{DIRECTOR}", headers=bearer(make_token("viewer", "read"))
    ).get_json()
    assert signed_in["organization"]["slug"] == CLINIC
    assert signed_in["visibility"] == "public"


def test_filtering_by_an_internal_organization_answers_as_for_an_unknown_one(
    client: FlaskClient, planted: Planted
) -> None:
    """Otherwise the list of public statements it signed would name it as their author."""
    for base in ("/statements/", "/api/v1/statements"):
        unknown = client.get(f"{base}?organization=no-such-organization")
        hidden = client.get(f"{base}?organization={CLINIC}")
        assert hidden.status_code == unknown.status_code == 200, base
        assert planted.joint not in hidden.get_data(as_text=True), base
        assert planted.by_clinic not in hidden.get_data(as_text=True), base
        assert hidden.get_data(as_text=True).replace(CLINIC, "no-such-organization") == (
            unknown.get_data(as_text=True)
        ), base
    download = client.get(f"/statements.json?organization={CLINIC}").get_json()
    assert download["items"] == []


# -- people and organizations are internal until someone decides, and stay so -----------------


def test_a_new_person_is_internal_until_an_editor_makes_them_public(
    login_as: Callable[..., FlaskClient], client: FlaskClient, session: Session
) -> None:
    """Issue 12.3: a person made at /people/new was public at once, before the internal
    statement that mentions them existed."""
    editor = login_as("editor")
    form = editor.get("/people/new")
    assert "A new person is internal until you decide otherwise" in text_of(form.data)
    fields = form_fields(form.data, "/people/new")
    assert fields["visibility"] == "internal"
    fields.update(name="Nurlan Sourceperson", role="Whistle-blower")
    assert editor.post("/people/new", data=fields).status_code == 303
    person = session.scalar(select(Person).where(Person.name == "Nurlan Sourceperson"))
    assert person is not None
    assert person.visibility == "internal"
    assert client.get(f"/people/{person.slug}").status_code == 404
    assert "Nurlan" not in client.get("/api/v1/people").get_data(as_text=True)
    found = client.get("/search?q=Nurlan").get_data(as_text=True)  # the query is echoed
    assert "Whistle-blower" not in found
    assert person.slug not in found

    edit = editor.get(f"/people/{person.slug}/edit")
    fields = form_fields(edit.data, f"/people/{person.slug}/edit")
    assert fields["visibility"] == "internal"
    fields["visibility"] = "public"
    assert editor.post(f"/people/{person.slug}/edit", data=fields).status_code == 303
    assert client.get(f"/people/{person.slug}").status_code == 200


def test_an_editor_may_make_an_organization_internal(
    login_as: Callable[..., FlaskClient], client: FlaskClient
) -> None:
    editor = login_as("editor")
    fields = form_fields(editor.get("/organizations/new").data, "/organizations/new")
    assert fields["visibility"] == "public"
    fields.update(name="Shelter Network Qz", visibility="internal")
    response = editor.post("/organizations/new", data=fields)
    assert response.status_code == 303
    slug = response.headers["Location"].rstrip("/").split("/")[-1]
    assert client.get(f"/organizations/{slug}").status_code == 404
    assert "Shelter Network" not in client.get("/organizations/").get_data(as_text=True)
    assert editor.get(f"/organizations/{slug}").status_code == 200


def test_deleting_or_repointing_an_internal_statement_exposes_no_one(
    planted: Planted, login_as: Callable[..., FlaskClient], client: FlaskClient, session: Session
) -> None:
    """Issue 12.3: visibility was derived from the links, so removing the only internal
    statement that mentioned someone made them public everywhere."""
    editor = login_as("editor")
    # Re-pointed: the quote is now the monitor's, so nothing mentions the lawyer any more.
    url = f"/statements/{planted.briefing}/edit"
    edit = form_fields(editor.get(url).data, url)
    edit["quotes-0-speaker"] = MONITOR
    assert editor.post(f"/statements/{planted.briefing}/edit", data=edit).status_code == 303
    monitor = session.scalar(select(Person.id).where(Person.slug == MONITOR))
    speakers = select(Quote.speaker_id).join(Quote.statement)
    assert session.scalars(speakers.where(Statement.slug == planted.briefing)).all() == [monitor]
    # Deleted, with every public statement that mentions them: nothing mentions anyone now.
    for slug in (planted.briefing, planted.by_clinic, planted.joint):
        url = f"/statements/{slug}/delete"
        response = editor.post(url, data=form_fields(editor.get(url).data, url))
        assert response.status_code == 303, slug
    for url in (f"/people/{LAWYER}", f"/people/{MONITOR}", f"/organizations/{CLINIC}"):
        assert client.get(url).status_code == 404, url
    for url in (
        "/organizations/",
        "/api/v1/people",
        "/api/v1/organizations",
        "/data/tracker-dataset.json",
    ):
        assert NAME not in client.get(url).get_data(as_text=True), url
    clinic = session.scalar(select(Organization).where(Organization.slug == CLINIC))
    assert clinic is not None
    assert clinic.visibility == "internal"


def test_importing_a_file_without_visibility_makes_no_one_public(
    session: Session, client: FlaskClient, planted: Planted
) -> None:
    """A version-1 file (the seed, a file written before the field) says nothing about who is
    internal: it leaves the tracker's decisions as they are."""
    from tracker import interchange

    document = {
        "format": "tracker-dataset",
        "version": 1,
        "organizations": [{"slug": CLINIC, "name": f"{NAME} Legal Clinic"}],
        "people": [{"slug": LAWYER, "name": f"Bakyt {NAME}", "organization": AMNESTY}],
    }
    interchange.import_dataset(session, json.loads(json.dumps(document)))
    session.commit()
    assert client.get(f"/organizations/{CLINIC}").status_code == 404
    assert client.get(f"/people/{LAWYER}").status_code == 404
