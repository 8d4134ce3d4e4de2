"""Organizations and people: ``read`` lists and names them (an internal one withheld from
readers who may not see it), ``write`` saves one."""

from __future__ import annotations

from tracker.services.organizations.read import (
    get_organization,
    get_person,
    list_organizations,
    name_for,
    organization_name,
    page_organizations,
    page_people,
)
from tracker.services.organizations.write import (
    save_organization,
    save_person,
)

__all__ = [
    "get_organization",
    "get_person",
    "list_organizations",
    "name_for",
    "organization_name",
    "page_organizations",
    "page_people",
    "save_organization",
    "save_person",
]
