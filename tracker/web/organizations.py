"""Organization and person pages: who they are and what they said."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from tracker.db import get_session
from tracker.http.access import public, reader
from tracker.services.organizations import (
    get_organization,
    get_person,
    list_organizations,
)
from tracker.services.statements import statements_by

bp = Blueprint("organizations", __name__)


@bp.get("/organizations/")
@public
def index() -> str:
    return render_template(
        "organizations/index.html",
        organizations=list_organizations(get_session(), reader()),
    )


@bp.get("/organizations/<slug>")
@public
def show(slug: str) -> str:
    session, view = get_session(), reader()  # these pages show no day: as_of is not theirs
    organization = get_organization(session, slug, view)
    if organization is None:
        abort(404)
    statements = statements_by(session, view, organization=organization)
    return render_template(
        "organizations/show.html",
        organization=organization,
        people=view.only_seen(list(organization.people)),
        statements=statements,
    )


@bp.get("/people/<slug>")
@public
def person(slug: str) -> str:
    session, view = get_session(), reader()
    person = get_person(session, slug, view)
    if person is None:
        abort(404)
    statements = statements_by(session, view, person=person)
    return render_template("organizations/person.html", person=person, statements=statements)
