"""Organization and person pages: who they are and what they said."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from tracker.db import get_session
from tracker.services.statements import (
    get_organization,
    get_person,
    list_organizations,
    organization_of,
    people_of,
    statements_by,
)
from tracker.web.access import can_see_internal, public

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
    internal = can_see_internal()
    return render_template(
        "organizations/show.html",
        organization=organization,
        people=people_of(session, organization, internal),
        statements=statements_by(session, internal, organization=organization),
    )


@bp.get("/people/<slug>")
@public
def person(slug: str) -> str:
    session = get_session()
    person = get_person(session, slug, can_see_internal())
    if person is None:
        abort(404)
    internal = can_see_internal()
    return render_template(
        "organizations/person.html",
        person=person,
        organization=organization_of(session, person, internal),
        statements=statements_by(session, internal, person=person),
    )
