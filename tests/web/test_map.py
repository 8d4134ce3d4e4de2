"""The map of the spread (/map/): countries shaded by their strongest status, arrows from the
model law's country, years as links, downloads and the embed, on the seeded Kyrgyzstan data."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from defusedxml import ElementTree
from flask.testing import FlaskClient

from tracker import vocab
from tracker.charts.world_map import world_shapes
from tracker.services.spread import CATEGORIES

SVG = "{http://www.w3.org/2000/svg}"


def inline_svg(html: str) -> Any:
    # Greedy within the figure: the map nests a second <svg> (its fitted view).
    figure = re.search(r'<figure class="chart-figure map-fit".*?</figure>', html, re.S)
    assert figure, "the page has no map figure"
    match = re.search(r"<svg .*</svg>", figure.group(0), re.S)
    assert match, "the page draws no map"
    return ElementTree.fromstring(match.group(0))


def shaded(svg: Any) -> dict[str, str]:
    """What each shaded country says about itself (its <title>), by its category class."""
    found = {}
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "map-shaded")
    for link in group.iter(f"{SVG}a"):
        # (An Element without children is false: compare with None.)
        shape = link.find(f"{SVG}path")
        if shape is None:
            shape = link.find(f"{SVG}circle")
        title = link.find(f"{SVG}title").text
        found[title.split(":")[0]] = shape.get("class")
    return found


def test_every_state_has_exactly_one_category() -> None:
    categorised = [state for category in CATEGORIES for state in category.states]
    assert sorted(categorised) == sorted(vocab.STATES)


def test_shapes_cover_the_countries_a_tracker_follows() -> None:
    shapes = world_shapes()
    for code in ("KG", "KZ", "RU", "GE", "HU", "US", "FR", "IN", "BR", "XK"):
        assert code in shapes.countries, code
    assert shapes.countries["KG"].d  # drawn as a shape
    assert shapes.countries["SG"].d is None  # too small: a dot
    assert "AQ" not in shapes.countries


def test_map_shades_kyrgyzstan_by_its_strongest_status_and_draws_the_copy(
    client: FlaskClient,
) -> None:
    response = client.get("/map/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    svg = inline_svg(html)
    countries = shaded(svg)
    # Kyrgyzstan has laws in force: the strongest status wins over its pending bills.
    assert "map-country--in-force" in countries["Kyrgyzstan"]
    # The foreign representatives law is modelled on Russia's foreign agents law: an arrow
    # from Russia to Kyrgyzstan, and Russia outlined as a model country.
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "map-arrows")
    arrows = list(group.iter(f"{SVG}a"))
    assert arrows, "no arrow drawn"
    assert any("modelled on" in a.find(f"{SVG}title").text for a in arrows)
    assert "is modelled on" in html  # the same in words, under the map
    assert "Kyrgyzstan</a>" in html  # the table of countries


def test_a_country_leads_to_its_measures_with_the_same_filters(client: FlaskClient) -> None:
    html = client.get("/map/?kind=law").get_data(as_text=True)
    svg = inline_svg(html)
    hrefs = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert any(
        href.startswith("/measures/?") and "country=KG" in href and "kind=law" in href
        for href in hrefs
    )


def test_years_are_links_and_the_past_is_shown_as_it_stood(client: FlaskClient) -> None:
    html = client.get("/map/").get_data(as_text=True)
    years = re.findall(r'href="(/map/\?as_of=(\d{4})-12-31)"', html)
    assert years, "no year links"
    past = client.get("/map/?as_of=2020-12-31").get_data(as_text=True)
    assert 'aria-current="true">2020' in past
    # The foreign representatives law was adopted in 2024: as of 2020 Kyrgyzstan is not
    # shaded in force.
    countries = shaded(inline_svg(past))
    assert "map-country--in-force" not in countries.get("Kyrgyzstan", "")


def test_downloads_and_embed(client: FlaskClient) -> None:
    svg = client.get("/map.svg?kind=law")
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"
    assert "attachment" in svg.headers["Content-Disposition"]
    document = ElementTree.fromstring(svg.get_data())
    assert document.find(f"{SVG}style") is not None  # stands alone
    png = client.get("/map.png")
    assert png.status_code == 200
    assert png.mimetype == "image/png"
    from PIL import Image

    with Image.open(io.BytesIO(png.get_data())) as image:
        assert image.width >= 960
    embed = client.get("/embed/map")
    assert embed.status_code == 200
    assert "Set-Cookie" not in embed.headers
    assert "frame-ancestors 'none'" not in embed.headers.get("Content-Security-Policy", "")
    assert "map-country--in-force" in embed.get_data(as_text=True)


@pytest.mark.parametrize("query", ["?status=defeated", "?q=nothing-matches-this"])
def test_empty_selection_draws_an_empty_map_and_says_so(client: FlaskClient, query: str) -> None:
    response = client.get("/map/" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if "nothing" in query:
        assert "No measure matches these filters" in html


def test_a_past_day_with_a_status_filter_shades_by_the_status_then(client: FlaskClient) -> None:
    # On 8 February 2024 the foreign representatives law was pending (signed 2 April 2024).
    html = client.get("/map/?as_of=2024-02-08&status=pending").get_data(as_text=True)
    assert "map-country--pending" in shaded(inline_svg(html)).get("Kyrgyzstan", "")
    # Before any Kyrgyz measure was recorded, Kyrgyzstan is not shaded at all; Russia's
    # foreign agents law (2012) already was.
    early = shaded(inline_svg(client.get("/map/?as_of=2012-12-31").get_data(as_text=True)))
    assert "Kyrgyzstan" not in early
    assert "Russian Federation" in early
