"""What an import says but never refuses: records that look like others (``find_look_alikes``)
and events the status would ignore (``dataset_warnings``), each at its place in the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tracker.dates import PartialDate
from tracker.interchange.document import Problem, numbered
from tracker.services import look_alikes
from tracker.services.look_alikes import LookAlike
from tracker.status import warnings as status_warnings


def find_look_alikes(session: Session, document: Mapping[str, Any]) -> list[LookAlike]:
    """The new records of a valid document that look like existing ones or like each other
    (tracker.services.look_alikes): what the import report warns about."""
    records = {key: numbered(document, key) for key in look_alikes.KINDS}
    return look_alikes.in_dataset(session, records)


def look_alike_lines(found: Sequence[LookAlike], shown: int = 100) -> list[str]:
    """The warning the import report gives about records that look like others (the first
    ``shown`` of them: a file of generated names may have thousands)."""
    if not found:
        return []
    records = len({item.path for item in found})
    lines = [
        f"Warning: {records:,} new record{'s' if records != 1 else ''} "
        f"look{'s' if records == 1 else ''} like others; check each, and merge those that are "
        "the same:",
        *(f"  {item}" for item in found[:shown]),
    ]
    if len(found) > shown:
        lines.append(f"  … and {len(found) - shown:,} more.")
    return lines


@dataclass(frozen=True, slots=True)
class _FileEvent:
    """An event of the file as the status reads it, with its place in the file."""

    place: str
    type: str
    date: PartialDate
    end_date: PartialDate | None
    actor: str | None


def dataset_warnings(document: Any) -> list[Problem]:
    """What a valid file holds that is probably a mistake, each at its place in the file:
    events the status ignores because they cannot follow an enactment ("withdrawn" after a law
    entered into force: did you mean repealed?)."""
    found: list[Problem] = []
    for m, measure in enumerate(document.get("measures") or []):
        events = [
            _FileEvent(
                f"measures[{m}].events[{e}]",
                event["type"],
                PartialDate.from_iso(event["date"], bool(event.get("approximate"))),
                PartialDate.from_iso(event["end_date"]) if event.get("end_date") else None,
                event.get("actor"),
            )
            for e, event in enumerate(measure.get("events") or [])
        ]
        found += [Problem(event.place, note) for event, note in status_warnings(events)]
    return sorted(found, key=lambda problem: problem.path)
