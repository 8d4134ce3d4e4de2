"""Stored XSS is inert: hostile text in every field renders as text on every page, feed and
export that shows it.

The payloads (tests/security/payloads.py) go in through the importer and the editing services,
as a researcher's typing or a shared dataset would; then every GET route of the URL map is
fetched with the planted records' slugs and ids, anonymously and as an admin, and every
response is read by the checker for its content type (tests/security/content.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import TODAY, SignedInClient
from tests.security import payloads
from tests.security.content import PROBE_TAG, read
from tests.security.routes import Pools, fetch, get_routes, rules
from tracker import interchange
from tracker.models import (
    Event,
    Measure,
    Organization,
    Person,
    Quote,
    Relation,
    Revision,
    Source,
    Statement,
    User,
)
from tracker.services import api_tokens, history
from tracker.services.measures import save_measure
from tracker.services.record_data import measure_data


@pytest.fixture
def planted(session: Session, make_user: Callable[..., User]) -> Pools:
    """The hostile records, written by a user whose name is hostile too; their slugs and ids."""
    author = make_user("editor", name=payloads.payload("user-name", 200))
    history.set_actor(session, history.actor_for(author))
    interchange.import_dataset(session, payloads.document())
    measure = session.scalar(select(Measure).where(Measure.slug == payloads.SLUG))
    assert measure is not None
    data = measure_data(measure)
    data.original_language = "ky"
    data.identifier = payloads.payload("edited-identifier", 300)
    save_measure(
        session,
        measure,
        data,
        expected_version=measure.version,
        reason=payloads.payload("revision-reason"),
    )
    session.commit()
    # A change made through the API with a token of a hostile name: the history names it (a
    # change of its own, so committed apart: one transaction is one revision per record).
    token = api_tokens.create_token(
        session, author, payloads.payload("token-name", 100), "write", None, TODAY
    ).token
    history.set_actor(session, history.Actor(api_tokens.actor_label(token), author.id))
    data = measure_data(measure)
    data.popular_names = [*data.popular_names, "changed through the API"]
    save_measure(session, measure, data, expected_version=measure.version)
    session.commit()

    def ids(model: type, *conditions: object) -> list[int]:
        return list(session.scalars(select(model.id).where(*conditions)))  # type: ignore[attr-defined]

    measure_ids = ids(Measure, Measure.slug.in_([payloads.SLUG, payloads.OTHER_SLUG]))
    return Pools(
        slugs={
            "measure": [payloads.SLUG, payloads.OTHER_SLUG],
            "statement": [payloads.STATEMENT_SLUG],
            "organization": [payloads.ORG_SLUG],
            "person": [payloads.PERSON_SLUG],
        },
        ids={
            "measure": measure_ids,
            "event": ids(Event, Event.measure_id.in_(measure_ids)),
            "relation": ids(Relation, Relation.subject_id.in_(measure_ids)),
            "statement": ids(Statement, Statement.slug == payloads.STATEMENT_SLUG),
            "organization": ids(Organization, Organization.slug == payloads.ORG_SLUG),
            "person": ids(Person, Person.slug == payloads.PERSON_SLUG),
            "source": ids(Source, Source.url.like("https://example.org/%onmouseover%")),
            "quote": ids(Quote, Quote.text.like("%XSS-%")),
            "revision": ids(Revision, Revision.user_id == author.id),
            "user": [author.id],
        },
        countries=["KG"],
    )


def test_hostile_text_in_every_field_is_shown_as_text_everywhere(
    app: Flask, session: Session, planted: Pools, login_as: Callable[..., SignedInClient]
) -> None:
    admin = login_as("admin")
    # The admin's own token, with a hostile name, on the account page.
    api_tokens.create_token(
        session, admin.user, payloads.payload("own-token-name", 100), "read", None, TODAY
    )
    session.commit()
    clients = {"anonymous": app.test_client(), "admin": admin}
    routes = list(get_routes(app, planted))
    # List pages, search pages and feeds, also with a query that finds the planted records.
    query = f"q={payloads.SEARCH_WORD}&query={payloads.SEARCH_WORD}&country=KG"
    routes += [
        type(route)(f"{route.url}?{query}", route.rule)
        for route in routes
        if not route.rule.arguments
    ]
    offenders: list[str] = []
    shown: set[str] = set()
    fetched = 0
    for who, client in clients.items():
        for route in routes:
            response = fetch(client, route.url)
            if response.redirect:
                continue
            fetched += 1
            text, problems = read(response.mimetype, response.data)
            offenders += [f"GET {route} as {who}: {problem}" for problem in problems]
            shown.update(
                word.lstrip("+") for word in text.split() if word.lstrip("+")[:4] == "XSS-"
            )
    assert not offenders, f"{len(offenders)} problems:\n" + "\n".join(sorted(set(offenders)))
    # The crawl is only worth something if it reached the pages that show each payload.
    assert fetched > 2 * len(rules(app, "GET"))
    planted_markers = payloads.markers() - {"XSS-measure-identifier"}  # replaced by the edit
    planted_markers |= {"XSS-edited-identifier", "XSS-revision-reason", "XSS-user-name"}
    planted_markers |= {"XSS-token-name", "XSS-own-token-name"}
    missing = planted_markers - shown
    assert not missing, f"no page showed the payload of: {sorted(missing)}"


def test_the_payloads_really_are_active_when_not_escaped() -> None:
    """The checker is not blind: the same payloads, pasted raw into a page, are found."""
    from tests.security.content import html_problems

    raw = f"<p>{payloads.payload('measure-title')}</p>"
    found = " ".join(html_problems(f"<!doctype html><html><body>{raw}</body></html>"))
    for expected in (PROBE_TAG, "event handler onerror", "inline <script>", "script URL"):
        assert expected in found


def test_the_document_checkers_are_not_blind_either() -> None:
    """A PDF link to a script URL, an active field in a Word file, a data block that is not
    JSON and a stray archive member are each reported."""
    import io
    import zipfile

    from tests.security.content import (
        docx_problems,
        html_problems,
        markdown_problems,
        pdf_problems,
        zip_problems,
    )

    pdf = b"%PDF-1.7\n1 0 obj << /Type /Annot /A << /S /URI /URI (javascript:alert(1)) >> >>"
    assert pdf_problems(pdf) == ["the PDF links to a script or local URL"]
    assert pdf_problems(b"%PDF-1.7\n1 0 obj << /S /JavaScript /JS (app.alert(1)) >>")
    assert not pdf_problems(b"%PDF-1.7\nBT (javascript:alert(1) shown as text) Tj ET")

    def archive(members: dict[str, str]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zipped:
            for name, text in members.items():
                zipped.writestr(name, text)
        return buffer.getvalue()

    word = archive(
        {"word/document.xml": '<w:document xmlns:w="w"><w:instrText>DDEAUTO c:\\x</w:instrText>'
         "</w:document>"}
    )  # fmt: skip
    assert docx_problems(word)
    image = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
    rels = (
        f'<Relationships><Relationship Id="r1" TargetMode="External" Type="{image}" '
        'Target="https://evil.example/pixel.png"/></Relationships>'
    )
    pixel = archive({"word/_rels/document.xml.rels": rels})
    assert docx_problems(pixel) == [
        "word/_rels/document.xml.rels: loads 'https://evil.example/pixel.png' from another site"
    ]
    assert zip_problems(archive({"tables/x.csv": "a\n=1+1\n", "evil.exe": "MZ"}))
    page = '<!doctype html><script type="application/ld+json">{"a": "</script>"}</script>'
    assert html_problems(page)
    markdown = b"![p](https://evil.example/p.png) [x](javascript:alert(1)) <img src=x>"
    assert len(markdown_problems(markdown)) == 3
    assert not markdown_problems(b"\\![p](https://evil.example/p.png) [x](https://example.org)")
