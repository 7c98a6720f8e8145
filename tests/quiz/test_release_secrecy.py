"""A curious student decodes the sealed quizzes in release/ with the standard library alone.

They must find the questions and options, but no explanation and no feedback text.
"""

from __future__ import annotations

import base64
import json
import re
import zlib

import nbformat
import pytest

from course import paths
from course.quiz.model import load_spec

SEALED = re.compile(r"""course\.quiz\.unseal(?:_graded)?\(\s*"([^"]+)"\s*\)""")
WINDOW = 20


def released():
    return [pytest.param(p, id=p.parent.name) for p in sorted(paths.RELEASE.glob("*/*.ipynb"))
            if (paths.SOURCE / p.parent.name / "quiz.yaml").exists()]


def decoded(path) -> str:
    """Every sealed blob of a notebook, as far as base64, zlib and json take a reader."""
    nb = nbformat.read(path, as_version=4)
    blobs = [b for c in nb.cells for b in SEALED.findall(c.source)]
    assert blobs, f"{path.name}: no sealed quiz found"
    texts = []
    for blob in blobs:
        raw = zlib.decompress(base64.b64decode(blob)).decode()
        texts += [raw, json.dumps(json.loads(raw), ensure_ascii=False)]
    return "\n".join(texts)


@pytest.mark.parametrize("path", released())
def test_no_explanation_or_feedback_can_be_read_from_release(path):
    spec = load_spec(paths.SOURCE / path.parent.name / "quiz.yaml")
    asked = spec.questions + spec.graded  # prompts and options are public, graded ones too
    public = "\n".join([spec.title] + [q.prompt for q in asked] + [o for q in asked for o in q.options.values()])
    data = decoded(path)
    for question in spec.questions:
        for what, secret in [("explanation", question.explain), *question.feedback.items()]:
            leaked = [secret[i:i + WINDOW] for i in range(len(secret) - WINDOW + 1)
                      if secret[i:i + WINDOW] not in public and secret[i:i + WINDOW] in data]
            assert not leaked, (f"{path.parent.name}/{question.id}: {what!r} text is readable "
                                f"in the decoded quiz, e.g. {leaked[0]!r}")
