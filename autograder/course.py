"""Where the course lives: the nbgrader course directory (the repository root) and its assignments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

COURSE_ROOT_ENV = "DGM_COURSE_ROOT"


def course_root(start: str | os.PathLike | None = None) -> Path:
    """The course directory: $DGM_COURSE_ROOT, else the nearest folder at or above `start` (default: the current
    directory) holding nbgrader_config.py."""
    if os.environ.get(COURSE_ROOT_ENV):
        return Path(os.environ[COURSE_ROOT_ENV]).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").exists():
            return folder
    raise FileNotFoundError(f"no nbgrader_config.py at or above {here}: run from the course directory")


def assignments(root: Path) -> list[str]:
    """Names of the assignments in solutions/ (folders holding at least one notebook), sorted."""
    source = root / "solutions"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if source.exists() else []


def nbgrader(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run an nbgrader command in the course directory, with this interpreter's bin/ first on PATH (nbgrader calls
    `alembic` from PATH)."""
    bin_dir = str(Path(sys.executable).parent)
    env = os.environ | {"PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env, check=check,
                          capture_output=True, text=True)


def grading_dir(root: Path, assignment: str) -> Path:
    """Private grading state of one assignment (secret seed, reference cache, results); never committed."""
    path = root / ".grading" / assignment
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_seed(root: Path, assignment: str) -> int:
    """The assignment's secret seed, drawn once from the OS on first use and kept (so re-grading is repeatable).

    Delete .grading/<assignment>/secret_seed to draw new hidden inputs for the next grading run.
    """
    path = grading_dir(root, assignment) / "secret_seed"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return int(path.read_text().strip())
    with os.fdopen(fd, "w") as f:
        seed = int.from_bytes(os.urandom(8), "little") >> 1
        f.write(str(seed))
    return seed


def source_notebook(root: Path, assignment: str) -> Path:
    return root / "solutions" / assignment / f"{assignment}.ipynb"
