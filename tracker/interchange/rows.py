"""How a record of the file becomes rows and revisions when the importer writes it in bulk.

New records of a large import bypass the ORM's unit of work; these helpers build the rows and
the creation revisions that the saves would have recorded (record_data.snapshot and label), and
set fields on existing records only when they change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from tracker import vocab
from tracker.dates import PartialDate
from tracker.domain import kinds
from tracker.interchange.document import numbered
from tracker.models import (
    Measure,
)
from tracker.services.record_data import (
    EventData,
    QuoteData,
    SourceData,
    StatementData,
    stored_fields,
)

# --------------------------------------------------------------------------------------------
# Import


def date_columns(prefix: str, value: PartialDate | None) -> dict[str, Any]:
    """The stored columns of a partial date, for rows written without the ORM."""
    iso, approximate, start, precision, end = (
        value.__composite_values__() if value is not None else (None, None, None, None, None)
    )
    return {
        f"{prefix}_iso": iso,
        f"{prefix}_approximate": approximate,
        f"{prefix}_start": start,
        f"{prefix}_precision": precision,
        f"{prefix}_end": end,
    }


def bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows in one executemany per chunk, bypassing the ORM's unit of work.

    New records of a large import are written this way: the unit of work costs more per row
    than the database does. Column defaults (timestamps) still apply, and the database's
    triggers (search index, status cache) still fire for every row.
    """
    for start in range(0, len(rows), 5000):
        session.execute(table.insert(), rows[start : start + 5000])


def source_after(row: Mapping[str, Any]) -> dict[str, Any]:
    """A source written in bulk, as its creation revision records it (record_data.snapshot)."""
    accessed = row.get("accessed")
    return stored_fields(
        SourceData(
            **kinds.SOURCE.plain_from(row),
            published=row.get("published_iso"),
            published_approximate=bool(row.get("published_approximate")),
            accessed=accessed.isoformat() if accessed else None,
        )
    )


def event_revision(measure: Measure, item: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(label, after) of an event written in bulk, as record_data.label/snapshot would give."""
    date = PartialDate.from_iso(item["date"], bool(item.get("approximate")))
    votes = item.get("votes") or {}
    data = EventData(
        type=item["type"],
        date=item["date"],
        approximate=bool(item.get("approximate")),
        end_date=item.get("end_date"),
        end_approximate=bool(item.get("end_approximate")) if item.get("end_date") else False,
        **kinds.EVENT.plain_from(item),
        votes_for=votes.get("for"),
        votes_against=votes.get("against"),
        votes_abstain=votes.get("abstain"),
        sources=sorted({source["url"] for source in item.get("sources") or []}),
    )
    name = f"{vocab.EVENT_TYPES[item['type']].label}, {date.format()} · {measure.display_title}"
    return name, {"measure": measure.slug, "measure_id": measure.id, **stored_fields(data)}


def statement_after(item: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    """A statement written in bulk, as its creation revision records it (record_data.snapshot)."""
    return stored_fields(
        StatementData(
            **kinds.STATEMENT.plain_from(item),
            slug=item["slug"],
            organization=item["organization"],
            date=item["date"],
            approximate=bool(item.get("approximate")),
            signatories=sorted(set(item.get("signatories") or [])),
            speaker=item.get("speaker"),
            type=item.get("type"),
            stance=item.get("stance"),
            asks=list(item.get("asks") or []),
            visibility=item.get("visibility", "public"),
            measures=sorted(set(item.get("measures") or [])),
            reacts_to=row["reacts_to_event_id"],
            quotes=[
                QuoteData(text=quote["text"], speaker=quote.get("speaker"))
                for quote in item.get("quotes") or []
            ],
            sources=sorted({source["url"] for source in item.get("sources") or []}),
        )
    )


def mentioned_slugs(document: Mapping[str, Any], kind: str) -> dict[str, set[str]]:
    """Slugs of the organizations (authors, co-signatories) or people (speakers, quoted) that
    the file's public and its internal statements mention."""
    mentioned: dict[str, set[str]] = {"public": set(), "internal": set()}
    for _, statement in numbered(document, "statements"):
        if kind == "organizations":
            slugs = [statement.get("organization"), *(statement.get("signatories") or [])]
        else:
            quotes = statement.get("quotes") or []
            slugs = [statement.get("speaker"), *(quote.get("speaker") for quote in quotes)]
        mentioned[statement.get("visibility", "public")].update(s for s in slugs if s)
    return mentioned


def visibility_from_file(
    item: Mapping[str, Any], created: bool, mentions: Mapping[str, set[str]]
) -> dict[str, str]:
    """The visibility an organization or a person gets from the file.

    A file that says is obeyed. A file that does not (version 1 files written before the field
    existed, the seed) changes nothing for a record the tracker already has, so that importing
    an old file never makes public a record someone made internal; a new record gets the rule
    those files were written under: internal when the file's internal statements mention it
    and none of its public ones do, public otherwise.
    """
    if "visibility" in item:
        return {"visibility": item["visibility"]}
    if not created:
        return {}
    slug = item["slug"]
    hidden = slug in mentions["internal"] and slug not in mentions["public"]
    return {"visibility": "internal" if hidden else "public"}


def assign(record: Any, values: Mapping[str, Any]) -> bool:
    """Assign only what differs, so an unchanged record is not written (or revised) again."""
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def assign_list(record: Any, name: str, values: list[Any]) -> bool:
    """Replace a collection unless it already holds the same records (its order is the
    relationship's order_by, not the file's)."""
    current = getattr(record, name)
    if len(current) == len(values) and set(map(id, current)) == set(map(id, values)):
        return False
    setattr(record, name, values)
    return True
