"""Gradescope results.json and the Canvas gradebook CSV, checked against their documented formats."""

from __future__ import annotations

import csv
import json

import jsonschema
import pytest

from course.grading import export, report, synthetic
from course.grading.autograde import Options, grade
from course.grading.demo import build_course

pytestmark = pytest.mark.slow

# Gradescope's autograder specification (results/results.json), the fields the course writes.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
GRADESCOPE_SCHEMA = {
    "type": "object", "required": ["tests"], "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"}, "output": {"type": "string"},
        "visibility": VISIBILITY, "stdout_visibility": VISIBILITY,
        "tests": {"type": "array", "items": {
            "type": "object", "required": ["score", "max_score", "name"], "additionalProperties": False,
            "properties": {"score": {"type": "number"}, "max_score": {"type": "number"},
                           "name": {"type": "string"}, "number": {"type": "string"},
                           "output": {"type": "string"}, "tags": {"type": "array"},
                           "visibility": VISIBILITY}}},
    },
}
STUDENTS = {"right": "right", "partial": "partial", "exit": "exit", "tampered": "tampered"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lms")
    course = build_course(tmp / "course", STUDENTS)
    batch = grade(course, [synthetic.ASSIGNMENT], Options(workers=2, budget=20, progress=False))
    report.write_csv(batch.results, course.outcomes_dir / f"{synthetic.ASSIGNMENT}.csv")
    status = export.export_grades(course, [synthetic.ASSIGNMENT], tmp / "grades.csv", tmp / "plot.png",
                                  gradescope=tmp / "gradescope", canvas=tmp / "canvas.csv")
    assert status == 0
    return tmp


def test_gradescope_results_follow_the_format_and_show_no_hidden_test(exported):
    files = sorted((exported / "gradescope" / synthetic.ASSIGNMENT).glob("*/results.json"))
    assert [p.parent.name for p in files] == ["partial", "right", "tampered"], "exit died: not exported"
    results = {p.parent.name: json.loads(p.read_text()) for p in files}
    for data in results.values():
        jsonschema.validate(data, GRADESCOPE_SCHEMA)
        assert synthetic.HIDDEN_MARK not in json.dumps(data) and "1e200" not in json.dumps(data)
    partial = {t["name"]: t for t in results["partial"]["tests"]}
    assert results["partial"]["score"] == 2.0 and results["right"]["score"] == 5.0
    hypot = partial["tiny: hypot-test"]
    assert hypot["score"] == 0 and hypot["max_score"] == 3 and "a hidden test failed" in hypot["output"]
    assert hypot["visibility"] == "after_published"


def test_canvas_csv_has_the_import_columns_and_leaves_ungraded_cells_blank(exported):
    rows = list(csv.reader((exported / "canvas.csv").open(encoding="utf-8")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", synthetic.ASSIGNMENT]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == 6.0  # the written answer counts too
    by_student = {r[2]: r[5] for r in rows[2:]}
    assert by_student["right"] == "5" and by_student["partial"] == "2" and by_student["tampered"] == "5"
    assert by_student["exit"] == "", "a kernel that died is not a zero: the cell stays blank"
