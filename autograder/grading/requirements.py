"""What grading needs beyond dgmlib, and a one-line error naming the extra to install when it is missing.

    pip install -e .            students: dgmlib and the notebooks' dependencies
    pip install -e '.[grader]'  instructors and TAs: nbgrader, pytest, the sandbox (dgm-grade, nbgrader autograde)
    pip install -e '.[dev]'     developers: the grader, the linters and the test tools
"""

from __future__ import annotations

import importlib.util

# import name -> the distribution pyproject.toml's [grader] extra installs it from
GRADER_PACKAGES = {"nbgrader": "nbgrader", "nbformat": "nbformat", "nbclient": "nbclient", "pytest": "pytest",
                   "distributed": "distributed", "IPython": "ipython", "latex2mathml": "latex2mathml"}


def missing_packages(packages: dict[str, str]) -> list[str]:
    """The distributions whose import name cannot be found by this interpreter."""
    missing = []
    for module, distribution in packages.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a module blocked or half-installed
            found = False
        if not found:
            missing.append(distribution)
    return missing


def require_grader(what: str = "grading") -> None:
    """Stop with one line saying which packages are missing and how to install them (no traceback, no fallback)."""
    missing = missing_packages(GRADER_PACKAGES)
    if missing:
        raise SystemExit(f"dgm-course: {what} needs {', '.join(missing)}, which this Python does not have; install "
                         f"the grader's extra from the course directory: pip install -e '.[grader]'")
