"""The chapter rules every notebook must follow, as problems an author can fix.

``python -m course check ID`` prints them and the test suite fails on them. The
rules (README, "The chapter rules"): a ``predict`` cell before each experiment;
a hint at the top of every hidden-test region; graded questions apart from the
practice ones and checked by a hidden test; checks shown where their part is;
no learner-facing text that speaks of "the seed"; nothing readable in a sealed
quiz of ``release/`` but questions and options, decoded as a curious student
would, with the standard library alone.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from pathlib import Path

import nbformat

from course import cells, paths
from course.quiz.model import QuizSpec, load_spec

SEALED = re.compile(r"""course\.quiz\.unseal(?:_graded)?\(\s*"([^"]+)"\s*\)""")
SEED_TALK = re.compile(r"\bthe seed(?:'s|\b(?= (?:page|study|answers?|says|calls|question)))|\bseed (?:page|study)",
                       re.IGNORECASE)
PUBLIC_FIELDS = {"id", "kind", "prompt", "options", "params", "title", "quiz", "format", "tolerance", "salt"}


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def prediction_problems(nb) -> list[str]:
    """Each ``experiment`` cell needs a ``predict`` cell after the previous experiment."""
    problems, predicted, experiments = [], False, 0
    for index, cell in enumerate(nb.cells):
        if "predict" in tags(cell):
            predicted = True
        if "experiment" in tags(cell):
            experiments += 1
            if not predicted:
                problems.append(f"cell {index}: an experiment without a `predict` cell before it")
            predicted = False
    if not experiments:
        problems.append("no cell is tagged `experiment`: tag the cell that runs the experiment")
    return problems


def hint_problems(nb) -> list[str]:
    return [f"{cells.grade_id(cell)}: the hidden region at line {line} does not start with '# HINT: ...'"
            for cell in nb.cells if cells.is_test(cell) for line in cells.regions_without_hint(cell.source)]


def quiz_problems(nb, spec: QuizSpec) -> list[str]:
    """Graded questions apart from the practice set and checked by hidden tests; every part shown."""
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    hidden = "\n".join(line for c in nb.cells if cells.is_test(c) for line in cells.hidden_lines(c.source))
    practice = {" ".join(q.prompt.lower().split()) for q in spec.questions}
    problems = []
    for q in spec.graded:
        if " ".join(q.prompt.lower().split()) in practice:
            problems.append(f"graded question {q.id} repeats a practice question: ask another one")
        if f'"{q.id}"' not in hidden and f"'{q.id}'" not in hidden:
            problems.append(f"graded question {q.id} is checked by no hidden test (name its id there)")
    if spec.graded and "course.quiz.load_graded(" not in code:
        problems.append("quiz.yaml has graded questions but no cell shows them: course.quiz.load_graded(...)")
    for part in sorted(spec.parts()):
        if not re.search(rf"""part\s*=\s*['"]{re.escape(part)}['"]""", code):
            problems.append(f"the check of part {part!r} is shown nowhere: course.quiz.load(..., part={part!r})")
    return problems


def learner_texts(spec: QuizSpec) -> list[tuple[str, str]]:
    """(where, text) of everything a learner reads in a quiz file."""
    found = []
    for q in spec.questions:
        found += [(q.id, q.prompt), (q.id, q.explain), *((q.id, t) for t in q.options.values()),
                  *((q.id, t) for t in q.feedback.values())]
    for q in spec.graded:
        found += [(q.id, q.prompt), *((q.id, t) for t in q.options.values())]
    return found


def seed_problems(texts: list[tuple[str, str]]) -> list[str]:
    return [f"{where}: learners do not know 'the seed' ({match.group(0)!r}): teach the answer, or say "
            "'a popular study guide answers ...'" for where, text in texts for match in [SEED_TALK.search(text)] if match]


def decoded_blobs(nb) -> list[dict]:
    """Every sealed quiz of a student notebook, decoded with base64, zlib and json."""
    return [json.loads(zlib.decompress(base64.b64decode(blob)))
            for c in nb.cells if c.cell_type == "code" for blob in SEALED.findall(c.source)]


def readable_prose(payload: dict) -> list[str]:
    """Strings of three words or more outside the public fields of a decoded quiz."""
    found = []

    def walk(value, public: bool):
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, public or key in PUBLIC_FIELDS)
        elif isinstance(value, list):
            for item in value:
                walk(item, public)
        elif isinstance(value, str) and not public and len(value.split()) >= 3:
            found.append(value)

    for question in payload.get("questions", []) + payload.get("graded", []):
        walk(question, False)
    return found


def release_problems(release_nb) -> list[str]:
    problems = [f"release: readable text in a sealed quiz: {text[:60]!r}"
                for payload in decoded_blobs(release_nb) for text in readable_prose(payload)]
    problems += [f"release: the graded questions carry a key ({key!r})"
                 for payload in decoded_blobs(release_nb) for q in payload.get("graded", [])
                 for key in ("answer", "explain", "feedback") if key in q]
    return problems


def notebook_texts(nb) -> list[tuple[str, str]]:
    """(where, text) of what a learner reads in a notebook: no model answers, solutions or hidden tests."""
    return [(f"cell {i}", cells.without_solutions(cells.without_hidden_tests(c.source)))
            for i, c in enumerate(nb.cells) if not cells.is_written(c)]


def problems(assignment: str, source: Path = paths.SOURCE, release: Path = paths.RELEASE) -> list[str]:
    """Everything in a chapter that breaks the chapter rules (empty when it follows them).

    A chapter not written yet (only its quiz.yaml) is held to the quiz rules only.
    """
    spec = load_spec(source / assignment / "quiz.yaml")
    if not any((source / assignment).glob("*.ipynb")):
        return seed_problems(learner_texts(spec))
    nb = nbformat.read(paths.notebook(assignment, source), as_version=4)
    found = (prediction_problems(nb) + hint_problems(nb) + quiz_problems(nb, spec)
             + seed_problems(notebook_texts(nb) + learner_texts(spec)))
    released = release / assignment
    if released.is_dir():
        found += release_problems(nbformat.read(paths.notebook(assignment, release), as_version=4))
    return found
