"""The brief as an HTML page: the same template for the screen, for printing and for the PDF."""

from __future__ import annotations

from collections.abc import Sequence

from flask import render_template

from tracker.exports.brief import Brief

Download = tuple[str, str, str]
"""(label, address, media type) of another format of the same brief."""


def render_brief_html(
    brief: Brief,
    *,
    for_pdf: bool = False,
    downloads: Sequence[Download] = (),
    back_url: str = "",
) -> str:
    """The brief as a standalone HTML document; ``for_pdf`` leaves out the toolbar, the
    script and every link to a stylesheet (the PDF renderer embeds its CSS)."""
    return render_template(
        "exports/brief.html",
        brief=brief,
        for_pdf=for_pdf,
        downloads=downloads,
        back_url=back_url,
    )
