"""What every template may use: labels of codes, dates, country names, Markdown, links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, request, url_for

from tracker import clock, vocab
from tracker.countries import country_name
from tracker.dates import PartialDate
from tracker.markup import render_markdown
from tracker.web.access import can_see_internal


def format_date(value: PartialDate | None, short: bool = False) -> str:
    if value is None:
        return ""
    return value.format_short() if short else value.format()


def url_with(**changes: Any) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [value]
    assert request.endpoint is not None  # only called while rendering a routed page
    values: dict[str, Any] = {**(request.view_args or {}), **args}
    return url_for(request.endpoint, **values)


def query_with(**changes: Any) -> str:
    """Like ``url_with`` for the current path, without routing: facet lists build hundreds of
    links per page, and building each through the URL map cost more than the query did."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    query = urlencode(args, doseq=True)
    return f"{request.path}?{query}" if query else request.path


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        partial_date=format_date,
        country_name=country_name,
        markdown=render_markdown,
    )
    app.jinja_env.globals.update(
        vocab=vocab,
        url_with=url_with,
        query_with=query_with,
        today=clock.today,
        country_name=country_name,
        can_see_internal=can_see_internal,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
