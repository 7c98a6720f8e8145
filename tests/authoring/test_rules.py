"""The chapter rules catch what they exist for (each rule is shown failing once)."""

from __future__ import annotations

import base64
import json
import zlib

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.authoring import rules
from course.quiz.model import parse

TEST_META = {"nbgrader": {"grade": True, "solution": False, "locked": True, "points": 1, "grade_id": "t"}}


def tagged(source, *tags):
    return new_code_cell(source, metadata={"tags": list(tags)})


def test_an_experiment_needs_a_prediction_since_the_previous_one():
    good = new_notebook(cells=[tagged("guess = None", "predict"), tagged("run()", "experiment"),
                               tagged("guess2 = None", "predict"), tagged("run2()", "experiment")])
    assert rules.prediction_problems(good) == []
    bad = new_notebook(cells=[tagged("guess = None", "predict"), tagged("run()", "experiment"),
                              tagged("run2()", "experiment")])
    assert rules.prediction_problems(bad) == ["cell 2: an experiment without a `predict` cell before it"]
    assert "no cell is tagged" in rules.prediction_problems(new_notebook(cells=[])).pop()


def test_every_hidden_region_starts_with_a_hint():
    hinted = "assert f(1)\n### BEGIN HIDDEN TESTS\n\n# HINT: zero counts\nassert f(0)\n### END HIDDEN TESTS"
    bare = "assert f(1)\n### BEGIN HIDDEN TESTS\nassert f(0)  # HINT: too late\n### END HIDDEN TESTS"
    assert rules.hint_problems(new_notebook(cells=[new_code_cell(hinted, metadata=TEST_META)])) == []
    assert rules.hint_problems(new_notebook(cells=[new_code_cell(bare, metadata=TEST_META)])) == [
        "t: the hidden region at line 2 does not start with '# HINT: ...'"]


SPEC = {"quiz": "x", "questions": [
    {"id": "p", "kind": "true-false", "prompt": "Queues decouple producers.", "answer": True},
    {"id": "c", "kind": "true-false", "prompt": "Shards split data.", "answer": True, "part": "mid"}],
    "graded": [{"id": "g", "kind": "true-false", "prompt": "Queues decouple producers."}]}


def test_graded_questions_must_differ_from_practice_be_tested_and_shown():
    nb = new_notebook(cells=[new_code_cell('quiz = course.quiz.load("quiz.yaml")')])
    found = rules.quiz_problems(nb, parse(SPEC))
    assert any("repeats a practice question" in p for p in found)
    assert any("checked by no hidden test" in p for p in found)
    assert any("no cell shows them" in p for p in found)
    assert any("part 'mid' is shown nowhere" in p for p in found)
    test = 'a = graded.answer("g", graded_answers)\n### BEGIN HIDDEN TESTS\n# HINT: h\nassert a == graded.params("g")\n### END HIDDEN TESTS'
    shown = new_notebook(cells=[new_code_cell('graded = course.quiz.load_graded("quiz.yaml")\n'
                                              'check = course.quiz.load("quiz.yaml", part="mid")'),
                                new_code_cell(test, metadata=TEST_META)])
    assert rules.quiz_problems(shown, parse(SPEC)) == ["graded question g repeats a practice question: ask another one"]


def test_learner_text_never_speaks_of_the_seed_but_random_seeds_are_fine():
    assert rules.seed_problems([("q", "The seed's answer is wrong."), ("r", "as the seed page says")])
    assert rules.seed_problems([("q", "We fix the seeds so the table repeats; seed=7; a seeded draw.")]) == []
    nb = new_notebook(cells=[new_markdown_cell("Where the seed page is loose"),
                             new_markdown_cell("The seed says", metadata={"nbgrader": {
                                 "grade": True, "solution": True, "points": 1, "grade_id": "w"}})])
    assert [w for w, _ in rules.notebook_texts(nb) if rules.seed_problems([(w, _)])] == ["cell 0"]


def test_a_blob_that_only_compresses_its_explanations_is_caught():
    legacy = {"format": 1, "questions": [{"id": "q", "kind": "single", "prompt": "Which one is right?",
                                          "options": {"a": "the first option", "b": "the second"},
                                          "explain": "Because the first one is right, obviously."}]}
    blob = base64.b64encode(zlib.compress(json.dumps(legacy).encode())).decode()
    nb = new_notebook(cells=[new_code_cell(f'quiz = course.quiz.unseal("{blob}")')])
    assert rules.release_problems(nb) == ["release: readable text in a sealed quiz: "
                                          "'Because the first one is right, obviously.'"]
    graded = {"format": 2, "graded": [{"id": "g", "kind": "number", "prompt": "How many?", "answer": 3}]}
    blob = base64.b64encode(zlib.compress(json.dumps(graded).encode())).decode()
    nb = nbformat.v4.new_notebook(cells=[new_code_cell(f'g = course.quiz.unseal_graded("{blob}")')])
    assert rules.release_problems(nb) == ["release: the graded questions carry a key ('answer')"]
