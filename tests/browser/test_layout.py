"""The key pages on a 1280-pixel desktop and a 390-pixel phone: a screenshot of each for people
to look at, the same checks as the journeys, and nothing wider than the screen except inside a
scroll container (the charts, wide tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser import skip_unless_browser

skip_unless_browser()

from tests.browser.support import horizontal_overflow  # noqa: E402

if TYPE_CHECKING:
    from tests.browser.conftest import OpenJourney

pytestmark = pytest.mark.browser

FOREIGN_REPRESENTATIVES = "/measures/kg-foreign-representatives-law-2024"
GEORGIA_LAW = "/measures/ge-transparency-of-foreign-influence-law-2024"

# name of the screenshot, address, who looks at it
KEY_PAGES = [
    ("home", "/", None),
    ("measures", "/measures/", None),
    ("measure-foreign-representatives-law", FOREIGN_REPRESENTATIVES, None),
    ("measure-as-of-2024-02-08", f"{FOREIGN_REPRESENTATIVES}?as_of=2024-02-08", None),
    ("measure-georgia", GEORGIA_LAW, None),
    ("timeline-kyrgyzstan", "/timeline/?country=KG", None),
    ("timeline-kyrgyzstan-as-of-2024-02-08", "/timeline/?country=KG&as_of=2024-02-08", None),
    ("lineage", "/lineage/", None),
    ("upcoming-as-of-2024-02-08", "/upcoming/?as_of=2024-02-08", None),
    ("countries", "/countries/", None),
    ("country-kyrgyzstan", "/countries/KG", None),
    ("events", "/events/?country=KG", None),
    ("statements", "/statements/", None),
    ("statement-amnesty", "/statements/amnesty-2024-02-08-kyrgyzstan-crackdown", None),
    ("organizations", "/organizations/", None),
    ("brief", f"{FOREIGN_REPRESENTATIVES}/brief", None),
    ("data", "/data/", None),
    ("measures-in-force-kyrgyzstan", "/measures/?country=KG&status=in-force", None),
    ("subscribe-feed", "/feed?country=KG", None),
    ("subscribe-calendar", f"{FOREIGN_REPRESENTATIVES}/calendar", None),
    ("embed-timeline", "/embed/timeline?country=KG", None),
    ("embed-lineage", "/embed/lineage", None),
    ("map", "/map/", None),
    ("map-as-of-2022", "/map/?as_of=2022-12-31&kind=law", None),
    ("embed-map", "/embed/map", None),
    ("sign-in", "/login", None),
    ("measure-signed-in", FOREIGN_REPRESENTATIVES, "editor"),
    ("new-measure-form", "/measures/new", "editor"),
    ("event-form", f"{GEORGIA_LAW}/events/new", "editor"),
    ("statement-form", "/statements/new", "editor"),
    ("recent-changes", "/changes", "editor"),
    ("users", "/admin/users", "admin"),
]


@pytest.mark.parametrize(("name", "path", "who"), KEY_PAGES, ids=[name for name, _, _ in KEY_PAGES])
def test_on_a_phone(open_journey: OpenJourney, name: str, path: str, who: str | None) -> None:
    journey = open_journey("phone", signed_in_as=who)
    journey.go(path)
    journey.check(f"page-{name}")
    problems = horizontal_overflow(journey.page)
    assert not problems, f"{path} is wider than a phone:\n" + "\n".join(problems)


@pytest.mark.parametrize(("name", "path", "who"), KEY_PAGES, ids=[name for name, _, _ in KEY_PAGES])
def test_on_a_desktop(open_journey: OpenJourney, name: str, path: str, who: str | None) -> None:
    journey = open_journey("desktop", signed_in_as=who)
    journey.go(path)
    journey.check(f"page-{name}")
    problems = horizontal_overflow(journey.page)
    assert not problems, f"{path} is wider than the window:\n" + "\n".join(problems)
