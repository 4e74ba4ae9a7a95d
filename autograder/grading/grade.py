"""Grading one notebook: the hidden suite of its assignment, run by pytest in a separate process with a time limit.

Used by every entry point (the dgm-grade workers, dask workers, and nbgrader's autograde through the preprocessor
in autograder.pipeline.nbgrader_plugin), so all of them give the same points.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.grading import fork_server
from autograder.grading.results import DEFAULT_WALL_SECONDS, SubmissionResult, file_sha256, read_result, wall_message
from autograder.grading.timings import LAUNCHED_ENV
from autograder.layout import source_notebook, suite_dir
from autograder.sandbox.isolation import MEMORY_ENV, PROBED_ENV, SECRET_SEED_ENV, probed_environment

EXTRA_PYTEST_ARGS: tuple[str, ...] = ()  # the benchmark's in-process variant sets it; never read from the environment
NOT_PASSED_ON = (PROBED_ENV, "PYTEST_ADDOPTS", "PYTEST_PLUGINS")  # only our own probe; our own pytest options only
GRADED_BY = ("grading", "sandbox")  # the packages whose code runs when a notebook is graded (and layout.py)
SUITE_FILES = ("test_*.py", "probes.py", "__init__.py")  # of autograder/<hw>/ (not its bug and attack corpora)


def suite_version(root: Path, assignment: str) -> str:
    """Hash of everything that decides a score: the hidden suite, the grader's code and the solution notebook."""
    digest = hashlib.sha256()
    package = suite_dir(root, assignment).parent
    files = sorted(path for pattern in SUITE_FILES for path in suite_dir(root, assignment).glob(pattern))
    files += [package / "layout.py"] + [path for name in GRADED_BY for path in sorted((package / name).glob("*.py"))]
    files.append(source_notebook(root, assignment))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _run_pytest(argv: list[str], env: dict[str, str], grading_env: dict[str, str], cwd: Path, log: Path,
                timeout: float) -> int | None:
    """`pytest argv` in its own process with env | grading_env, forked from a warm server where
    fork_server.available() (else, or when the server fails, started from nothing); its output to `log`; its return
    code, or None when it ran past `timeout` and was killed."""
    if fork_server.available():
        try:
            return fork_server.POOL.run(argv, env, grading_env, cwd, log, timeout)
        except fork_server.ServerGone as error:
            print(f"dgm-grade: {error}; grading this submission without it", file=sys.stderr)
    with log.open("w") as output:
        try:
            return subprocess.run([sys.executable, "-m", "pytest", *argv], cwd=cwd, env=env | grading_env,
                                  stdout=output, stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            return None


def grade_notebook(root: Path, assignment: str, notebook: Path, wall_seconds: float = DEFAULT_WALL_SECONDS,
                   secret_seed: int | None = None, memory_gb: float | None = None) -> SubmissionResult:
    """Run the hidden suite of `assignment` on `notebook` in a pytest process; return its results.

    A suite that exceeds wall_seconds is stopped (by the plugin's own watchdog, else killed here a little later)
    and the submission scores nothing, with a message saying so; the per-check limits normally stop a hung check
    long before. Everything the run creates lives in one temporary folder, removed afterwards on every path.
    """
    root, notebook = Path(root), Path(notebook)
    with tempfile.TemporaryDirectory(prefix="dgm-grading-") as tmp:
        out, log = Path(tmp) / "results.json", Path(tmp) / "pytest.log"
        argv = [str(suite_dir(root, assignment)), "--notebook", str(notebook), "--results", str(out),
                "--wall-seconds", str(wall_seconds), "-q", "-p", "no:cacheprovider", "--rootdir", str(root),
                "-o", "addopts=", "--tb=line", "--exit-at-once", *EXTRA_PYTEST_ARGS]
        env = {k: v for k, v in os.environ.items() if k not in NOT_PASSED_ON} | {  # (an instructor's -x costs points)
            "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # the hidden suite needs no installed plugin
        grading_env = {"TMPDIR": tmp, **probed_environment()}  # TMPDIR: the job folders of the student's process
        if secret_seed is not None:  # in the environment, not on the command line that /proc shows everyone
            grading_env[SECRET_SEED_ENV] = str(secret_seed)
        if memory_gb is not None:
            grading_env[MEMORY_ENV] = str(memory_gb)
        launched = time.time()
        grading_env[LAUNCHED_ENV] = repr(launched)
        if _run_pytest(argv, env, grading_env, root, log, timeout=wall_seconds + 30) is None:
            result = SubmissionResult.failed(assignment, notebook, wall_message(wall_seconds))
        else:
            result = read_result(out)
            if result is None:
                result = SubmissionResult.failed(assignment, notebook, "the grader failed before scoring; tell "
                                                                       "your instructor")
                result.grader_log = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            if result.timings:
                result.timings["timeline"]["grader: results read"] = round(time.time() - launched, 3)
    result.notebook_sha256 = file_sha256(notebook) if notebook.exists() else None
    result.suite_version = suite_version(root, assignment)
    return result
