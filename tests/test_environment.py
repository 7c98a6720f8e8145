"""Project set-up: environment.yml agrees with pyproject, the README commands are the real ones."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

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
    assert python_pin_satisfies(python, project["requires-python"]), \
        f"environment.yml pins {python}, but pyproject.toml requires Python {project['requires-python']}"


def python_pin_satisfies(conda_pin: str, requires_python: str) -> bool:
    """Whether a conda pin such as ``python=3.11`` (or ``python>=3.12``) meets ``requires-python``.

    Versions are compared as versions, not as strings ("3.9" >= "3.11" is true for strings).
    """
    version = Version(re.split(r"[=<>!~ ]+", conda_pin.strip(), maxsplit=1)[1].rstrip(".*"))
    return SpecifierSet(requires_python).contains(version, prereleases=True)


def test_python_versions_are_compared_as_versions_not_strings():
    assert not python_pin_satisfies("python=3.9", ">=3.11")   # "3.9" >= "3.11" as strings
    assert not python_pin_satisfies("python=3.10", ">=3.11")
    assert python_pin_satisfies("python=3.11", ">=3.11")
    assert python_pin_satisfies("python=3.12", ">=3.11")
    assert python_pin_satisfies("python==3.13", ">=3.11")
    assert python_pin_satisfies("python=3.11.*", ">=3.11")


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
