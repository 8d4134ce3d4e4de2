"""Machine-readable pages (schema.org Legislation in JSON-LD) and ready citations."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.exports_support import (
    AMNESTY_STATEMENT,
    FOREIGN_REPRESENTATIVES,
    add_internal_records,
    add_measure,
    allow_signed_in,
    text_of,
)
from tracker.models import Measure, Relation

PAGE = f"/measures/{FOREIGN_REPRESENTATIVES}"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    allow_signed_in(app)
    return app.test_client()


def jsonld(html: bytes) -> dict[str, Any]:
    blocks = re.findall(rb'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    data: dict[str, Any] = json.loads(blocks[0])
    return data


def test_measure_pages_carry_schema_org_legislation(client: FlaskClient) -> None:
    data = jsonld(client.get(PAGE).data)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Legislation"
    assert data["@id"] == data["url"] == f"http://localhost{PAGE}"
    assert data["legislationIdentifier"] == "No. 72"
    assert data["identifier"] == FOREIGN_REPRESENTATIVES
    assert data["legislationType"] == "Law"
    assert data["legislationJurisdiction"] == {
        "@type": "Country",
        "name": "Kyrgyzstan",
        "identifier": "KG",
    }
    assert data["legislationDate"] == "2024-04-02"  # signed
    assert data["legislationLegalForce"] == "https://schema.org/InForce"
    assert data["legislationDateVersion"] == "2026-11-28"
    assert any(name.startswith("Закон Кыргызской Республики") for name in data["alternateName"])
    assert "foreign agents law" in data["alternateName"]
    # "modelled on" Russia's 2012 law (and a later version of the 2013 bill): isBasedOn.
    model = next(ref for ref in data["isBasedOn"] if "ru-foreign-agents-law-2012" in ref["url"])
    assert model["@type"] == "Legislation"
    assert model["url"] == "http://localhost/measures/ru-foreign-agents-law-2012"
    assert model["legislationJurisdiction"]["identifier"] == "RU"
    assert all(work["url"].startswith("https://") for work in data["citation"])


def test_json_ld_follows_the_as_of_day(client: FlaskClient) -> None:
    data = jsonld(client.get(f"{PAGE}?as_of=2024-02-08").data)
    assert data["legislationLegalForce"] == "https://schema.org/NotInForce"
    assert data["legislationDateVersion"] == "2024-02-08"
    assert "legislationDate" not in data  # not yet signed that day
    assert data["url"].endswith("?as_of=2024-02-08")


def test_relations_map_to_schema_org_and_hide_internal_measures(
    client: FlaskClient, session: Session
) -> None:
    amending = add_measure(session, "kg-amending-test", "Amending act")
    secret, _ = add_internal_records(session)
    law = session.scalars(select(Measure).where(Measure.slug == FOREIGN_REPRESENTATIVES)).one()
    session.add_all(
        [
            Relation(type="amends", subject=amending, object=law),
            Relation(type="repeals", subject=amending, object=secret),
        ]
    )
    session.flush()
    data = jsonld(client.get("/measures/kg-amending-test").data)
    assert [ref["@id"] for ref in data["legislationAmends"]] == [f"http://localhost{PAGE}"]
    assert "legislationRepeals" not in data  # the repealed measure is internal
    assert secret.slug not in json.dumps(data)


def test_json_ld_cannot_end_its_script_element(client: FlaskClient, session: Session) -> None:
    title = 'Bill </script><script>alert("x")</script> & <b>more</b>'
    add_measure(session, "kg-script-title", title)
    html = client.get("/measures/kg-script-title").data
    block = re.search(rb'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block is not None
    assert b"<" not in block.group(1)
    assert b">" not in block.group(1)
    assert json.loads(block.group(1))["name"] == title
    assert b'<script>alert("x")' not in html


def test_measure_pages_offer_a_citation_as_text_and_bibtex(client: FlaskClient) -> None:
    page = text_of(client.get(PAGE).data)
    assert "Cite this" in page
    assert "Law of the Kyrgyz Republic No. 72" in page
    assert "@misc{kg-foreign-representatives-law-2024," in page
    text = client.get(f"{PAGE}/cite.txt")
    assert text.headers["Content-Disposition"] == (
        f"attachment; filename={FOREIGN_REPRESENTATIVES}.txt"
    )
    plain = text.data.decode()
    assert "Kyrgyzstan, law, No. 72" in plain
    assert f"http://localhost{PAGE}" in plain
    assert "(accessed 28 November 2026)" in plain
    bib = client.get(f"{PAGE}/cite.bib")
    assert bib.headers["Content-Type"] == "application/x-bibtex; charset=utf-8"
    entry = bib.data.decode()
    assert entry.startswith("@misc{kg-foreign-representatives-law-2024,\n")
    assert f"url          = {{http://localhost{PAGE}}}" in entry
    assert "urldate      = {2026-11-28}" in entry
    past = client.get(f"{PAGE}/cite.txt?as_of=2024-02-08").data.decode()
    assert "Status as of 8 February 2024." in past
    assert "?as_of=2024-02-08" in past


def test_bibtex_escapes_special_characters(client: FlaskClient, session: Session) -> None:
    add_measure(session, "kg-bibtex-test", "Law 5 & 6 on 100% {funds}_#1 ~ $^ \\ end")
    entry = client.get("/measures/kg-bibtex-test/cite.bib").data.decode()
    title = re.search(r"title\s+= \{\{(.*)\}\},", entry)
    assert title is not None
    assert title.group(1) == (
        r"Law 5 \& 6 on 100\% \{funds\}\_\#1 \~{} \$\^{} \textbackslash{} end"
    )
    body = entry.replace(r"\{", "").replace(r"\}", "")
    assert body.count("{") == body.count("}")


def test_statement_pages_offer_a_citation_of_the_statement(client: FlaskClient) -> None:
    page = text_of(client.get(f"/statements/{AMNESTY_STATEMENT}").data)
    assert "Cite this" in page
    plain = client.get(f"/statements/{AMNESTY_STATEMENT}/cite.txt").data.decode()
    assert plain.startswith("Amnesty International. “")
    assert "8 February 2024" in plain
    assert f"http://localhost/statements/{AMNESTY_STATEMENT}" in plain
    entry = client.get(f"/statements/{AMNESTY_STATEMENT}/cite.bib").data.decode()
    assert entry.startswith(f"@misc{{{AMNESTY_STATEMENT},")
    assert "author       = {{Amnesty International}}" in entry
    assert "month        = feb" in entry
    assert "date         = {2024-02-08}" in entry


def test_citations_of_internal_records_are_not_public(
    client: FlaskClient, session: Session
) -> None:
    measure, statement = add_internal_records(session)
    assert client.get(f"/measures/{measure.slug}/cite.bib").status_code == 404
    assert client.get(f"/statements/{statement.slug}/cite.txt").status_code == 404
