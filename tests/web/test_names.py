"""Names in the forms: a new measure named like an existing one is questioned, and pickers take
a typed name (any case), list the namesakes when a name is shared, and never show a slug."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.web.test_editing import input_value
from tests.web.test_pages import text_of
from tracker.models import Measure, Organization, Person, Statement

LAW = "kg-foreign-representatives-law-2024"
STATEMENT = {
    "title": "Kyrgyzstan: repeal the law",
    "date": "3 March 2025",
    "measures": [LAW],
    "url": "https://example.org/statement-2025",
    "visibility": "public",
}


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_second_foreign_representatives_law_in_kyrgyzstan_gets_the_warning(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    """Named only by its popular name: the official titles differ entirely."""
    editor = login_as("editor")
    data = {"title": "Foreign Representatives Law", "country": "KG", "kind": "law"}
    before = count(session, Measure)
    warned = editor.post("/measures/new", data=data)
    assert warned.status_code == 200
    page = warned.get_data(as_text=True)
    assert "This may already be in the tracker" in text_of(warned.data)
    assert f'href="/measures/{LAW}"' in page
    assert "same name (foreign representatives law)" in page
    assert input_value(page, "title") == "Foreign Representatives Law"  # kept
    assert count(session, Measure) == before
    # In another country it is another law.
    elsewhere = editor.post("/measures/new", data={**data, "country": "KZ"})
    assert elsewhere.status_code == 303
    assert count(session, Measure) == before + 1


def test_pickers_take_an_exact_name_in_any_case_or_an_acronym(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    editor = login_as("editor")
    saved = editor.post(
        "/statements/new",
        data={**STATEMENT, "organization": "AMNESTY international", "speaker": "maisy weicherding"},
    )
    assert saved.status_code == 303, text_of(saved.data)[:800]
    statement = session.scalars(
        select(Statement).where(Statement.title == STATEMENT["title"])
    ).one()
    assert statement.organization.slug == "amnesty-international"
    assert statement.speaker is not None
    assert statement.speaker.slug == "maisy-weicherding"
    person = editor.post("/people/new", data={"name": "A. Researcher", "organization": "hrw"})
    assert person.status_code == 303
    assert session.scalars(select(Person).where(Person.name == "A. Researcher")).one().organization
    relation = editor.post(
        f"/measures/{LAW}/relations/new",
        data={"type": "related", "target": "mass media law (2025)"},
    )
    assert relation.status_code == 303, text_of(relation.data)[:800]


def test_a_name_two_organizations_share_lists_them_and_keeps_the_input(
    login_as: Callable[..., FlaskClient], session: Session
) -> None:
    """What one import left behind: two "Amnesty International" organizations."""
    session.add(
        Organization(
            slug="amnesty-international-uk",
            name="Amnesty International",
            country="GB",
            visibility="public",
        )
    )
    session.commit()
    editor = login_as("editor")
    refused = editor.post(
        "/statements/new", data={**STATEMENT, "organization": "Amnesty International"}
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert (
        '2 organizations are called "Amnesty International": Amnesty International · '
        "International NGO; Amnesty International · United Kingdom. Type or pick the one you mean."
    ) in text_of(refused.data)
    assert input_value(page, "organization") == "Amnesty International"
    assert input_value(page, "title") == STATEMENT["title"]
    # Each is picked by its label, as the list offers it.
    picked = editor.post(
        "/statements/new",
        data={**STATEMENT, "organization": "Amnesty International · United Kingdom"},
    )
    assert picked.status_code == 303
    statement = session.scalars(
        select(Statement).where(Statement.title == STATEMENT["title"])
    ).one()
    assert statement.organization.slug == "amnesty-international-uk"


def datalist_values(page: str, list_id: str) -> list[str]:
    block = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', page, re.S)
    assert block, f"no datalist {list_id}"
    return re.findall(r'<option value="([^"]*)"', block.group(1))


def test_pickers_never_show_a_slug(login_as: Callable[..., FlaskClient], session: Session) -> None:
    editor = login_as("editor")
    slugs = {
        kind: set(session.scalars(select(model.slug)))
        for kind, model in (
            ("organization", Organization),
            ("person", Person),
            ("measure", Measure),
        )
    }
    statement = session.scalars(
        select(Statement).where(Statement.speaker_id.is_not(None), Statement.quotes.any())
    ).first()
    assert statement is not None
    form = editor.get(f"/statements/{statement.slug}/edit").get_data(as_text=True)
    assert input_value(form, "organization").startswith(statement.organization.name)
    assert statement.speaker is not None
    assert input_value(form, "speaker").startswith(statement.speaker.name)
    assert 'list="organization-choices"' in form  # the picker points at its list
    for list_id, kind in (("organization-choices", "organization"), ("person-choices", "person")):
        offered = datalist_values(form, list_id)
        assert offered
        assert not set(offered) & slugs[kind], list_id
    relation = editor.get(f"/measures/{LAW}/relations/new").get_data(as_text=True)
    assert not set(datalist_values(relation, "measure-choices")) & slugs["measure"]
    person = session.scalars(select(Person).where(Person.organization_id.is_not(None))).first()
    assert person is not None
    edit = editor.get(f"/people/{person.slug}/edit").get_data(as_text=True)
    assert person.organization is not None
    assert input_value(edit, "organization").startswith(person.organization.name)
    # Saved as shown, it stays what it was.
    saved = editor.post(
        f"/people/{person.slug}/edit",
        data={"name": person.name, "organization": input_value(edit, "organization")},
    )
    assert saved.status_code == 303
