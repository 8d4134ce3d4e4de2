"""What changed between two stored states of a record, as people read it: the fields by the
labels the kinds describe (tracker.domain.kinds), codes as their labels, dates at their
precision, long texts word by word. History's pages and the conflict page show these.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tracker.countries import country_name
from tracker.dates import DateParseError, PartialDate
from tracker.domain import kinds
from tracker.models import Revision

VOTES = (("votes_for", "for"), ("votes_against", "against"), ("votes_abstain", "abstaining"))
"""A vote's three counts, read together as one change ("41 for, 27 against")."""
PLACE = {"event": ("measure", "Measure"), "relation": ("subject", "Measure")}
"""Where a record belongs, stored with its state (tracker.services.record_data.snapshot)."""


def field_labels(record_type: str) -> dict[str, str]:
    """The fields history shows for a kind, by stored name, labelled as the kind describes."""
    labels: dict[str, str] = {}
    if record_type in PLACE:
        name, text = PLACE[record_type]
        labels[name] = text
    vote_names = {name for name, _ in VOTES}
    for described in kinds.KINDS[record_type].fields:
        if described.name in vote_names:
            labels.setdefault("votes", "Votes")
        else:
            labels[described.name] = described.label
    return labels


def _long_text(record_type: str) -> set[str]:
    """Labels of the fields whose changes read best word by word (Markdown, long titles)."""
    return {
        f.label
        for f in kinds.KINDS[record_type].fields
        if f.shape == "prose" or (f.max_length or 0) >= 1000
    }


def _date_text(iso: Any, approximate: Any) -> str | None:
    if not iso:
        return None
    try:
        return PartialDate.from_iso(str(iso), bool(approximate)).format()
    except DateParseError:
        return str(iso)


def readable(record_type: str, state: Mapping[str, Any] | None) -> dict[str, str | list[str]]:
    """A stored state as people read it: labels for codes, dates at their precision."""
    if not state:
        return {}
    kind = kinds.KINDS[record_type]
    values: dict[str, str | list[str]] = {}
    for key, heading in field_labels(record_type).items():
        value: Any = state.get(key)
        described = kind.get(key)
        if key == "votes":
            parts = [f"{state[name]} {word}" for name, word in VOTES if state.get(name) is not None]
            value = ", ".join(parts) or None
        elif described is None:
            pass
        elif described.shape == "date":
            value = _date_text(value, state.get(described.approximate or ""))
        elif described.shape == "country" and value:
            value = country_name(str(value))
        elif described.shape in ("choice", "visibility") and value and described.choices:
            value = described.choices.get(value, value)
        elif described.shape == "codes" and described.choices:
            value = [described.choices.get(code, code) for code in value or []]
        elif described.shape == "quotes":
            value = [
                f"“{quote.get('text', '')}”"
                + (f" — {quote['speaker']}" if quote.get("speaker") else "")
                for quote in value or []
            ]
        elif described.shape == "ref" and described.target == "event" and value is not None:
            value = f"event #{value}"
        if isinstance(value, list):
            if value:
                values[heading] = [str(item) for item in value]
        elif value not in (None, ""):
            values[heading] = str(value)
    return values


@dataclass(slots=True)
class Segment:
    """A run of words in a text diff: kept, removed or added."""

    op: str
    text: str


@dataclass(slots=True)
class FieldChange:
    label: str
    old: str | list[str] | None
    new: str | list[str] | None
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)

    @property
    def is_list(self) -> bool:
        return isinstance(self.old, list) or isinstance(self.new, list)


def word_diff(old: str, new: str) -> list[Segment]:
    """Words kept, removed and added, for showing an edit to a long text."""
    a = re.findall(r"\S+|\s+", old)
    b = re.findall(r"\S+|\s+", new)
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return segments


def changes(
    record_type: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[FieldChange]:
    """Field by field, what differs between two stored states."""
    old = readable(record_type, before)
    new = readable(record_type, after)
    result: list[FieldChange] = []
    long_labels = _long_text(record_type)
    for name in field_labels(record_type).values():
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        change = FieldChange(name, a, b)
        if isinstance(a, list) or isinstance(b, list):
            a_list = a if isinstance(a, list) else []
            b_list = b if isinstance(b, list) else []
            change.removed = [item for item in a_list if item not in b_list]
            change.added = [item for item in b_list if item not in a_list]
        elif name in long_labels and isinstance(a, str) and isinstance(b, str):
            change.segments = word_diff(a, b)
        result.append(change)
    return result


def revision_changes(revision: Revision) -> list[FieldChange]:
    return changes(revision.record_type, revision.before, revision.after)
