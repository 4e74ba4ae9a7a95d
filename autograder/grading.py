"""Grading one notebook: the hidden suite of its assignment, run by pytest in a separate process with a time limit.

Used by every entry point (the dgm-grade workers, dask workers, and nbgrader's autograde through the preprocessor
in autograder.nbgrader_plugin), so all of them give the same points.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .course import grading_dir
from .plugin import DEFAULT_WALL_SECONDS, failed_document, wall_message, write_results
from .sandbox import MEMORY_ENV, SECRET_SEED_ENV

GRADER_MODULES = ("contract.py", "plugin.py", "runner.py", "notebook.py", "student_process.py", "sandbox.py",
                  "cgroup.py", "stats.py", "grading.py")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def suite_version(root: Path, assignment: str) -> str:
    """Hash of everything that decides a score: the hidden suite, the grader's code and the solution notebook."""
    digest = hashlib.sha256()
    package = root / "autograder"
    files = sorted((package / assignment).glob("*.py")) + [package / name for name in GRADER_MODULES]
    files.append(root / "solutions" / assignment / f"{assignment}.ipynb")
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def grade_notebook(root: Path, assignment: str, notebook: Path, wall_seconds: float = DEFAULT_WALL_SECONDS,
                   secret_seed: int | None = None, memory_gb: float | None = None) -> dict:
    """Run the hidden suite of `assignment` on `notebook`; return the results document (see plugin.py).

    A suite that exceeds wall_seconds is stopped (by the plugin's own watchdog, else killed here a little later)
    and the submission scores nothing, with a message saying so; the per-check limits normally stop a hung check
    long before. Everything the run creates lives in one temporary folder, removed afterwards on every path.
    """
    root, notebook = Path(root), Path(notebook)
    with tempfile.TemporaryDirectory(prefix="dgm-grading-") as tmp:
        out = Path(tmp) / "results.json"
        command = [sys.executable, "-m", "pytest", str(root / "autograder" / assignment), "--notebook", str(notebook),
                   "--results", str(out), "--wall-seconds", str(wall_seconds), "-q", "-p", "no:cacheprovider",
                   "--rootdir", str(root), "-o", "addopts=", "-o", "timeout=0"]
        env = os.environ | {"PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
                            "TMPDIR": tmp}  # the job folders of the student's and the reference's processes
        if secret_seed is not None:  # in the environment, not on the command line that /proc shows everyone
            env[SECRET_SEED_ENV] = str(secret_seed)
        if memory_gb is not None:
            env[MEMORY_ENV] = str(memory_gb)
        try:
            completed = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                                       timeout=wall_seconds + 30)
        except subprocess.TimeoutExpired:
            document = failed_document(assignment, notebook, wall_message(wall_seconds))
        else:
            try:
                document = json.loads(out.read_text())
            except (OSError, ValueError):
                document = failed_document(assignment, notebook, "the grader failed before scoring; tell your "
                                                                 "instructor")
                document["grader_log"] = (completed.stdout + completed.stderr)[-3000:]
    document["notebook_sha256"] = file_sha256(notebook) if notebook.exists() else None
    document["suite_version"] = suite_version(root, assignment)
    return document


class ResultStore:
    """One JSON file per submission under .grading/<assignment>/results/: written atomically, read by one writer."""

    def __init__(self, root: Path, assignment: str):
        self.root, self.assignment = Path(root), assignment
        self.folder = grading_dir(self.root, assignment) / "results"
        self.folder.mkdir(exist_ok=True)

    def path(self, student: str) -> Path:
        return self.folder / f"{student}.json"

    def load(self, student: str) -> dict | None:
        try:
            return json.loads(self.path(student).read_text())
        except (OSError, json.JSONDecodeError):
            return None

    def save(self, student: str, document: dict) -> None:
        write_results(self.path(student), document)

    def is_current(self, student: str, notebook: Path, version: str) -> bool:
        """True when a stored result graded exactly this notebook with exactly this suite."""
        document = self.load(student)
        return (document is not None and document.get("suite_version") == version
                and document.get("notebook_sha256") == (file_sha256(notebook) if notebook.exists() else None))
