"""The SVG writer escapes everything it is given and always produces well-formed XML."""

from __future__ import annotations

import gc

from defusedxml import ElementTree as SafeET
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.chart_checks import SVG, assert_self_contained, inline_svgs
from tracker.charts.svg import esc
from tracker.dates import PartialDate
from tracker.gcpause import gc_paused
from tracker.models import Event, Measure

HOSTILE = 'Law <script>alert("x")</script> & “quotes” \' \x0b\x01 end'  # PostgreSQL refuses NUL


def test_escaping_covers_markup_and_drops_what_xml_forbids() -> None:
    assert esc('<a href="x">&\'') == "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;"
    assert esc("tab\tnew\nline\x0bvt\x00nul\ufffe") == "tab\tnew\nlinevtnul"
    assert esc("Кыргызстан — «закон»") == "Кыргызстан — «закон»"


def test_hostile_text_in_the_data_stays_text(client: FlaskClient, session: Session) -> None:
    measure = Measure(
        slug="kg-hostile", country="KG", kind="bill", title=HOSTILE, visibility="public",
        popular_names=[HOSTILE],
    )  # fmt: skip
    measure.events.append(
        Event(type="introduced", date=PartialDate.from_iso("2024-01-10"), description=HOSTILE)
    )
    session.add(measure)
    session.flush()
    for url in ("/timeline/?country=KG", "/embed/timeline?country=KG", "/countries/KG"):
        html = client.get(url).data
        assert b"<script>alert" not in html
        for chart in inline_svgs(html):  # parses: the control characters are gone
            assert_self_contained(chart, own_links=("/", "http://localhost/"))
    download = client.get("/timeline.svg?country=KG").data
    root = SafeET.fromstring(download)
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert any('<script>alert("x")</script>' in title for title in titles)  # as text
    assert b"<script>" not in download


def test_the_collector_is_paused_only_for_the_block() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
