"""Checks shared by the chart tests: what a reader sees, SVG well-formed and self-contained."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from defusedxml import ElementTree as SafeET
from PIL import Image

SVG = "{http://www.w3.org/2000/svg}"
LOADING_TAGS = {"image", "script", "foreignObject", "iframe", "use", "feImage", "audio", "video"}


def text_of(html: bytes | str) -> str:
    """What a reader sees: tags removed, whitespace collapsed, common entities decoded."""
    if isinstance(html, bytes):
        html = html.decode()
    stripped = re.sub(r"<[^>]+>", " ", html)
    for entity, char in (("&#34;", '"'), ("&#39;", "'"), ("&#x27;", "'"), ("&quot;", '"'),
                         ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")):  # fmt: skip
        stripped = stripped.replace(entity, char)
    return re.sub(r"\s+", " ", stripped)


def inline_svgs(html: bytes) -> list[ET.Element]:
    """Every <svg> in a page, parsed as XML (so each must be well-formed on its own)."""
    found = re.findall(rb"<svg\b.*?</svg>", html, flags=re.DOTALL)
    return [SafeET.fromstring(chunk) for chunk in found]


def assert_self_contained(root: ET.Element, own_links: str | tuple[str, ...] | None = None) -> None:
    """Nothing in the SVG loads anything: no images, scripts, fonts, stylesheets, or url()
    pointing anywhere but inside the document. Links (<a href>) may lead only to ``own_links``
    (the tracker's own pages) or to a fragment."""
    for element in root.iter():
        tag = element.tag.removeprefix(SVG)
        assert tag not in LOADING_TAGS, f"<{tag}> loads something"
        for name, value in element.attrib.items():
            if name.endswith("href"):
                assert tag == "a", f"href on <{tag}>"
                assert value.startswith("#") or (
                    own_links is not None and value.startswith(own_links)
                ), value
            for target in re.findall(r"url\(([^)]*)\)", value):
                assert target.strip("'\" ").startswith("#"), value
        if tag == "style":
            css = element.text or ""
            assert "@import" not in css
            assert "@font-face" not in css
            for target in re.findall(r"url\(([^)]*)\)", css):
                assert target.strip("'\" ").startswith("#"), target


def titles(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}title")]


def assert_png_shows_a_chart(data: bytes, min_width: int = 900) -> Image.Image:
    """A PNG that decodes, is chart-sized, and is not blank (many distinct colours)."""
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    assert image.width >= min_width
    rgb = image.convert("RGB")
    extrema = rgb.getextrema()
    assert any(low != high for low, high in extrema), "the picture is one flat colour"
    colours = rgb.getcolors(maxcolors=1_000_000)
    assert colours is not None
    assert len(colours) > 20
    # Not nearly all background: a chart covers a good part of the picture with ink.
    background = max(colours)[0]
    assert background < 0.97 * image.width * image.height
    return image
