"""The data a record is written from, shaped by its kind's description (tracker.domain.kinds).

Forms, the JSON API and the importer all build one of these and hand it to the write path
(each noun's save, on tracker.services.saving); history stores its values as a revision and
rebuilds it from one.
Its attributes are the kind's fields, plus each date's "approximate" flag and the transient
helpers a save may use (titles typed beside new source addresses). A field added to a kind is
an attribute here without a line of code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

from tracker.domain.kinds import Field, Kind


def default_of(field: Field) -> Any:
    """What a field holds when nothing was given."""
    if field.is_list:
        return []
    return field.default


class RecordData:
    """A record's values by field name; given by position, the required fields come first.

    Subclasses name the kind and annotate the attributes code reads by name, for the type
    checker; the others are typed ``Any``.
    """

    KIND: ClassVar[Kind]
    TRANSIENT: ClassVar[tuple[str, ...]] = ()
    """Helpers for one save, never stored (each defaults to an empty dict)."""

    def __init__(self, *args: Any, **values: Any) -> None:
        required = [f.name for f in self.KIND.fields if f.required]
        # By position: the required fields, then the others in the kind's order.
        positions = required + [name for name in self.stored_names() if name not in required]
        if len(args) > len(positions):
            raise TypeError(f"{type(self).__name__} takes {len(positions)} positional values")
        given = dict(zip(positions, args, strict=False))
        allowed = set(self.stored_names()) | set(self.TRANSIENT)
        for name in values:
            if name in given:
                raise TypeError(f"{type(self).__name__} got two values for {name!r}")
            if name not in allowed:
                raise TypeError(f"{type(self).__name__} has no field {name!r}")
        given.update(values)
        missing = [name for name in required if name not in given]
        if missing:
            raise TypeError(f"{type(self).__name__} needs {', '.join(missing)}")
        for field in self.KIND.fields:
            setattr(self, field.name, given.get(field.name, default_of(field)))
            if field.approximate:
                setattr(self, field.approximate, bool(given.get(field.approximate, False)))
        for name in self.TRANSIENT:
            setattr(self, name, given.get(name) or {})

    @classmethod
    def stored_names(cls) -> tuple[str, ...]:
        """The attributes a revision stores, in the kind's order."""
        names: list[str] = []
        for field in cls.KIND.fields:
            names.append(field.name)
            if field.approximate:
                names.append(field.approximate)
        return tuple(names)

    def stored(self) -> dict[str, Any]:
        """The stored attributes and their values (not copied)."""
        return {name: getattr(self, name) for name in self.stored_names()}

    def replace(self, **changes: Any) -> Any:
        """A copy with some values changed."""
        values = {**self.stored(), **{n: getattr(self, n) for n in self.TRANSIENT}, **changes}
        return type(self)(**values)

    @classmethod
    def from_stored(cls, values: Mapping[str, Any]) -> Any:
        """Rebuild from stored values (a revision), ignoring keys the kind no longer has."""
        names = set(cls.stored_names())
        return cls(**{key: value for key, value in values.items() if key in names})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, RecordData)
        return self.stored() == other.stored() and all(
            getattr(self, n) == getattr(other, n) for n in self.TRANSIENT
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass without frozen=True

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.stored().items())
        return f"{type(self).__name__}({shown})"

    def __getattr__(self, name: str) -> Any:
        # Only reached for a name __init__ did not set: a field the kind does not have.
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")


def jsonable(value: Any) -> Any:
    """Data objects and lists of them as plain JSON values."""
    if isinstance(value, RecordData):
        return {name: jsonable(item) for name, item in value.stored().items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    return value
