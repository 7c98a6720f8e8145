"""course.checkers as a library: one job per module, each documented with a short example."""

from __future__ import annotations

import ast
import importlib
import pkgutil

import course.checkers

MODULES = sorted(m.name for m in pkgutil.iter_modules(course.checkers.__path__, "course.checkers."))


def test_every_module_has_a_docstring_with_an_example():
    assert len(MODULES) >= 10
    for name in ["course.checkers"] + MODULES:
        doc = importlib.import_module(name).__doc__ or ""
        assert doc.strip(), f"{name} has no docstring"
        assert "::" in doc, f"{name}'s docstring shows no example (a '::' block)"


def test_the_public_api_is_exported_and_exists():
    for name in course.checkers.__all__:
        assert hasattr(course.checkers, name), name
    pairs = [n for n in course.checkers.__all__ if n.startswith("check_")]
    for check in pairs:
        assert check.replace("check_", "assert_") in course.checkers.__all__, check


def test_every_public_function_is_documented():
    for name in MODULES:
        module = importlib.import_module(name)
        tree = ast.parse(open(module.__file__).read())
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_") \
                    and node.name in getattr(module, "__all__", ()):
                assert ast.get_docstring(node), f"{name}.{node.name} has no docstring"


def test_checkers_do_not_import_matplotlib_until_a_plot_is_drawn():
    tree = ast.parse(open(importlib.import_module("course.checkers.timeline").__file__).read())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not any("matplotlib" in ast.unparse(n) for n in top)
