"""Where things are in the course repository."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"
WORKSPACE = ROOT / "workspace"


def assignments(folder: Path = SOURCE) -> list[str]:
    """Assignment ids (``NN-pattern``) that have a notebook in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def notebook(assignment: str, folder: Path = SOURCE) -> Path:
    """The one notebook of an assignment."""
    found = sorted((folder / assignment).glob("*.ipynb"))
    if len(found) != 1:
        raise FileNotFoundError(
            f"{folder / assignment}: expected exactly one notebook, found {len(found)}"
        )
    return found[0]
