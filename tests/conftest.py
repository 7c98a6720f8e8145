"""Shared fixtures. Importing course turns on the network guard for the whole run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import course  # noqa: F401  (fake credentials and the network guard, before anything else)
from course import paths

REPO = paths.ROOT
ARTIFACTS = REPO / "test-artifacts"


def source_ids() -> list[str]:
    return paths.assignments(paths.SOURCE)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture()
def clean_aws_env(monkeypatch):
    """Real-looking credentials in the environment, as on a developer's laptop."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-looking-token")
    monkeypatch.setenv("AWS_PROFILE", "production")
    yield
    for name in ("AWS_PROFILE",):
        os.environ.pop(name, None)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Under ``pytest -n``, slow tests that share a module's fixtures stay on one worker."""
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
