"""Project set-up: environment.yml agrees with pyproject, the README commands are the real ones."""

from __future__ import annotations

import re
import tomllib

import yaml

from course import paths


def normalise(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).lower().replace("_", "-")


def test_environment_yml_and_pyproject_pin_the_same_packages():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert sorted(map(normalise, pip_section)) == sorted(map(normalise, project["dependencies"])), \
        "environment.yml and pyproject.toml list different packages: make them agree"
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.split("=")[-1] >= project["requires-python"].lstrip(">=")


def test_every_dependency_is_pinned_and_in_the_constraints():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    constraints = {normalise(line.split("==")[0]): line.split("==")[1].strip()
                   for line in (paths.ROOT / "constraints.txt").read_text().splitlines()
                   if "==" in line}
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        name, version = re.split(r"==", requirement)
        name = normalise(re.sub(r"\[.*\]", "", name))
        assert constraints.get(name) == version, f"{requirement} disagrees with constraints.txt"


def test_ci_runs_the_readme_test_command():
    readme = (paths.ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    ci = (paths.ROOT / ".ci" / "run").read_text()
    assert [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))] == ["make test"]
