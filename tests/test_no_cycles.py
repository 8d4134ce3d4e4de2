"""No two modules of tracker/ import each other, directly or round a loop.

The graph is read from the source with ``ast``, imports inside functions included: an import
moved into a function to dodge a cycle at import time is still a cycle in the design (each
module needs the other), and this test is there to catch exactly that.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tracker"


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The tracker modules ``name`` imports, anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                # "from tracker.services import search" imports a module; "from
                # tracker.services.search import search" imports from one.
                if f"{base}.{alias.name}" in modules:
                    yield f"{base}.{alias.name}"
                elif base in modules:
                    yield base


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {
        name: {other for other in imported(name, path, modules) if other != name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_checker_finds_a_loop() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_graph_sees_imports_inside_functions(tmp_path: Path) -> None:
    source = tmp_path / "measures.py"
    source.write_text(
        "from . import as_of\n"
        "def f():\n"
        "    from tracker.services import search\n"
        "    from tracker.services.sources import source_namer\n",
        encoding="utf-8",
    )
    modules = module_files()
    found = set(imported("tracker.services.measures", source, modules))
    assert found == {
        "tracker.services.as_of",
        "tracker.services.search",
        "tracker.services.sources",
    }


def test_no_module_imports_itself_round_a_loop() -> None:
    graph = import_graph()
    loops = [
        " -> ".join(component)
        + " ("
        + "; ".join(
            f"{name} imports {', '.join(sorted(graph[name] & set(component)))}"
            for name in component
        )
        + ")"
        for component in cycles(graph)
    ]
    assert not loops, "import cycles:\n" + "\n".join(loops)


def test_services_never_import_charts_or_faces() -> None:
    """Arrows point down: charts and the faces read services, never the reverse."""
    upward = sorted(
        f"{name} imports {other}"
        for name, others in import_graph().items()
        if name.startswith("tracker.services.")
        for other in others
        if other.startswith(("tracker.charts", "tracker.web", "tracker.api", "tracker.exports"))
    )
    assert not upward, "\n".join(upward)
