"""Every import of the package points down the layer order of DESIGN.md section 6, and
no module imports another that (directly or not) imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
LAYERS = (("errors", "units", "stats", "economics", "corridors", "countries", "version",
           "emission_factors"),
          ("scenario",),
          ("network", "emissions"),
          ("records", "consignment"), ("sim",), ("disruptions",), ("facilities",),
          ("transport",), ("demand", "route_choice"), ("journeys", "model"), ("report",),
          ("experiment",),
          ("calibration", "choice_constants", "appraisal", "cli", "__main__", ""))
"""Bottom first; a module may import from its own layer or below, never above."""
LEVEL = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}
FUNCTION_IMPORTS_ALLOWED = {"corridorsim.cli"}  # start-up time: see its docstring


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    """The layer entry of a module: its subpackage, or its own name at the top."""
    return module.split(".")[1] if "." in module else ""


def package_imports(path: Path) -> tuple[set[str], list[str]]:
    """Modules of the package imported at module level (``TYPE_CHECKING`` blocks
    included: they may not hide a circle either) and those imported inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)]
    inside = {id(n) for f in functions for n in ast.walk(f) if n is not f}
    top: set[str] = set()
    local: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name != "corridorsim" and not name.startswith("corridorsim."):
                continue
            if id(node) in inside:
                local.append(name)
            else:
                top.add(name)
    return top, local


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        module = module_name(path)
        top, _ = package_imports(path)
        # Importing ``a.b`` runs the package ``a`` first; that is not an edge of ours.
        edges[module] = {m for m in top if not module.startswith(m + ".")}
    return edges


def test_every_import_points_down_the_layers():
    edges = graph()
    assert set(map(room, edges)) <= set(LEVEL), "a new room: place it in LAYERS"
    upward = [f"{a} (layer {LEVEL[room(a)] + 1}) imports {b} (layer {LEVEL[room(b)] + 1})"
              for a, targets in sorted(edges.items()) for b in sorted(targets)
              if LEVEL[room(b)] > LEVEL[room(a)]]
    assert not upward, "\n".join(upward)


def test_no_import_circles():
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                circle = [*path[path.index(target):], target]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)


def test_no_function_local_imports_of_the_package():
    found = [f"{module_name(path)} imports {name} inside a function"
             for path in sorted(SRC.rglob("*.py")) if module_name(path) not in
             FUNCTION_IMPORTS_ALLOWED for name in package_imports(path)[1]]
    assert not found, "\n".join(found)
