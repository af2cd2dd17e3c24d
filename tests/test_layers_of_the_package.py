"""The floors of the package: the core imports none of the faces, and no imports go round in a circle.

The import graph is read from the source files with :mod:`ast`, nothing is
imported. Every ``import`` counts, at module level or inside a function (a lazy
import is still a dependency), except those under ``if TYPE_CHECKING:``, which
never run. ``importlib.import_module("playwithnn....")`` with a literal name counts too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import playwithnn

PACKAGE = Path(playwithnn.__file__).resolve().parent

#: The math, the network and what stands on nothing else: they import none of the faces.
CORE = ["activations", "losses", "initializers", "optimizers", "layers", "training", "diagnostics", "network",
        "datasets",
        "gradcheck", "metrics", "tabular", "_arrays", "_validation", "_files", "_modelfile"]
#: Files, plots, the explanation, the estimators, the command line, the browser page.
FACES = ["cli", "plotting", "explain", "sklearn", "io", "playground"]

Graph = dict[str, dict[str, bool]]  # module -> {imported module: imported at module level}


def module_names(root: Path, package: str) -> dict[str, Path]:
    """``{"playwithnn.network": path, "playwithnn": .../__init__.py, ...}``."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _is_import_module(node: ast.AST) -> bool:
    """``importlib.import_module("a literal name")``."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
        return False
    func = node.func
    return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) == "import_module"


def _imports(tree: ast.Module) -> Iterator[tuple[ast.AST, bool]]:
    """Every import node (and import_module call) that can run, with whether it runs at import time."""

    def visit(node: ast.AST, module_level: bool) -> Iterator[tuple[ast.AST, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for other in child.orelse:  # the else branch does run
                    yield from visit_one(other, module_level)
                continue
            yield from visit_one(child, module_level)

    def visit_one(node: ast.AST, module_level: bool) -> Iterator[tuple[ast.AST, bool]]:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, module_level
        elif _is_import_module(node):
            yield node, module_level
        inner = module_level and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        yield from visit(node, inner)

    yield from visit(tree, True)


def import_graph(root: Path, package: str) -> Graph:
    """Which module of ``package`` imports which, read from the sources under ``root``."""
    modules = module_names(root, package)
    graph: Graph = {name: {} for name in modules}
    for name, path in modules.items():
        this_package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, module_level in _imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = this_package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                # "from . import x" imports the submodule x if there is one, else takes x from the package.
                targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                           for alias in node.names]
            elif isinstance(node, ast.Call):
                targets = [node.args[0].value]  # type: ignore[attr-defined]
            for target in targets:
                if target in modules and target != name:
                    graph[name][target] = graph[name].get(target, False) or module_level
    return graph


def find_cycle(graph: Graph, *, module_level_only: bool) -> list[str] | None:
    """A list ``[a, b, ..., a]`` of modules that import each other in a circle, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for target, at_module_level in sorted(graph[name].items()):
            if module_level_only and not at_module_level:
                continue
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name)
            if cycle:
                return cycle
    return None


def reachable(graph: Graph, start: str) -> dict[str, str]:
    """Every module that importing ``start`` can import, with the module that imports it."""
    seen: dict[str, str] = {}
    todo = [start]
    while todo:
        name = todo.pop()
        for target in graph[name]:
            if target not in seen and target != start:
                seen[target] = name
                todo.append(target)
    return seen


def is_face(module: str) -> bool:
    return any(module == f"playwithnn.{face}" or module.startswith(f"playwithnn.{face}.") for face in FACES)


GRAPH = import_graph(PACKAGE, "playwithnn")


# ------------------------------------------------------------------- the package
def test_the_graph_sees_the_package() -> None:
    assert {f"playwithnn.{m}" for m in CORE + FACES} <= set(GRAPH)
    # Known edges, one of each kind: module level, inside a function, through importlib.
    assert GRAPH["playwithnn.io"]["playwithnn.network"] is True
    assert GRAPH["playwithnn.cli.files"]["playwithnn.plotting"] is False
    assert "playwithnn.playground.server" in GRAPH["playwithnn.cli.playground"]
    # A relative import in a subpackage's __init__: the command line's main stands on its parser.
    assert GRAPH["playwithnn.cli"]["playwithnn.cli.parser"] is True
    # The trainer knows the network only through its Trainable protocol: no import at all.
    assert "playwithnn.network" not in GRAPH["playwithnn.training"]


def test_no_module_imports_itself_in_a_circle() -> None:
    assert find_cycle(GRAPH, module_level_only=True) is None
    # Lazy imports too: a cycle through a function is still two modules that need each other.
    assert find_cycle(GRAPH, module_level_only=False) is None


@pytest.mark.parametrize("core", CORE)
def test_the_core_imports_no_face(core: str) -> None:
    found = reachable(GRAPH, f"playwithnn.{core}")
    faces = {module: via for module, via in found.items() if is_face(module)}
    assert faces == {}, f"playwithnn.{core} reaches {faces} (module: the module that imports it)"


def test_the_command_line_stands_on_its_shared_pieces() -> None:
    """Inside the command line, the pieces every command uses import no command: the errors, the
    option types, the signals and the scores stand on nothing of the command line's, its files on
    the errors and signals alone. No module of it imports the package itself, where main lives."""
    allowed = {"errors": set(), "options": set(), "signals": set(), "scores": set(),
               "files": {"errors", "signals"}}
    for module, floors in allowed.items():
        imported = {target.removeprefix("playwithnn.cli.") for target in GRAPH[f"playwithnn.cli.{module}"]
                    if target.startswith("playwithnn.cli.")}
        assert imported <= floors, (module, imported - floors)
    for name, imported in GRAPH.items():
        if name.startswith("playwithnn.cli."):
            assert "playwithnn.cli" not in imported, name


# --------------------------------------------------------------- the checker itself
def write_package(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root / "pkg"


def test_the_checker_finds_cycles_and_skips_type_checking(tmp_path: Path) -> None:
    root = write_package(tmp_path, {
        "__init__.py": "",
        "a.py": "from . import b\n",
        "b.py": "def f():\n    from .a import x\n",
        "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import x\nelse:\n"
                "    import pkg.d\n",
        "d.py": "import importlib\nclass K:\n    from .sub import e\n"
                "def g():\n    return importlib.import_module('pkg.c')\n",
        "sub/__init__.py": "from .. import a\n",
        "sub/e.py": "from ..b import f\n",
    })
    graph = import_graph(root, "pkg")
    assert graph == {
        "pkg": {},
        "pkg.a": {"pkg.b": True},
        "pkg.b": {"pkg.a": False},
        "pkg.c": {"pkg.d": True},
        "pkg.d": {"pkg.sub.e": True, "pkg.c": False},
        "pkg.sub": {"pkg.a": True},
        "pkg.sub.e": {"pkg.b": True},
    }
    assert find_cycle(graph, module_level_only=True) is None
    assert find_cycle(graph, module_level_only=False) == ["pkg.a", "pkg.b", "pkg.a"]
    assert reachable(graph, "pkg.d") == {"pkg.sub.e": "pkg.d", "pkg.c": "pkg.d", "pkg.b": "pkg.sub.e",
                                         "pkg.a": "pkg.b"}


def test_the_math_imports_only_the_math() -> None:
    """The floors of the core: activations, initializers and optimizers stand on the checks and the
    seam between array libraries alone; losses on the activations (the cross-entropies apply the
    sigmoid or softmax themselves); the metrics and that seam on nothing of ours."""
    allowed = {
        "activations": {"_validation", "_arrays"},
        "initializers": {"_validation"},
        "optimizers": {"_validation", "_arrays"},
        "losses": {"_validation", "_arrays", "activations"},
        "metrics": set(),
        "_arrays": set(),
    }
    for module, floors in allowed.items():
        imported = {target.removeprefix("playwithnn.") for target in GRAPH[f"playwithnn.{module}"]}
        assert imported <= floors, (module, imported - floors)
