"""The ceiling: a minimal Flask + SQLAlchemy app running the same queries as the tracker.

No template engine beyond a string join, no access control, sessions, security headers or page
cache: what our stack can do at best on this machine. For the list, the JSON API and search it
builds its SQL with the tracker's own query functions (``select_measures``, ``measure_facets``,
``ranked_matches``), so that both run the same SQL whatever either changes, for the same reader
(a signed-in viewer, as the benchmark signs in); the measure page is three plain queries, the
least such a page can read. Serve it with gunicorn:
``BENCH_DATABASE_URL=... gunicorn -w 2 bench.ceiling_app:app``.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from tracker.models import MeasureStatus, Topic, measure_topics
from tracker.services.facets import measure_facets
from tracker.services.fulltext import COLUMNS, KINDS, parse_query, stored_texts
from tracker.services.measures import MEASURE_ORDER, MeasureFilters, select_measures
from tracker.services.search import ranked_matches
from tracker.viewpoint import Viewpoint

engine = create_engine(os.environ["BENCH_DATABASE_URL"])
app = Flask(__name__)


def _filters() -> MeasureFilters:
    args = request.args
    return MeasureFilters(
        countries=tuple(args.getlist("country")),
        kinds=tuple(args.getlist("kind")),
        states=tuple(args.getlist("status")),
        topics=tuple(args.getlist("topic")),
    )


def _list() -> tuple[list[dict[str, Any]], int, dict[str, list[tuple[str, int]]]]:
    """The tracker's list: one page of measures, its count, its statuses and topics, facets."""
    filters, view = _filters(), Viewpoint.viewer()
    page = max(1, int(request.args.get("page", "1")))
    with Session(engine) as session:
        selection = select_measures(session, filters, view)
        query = selection.measures().order_by(*MEASURE_ORDER).limit(50).offset((page - 1) * 50)
        connection = session.connection()
        items = [dict(row) for row in connection.execute(query).mappings()]
        ids = [item["id"] for item in items]
        states = dict(
            connection.execute(
                select(MeasureStatus.measure_id, MeasureStatus.status).where(
                    MeasureStatus.measure_id.in_(ids)
                )
            ).all()
        )
        topics: dict[int, list[str]] = {}
        for measure_id, name in connection.execute(
            select(measure_topics.c.measure_id, Topic.name)
            .join(Topic, Topic.id == measure_topics.c.topic_id)
            .where(measure_topics.c.measure_id.in_(ids))
        ):
            topics.setdefault(measure_id, []).append(name)
        total = selection.count(session)
        facets = {
            facet.name: [(value.value, value.count) for value in facet.values]
            for facet in measure_facets(session, filters, view, limit=30)
        }
    for item in items:
        status = states.get(item["id"]) or {}
        item["state"] = status.get("state") if isinstance(status, dict) else None
        item["topics"] = topics.get(item["id"], [])
    return items, total, facets


@app.get("/")
def index() -> str:
    return "ceiling"


@app.get("/measures")
def measures() -> str:
    items, total, facets = _list()
    parts = [f"<html><body><p>{total}</p><ul>"]
    for name, values in facets.items():
        parts += [f"<li>{name}: {html.escape(str(v))} ({c})</li>" for v, c in values]
    parts.append("</ul><table>")
    parts += [
        f"<tr><td>{html.escape(str(i['title']))}</td><td>{i['country']}</td>"
        f"<td>{i['state']}</td><td>{html.escape(', '.join(i['topics']))}</td></tr>"
        for i in items
    ]
    return "".join(parts) + "</table></body></html>"


@app.get("/api/measures")
def api_measures() -> Response:
    items, total, facets = _list()
    keep = ("slug", "title", "country", "kind", "state", "topics", "visibility")
    return jsonify(
        {
            "items": [{k: i.get(k) for k in keep} for i in items],
            "total": total,
            "facets": facets,
        }
    )


@app.get("/search")
def search() -> str:
    """Every kind's count and best five, found and ranked by the tracker's own SQL, with
    their indexed text read back (what the tracker shows and highlights)."""
    query = parse_query(request.args.get("q", ""))
    if query is None:
        return "<p>nothing to search for</p>"
    parts = []
    view = Viewpoint.viewer()
    with Session(engine) as session:
        capped = False
        for kind in KINDS:
            found = ranked_matches(session, kind, query, MeasureFilters(), view, limit=5)
            capped = capped or (kind == "measures" and found.capped)
            texts = stored_texts(session, kind, [record_id for record_id, _ in found.ranked])
            parts.append(f"<h2>{kind} {found.total}</h2><ol>")
            for record_id, _ in found.ranked:
                values = dict(zip(COLUMNS[kind], texts.get(record_id, ()), strict=False))
                parts.append(f"<li>{html.escape(next(iter(values.values()), ''))}</li>")
            parts.append("</ol>")
        if not capped:  # the tracker's page counts the matching measures' facets, as here
            filters = MeasureFilters(query=request.args.get("q", ""))
            for facet in measure_facets(session, filters, view, limit=30):
                parts += [f"<p>{facet.name}: {v.value} ({v.count})</p>" for v in facet.values]
    return "".join(parts)


@app.get("/measures/<slug>")
def measure(slug: str) -> str:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT id, title, summary FROM measures WHERE slug = :slug"), {"slug": slug}
        ).one()
        events = connection.execute(
            text(
                "SELECT date_iso, type, description FROM events WHERE measure_id = :id "
                "ORDER BY date_iso, id"
            ),
            {"id": row.id},
        ).all()
        statements = connection.execute(
            text(
                "SELECT s.title, s.date_iso FROM statements s JOIN statement_measures sm "
                "ON sm.statement_id = s.id WHERE sm.measure_id = :id ORDER BY s.date_iso"
            ),
            {"id": row.id},
        ).all()
    parts = [f"<h1>{html.escape(row.title)}</h1><ol>"]
    parts += [f"<li>{e.date_iso} {e.type} {html.escape(e.description or '')}</li>" for e in events]
    parts += [f"<p>{html.escape(s.title)}</p>" for s in statements]
    return "".join(parts)


@app.get("/events.csv")
def events_csv() -> Response:
    def rows() -> Iterator[str]:
        yield "measure,type,date,actor,description\n"
        with engine.connect().execution_options(stream_results=True, yield_per=5000) as conn:
            result = conn.execute(
                text(
                    "SELECT m.slug, e.type, e.date_iso, e.actor, e.description FROM events e "
                    "JOIN measures m ON m.id = e.measure_id WHERE m.visibility = 'public'"
                )
            )
            for slug, kind, date, actor, description in result:
                desc = (description or "").replace('"', '""')
                yield f'{slug},{kind},{date},"{actor or ""}","{desc}"\n'

    return Response(rows(), mimetype="text/csv")
