"""For the benchmark only: a pytest plugin that runs the notebook's cells and the probes inside the grader's own
process, the way plain nbgrader runs its tests inside the student's kernel. It is NOT a sandbox and trusts the
notebook completely; it exists so that `benchmark.py` can measure what the trusted path (a separate sandboxed
process, arrays through pipes, bubblewrap, cgroups and a separate user) costs on exactly the same checks.

    pytest -p autograder.tools.in_process autograder/hw1 --notebook ...
    (the benchmark sets autograder.grading.grade.EXTRA_PYTEST_ARGS; grade_notebook ignores PYTEST_ADDOPTS)
"""

from __future__ import annotations

import sys

import autograder.grading.plugin as plugin
from autograder.grading import probe_helpers
from autograder.grading.runner import answer, seed_all, short_error, to_plain_arrays
from autograder.grading.student_process import StudentError


class InProcessNotebook:
    """Same interface as StudentProcess; cells run with exec() in a namespace of this process."""

    isolation = "none (in-process, benchmark only)"

    def __init__(self, cells: list[str], probes, *args, **kwargs):
        self.cells, self.probes_path = cells, probes
        self.namespace: dict = {"__name__": "__main__"}
        self.cell_reports: list[dict] | None = None
        self.probes: dict = {}

    def launch(self) -> None:
        pass

    def wait_ready(self) -> None:
        if self.cell_reports is None:
            self.cell_reports = []
            for cell in self.cells:
                try:
                    exec(compile(cell, "<cell>", "exec"), self.namespace)
                    self.cell_reports.append({"error": None})
                except BaseException as error:  # noqa: BLE001 - reported like the sandboxed runner does
                    self.cell_reports.append({"error": short_error(error)})
            self.probes = {"__name__": "probes", "answer": answer}
            sys.modules.setdefault("probe_helpers", probe_helpers)  # what runner.py finds in the job folder
            exec(compile(open(self.probes_path).read(), "probes.py", "exec"), self.probes)

    start = wait_ready

    def call(self, probe, arrays=None, kwargs=None, seed=0, timeout=None):
        self.wait_ready()
        seed_all(seed)
        try:
            return to_plain_arrays(self.probes[probe](self.namespace, **(arrays or {}), **(kwargs or {})))
        except Exception as error:
            raise StudentError(short_error(error)) from None

    def close(self) -> None:
        pass


def pytest_configure(config):
    plugin.StudentProcess = InProcessNotebook
