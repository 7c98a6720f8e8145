"""The package's architecture holds: no import cycles, layers import only downwards, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

from course import paths

PACKAGE = paths.ROOT / "course"
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(paths.ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """The course modules ``name`` imports anywhere in its source (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from package import module` depends on the module; `from module import name` on the module
            found |= {f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES
                      else node.module for alias in node.names}
    return {m for m in found if m in MODULES and m != "course" and m != name}


GRAPH = {name: imports(name) for name in MODULES}


def test_the_import_graph_has_no_cycles():
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(GRAPH[node]):
            assert state.get(nxt) != "open", "import cycle: " + " -> ".join(path + [node, nxt])
            if nxt not in state:
                visit(nxt, path + [node])
        state[node] = "done"

    for name in MODULES:
        if name not in state:
            visit(name, [])


def test_layers_import_only_what_they_may():
    rules = {  # a layer must not import these
        "course.grading": ("course.authoring",),
        "course.runtime": ("course.grading", "course.authoring", "course.preprocessors", "course.sim"),
        "course.sim": ("course.grading", "course.authoring", "course.preprocessors"),
        "course.quiz": ("course.grading", "course.authoring", "course.sim"),
        "course.coursedir": ("course.grading", "course.authoring", "course.preprocessors"),
        "course.cells": ("course.grading", "course.authoring", "course.preprocessors"),
        "course.checkers": ("course.grading", "course.authoring", "course.preprocessors"),
        "course.clock": ("course.",),
    }
    for name, imported in GRAPH.items():
        for layer, forbidden in rules.items():
            if name == layer or name.startswith(layer + "."):
                bad = sorted(m for m in imported if m.startswith(forbidden))
                assert not bad, f"{name} imports {bad}"


def test_no_module_is_over_400_lines():
    long = {name: n for name, p in MODULES.items() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these modules: {long}"


def test_the_checks_above_can_see_a_cycle():
    """The cycle check is fed real imports: grading/cli imports grading/autograde, not the reverse."""
    assert "course.grading.autograde" in GRAPH["course.grading.cli"]
    assert "course.grading.cli" not in GRAPH["course.grading.autograde"]


def test_only_process_owners_change_the_environment():
    """The sandbox sets up the learner's process, a worker and the kernel launcher their own,
    the Lambda invoker a function's variables for one call; everything else builds
    environments per call (``coursedir.tool_environment``)."""
    owners = {"course.runtime.sandbox", "course.grading.worker", "course.grading.kernel_launcher",
              "course.runtime.lambdas.invoker"}
    changers = set()
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            target = None
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                target = next((t.value for t in targets if isinstance(t, ast.Subscript)), None)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("update", "pop", "clear", "setdefault", "__setitem__"):
                target = node.func.value
            if target is not None and ast.unparse(target) == "os.environ":
                changers.add(name)
    assert changers == owners, f"os.environ changed outside its owners: {sorted(changers - owners)}"
