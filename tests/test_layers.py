"""The import graph of ``tourapp``: imports flow one way (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tourapp"


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Every module of the package → the package's modules it imports, at any depth of code."""
    modules = {module_name(p, package): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                    base = f"{base}.{node.module}" if node.module else base
                else:
                    base = node.module or ""
                # `from . import views` imports the module views; `from .x import y`, module x.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_module_imports_a_module_that_imports_it_back():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_the_cycle_finder_sees_cycles_through_functions(tmp_path):
    # The finder itself must be able to fail: a cycle hidden in a function-level import.
    package = tmp_path / "tourapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def f():\n    from .c import thing\n")
    (package / "c.py").write_text("from .a import x\n")
    cycle = find_cycle(import_graph(package))
    assert cycle == ["tourapp.a", "tourapp.b", "tourapp.c", "tourapp.a"]


# Layers, lowest first (docs/architecture.md): a module may import its own floor and below.
# Each entry is a folder of the package or, where a folder holds floors of its own, a module.
LAYERS = [
    {"domain", "system", "settings"},  # pure values; durable writes, GC pauses, catalogs
    {"stopsfile", "geodata"},  # the stops file and the served walk; streets and places
    {"render"},  # Tour → map script, GPX, card data, texts in a language
    {"web.security"},  # headers and download names, knowing no view
    # Cached, compressed, replayed answers (assets: encoding, files, replay); one URL each.
    {"web.assets", "web.encoding", "web.files", "web.replay", "web.canonical"},
    {"web", "web.views", "web.offline", "web.bundles", "live"},  # blueprints: thin views
    {"cli", "web.export", "testing"},  # commands, the static export, the tests' harness
]


def floor(module: str) -> int | None:
    """The floor of ``tourapp.x.y``: the longest entry of LAYERS it falls under."""
    name = module.removeprefix("tourapp.")
    best: tuple[int, int] | None = None
    for index, layer in enumerate(LAYERS):
        for entry in layer:
            if (name == entry or name.startswith(entry + ".")) and (
                best is None or len(entry) > best[0]
            ):
                best = (len(entry), index)
    return None if best is None or module == "tourapp" else best[1]


def test_imports_point_downwards():
    wrong = []
    for module, targets in import_graph().items():
        if floor(module) is None:
            continue
        for target in targets:
            if floor(target) is not None and floor(target) > floor(module):
                wrong.append(f"{module} → {target}")
    assert wrong == []


@pytest.mark.parametrize("module", sorted(import_graph()))
def test_every_module_has_a_floor(module):
    if module == "tourapp":  # the app factory assembles every floor
        return
    assert floor(module) is not None, f"{module}: add it to LAYERS and to docs/architecture.md"
