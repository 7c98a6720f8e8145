"""Static checks of every notebook: clean, valid, nbgrader metadata, anatomy, no leaks."""

from __future__ import annotations

import nbformat
import pytest
import yaml

from course import paths
from course.cells import (cells_by_id, grade_id, hidden_tests, is_answer, is_test, is_written, nbgrader_meta,
                          solutions, without_hidden_tests, without_solutions)
from course.quiz.model import load_spec

SOURCE_IDS = paths.assignments(paths.SOURCE)


def read(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def all_notebooks():
    return [pytest.param(p, id=str(p.relative_to(paths.ROOT)))
            for folder in (paths.SOURCE, paths.RELEASE) for p in sorted(folder.glob("*/*.ipynb"))]


@pytest.mark.parametrize("path", all_notebooks())
def test_committed_clean_and_valid(path):
    nb = read(path)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; clear them before committing"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("assignment", SOURCE_IDS)
def test_nbgrader_metadata_is_complete(assignment):
    nb = read(paths.notebook(assignment))
    ids = [grade_id(c) for c in nb.cells if nbgrader_meta(c)]
    assert None not in ids, "every nbgrader cell needs a grade_id"
    assert len(ids) == len(set(ids)), f"duplicate grade_ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if not meta:
            continue
        assert meta.get("schema_version") == 3, f"{grade_id(cell)}: schema_version 3"
        if meta.get("grade"):
            assert meta.get("points", 0) > 0, f"{grade_id(cell)}: a graded cell needs points"
        if is_answer(cell):
            assert solutions(cell.source), f"{grade_id(cell)}: mark the solution with ### BEGIN/END SOLUTION"
        if meta.get("grade") and not meta.get("solution"):
            assert is_test(cell) and meta.get("locked"), f"{grade_id(cell)}: tests are locked code"
        if is_answer(cell) or is_test(cell):
            assert "raises-exception" in cell.metadata.get("tags", []), \
                f"{grade_id(cell)}: tag it raises-exception, so Run All goes past unfinished exercises"


@pytest.mark.parametrize("assignment", SOURCE_IDS)
def test_follows_the_anatomy(assignment):
    nb = read(paths.notebook(assignment))
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "course.sandbox.start(" in code[0], "the first code cell starts the sandbox"
    assert "```mermaid" in markdown, "an architecture diagram in Mermaid"
    assert "On real AWS" in markdown and "Further reading" in markdown
    assert any('course.quiz.load("quiz.yaml")' in c for c in code), "the quiz cell"
    assert (paths.SOURCE / assignment / "quiz.yaml").exists()
    tests = [c for c in nb.cells if is_test(c)]
    assert 2 <= len(tests) <= 6, f"{len(tests)} autograded test cells: the anatomy asks for 2-4 exercises"
    assert all(hidden_tests(c.source) for c in tests if "quiz_answers" not in c.source), \
        "every exercise has hidden tests"


@pytest.mark.parametrize("assignment", SOURCE_IDS)
def test_release_holds_no_solutions_hidden_tests_or_quiz_keys(assignment):
    source = read(paths.notebook(assignment))
    release_path = paths.notebook(assignment, paths.RELEASE)
    release = read(release_path)
    text = "\n".join(c.source for c in release.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "course.quiz.load("):
        assert marker not in text, f"release notebook contains {marker!r}"
    visible = "\n".join(without_solutions(without_hidden_tests(c.source)) for c in source.cells)
    for cell in source.cells:
        secret_blocks = hidden_tests(cell.source) + (solutions(cell.source) if is_answer(cell) else [])
        for line in (ln.strip() for block in secret_blocks for ln in block.splitlines()):
            if len(line) > 20 and not line.startswith("#") and line not in visible:
                assert line not in text, f"{grade_id(cell)}: {line!r} reached the release"
        if is_written(cell):
            assert cell.source.strip() not in text, f"{grade_id(cell)}: the model answer reached the release"
    assert not (paths.RELEASE / assignment / "quiz.yaml").exists(), "the plain quiz key reached release/"
    assert "course.quiz.unseal(" in text, "the release notebook carries the sealed quiz"
    spec = load_spec(paths.SOURCE / assignment / "quiz.yaml")
    for question in spec.questions:
        for secret in [question.explain, *question.feedback.values()]:
            if len(secret) > 12:
                assert secret[:60] not in text, f"quiz text of {question.id} is readable in release"
    by_id = cells_by_id(release)
    for cell in source.cells:
        if grade_id(cell):
            assert grade_id(cell) in by_id, f"{grade_id(cell)} is missing from the release"


@pytest.mark.parametrize("assignment", SOURCE_IDS)
def test_wrong_answers_are_declared_for_every_exercise(assignment):
    path = paths.ROOT / "tests" / "wrong_answers" / f"{assignment}.yaml"
    assert path.exists(), f"add {path.relative_to(paths.ROOT)}: a plausible wrong answer per exercise"
    entries = yaml.safe_load(path.read_text())
    nb = read(paths.notebook(assignment))
    by_id = cells_by_id(nb)
    for entry in entries:
        assert is_answer(by_id[entry["answer_cell"]]), f"{entry['answer_cell']} is not an answer cell"
        assert is_test(by_id[entry["fails"]]), f"{entry['fails']} is not a test cell"
    exercised = {e["fails"] for e in entries}
    tests = {grade_id(c) for c in nb.cells if is_test(c) and "quiz_answers" not in c.source}
    assert tests <= exercised, f"test cells without a plausible wrong answer: {sorted(tests - exercised)}"


QUIZ_IDS = sorted(p.name for p in paths.SOURCE.iterdir() if (p / "quiz.yaml").exists())


@pytest.mark.parametrize("assignment", QUIZ_IDS)
def test_follows_the_chapter_rules(assignment):
    """Predict before experiments, hinted hidden tests, graded apart from practice, no 'seed', sealed release."""
    from course.authoring import rules

    found = rules.problems(assignment)
    assert not found, "\n".join(found)
