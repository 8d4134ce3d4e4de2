"""The search page: every kind of record matching the words, grouped, with facets."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for

from tracker import clock
from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, reader
from tracker.services import search as search_service
from tracker.services.facets import measure_facets
from tracker.services.search import Kind

bp = Blueprint("search", __name__)

PER_GROUP = 5


@bp.get("/search")
@public
def index() -> str:
    session = get_session()
    text = request.args.get("q", "").strip()[: search_service.MAX_QUERY_LENGTH]
    scope = request.args.get("scope", "").strip()
    if scope and scope not in search_service.KINDS:
        abort(
            400,
            description=f'"{scope}" is not a kind of record; use one of '
            + ", ".join(search_service.KINDS)
            + ".",
        )
    number, size = params.page(default_size=20)
    filters = replace(params.measure_filters(), query=None)
    view = reader()  # search finds records whatever their dates: no day of its own
    kinds: tuple[Kind, ...] = (scope,) if scope else search_service.KINDS
    limit = size if scope else PER_GROUP
    results = search_service.search(
        session,
        text,
        filters,
        view,
        kinds=kinds,
        limit=limit,
        offset=(number - 1) * limit,
    )
    facets = []
    measures = next((g for g in results.groups if g.kind == "measures"), None)
    # Facets of a query that matches more than COUNT_CAP measures would cost a pass over all of
    # them for counts nobody reads exactly; the page asks for a narrower query instead.
    too_broad = measures is not None and measures.capped
    if results.query is not None and not too_broad:
        facets = measure_facets(
            session, replace(filters, query=text), view.on(clock.today()), limit=30
        )
    group = results.groups[0] if scope and results.groups else None
    pages = max(1, -(-group.total // limit)) if group else 1
    # The matching measures as the measure list: the same words and filters, its own paging.
    carried: dict[str, Any] = {
        key: values
        for key, values in request.args.to_dict(flat=False).items()
        if key not in ("scope", "page", "size")
    }
    return render_template(
        "search/index.html",
        list_url=url_for("measures.index", **carried),
        text=text,
        scope=scope,
        results=results,
        facets=facets,
        too_broad=too_broad,
        filters=filters,
        page=number,
        pages=pages,
        kind_labels=search_service.KIND_LABELS,
    )
