"""No page shows a Python value: every GET route of the URL map, read anonymously and as each
role, holds no repr of a Python object ("<bound method …>", "<function …>", "object at 0x…"),
no "None" where a value belongs, no "[]" and no "{'" of a list or dict printed as it is.

WTForms 3.3 gave every field a ``datalist`` method; the form macro read that attribute and
wrote ``list="<bound method Field.datalist of …>"`` into every input. A check of one template
would not have caught it: this one reads every page the URL map has, including pages added
later, with the real arguments of tests/security/routes.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.security.content import parse_html, read
from tests.security.routes import Fetched, fetch, get_routes, pools_from

# What Python's repr() of an object, a function, a method or a class looks like.
REPRS = re.compile(r"<bound method |<function |<built-in |<class '| object at 0x[0-9a-f]+")
# A list or dict printed with str(): "[]", "['a', 'b']", "{'key': …}".
PRINTED_CONTAINERS = re.compile(r"\[\]|\['|\{'")
# Files whose bytes are compressed or laid out (PDF, DOCX, XLSX, PNG, ZIP) come from the same
# data as the HTML and Markdown read here, and would triple the time this takes.
BINARY = (".pdf", ".docx", ".xlsx", ".png", ".zip")
# Where a data block may legitimately hold "[]" (JSON-LD, an empty JSON list).
DATA_ELEMENTS = frozenset({"script", "style"})


def _texts(root: Element) -> Iterator[tuple[str, str]]:
    """(where, text) of every text node and attribute value a reader or a browser gets."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag not in DATA_ELEMENTS and element.text:
            yield f"<{element.tag}>", element.text
        if element.tail:
            yield f"after <{element.tag}>", element.tail
        for name, value in element.attrib.items():
            yield f"<{element.tag} {name}>", value


def python_values(response: Fetched) -> list[str]:
    """The Python values a response shows, each with where it is."""
    if response.mimetype != "text/html":
        text, _ = read(response.mimetype, response.data)
        return [f"{match.group()!r} in the {response.mimetype}" for match in REPRS.finditer(text)]
    found = []
    for where, text in _texts(parse_html(response.data)):
        for pattern in (REPRS, PRINTED_CONTAINERS):
            found += [
                f"{match.group()!r} in {where}: {text[:120]!r}" for match in pattern.finditer(text)
            ]
        if text.strip() == "None":
            found.append(f"'None' in {where}")
    return found


def test_no_page_shows_a_python_value_to_anyone(
    app: Flask, session: Session, login_as: Callable[..., FlaskClient]
) -> None:
    clients = {
        "anonymous": app.test_client(),
        "viewer": login_as("viewer"),
        "editor": login_as("editor"),
        "admin": login_as("admin"),
    }
    routes = [
        route
        for route in get_routes(app, pools_from(session, per_kind=1))
        if route.endpoint != "static" and not route.url.endswith(BINARY)
    ]
    offenders: list[str] = []
    pages = 0
    for route in routes:
        for who, client in clients.items():
            response = fetch(client, route.url)
            if response.redirect or response.status >= 400:
                continue
            pages += response.mimetype == "text/html"
            offenders += [f"GET {route} as {who}: {found}" for found in python_values(response)]
    assert not offenders, "\n".join(offenders[:40])
    # Forms (the editors' pages) and lists were read, not just error pages.
    assert pages >= 100


def test_the_check_finds_what_the_datalist_bug_wrote() -> None:
    page = (
        b'<!doctype html><meta charset="utf-8"><form><input id="title" '
        b'list="<bound method Field.datalist of '
        b'<wtforms.fields.simple.StringField object at 0x7f3a2c>>"></form>'
        b"<p>None</p><p>Topics: []</p><p>{'a': 1}</p>"
        b'<script type="application/ld+json">{"sameAs": []}</script>'
    )
    found = python_values(Fetched(200, "text/html", page, {}))
    assert any("<bound method" in item and "<input list>" in item for item in found)
    assert any("object at 0x" in item for item in found)
    assert "'None' in <p>" in found
    assert any("'[]' in <p>" in item for item in found)
    assert any('"{\'"' in item for item in found)
    # An empty JSON list in a JSON-LD block is data, not a printed Python list.
    assert not any("script" in item for item in found)
