"""The learner's own working copy of the student notebooks.

``workspace/`` (git-ignored) is filled from ``release/``: new files are copied
in, files the learner already has are never touched. When the course updates
a notebook the learner has, they are told where the new version is.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from course import paths

MANIFEST = ".course-release.json"
LAB_SETTINGS = paths.PACKAGE / "lab"  # overrides.json: no news, no update check
LAB_FLAGS = [
    "--ServerApp.ip=127.0.0.1",
    f"--LabApp.app_settings_dir={LAB_SETTINGS}",
    "--LabApp.extension_manager=readonly",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.news_url=None",
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sync(release: Path = paths.RELEASE, workspace: Path = paths.WORKSPACE,
         verbose: bool = False) -> dict[str, list[str]]:
    """Copy what is new in ``release`` into ``workspace``; never overwrite.

    Returns the relative paths ``added``, ``updated`` (the learner never changed
    their copy, so it takes the course's update), ``kept`` (the learner changed
    their copy and the course updated it: theirs stays) and ``unchanged``.
    """
    workspace.mkdir(parents=True, exist_ok=True)
    manifest_path = workspace / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    report: dict[str, list[str]] = {"added": [], "updated": [], "kept": [], "unchanged": []}
    for source in sorted(p for p in release.rglob("*") if p.is_file()):
        relative = source.relative_to(release).as_posix()
        target = workspace / relative
        release_digest = _digest(source)
        copied = manifest.get(relative)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            manifest[relative] = release_digest
            report["added"].append(relative)
        elif copied in (None, release_digest) or _digest(target) == release_digest:
            report["unchanged"].append(relative)
        elif _digest(target) == copied:
            shutil.copy2(source, target)
            manifest[relative] = release_digest
            report["updated"].append(relative)
        else:
            report["kept"].append(relative)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    if verbose:
        for relative in report["added"]:
            print(f"added    workspace/{relative}")
        for relative in report["updated"]:
            print(f"updated  workspace/{relative} (you had not changed it)")
        for relative in report["kept"]:
            print(f"updated  release/{relative} has a newer version; your workspace copy is kept "
                  f"(rename yours and run this again to get the new one)")
        print(f"Your notebooks are in {workspace} ({len(report['unchanged'])} already there).")
    return report


def lab_command(workspace: Path = paths.WORKSPACE) -> list[str]:
    """The JupyterLab command line: loopback only, no calls home."""
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={workspace}", *LAB_FLAGS]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command


def open_lab(workspace: Path = paths.WORKSPACE) -> None:
    """Replace this process by JupyterLab on the workspace."""
    command = lab_command(workspace)
    os.execv(command[0], command)
