"""Lineage: following Russia's 2012 law to the laws modelled on it, across countries and time."""

from __future__ import annotations

import datetime as dt

from defusedxml import ElementTree as SafeET
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.chart_checks import (
    SVG,
    assert_png_shows_a_chart,
    assert_self_contained,
    inline_svgs,
    text_of,
)
from tracker.charts.lineage import layout_lineage
from tracker.dates import PartialDate
from tracker.models import Event, Measure, Relation
from tracker.services.lineage import build_lineage
from tracker.viewpoint import Viewpoint

TODAY = dt.date(2026, 11, 28)
RU_LAW = "ru-foreign-agents-law-2012"
KG_LAW = "kg-foreign-representatives-law-2024"


def test_russias_law_is_drawn_as_the_model_for_kyrgyzstans(session: Session) -> None:
    lineage = build_lineage(session, Viewpoint.anonymous(TODAY))
    assert lineage is not None
    sentences = {(e.source.slug, e.wording, e.target.slug) for e in lineage.edges}
    assert (RU_LAW, "model for", KG_LAW) in sentences
    assert (RU_LAW, "model for", "kg-foreign-agents-bill-2013") in sentences
    assert ("kg-foreign-agents-bill-2013", "model for", KG_LAW) in sentences
    layout = layout_lineage(lineage)
    boxes = {node.node.slug: node for node in layout.nodes}
    # Ordered in time: the 2012 law left of the 2013 bill, left of the 2022-24 law.
    assert boxes[RU_LAW].x < boxes["kg-foreign-agents-bill-2013"].x < boxes[KG_LAW].x
    # One band per country, Russia first because its measure came first.
    assert [band.name for band in layout.countries] == ["Russian Federation", "Kyrgyzstan"]
    edge = next(e for e in layout.edges if e.edge.target.slug == KG_LAW and e.type == "modelled-on"
                and e.edge.source.slug == RU_LAW)  # fmt: skip
    assert edge.label == "model for"
    assert edge.path.startswith(f"M{boxes[RU_LAW].x + boxes[RU_LAW].width:.1f}")


def test_the_lineage_page_lets_you_follow_it_from_russia(client: FlaskClient) -> None:
    response = client.get("/lineage/?country=RU")
    assert response.status_code == 200
    page = text_of(response.data)
    assert "Lineage: Russian Federation" in page
    russia = "Foreign Agents Law (121-FZ, 2012) (Russian Federation, Jul 2012)"
    assert f"{russia} model for Foreign Representatives Law (2024) (Kyrgyzstan" in page
    (chart,) = inline_svgs(response.data)
    assert_self_contained(chart, own_links="/")
    labels = [t.text for t in chart.iter(f"{SVG}text") if "edge-label" in (t.get("class") or "")]
    assert labels.count("model for") == 2  # the bill of 2013 and the law of 2024
    # The amendment touches Kyrgyz measures only: not part of Russia's lineage.
    assert "amended by" not in labels
    hrefs = [a.get("href") for a in chart.iter(f"{SVG}a")]
    assert f"/measures/{RU_LAW}" in hrefs


def test_filtering_by_relation_type(client: FlaskClient) -> None:
    page = text_of(client.get("/lineage/?relation=amends").data)
    assert "amended by" in page
    assert "model for" not in page.split("The same relations as a list")[-1]


def test_each_measure_page_shows_its_own_lineage(client: FlaskClient) -> None:
    response = client.get(f"/measures/{KG_LAW}")
    page = text_of(response.data)
    assert "Lineage 4 relations within 3 steps" in page
    charts = inline_svgs(response.data)
    assert len(charts) == 1
    focus = [r for r in charts[0].iter(f"{SVG}rect") if "node--focus" in (r.get("class") or "")]
    assert len(focus) == 1
    assert "Open, download or embed this diagram" in page
    # A measure without relations has no lineage block.
    alone = client.get("/measures/kg-mass-media-law-2025")
    assert b"lineage-heading" not in alone.data


def test_lineage_as_of_a_past_day_leaves_out_measures_not_yet_there(client: FlaskClient) -> None:
    page = text_of(client.get("/lineage/?as_of=2014-01-01").data)
    assert (
        "Foreign Agents Law (121-FZ, 2012) (Russian Federation, Jul 2012) model for "
        "Foreign agents bill (2013–2016)"
    ) in page
    assert "Foreign representatives law" not in page.split("The same relations as a list")[-1]
    response = client.get(f"/measures/{RU_LAW}?as_of=2012-12-01")
    assert b"lineage-heading" not in response.data


def test_internal_measures_stay_out_of_the_public_lineage(
    client: FlaskClient, session: Session
) -> None:
    russian = session.scalars(select(Measure).where(Measure.slug == RU_LAW)).one()
    secret = Measure(
        slug="ge-internal-draft", country="GE", kind="bill", title="Unannounced Georgian draft",
        visibility="internal", popular_names=[],
    )  # fmt: skip
    secret.events.append(Event(type="drafted", date=PartialDate.from_iso("2024-03")))
    secret.relations.append(Relation(type="modelled-on", object=russian))
    session.add(secret)
    session.flush()
    assert b"Unannounced Georgian draft" not in client.get("/lineage/").data
    assert b"Unannounced Georgian draft" not in client.get(f"/measures/{RU_LAW}").data
    assert client.get("/lineage/?measure=ge-internal-draft").status_code == 404
    lineage = build_lineage(session, Viewpoint.viewer(TODAY))
    assert lineage is not None
    assert "ge-internal-draft" in {node.slug for node in lineage.nodes}


def test_lineage_downloads(client: FlaskClient) -> None:
    svg = client.get(f"/lineage.svg?measure={KG_LAW}")
    assert svg.headers["Content-Disposition"] == (
        f'attachment; filename="lineage-{KG_LAW}-2026-11-28.svg"'
    )
    root = SafeET.fromstring(svg.data)
    assert_self_contained(root, own_links="http://localhost/")
    png = client.get("/lineage.png?country=KG")
    assert png.headers["Content-Disposition"] == (
        'attachment; filename="lineage-kyrgyzstan-2026-11-28.png"'
    )
    assert_png_shows_a_chart(png.data)


def test_a_measures_lineage_can_be_embedded(client: FlaskClient) -> None:
    html = client.get(f"/lineage/?measure={KG_LAW}").data.decode()
    assert f"/embed/lineage?measure={KG_LAW}" in html
    embedded = client.get(f"/embed/lineage?measure={KG_LAW}")
    assert embedded.status_code == 200
    assert "Lineage of Foreign Representatives Law (2024) (Kyrgyzstan)" in text_of(embedded.data)
    assert client.get("/embed/lineage?measure=no-such-measure").status_code == 404
