"""Statement pages: the list (counted up to a cap, tracker.web.capped_lists) and one statement
with its quotes, measures and sources."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, reader, viewpoint
from tracker.services.measures import countries_in_use, topics_in_use
from tracker.services.organizations import list_organizations
from tracker.services.statements import count_statements, get_statement, list_statements
from tracker.web.capped_lists import capped_list

bp = Blueprint("statements", __name__, url_prefix="/statements")

PER_PAGE = 50


@bp.get("/")
@public
def index() -> str:
    session = get_session()
    view = viewpoint()
    filters = params.statement_filters()
    return capped_list(
        "statements/index.html",
        "statements",
        PER_PAGE,
        lambda cap: count_statements(session, view, filters, cap=cap),
        lambda offset, limit: list_statements(session, view, filters, offset, limit),
        as_of=view.as_of,
        filters=filters,
        countries=countries_in_use(session, view),
        topics=topics_in_use(session, view),
        organizations=list_organizations(session, view),
    )


@bp.get("/<slug>")
@public
def show(slug: str) -> str:
    statement = get_statement(get_session(), slug, reader())
    if statement is None:
        abort(404)
    return render_template("statements/show.html", statement=statement)
