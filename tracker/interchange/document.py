"""The Tracker Dataset format's shared vocabulary: its name and version, a problem at a place
in the file, the error that carries problems, the import report, and reading JSON text.

It imports nothing else of the package: validation, import and export all build on it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.services.look_alikes import LookAlike

FORMAT = "tracker-dataset"
VERSION = 1

Progress = Callable[[str, int], None]
"""Called as (what, count) while importing or exporting; the CLI shows it on a terminal."""


def no_progress(_what: str, _count: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidDataset(ValueError):
    """The document has problems; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the dataset")


@dataclass(slots=True)
class ImportReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    warnings: list[Problem] = field(default_factory=list)
    """What was imported but looks wrong (see ``dataset_warnings``): said, never refused."""
    look_alikes: list[LookAlike] = field(default_factory=list)
    """New records that look like others (a warning: they were imported)."""

    @property
    def changed(self) -> bool:
        return bool(+self.created or +self.updated or +self.deleted)

    def lines(self) -> list[str]:
        kinds = sorted(
            set(self.created) | set(self.updated) | set(self.deleted) | set(self.unchanged)
        )
        return [
            f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, "
            f"{self.deleted[kind]} deleted, {self.unchanged[kind]} unchanged"
            for kind in kinds
        ]


def load_json(text: str | bytes) -> Any:
    """Parse JSON, turning a syntax error into a Problem with its line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDataset(
            [Problem(f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}")]
        ) from None
    except UnicodeDecodeError as exc:
        raise InvalidDataset([Problem("", f"not UTF-8 text: {exc.reason}")]) from None


def numbered(document: Mapping[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    """The records (objects) listed under ``key``, each with its index in the file."""
    value = document.get(key)
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]
