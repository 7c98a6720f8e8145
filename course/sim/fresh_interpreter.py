"""Calling a function in a brand-new Python process, as a map task on another worker would.

Used to show that Python's ``hash()`` of a string is salted per process
(``PYTHONHASHSEED``) while a hash of the key's bytes is not::

    call_in_fresh_interpreter(partition, [("/", 4), ("/sale", 4)], hash_seed=1)
"""

from __future__ import annotations

import ast
import inspect
import os
import subprocess
import sys
import textwrap
import types
from typing import Callable

__all__ = ["call_in_fresh_interpreter"]


def _dependencies(func: types.FunctionType, seen: set) -> tuple[list[str], list[str]]:
    """Import lines and helper-function sources that ``func``'s global names need."""
    imports, sources = [], []
    names = set()
    stack = [func.__code__]
    while stack:
        code = stack.pop()
        names.update(code.co_names)
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    for name in sorted(names):
        if name not in func.__globals__ or name in seen:
            continue
        value = func.__globals__[name]
        seen.add(name)
        if isinstance(value, types.ModuleType):
            imports.append(f"import {value.__name__} as {name}")
        elif isinstance(value, types.FunctionType) and value.__module__ == func.__module__:
            sub_imports, sub_sources = _dependencies(value, seen)
            imports += sub_imports
            sources += sub_sources + [textwrap.dedent(inspect.getsource(value))]
        elif (callable(value) and getattr(value, "__module__", None) not in (None, func.__module__)
              and "." not in getattr(value, "__qualname__", ".")):
            imports.append(f"from {value.__module__} import {value.__qualname__} as {name}")
        else:
            try:
                ast.literal_eval(repr(value))
            except (ValueError, SyntaxError, RecursionError):
                continue  # e.g. an attribute name that is also a notebook variable
            imports.append(f"{name} = {value!r}")
    return imports, sources


def call_in_fresh_interpreter(func: Callable, calls: list[tuple], hash_seed: int | str = "random",
                              timeout: float = 60) -> list:
    """``[func(*args) for args in calls]`` computed by a new Python process.

    The new process gets ``PYTHONHASHSEED=hash_seed``, so anything that depends
    on Python's salted ``hash()`` can come out differently there. ``func`` is
    rebuilt from its source (with the modules, helper functions and constants
    it uses); arguments and results must be Python literals.
    """
    imports, sources = _dependencies(func, {func.__name__})
    program = "\n".join(
        ["import ast, sys"] + imports + sources + [
            textwrap.dedent(inspect.getsource(func)),
            "calls = ast.literal_eval(sys.stdin.read())",
            f"print(repr([{func.__name__}(*args) for args in calls]))",
        ]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONHASHSEED"] = str(hash_seed)
    result = subprocess.run([sys.executable, "-c", program], input=repr(list(calls)),
                            capture_output=True, text=True, timeout=timeout, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{func.__name__} failed in a fresh interpreter:\n{result.stderr[-2000:]}")
    return ast.literal_eval(result.stdout.strip())
