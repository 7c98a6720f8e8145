"""Check, from inside the kernel, that each test cell really ran as written.

Before any student code, a guard cell records the kernel's machinery (input and
AST transformers, event callbacks, the shell's and kernel's run/display methods,
``builtins``, trace hooks, the student id of the graded questions' variant). After each test cell a probe cell, carrying a fresh
random nonce it is the first to reveal, compares the machinery with that record,
checks that the test cell's source reached the kernel unchanged and was not
rewritten, and publishes a report under its own MIME type. The grader trusts a
test cell's points only when its probe reports, with the right nonce, nothing wrong.

Student code shares the kernel's process, so a student who studies this module
can still forge a report; what this stops is the generic tricks (emptying cells
with a transformer, skipping assert lines with ``sys.settrace``, patching
``run_cell``/``showtraceback``/``Session.send``, replacing builtins), which then
fail closed. Guard and probes run with ``store_history=False``, leaving execution
counts and ``In``/``Out`` as in a stock run, and are removed from the notebook
before it is saved.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import secrets

from nbformat.v4 import new_code_cell

MIME = "application/x-course-grader+json"
MODULE = "__course_grader__"

GUARD_CODE = r'''
import builtins, hashlib, os, sys, threading, types
from IPython import get_ipython
from IPython.core.inputtransformer2 import TransformerManager

ip = get_ipython()
kernel = getattr(ip, "kernel", None)
session = getattr(kernel, "session", None)
SHELL_METHODS = ("run_cell", "run_cell_async", "_run_cell", "run_ast_nodes", "run_code",
                 "showtraceback", "_showtraceback", "showsyntaxerror", "transform_cell",
                 "transform_ast", "should_run_async", "get_exception_only")
KERNEL_METHODS = ("do_execute", "execute_request", "send_response")
BENIGN = ("matplotlib", "matplotlib_inline", "IPython", "ipykernel", "ipywidgets", "comm")

def same(a, b):
    if a is b:
        return True
    if isinstance(a, types.MethodType) and isinstance(b, types.MethodType):
        return a.__func__ is b.__func__ and a.__self__ is b.__self__
    return False

def methods(obj, names):
    if obj is None:
        return {}
    cls = type(obj)
    out = {("class", n): getattr(cls, n, None) for n in names}
    out.update({("instance", n): vars(obj).get(n) for n in names if hasattr(obj, "__dict__")})
    return out

def snapshot():
    return {
        "input_transformers_cleanup": list(ip.input_transformers_cleanup),
        "input_transformers_post": list(ip.input_transformers_post),
        "ast_transformers": list(ip.ast_transformers),
        "events": {k: list(v) for k, v in ip.events.callbacks.items()},
        "shell": methods(ip, SHELL_METHODS),
        "kernel": methods(kernel, KERNEL_METHODS),
        "session": methods(session, ("send", "serialize")),
        "display_pub": (ip.display_pub, methods(ip.display_pub, ("publish",))),
        "builtins": {k: v for k, v in vars(builtins).items() if not k.startswith("_")},
        "hooks": (sys.excepthook, sys.displayhook),
        "run_cell_globals": ip.user_ns.get("__builtins__"),
        "student_id": os.environ.get("COURSE_STUDENT_ID"),
    }

base = snapshot()
clean = TransformerManager()
publish = ip.display_pub.publish

def problems(used_builtins):
    now, out = snapshot(), []
    for key in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
        if len(now[key]) != len(base[key]) or any(a is not b for a, b in zip(now[key], base[key])):
            out.append(f"{key} changed")
    for event, callbacks in now["events"].items():
        old = base["events"].get(event, [])
        for cb in callbacks:
            if any(cb is o or cb == o for o in old):
                continue
            module = (getattr(cb, "__module__", "") or "").split(".")[0]
            if module not in BENIGN:
                out.append(f"an IPython '{event}' callback was added")
    for key in ("shell", "kernel", "session"):
        for (where, name), value in now[key].items():
            if not same(value, base[key].get((where, name))):
                out.append(f"{key} method {name} was replaced")
    if now["display_pub"][0] is not base["display_pub"][0] or now["display_pub"][1] != base["display_pub"][1]:
        out.append("the display publisher was replaced")
    changed = sorted(k for k, v in base["builtins"].items() if not same(now["builtins"].get(k), v))
    if changed:
        out.append("builtins replaced: " + ", ".join(changed[:8]))
    if now["hooks"] != base["hooks"]:
        out.append("sys.excepthook or sys.displayhook replaced")
    if sys.gettrace() is not None or sys.getprofile() is not None:
        out.append("a trace or profile function is set (sys.settrace/setprofile)")
    if getattr(threading, "_trace_hook", None) or getattr(threading, "_profile_hook", None):
        out.append("a thread trace or profile function is set")
    if ip.user_ns.get("__builtins__") is not base["run_cell_globals"]:
        out.append("__builtins__ replaced in the notebook namespace")
    if now["student_id"] != base["student_id"]:
        out.append("the student id of the graded questions' variant (COURSE_STUDENT_ID) was changed")
    for name, value in list(ip.user_ns.items()):
        if type(value).__name__ == "GradedQuiz" and base["student_id"] and value.student != base["student_id"]:
            out.append(f"'{name}' holds another student's variant of the graded questions")
    for name in used_builtins:
        if name in ip.user_ns and not same(ip.user_ns[name], base["builtins"].get(name)):
            out.append(f"the builtin '{name}' the test uses is shadowed by the notebook")
    return out

def probe(nonce, source_sha, used_builtins):
    found = problems(used_builtins)
    hist = ip.history_manager
    raw = hist.input_hist_raw[-1] if hist.input_hist_raw else ""
    parsed = hist.input_hist_parsed[-1] if hist.input_hist_parsed else ""
    if hashlib.sha256(raw.strip().encode()).hexdigest() != source_sha:
        found.append("the test cell did not run as written")
    elif parsed.strip() != clean.transform_cell(raw).strip():
        found.append("the test cell was rewritten before it ran")
    publish({MIME: {"nonce": nonce, "problems": found}}, metadata={})

module = types.ModuleType(MODULE)
module.probe = probe
sys.modules[MODULE] = module
'''


def guard_cell():
    code = f"MODULE = {MODULE!r}\nMIME = {MIME!r}\n" + GUARD_CODE
    source = f"exec(compile({code!r}, '<course-grader>', 'exec'), {{'__name__': {MODULE!r}}})"
    return new_code_cell(source, metadata={"course_grader": "guard"})


def used_builtins(source: str) -> list[str]:
    """Builtin names a test cell refers to (a notebook that rebinds one can fool the test)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return sorted(n for n in names if hasattr(builtins, n) and not n.startswith("_"))


def probe_cell(test_source: str) -> tuple[object, str]:
    """A probe for the test cell just before it; returns (cell, nonce)."""
    nonce = secrets.token_hex(16)
    sha = hashlib.sha256(test_source.strip().encode()).hexdigest()
    source = (f"__import__('sys').modules[{MODULE!r}].probe({nonce!r}, {sha!r}, "
              f"{used_builtins(test_source)!r})")
    return new_code_cell(source, metadata={"course_grader": "probe"}), nonce


def is_grader_cell(cell) -> bool:
    return "course_grader" in cell.get("metadata", {})


def report(cell, nonce: str) -> list[str] | None:
    """The probe's list of problems, or None when it did not report (with the right nonce)."""
    for out in cell.get("outputs", []):
        data = out.get("data", {}) if out.get("output_type") in ("display_data", "execute_result") else {}
        payload = data.get(MIME)
        if isinstance(payload, dict) and payload.get("nonce") == nonce:
            return list(payload.get("problems", []))
    return None


def guard_error(cell) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"
    return None
