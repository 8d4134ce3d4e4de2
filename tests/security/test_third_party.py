"""No page makes a request to another site: no template, stylesheet, script or Python that
writes HTML or SVG references another origin (a static scan), and in a real browser a request
guard on the key pages of a real server sees none (tests/security/test_browser.py).

Outbound links to sources are anchors (the reader chooses to follow them), not assets; they
carry rel="noopener noreferrer" so that the site they lead to learns nothing of the tracker.
"""

from __future__ import annotations

import re
from pathlib import Path

from tracker import paths

ROOT = paths.PACKAGE.parent
ASSET_ATTRIBUTE = re.compile(
    r"""\b(src|srcset|href|action|formaction|poster|data|xlink:href|background)\s*=\s*["']?\s*(https?:)?//""",
    re.I,
)
CSS_REMOTE = re.compile(
    r"""(url\(\s*["']?\s*(https?:)?//|@import\s+["']?(url\()?\s*["']?(https?:)?//)""", re.I
)
SCRIPT_REMOTE = re.compile(
    r"""(fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon|importScripts|import)\s*\(\s*["'`](https?:)?//""",
    re.I,
)
ANCHOR = re.compile(r"<a\b[^>]*>", re.I | re.S)


def problems_in(text: str, kind: str) -> list[str]:
    """References to another origin in a file's text, by kind: html, css, js or py."""
    found: list[str] = []
    if kind in ("html", "py", "svg"):
        for match in ASSET_ATTRIBUTE.finditer(text):
            tag_start = text.rfind("<", 0, match.start())
            tag = text[tag_start : text.find(">", match.end()) + 1]
            if re.match(r"<a\b", tag, re.I) and match.group(1).lower() == "href":
                if not re.search(r"rel=[\"'][^\"']*noopener[^\"']*noreferrer", tag):
                    found.append(f"outbound link without rel=noopener noreferrer: {tag[:80]}")
                continue
            found.append(f"asset from another origin: {text[match.start() : match.end() + 40]!r}")
    if kind in ("html", "css", "py", "svg"):
        found += [
            f"stylesheet reference to another origin: {m.group(0)!r}"
            for m in CSS_REMOTE.finditer(text)
        ]
    if kind in ("html", "js", "py"):
        found += [
            f"script request to another origin: {m.group(0)!r}"
            for m in SCRIPT_REMOTE.finditer(text)
        ]
    if kind == "js" and re.search(r"""["'`](https?:)?//[a-z0-9]""", text, re.I):
        found.append("a script names another origin")
    return found


def _files() -> list[tuple[Path, str]]:
    files: list[tuple[Path, str]] = []
    files += [(path, "html") for path in paths.templates().rglob("*.html")]
    for path in paths.static().rglob("*"):
        suffix = path.suffix.lower().lstrip(".")
        if suffix in ("css", "js", "svg", "html"):
            files.append((path, suffix))
    files += [(path, "py") for path in paths.PACKAGE.rglob("*.py")]
    return files


def test_no_template_stylesheet_script_or_python_references_another_origin() -> None:
    offenders = []
    for path, kind in _files():
        for problem in problems_in(path.read_text(encoding="utf-8"), kind):
            offenders.append(f"{path.relative_to(ROOT)}: {problem}")
    assert not offenders, "\n".join(offenders)
    assert len(_files()) > 40


def test_the_scan_finds_what_it_looks_for() -> None:
    """The scanner is not blind: each kind of reference it refuses is caught."""
    caught = [
        ('<script src="https://cdn.example/x.js"></script>', "html"),
        ('<link rel="stylesheet" href="//fonts.example/css">', "html"),
        ('<img srcset="https://tracker.example/pixel.png 1x">', "html"),
        ('<a href="https://example.org/">source</a>', "html"),
        ("body { background: url(https://evil.example/bg.png) }", "css"),
        ('@import "https://fonts.example/font.css";', "css"),
        ('fetch("https://analytics.example/hit")', "js"),
        ('var u = "//beacon.example/b";', "js"),
        ("Markup('<img src=\"https://evil.example/t.png\">')", "py"),
    ]
    for text, kind in caught:
        assert problems_in(text, kind), text
    allowed = [
        ('<a href="https://example.org/" rel="noopener noreferrer nofollow">source</a>', "html"),
        ('<script src="/static/js/forms.js" defer></script>', "html"),
        ('"""See https://docs.example/ for the format."""', "py"),
    ]
    for text, kind in allowed:
        assert not problems_in(text, kind), text
