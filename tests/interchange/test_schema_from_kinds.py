"""The interchange format's schema and the kinds' description agree on every plain field."""

from __future__ import annotations

from typing import Any

import pytest

from tracker import interchange
from tracker.domain import kinds


def _max_length(schema: dict[str, Any], definition: dict[str, Any]) -> int | None:
    """The longest text a property admits, following $ref and a nullable oneOf/anyOf."""
    for key in ("oneOf", "anyOf"):
        for option in definition.get(key, []):
            found = _max_length(schema, option)
            if found is not None:
                return found
    if "$ref" in definition:
        target = schema["$defs"][definition["$ref"].rsplit("/", 1)[-1]]
        return definition.get("maxLength") or _max_length(schema, target)
    value = definition.get("maxLength")
    return int(value) if value is not None else None


@pytest.mark.parametrize("kind", list(kinds.KINDS.values()), ids=list(kinds.KINDS))
def test_every_plain_field_is_in_the_schema_with_the_kinds_limit(kind: kinds.Kind) -> None:
    schema = interchange.dataset_schema()
    properties = schema["$defs"][kind.name]["properties"]
    for field in kind.plain_fields:
        assert field.name in properties, field.name
        if field.max_length is not None:
            assert _max_length(schema, properties[field.name]) == field.max_length, field.name


def test_a_plain_field_the_file_does_not_spell_out_is_described_from_its_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extra = kinds.Field(
        "official_text_url", "url", "Official text", max_length=2000, about="The law's text."
    )
    kind = kinds.Kind("measure", "measures", "Measure", key="slug", fields=(extra,))
    monkeypatch.setitem(kinds.KINDS, "measure", kind)  # type: ignore[index]
    schema = interchange.dataset_schema.__wrapped__()  # not the cached copy
    described = schema["$defs"]["measure"]["properties"]["official_text_url"]
    assert described["description"] == "The law's text."
    assert {"$ref": "#/$defs/url", "maxLength": 2000} in described["anyOf"]
