"""Every question of the seed study page is placed in its pattern's quiz or written exercise."""

from __future__ import annotations

import nbformat
import pytest
import yaml

from course import paths
from course.quiz.model import load_spec

SEED = yaml.safe_load((paths.ROOT / "tests" / "seed_questions.yaml").read_text())


def placements() -> dict[str, list[tuple[str, str]]]:
    """seed id -> [(assignment, 'quiz:<question id>' or 'written:<grade_id>')]"""
    found: dict[str, list[tuple[str, str]]] = {}
    for quiz_file in sorted(paths.SOURCE.glob("*/quiz.yaml")):
        spec = load_spec(quiz_file)
        assignment = quiz_file.parent.name
        assert spec.quiz == assignment, f"{quiz_file}: 'quiz:' should be {assignment!r}"
        for question in spec.questions:
            if question.seed:
                found.setdefault(question.seed, []).append((assignment, f"quiz:{question.id}"))
        for written in spec.written:
            found.setdefault(written["seed"], []).append((assignment, f"written:{written['grade_id']}"))
    return found


def test_the_seed_has_ten_practice_and_fifteen_interview_questions():
    assert sum(k.startswith("practice-") for k in SEED) == 10
    assert sum(k.startswith("interview-") for k in SEED) == 15


@pytest.mark.parametrize("seed_id", list(SEED))
def test_each_seed_question_is_placed_once_in_its_pattern(seed_id):
    where = placements().get(seed_id, [])
    expected = SEED[seed_id]["assignment"]
    assert where, f"{seed_id} ({SEED[seed_id]['text']}) is not placed: add it to source/{expected}/quiz.yaml"
    assert len(where) == 1, f"{seed_id} is placed more than once: {where}"
    assert where[0][0] == expected, f"{seed_id} belongs to {expected}, found in {where[0][0]}"


def test_written_placements_point_at_manually_graded_cells():
    for seed_id, places in placements().items():
        for assignment, place in places:
            if not place.startswith("written:"):
                continue
            grade_id = place.split(":", 1)[1]
            nb = nbformat.read(paths.notebook(assignment), as_version=4)
            cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
            assert cells, f"{seed_id}: {assignment} has no cell {grade_id}"
            meta = cells[0].metadata["nbgrader"]
            assert meta["grade"] and meta["solution"] and cells[0].cell_type == "markdown", \
                f"{seed_id}: {grade_id} should be a manually graded Markdown answer"


def test_no_unknown_seed_tags():
    unknown = set(placements()) - set(SEED)
    assert not unknown, f"seed tags that are not seed questions: {sorted(unknown)}"
