"""What the database holds and what a browser would send: helpers for "nothing was written"
and for submitting the real forms of a page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from tests.security.content import local_name, parse_html
from tracker.db import Base


def _connection(where: Session | Connection) -> Connection:
    return where.connection() if isinstance(where, Session) else where


def database_rows(where: Session | Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: equal snapshots mean nothing changed."""
    connection = _connection(where)
    rows = {}
    for table in Base.metadata.sorted_tables:
        query = select(table).order_by(*table.primary_key.columns)
        rows[table.name] = [tuple(row) for row in connection.execute(query)]
    return rows


def row_counts(where: Session | Connection) -> dict[str, int]:
    return {name: len(rows) for name, rows in database_rows(where).items()}


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def form_fields(page: bytes | str, action: str | None = None) -> dict[str, Any]:
    """What a browser would send from the page's POST form (the one posting to ``action``, or
    else the first): text inputs, hidden fields, checked boxes, selected options, textareas."""
    forms = [
        element
        for element in parse_html(page).iter()
        if isinstance(element.tag, str)
        and local_name(element.tag) == "form"
        and element.get("method", "get").lower() == "post"
    ]
    chosen = [form for form in forms if action is not None and form.get("action") == action]
    if not (chosen or forms):
        return {}
    form = (chosen or forms)[0]
    data: dict[str, list[str]] = {}
    for element in form.iter():
        if not isinstance(element.tag, str):
            continue
        tag = local_name(element.tag)
        name = element.get("name")
        if not name or element.get("disabled") is not None:
            continue
        if tag == "input":
            kind = element.get("type", "text").lower()
            if kind in ("checkbox", "radio") and element.get("checked") is None:
                continue
            if kind in ("submit", "button", "image", "file", "reset"):
                continue
            data.setdefault(name, []).append(
                element.get("value", "on" if kind in ("checkbox", "radio") else "")
            )
        elif tag == "textarea":
            data.setdefault(name, []).append(element.text or "")
        elif tag == "select":
            options = [
                o
                for o in element.iter()
                if isinstance(o.tag, str) and local_name(o.tag) == "option"
            ]
            selected = [o for o in options if o.get("selected") is not None]
            if not selected and options and element.get("multiple") is None:
                selected = options[:1]
            for option in selected:
                data.setdefault(name, []).append(option.get("value", option.text or ""))
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


def csrf_token(page: bytes | str) -> str:
    """The CSRF token in a page's forms."""
    for element in parse_html(page).iter():
        if isinstance(element.tag, str) and element.get("name") == "csrf_token":
            return str(element.get("value"))
    raise AssertionError("no CSRF token on the page")
