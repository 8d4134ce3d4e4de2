"""Where the non-Python parts live, in a source checkout and in an installed wheel.

The repository keeps ``templates/`` and ``migrations/`` at the top level; the wheel carries them
inside the package (pyproject.toml, force-include). Look inside the package first.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (PACKAGE / name, PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder next to {PACKAGE}")


def templates() -> Path:
    return _find("templates")


def migrations() -> Path:
    return _find("migrations")


def static() -> Path:
    return PACKAGE / "static"


def seed_file() -> Path:
    return PACKAGE / "seed" / "kyrgyzstan.json"


def world_map() -> Path:
    """Country shapes for /map/ (tracker/data/README.md says where they come from)."""
    return PACKAGE / "data" / "world-map.json"


def dataset_schema() -> Path:
    return PACKAGE / "interchange" / "schema" / "tracker-dataset.schema.json"
