"""Statement pages: the list and one statement with its quotes, measures and sources."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, reader, viewpoint
from tracker.services.measures import countries_in_use, topics_in_use
from tracker.services.organizations import list_organizations
from tracker.services.statements import count_statements, get_statement, list_statements

bp = Blueprint("statements", __name__, url_prefix="/statements")

PER_PAGE = 50
# Past this many matches the page says "more than" instead of counting them all.
COUNT_CAP = 10_000


@bp.get("/")
@public
def index() -> str:
    session = get_session()
    view = viewpoint()
    filters = params.statement_filters()
    page, _ = params.page(default_size=PER_PAGE, max_size=PER_PAGE)
    total = count_statements(session, view, filters, cap=COUNT_CAP)
    statements = list_statements(session, view, filters, (page - 1) * PER_PAGE, PER_PAGE)
    pages, more = params.pages_of(page, total, len(statements), PER_PAGE, COUNT_CAP)
    return render_template(
        "statements/index.html",
        statements=statements,
        total=total,
        more=more,
        count_cap=COUNT_CAP,
        page=page,
        pages=pages,
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
