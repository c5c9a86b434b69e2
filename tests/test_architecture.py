"""The layout's rules, checked on the code: each room has one job, data flows one way, SQL lives in
``store/`` alone, and no module reaches into the index's private state.

These read the package's source with ``ast``; they run nothing of it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "exportscreen"
MAX_LINES = 700
MAX_TOP_MODULES = 6

# Each room may import the rooms of its own layer and of the layers below it, never above: the
# data flow sources -> store -> index -> screening -> decisions / casework -> interfaces.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"model", "settings", "lists", "text"}),
    frozenset({"sources"}),
    frozenset({"store"}),
    frozenset({"matching"}),
    frozenset({"screening"}),
    frozenset({"decisions", "casework"}),
    frozenset({"ops"}),
    frozenset({"api", "web", "cli", "__init__"}),  # __init__: the Python API's face
)


def _modules() -> Iterator[Path]:
    yield from sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _room(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _layer(room: str) -> int:
    for level, rooms in enumerate(LAYERS):
        if room in rooms:
            return level
    raise AssertionError(f"room {room!r} is in no layer: add it to LAYERS")


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.Module) -> Iterator[str]:
    """The exportscreen modules (and names of them) a module imports, wherever the import
    stands: an import moved into a function or under TYPE_CHECKING hides a dependency from
    Python, not from a reader."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("exportscreen"))
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").startswith("exportscreen")
        ):
            yield str(node.module)
            yield from (f"{node.module}.{a.name}" for a in node.names)


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _known(name: str, modules: set[str]) -> str | None:
    """The module an imported name belongs to (``a.b.c`` may be the function ``c`` of ``a.b``)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def test_at_most_six_modules_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


ROOT = PACKAGE.parent
_SOURCES = sorted(
    p
    for folder in ("exportscreen", "tests", "benchmarks", "scripts")
    for p in (ROOT / folder).rglob("*.py")
    if "migrations" not in p.parts and ".venv" not in p.parts
)


@pytest.mark.parametrize("path", _SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_file_over_the_size_limit(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines"


def test_sql_only_in_store() -> None:
    offenders = []
    for path in _modules():
        if _room(path) == "store":
            continue
        for node in ast.walk(_tree(path)):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "sqlalchemy" or n.startswith("sqlalchemy.") for n in names):
                offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_no_one_reaches_into_the_index_outside_matching() -> None:
    private = re.compile(r"\._index\b")
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if _room(p) != "matching" and private.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_rooms_import_only_their_own_layer_and_below() -> None:
    modules = {_dotted(p): p for p in _modules()}
    wrong = []
    for dotted, path in modules.items():
        room = _room(path)
        for name in _imports(_tree(path)):
            target = _known(name, set(modules))
            if target is None or target == "exportscreen":
                continue
            target_room = _room(modules[target])
            if _layer(target_room) > _layer(room):
                wrong.append(f"{dotted} -> {target}")
    assert sorted(set(wrong)) == []


def test_no_import_cycle() -> None:
    modules = {_dotted(p): p for p in _modules()}
    graph: dict[str, set[str]] = {}
    for dotted, path in modules.items():
        targets = set()
        for name in _imports(_tree(path)):
            target = _known(name, set(modules))
            # A package's __init__ is imported on the way to any of its modules; the cycle that
            # matters is between modules.
            if target and target != dotted and modules[target].name != "__init__.py":
                targets.add(target)
        graph[dotted] = targets
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []
