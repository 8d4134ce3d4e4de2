"""The "your PDF is being prepared" page that the PDF links on the pages lead to.

A PDF brief takes seconds to lay out (bench/brief_pdf.py), and a link straight to it left the
reader looking at an unchanged page with no sign that anything was happening. The links lead
here instead: a page that says the PDF is being prepared and how long it usually takes, and
refreshes itself once (``<meta http-equiv="refresh">``: no script needed) to the PDF's own
address. The browser keeps this page on screen while the PDF is made, then saves the file; the
page also gives the direct link, and the way back. The PDF's address is unchanged, for scripts
and for ``<link rel="alternate">``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for

from tracker.db import get_session
from tracker.http import params
from tracker.http.access import public, reader
from tracker.models import Measure

bp = Blueprint("preparing", __name__)

# What the page passes on to the PDF: the day it describes, and a selection's filters.
_PASSED_ON = ("as_of", "country", "kind", "status", "topic", "year", "q")


def _args() -> dict[str, Any]:
    return {key: request.args.getlist(key) for key in _PASSED_ON if key in request.args}


@bp.get("/measures/<slug>/brief/pdf")
@public
def measure_pdf(slug: str) -> str:
    """Say that the measure's PDF brief is being prepared, then fetch it."""
    measure = get_session().scalars(reader().select(Measure).where(Measure.slug == slug)).first()
    if measure is None:
        abort(404)
    title = measure.display_title
    pdf = url_for("exports.measure_brief_file", slug=slug, fmt="pdf", **_args())
    back = url_for("measures.show", slug=slug, **_args())
    return render_template("exports/preparing.html", pdf=pdf, back=back, title=title)


@bp.get("/brief/pdf")
@public
def selection_pdf() -> str:
    """The same, for the brief of a selection of the measure list."""
    params.measure_filters()  # a malformed filter is refused here, not after the wait
    pdf = url_for("exports.selection_brief_file", fmt="pdf", **_args())
    back = url_for("exports.selection_brief", **_args())
    return render_template("exports/preparing.html", pdf=pdf, back=back, title="Brief")
