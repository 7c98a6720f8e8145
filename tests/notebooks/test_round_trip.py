"""The grading pipeline end to end: notebooks run, release/ is current, autograding is right.

Runs stock nbgrader in a temporary course directory, never the repository's own.
"""

from __future__ import annotations

import json
import os

import nbformat
import pytest
import yaml

from course import paths, pipeline
from course.cells import cells_by_id, is_answer, is_test, without_hidden_tests

SOURCE_IDS = paths.assignments(paths.SOURCE)
pytestmark = pytest.mark.slow


def wrong_answers(assignment: str) -> list[dict]:
    return yaml.safe_load((paths.ROOT / "tests" / "wrong_answers" / f"{assignment}.yaml").read_text())


def with_wrong_answers(assignment: str) -> nbformat.NotebookNode:
    """The solution notebook with every declared plausible wrong answer put in."""
    nb = nbformat.read(paths.notebook(assignment), as_version=4)
    by_id = cells_by_id(nb)
    for entry in wrong_answers(assignment):
        by_id[entry["answer_cell"]].source = entry["source"]
    return nb


@pytest.fixture(scope="session")
def netlog(tmp_path_factory):
    """Kernels started by the tests note every refused connection here."""
    log = tmp_path_factory.mktemp("netguard") / "refused.log"
    os.environ["COURSE_NETGUARD_LOG"] = str(log)
    yield log
    os.environ.pop("COURSE_NETGUARD_LOG", None)


@pytest.fixture(scope="session")
def graded(tmp_path_factory, netlog):
    """A course directory with every assignment generated and three submissions autograded:
    the solution, the untouched student version, and the plausible wrong answers."""
    root = pipeline.make_course_root(tmp_path_factory.mktemp("course"), SOURCE_IDS)
    runs = {}
    for assignment in SOURCE_IDS:
        release = pipeline.generate(root, assignment)
        name = paths.notebook(assignment).name
        pipeline.submit(root, "solution", assignment, paths.notebook(assignment))
        pipeline.submit(root, "blank", assignment, release / name)
        wrong = root / f"wrong-{name}"
        nbformat.write(with_wrong_answers(assignment), wrong)
        pipeline.submit(root, "wrong", assignment, wrong, name=name)
        runs[assignment] = pipeline.autograde(root, assignment)
    return root, runs


@pytest.mark.parametrize("assignment", SOURCE_IDS)
def test_source_notebook_runs_and_passes_every_test(assignment, netlog):
    before = netlog.read_text() if netlog.exists() else ""
    nb = pipeline.execute(paths.notebook(assignment))
    assert pipeline.errors(nb) == [], "the instructor notebook must run clean, hidden tests included"
    refused = (netlog.read_text() if netlog.exists() else "")[len(before):]
    if not nb.metadata.get("course", {}).get("demonstrates_network_guard"):
        assert refused == "", f"the notebook tried to leave the machine: {refused}"


@pytest.mark.parametrize("assignment", SOURCE_IDS)
def test_release_is_what_nbgrader_generates_today(assignment, graded):
    root, _ = graded
    fresh = root / "release" / assignment
    committed = paths.RELEASE / assignment
    assert committed.exists(), f"release/{assignment} is missing: run `make release`"
    fresh_files = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    committed_files = sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file())
    assert fresh_files == committed_files, "release/ has other files than nbgrader generates: run `make release`"
    for relative in fresh_files:
        a, b = (fresh / relative), (committed / relative)
        if relative.endswith(".ipynb"):
            same = json.loads(a.read_text()) == json.loads(b.read_text())
        else:
            same = a.read_bytes() == b.read_bytes()
        assert same, f"release/{assignment}/{relative} is out of date: run `make release` and commit"


@pytest.mark.parametrize("assignment", SOURCE_IDS)
def test_student_version_runs_everything_but_the_exercises(assignment, netlog):
    nb = pipeline.execute(paths.notebook(assignment, paths.RELEASE))
    by_id = cells_by_id(nb)
    failing = {gid for gid, _ in pipeline.errors(nb)}
    allowed = {gid for gid, c in by_id.items() if is_answer(c) or is_test(c)}
    assert failing <= allowed, f"cells other than exercises fail in the student version: {failing - allowed}"
    tests = {gid for gid, c in by_id.items() if is_test(c)}
    assert tests <= failing, f"test cells that pass on the untouched student version: {tests - failing}"


@pytest.mark.parametrize("assignment", SOURCE_IDS)
def test_autograde_gives_full_marks_to_the_solution_and_zero_to_the_blank(assignment, graded):
    root, runs = graded
    assert runs[assignment].returncode == 0, runs[assignment].stderr[-3000:]
    solution = pipeline.scores(root, assignment, "solution")
    blank = pipeline.scores(root, assignment, "blank")
    auto = [gid for gid, s in solution.items() if not s.manual]
    assert auto, "no autograded cells"
    for gid in auto:
        assert solution[gid].score == solution[gid].max_score, f"solution loses points on {gid}"
        assert blank[gid].score == 0, f"the untouched student version earns points on {gid}"


@pytest.mark.parametrize("assignment", SOURCE_IDS)
def test_plausible_wrong_answers_pass_the_visible_tests_and_fail_a_hidden_one(assignment, graded):
    nb = with_wrong_answers(assignment)
    for cell in nb.cells:
        if is_test(cell):
            cell.source = without_hidden_tests(cell.source)
    with_visible_only = pipeline.execute_node(nb, paths.notebook(assignment).parent)
    visible_failures = {gid for gid, _ in pipeline.errors(with_visible_only)}
    root, _ = graded
    wrong = pipeline.scores(root, assignment, "wrong")
    name = paths.notebook(assignment).name
    autograded = cells_by_id(nbformat.read(root / "autograded" / "wrong" / assignment / name, as_version=4))
    for entry in wrong_answers(assignment):
        test_id = entry["fails"]
        assert test_id not in visible_failures, \
            f"{entry['answer_cell']}: the wrong answer ({entry['why']}) already fails the visible tests"
        assert wrong[test_id].score < wrong[test_id].max_score, \
            f"{entry['answer_cell']}: the hidden tests of {test_id} miss the wrong answer ({entry['why']})"
        assert any(o.get("output_type") == "error" for o in autograded[test_id].outputs), \
            f"{test_id} lost points without failing: was it executed?"
