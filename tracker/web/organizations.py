"""Organization and person pages: who they are and what they said."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from tracker.db import get_session
from tracker.http.access import can_see_internal, public
from tracker.services.organizations import (
    get_organization,
    get_person,
    list_organizations,
    people_of,
)
from tracker.services.statements import statements_by

bp = Blueprint("organizations", __name__)


@bp.get("/organizations/")
@public
def index() -> str:
    return render_template(
        "organizations/index.html",
        organizations=list_organizations(get_session(), can_see_internal()),
    )


@bp.get("/organizations/<slug>")
@public
def show(slug: str) -> str:
    session = get_session()
    organization = get_organization(session, slug, can_see_internal())
    if organization is None:
        abort(404)
    statements = statements_by(session, can_see_internal(), organization=organization)
    return render_template(
        "organizations/show.html",
        organization=organization,
        people=people_of(organization, can_see_internal()),
        statements=statements,
    )


@bp.get("/people/<slug>")
@public
def person(slug: str) -> str:
    session = get_session()
    person = get_person(session, slug, can_see_internal())
    if person is None:
        abort(404)
    statements = statements_by(session, can_see_internal(), person=person)
    return render_template("organizations/person.html", person=person, statements=statements)
