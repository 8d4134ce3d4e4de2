"""Markdown for summaries, rendered and then sanitized.

markdown-it-py renders CommonMark with raw HTML disabled; nh3 (ammonia) then removes anything
outside a short allow-list. Images are not allowed at all: an image in a summary would make every
visitor's browser request another site, which the tracker promises never happens. Exports that
stay Markdown (the Markdown brief) keep the same rules in Markdown (``safe_markdown``): no raw
HTML, no images, links to the web and to mail addresses only.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
LINK_SCHEMES = ("http", "https", "mailto")


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for a Markdown text; headings are demoted below the page's own."""
    if not text:
        return Markup("")
    rendered = _renderer().render(text)
    for level in (1, 2):
        rendered = rendered.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    clean = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    # Sanitized by nh3 just above: the one place Markup wraps user text (bandit B704).
    return Markup(clean)  # noqa: S704  # nosec B704


def markdown_to_text(text: str | None) -> str:
    """Plain text of a Markdown summary, for feeds, spreadsheets and search."""
    if not text:
        return ""
    return html.unescape(nh3.clean(_renderer().render(text), tags=set())).strip()


# An unescaped character: preceded by an even number of backslashes (which escape each other).
_UNESCAPED = r"(?<!\\)((?:\\\\)*)"
_IMAGE_START = re.compile(_UNESCAPED + r"!\[")
_ANGLE = re.compile(_UNESCAPED + r"<")
_BRACKET = re.compile(_UNESCAPED + r"([\[\]])")


class _SeeingEverything(MarkdownIt):
    """A parser that sees everything a Markdown reader might act on: every link kept as
    written (markdown-it would otherwise drop javascript: links quietly)."""

    def validateLink(self, url: str) -> bool:  # markdown-it's name for it
        return True


@cache
def _strict_parser() -> MarkdownIt:
    return _SeeingEverything("commonmark", {"html": True}).enable("table")


def _tokens(text: str) -> Iterator[Token]:
    for token in _strict_parser().parse(text):
        yield token
        yield from token.children or []


def _safe_link(href: str) -> bool:
    scheme, colon, _ = href.partition(":")
    return bool(colon) and scheme.lower() in LINK_SCHEMES


def unsafe_markdown(text: str) -> list[str]:
    """What a Markdown reader would do with ``text`` that the web page's sanitizer forbids:
    raw HTML, images, links other than to the web or a mail address."""
    found = []
    for token in _tokens(text):
        if token.type in {"html_block", "html_inline"}:
            found.append(f"raw HTML {token.content.strip()[:80]}")
        elif token.type == "image":
            found.append(f"an image from {str(token.attrs.get('src', ''))[:80]}")
        elif token.type == "link_open" and not _safe_link(str(token.attrs.get("href", ""))):
            found.append(f"a link to {str(token.attrs.get('href', ''))[:80]}")
    return found


def safe_markdown(text: str) -> str:
    """A researcher's Markdown for a Markdown export, made safe as the web page makes it:

    - raw HTML and autolinks are made inert (every ``<`` escaped);
    - images become links to where they were (``![`` escaped): nothing is fetched on opening;
    - if any link then leads elsewhere than the web or a mail address (``javascript:``...),
      no bracket stays a link (every ``[`` and ``]`` escaped): the text shows what was written.

    Whatever is left is checked with a parser that sees everything; should anything unsafe
    remain, every Markdown character is escaped and only the text is kept.
    """
    inert = _ANGLE.sub(r"\1\\<", text)
    inert = _IMAGE_START.sub(r"\1\\![", inert)
    if unsafe_markdown(inert):
        inert = _BRACKET.sub(r"\1\\\2", inert)
    if unsafe_markdown(inert):  # never seen: a construct the escapes above do not cover
        inert = re.sub(r"([\\`*_\[\]<>|#~!()])", r"\\\1", text)
    return inert
