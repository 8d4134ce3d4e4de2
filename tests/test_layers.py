"""The import layers point one way: the faces (pages, API) stand on the shared HTTP layer and
never on each other, and services and exports know nothing of HTTP.

Every module under tracker/ is parsed, and every import of a tracker module counts, at the top
of a file or inside a function, under ``TYPE_CHECKING`` or not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tracker

PACKAGE = Path(tracker.__file__).parent

# (importer, imported): no module of the first package may import one of the second.
FORBIDDEN = [
    ("tracker.web", "tracker.api"),
    ("tracker.api", "tracker.web"),
    ("tracker.http", "tracker.web"),
    ("tracker.http", "tracker.api"),
    *(
        (lower, face)
        for lower in ("tracker.services", "tracker.exports", "tracker.alerts")
        for face in ("tracker.web", "tracker.api", "tracker.http")
    ),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


PATHS = sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> set[str]:
    """The tracker modules (or packages) a file imports, relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            # `from tracker import api` imports the module tracker.api (a name is not one).
            names.update({f"{base}.{a.name}" for a in node.names} & KNOWN)
    return {n for n in names if n == "tracker" or n.startswith("tracker.")}


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


KNOWN = {module_name(path) for path in PATHS}
MODULES = {module_name(path): imported(path) for path in PATHS}


def test_every_package_is_seen() -> None:
    for package in ("tracker.web", "tracker.api", "tracker.http", "tracker.services"):
        assert any(within(name, package) for name in MODULES), package
    assert "tracker.api.auth" in MODULES["tracker.api.writes"]  # imports are read


@pytest.mark.parametrize(
    ("importer", "forbidden"), FORBIDDEN, ids=[f"{a} -/-> {b}" for a, b in FORBIDDEN]
)
def test_imports_point_one_way(importer: str, forbidden: str) -> None:
    wrong = sorted(
        f"{module} imports {name}"
        for module, names in MODULES.items()
        if within(module, importer)
        for name in names
        if within(name, forbidden)
    )
    assert not wrong, "\n".join(wrong)
