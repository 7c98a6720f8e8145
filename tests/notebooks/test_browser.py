"""A learner's view in a real browser: JupyterLab 4 runs a student notebook and its quiz answers.

Headless Debian Chromium driven by Playwright; JupyterLab on a free loopback
port, serving a temporary copy of a release notebook. Leaves a screenshot in
test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from course import paths
from course.authoring import workspace
from course.quiz.model import load_spec

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
ASSIGNMENT = "01-sharding"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not CHROMIUM.exists():
        message = "the browser test needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(paths.RELEASE / ASSIGNMENT, root / ASSIGNMENT)
    port, token = free_port(), "course-browser-test"
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               *workspace.LAB_FLAGS, "--allow-root"]
    log = open(root / "lab.log", "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text()[-3000:])
    yield base, token, root
    server.terminate()
    server.wait(timeout=30)
    log.close()


def test_a_learner_runs_a_notebook_and_answers_the_quiz(lab, artifacts):
    from playwright.sync_api import expect, sync_playwright

    base, token, root = lab
    notebook = paths.notebook(ASSIGNMENT, paths.RELEASE).name
    spec = load_spec(paths.SOURCE / ASSIGNMENT / "quiz.yaml")
    question = next(q for q in spec.questions if q.kind in ("single", "true-false"))
    labels = question.labels()
    wrong = next(label for label in labels if label != question.answer)

    def option_text(label: str) -> str:
        return label.capitalize() if question.kind == "true-false" else f"{label}) {question.options[label]}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/{ASSIGNMENT}/{notebook}?token={token}")
            expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=90_000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            card = page.locator(f".course-quiz-q-{question.id}")
            expect(card).to_be_visible(timeout=90_000)
            card.scroll_into_view_if_needed()
            card.get_by_text(option_text(wrong), exact=True).click()
            card.get_by_role("button", name="Check").click()
            feedback = card.locator(".course-quiz-feedback")
            expect(feedback).to_contain_text("✘", timeout=15_000)
            expect(feedback).not_to_contain_text(question.explain[:40])
            # the right answer from the keyboard alone: focus the option, Space, Tab to Check, Enter
            card.get_by_label(option_text(question.answer), exact=True).focus()
            page.keyboard.press("Space")
            for _ in range(len(labels) + 1):
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.textContent.trim()") == "Check":
                    break
            page.keyboard.press("Enter")
            expect(feedback).to_contain_text("✔", timeout=15_000)
            expect(feedback).to_contain_text(question.explain[:40])
            expect(page.locator(".course-quiz", has=card)).to_contain_text("1 of")
            expect(page.get_by_text("notified about official Jupyter news")).to_have_count(0)
            card.screenshot(path=str(artifacts / "browser-quiz-question.png"))
            # a graded question records the answer for the answer cell and never says right or wrong
            graded_q = next(q for q in spec.graded if q.kind == "single" and not q.params)
            graded_card = page.locator(".course-graded-question", has_text=graded_q.prompt[:40])
            graded_card.scroll_into_view_if_needed()
            label = next(iter(graded_q.options))
            graded_card.get_by_text(f"{label}) {graded_q.options[label]}", exact=True).click()
            graded_card.get_by_role("button", name="Record").click()
            graded_box = page.locator(".course-graded-quiz")
            expect(graded_box).to_contain_text(f"'{graded_q.id}': '{label}'", timeout=15_000)
            expect(graded_box).to_contain_text("Your variant:")
            expect(graded_box).not_to_contain_text("✔")
            expect(graded_box).not_to_contain_text("✘")
            page.screenshot(path=str(artifacts / "browser-quiz.png"))
        except Exception:
            page.screenshot(path=str(artifacts / "browser-quiz-failure.png"))
            raise
        finally:
            browser.close()
