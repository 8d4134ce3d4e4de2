"""The ceiling: a minimal Flask + SQLAlchemy app running the same queries as the tracker.

No templates engine beyond a string join, no services, no status derivation (it reads the
cached status), no security headers: what our stack can do at best on this machine. Serve it
with gunicorn: ``BENCH_DATABASE_URL=... gunicorn -w 2 bench.ceiling_app:app``.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterator

from flask import Flask, Response, jsonify, request
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["BENCH_DATABASE_URL"])
app = Flask(__name__)
IS_SQLITE = engine.dialect.name == "sqlite"

# The same tables and indexes the tracker reads: the facet columns are copied onto
# measure_status (migration 0003), so filters and counts read one narrow table.
FACETS = {
    "country": "s.country",
    "kind": "s.kind",
    "status": "s.state",
    "year": "s.first_year",
}


def _filtered() -> tuple[str, dict[str, str]]:
    where, params = ["s.visibility = 'public'"], {}
    for name, column in (("country", "s.country"), ("status", "s.state"), ("kind", "s.kind")):
        value = request.args.get(name)
        if value:
            where.append(f"{column} = :{name}")
            params[name] = value
    return " AND ".join(where), params


def _list() -> tuple[list[dict[str, object]], dict[str, list[tuple[object, int]]]]:
    where, params = _filtered()
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT m.slug, m.title, m.country, m.kind, s.state FROM measures m "
                f"JOIN measure_status s ON s.measure_id = m.id WHERE {where} "
                "ORDER BY m.country, m.title, m.id LIMIT 50"
            ),
            params,
        ).mappings()
        items = [dict(row) for row in rows]
        facets = {
            name: [
                (value, count)
                for value, count in connection.execute(
                    text(
                        f"SELECT {column}, count(*) FROM measure_status s WHERE {where} "
                        f"GROUP BY {column}"
                    ),
                    params,
                )
            ]
            for name, column in FACETS.items()
        }
    return items, facets


@app.get("/measures")
def measures() -> str:
    items, facets = _list()
    parts = ["<html><body><ul>"]
    for name, values in facets.items():
        parts += [f"<li>{name}: {html.escape(str(v))} ({c})</li>" for v, c in values]
    parts.append("</ul><table>")
    parts += [
        f"<tr><td>{html.escape(str(i['title']))}</td><td>{i['country']}</td>"
        f"<td>{i['state']}</td></tr>"
        for i in items
    ]
    return "".join(parts) + "</table></body></html>"


@app.get("/api/measures")
def api_measures() -> Response:
    items, facets = _list()
    return jsonify({"items": items, "facets": facets})


@app.get("/search")
def search() -> str:
    words = " ".join(f'"{w}"' for w in request.args.get("q", "").split() if w.isalnum())
    with engine.connect() as connection:
        if IS_SQLITE:
            sql = (
                "SELECT m.slug, m.title FROM search_measures f JOIN measures m ON m.id = f.rowid "
                "WHERE search_measures MATCH :q AND m.visibility = 'public' "
                "ORDER BY bm25(search_measures) LIMIT 20"
            )
            params = {"q": words + "*"}
        else:
            sql = (
                "SELECT m.slug, m.title FROM search_measures f JOIN measures m ON m.id = f.id "
                "WHERE f.document @@ to_tsquery('simple', :q) AND m.visibility = 'public' "
                "ORDER BY ts_rank(f.document, to_tsquery('simple', :q)) DESC LIMIT 20"
            )
            params = {"q": " & ".join(request.args.get("q", "").split()) + ":*"}
        rows = connection.execute(text(sql), params).all()
    return "".join(f"<p>{html.escape(title)}</p>" for _, title in rows)


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
