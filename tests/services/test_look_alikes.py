"""An import says which of its new records look like records already there, or like each
other: two "Amnesty International" organizations were once created by one import unnoticed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import interchange
from tracker.models import Organization
from tracker.services import history, merging

DATA = Path(__file__).parents[1] / "data"


def document(**records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "tracker-dataset",
        "version": 1,
        "organizations": [],
        "people": [],
        "measures": [],
        "statements": [],
        **records,
    }


def measure(slug: str, title: str, country: str = "KG", **fields: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "country": country,
        "kind": "law",
        "title": title,
        "events": [
            {
                "type": "introduced",
                "date": "2026-05",
                "sources": [{"url": f"https://ex.org/{slug}"}],
            }
        ],
        **fields,
    }


AMNESTY_TWICE = document(
    organizations=[
        {"slug": "amnesty", "name": "Amnesty International", "kind": "international-ngo"},
        {"slug": "ai-london", "name": "AMNESTY  INTERNATIONAL.", "country": "GB"},
        {"slug": "hrw-2", "name": "H.R.W. Central Asia", "acronym": "HRW"},
        {"slug": "new-group", "name": "A new group"},
    ],
    people=[
        {
            "slug": "m-weicherding",
            "name": "Maisy  Weicherding",
            "organization": "amnesty-international",
        },
        {"slug": "maisy-w", "name": "Maisy Weicherding", "organization": "new-group"},
    ],
    measures=[
        measure("kg-frl", "Foreign Representatives Law"),
        measure("kg-law-72", "On non-profits", identifier="Law No. 72"),
        measure("ge-frl", "Foreign Representatives Law", country="GE"),
        measure("ge-frl-again", "«Foreign representatives law»", country="GE"),
    ],
)


def test_new_records_like_existing_ones_or_each_other_are_listed(session: Session) -> None:
    assert interchange.validate_dataset(AMNESTY_TWICE, session) == []
    found = [str(item) for item in interchange.find_look_alikes(session, AMNESTY_TWICE)]
    assert found == [
        'organizations[0]: "Amnesty International" (amnesty) looks like the existing organization'
        ' "Amnesty International" (amnesty-international): same name (Amnesty International)',
        'organizations[1]: "AMNESTY  INTERNATIONAL." (ai-london) looks like the existing '
        'organization "Amnesty International" (amnesty-international): same name '
        "(Amnesty International)",
        'organizations[1]: "AMNESTY  INTERNATIONAL." (ai-london) looks like organizations[0], '
        '"Amnesty International" (amnesty), also new in this file: same name '
        "(Amnesty International)",
        'organizations[2]: "H.R.W. Central Asia" (hrw-2) looks like the existing organization '
        '"Human Rights Watch" (human-rights-watch): same acronym (HRW)',
        'people[0]: "Maisy  Weicherding" (m-weicherding) looks like the existing person '
        '"Maisy Weicherding" (maisy-weicherding): same name and organization',
        'measures[0]: "Foreign Representatives Law" (kg-frl) looks like the existing measure '
        '"Foreign Representatives Law (2024)" (kg-foreign-representatives-law-2024): same name '
        "(foreign representatives law)",
        'measures[1]: "On non-profits" (kg-law-72) looks like the existing measure "Foreign '
        'Representatives Law (2024)" (kg-foreign-representatives-law-2024): same identifier '
        "(No. 72)",
        'measures[3]: "«Foreign representatives law»" (ge-frl-again) looks like measures[2], '
        '"Foreign Representatives Law" (ge-frl), also new in this file: same name '
        "(Foreign Representatives Law)",
    ]


def test_look_alikes_are_imported_and_reported_and_a_second_import_is_quiet(
    session: Session,
) -> None:
    before = session.scalar(select(func.count()).select_from(Organization)) or 0
    report = interchange.import_dataset(session, AMNESTY_TWICE)
    assert report.created["organizations"] == 4  # a warning, not a refusal
    assert session.scalar(select(func.count()).select_from(Organization)) == before + 4
    lines = interchange.look_alike_lines(report.look_alikes)
    assert lines[0] == (
        "Warning: 7 new records look like others; check each, and merge those that are the same:"
    )
    assert lines[1].startswith('  organizations[0]: "Amnesty International" (amnesty)')
    again = interchange.import_dataset(session, AMNESTY_TWICE)
    assert again.look_alikes == []  # nothing is new any more
    assert not again.changed


def test_a_dataset_of_other_records_reports_nothing(session: Session) -> None:
    georgia = json.loads((DATA / "georgia.json").read_text(encoding="utf-8"))
    assert interchange.find_look_alikes(session, georgia) == []


def test_the_report_names_the_first_hundred_and_counts_the_rest(session: Session) -> None:
    many = document(organizations=[{"slug": f"ai-{i}", "name": "Amnesty"} for i in range(150)])
    lines = interchange.look_alike_lines(interchange.find_look_alikes(session, many))
    # Each names at most five earlier namesakes: 0 + 1 + 2 + 3 + 4, then 5 for 145 of them.
    assert lines[0].startswith("Warning: 149 new records look like others")
    assert len(lines) == 102
    assert lines[-1] == "  … and 635 more."


def test_importing_a_merged_record_again_is_pointed_out(session: Session) -> None:
    history.install()
    interchange.import_dataset(session, document(organizations=[AMNESTY_TWICE["organizations"][0]]))
    duplicate = session.scalars(select(Organization).where(Organization.slug == "amnesty")).one()
    survivor = session.scalars(
        select(Organization).where(Organization.slug == "amnesty-international")
    ).one()
    merging.merge(session, duplicate, survivor)
    session.flush()
    found = [str(item) for item in interchange.find_look_alikes(session, AMNESTY_TWICE)]
    assert found[0] == (
        'organizations[0]: "Amnesty International" (amnesty) was merged into the organization '
        "amnesty-international; importing it makes the duplicate again"
    )
