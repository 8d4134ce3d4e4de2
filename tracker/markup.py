"""Markdown for summaries, rendered and then sanitized.

markdown-it-py renders CommonMark with raw HTML disabled; nh3 (ammonia) then removes anything
outside a short allow-list. Images are not allowed at all: an image in a summary would make every
visitor's browser request another site, which the tracker promises never happens.
"""

from __future__ import annotations

import html
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


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
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # Sanitized by nh3 just above: the one place Markup wraps user text (bandit B704).
    return Markup(clean)  # noqa: S704  # nosec B704


def markdown_to_text(text: str | None) -> str:
    """Plain text of a Markdown summary, for feeds, spreadsheets and search."""
    if not text:
        return ""
    return html.unescape(nh3.clean(_renderer().render(text), tags=set())).strip()
