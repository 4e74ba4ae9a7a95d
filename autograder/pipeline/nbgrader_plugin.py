"""nbgrader integration: `nbgrader autograde hwN` scores with the hidden suites, outside the student's kernel.

nbgrader_config.py puts TrustedAutograde in place of nbgrader's Execute preprocessor. For each submission it takes
the result that `dgm-grade autograde` stored for exactly this notebook and suite, or grades the notebook now with the
same function, and writes each task's points into its check cell as nbgrader's partial credit (an execute_result
holding the number), with the messages as the cell's printed output. nbgrader's own SaveAutoGrades then records
the same points the CLI reports. The student's kernel never runs, so nothing in it can change a score.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float

from autograder.grading.grade import grade_notebook, suite_version
from autograder.grading.notebook import task_cells
from autograder.grading.results import DEFAULT_WALL_SECONDS, ResultStore, SubmissionResult, TaskResult, file_sha256
from autograder.layout import secret_seed


def check_cell_outputs(task: TaskResult | None, max_points: float, fatal: str | None) -> list:
    """Outputs of a check cell: what the student reads, then the points as nbgrader partial credit."""
    if task is None:
        lines = [f"0 / {max_points:g} points: {fatal or 'no check of this task could run'}"]
        earned = 0.0
    else:
        earned = min(task.earned, max_points)
        lines = [f"{earned:g} / {max_points:g} points"]
        for record in task.checks:
            mark = "passed" if record.passed else "FAILED"
            detail = f": {record.message}" if record.message else ""
            lines.append(f"  [{mark}] {record.description} ({record.points:g}){detail}")
    return [
        nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": repr(round(earned, 6))}, execution_count=1),
    ]


def apply_results(nb, results: SubmissionResult) -> None:
    """Write a submission's results into the check cells of a notebook (in place)."""
    for name, cell in task_cells(nb).items():
        cell.outputs = check_cell_outputs(results.tasks.get(name), float(cell.metadata["nbgrader"]["points"]),
                                          results.fatal)


class TrustedAutograde(NbGraderPreprocessor):
    """Replaces nbgrader's Execute during autograde: scores come from the hidden suite, not the student's kernel."""

    wall_seconds = Float(DEFAULT_WALL_SECONDS, help="time limit for grading one notebook").tag(config=True)
    memory_gb = Float(None, allow_none=True, help="memory limit of one submission's code in GB (default: the "
                      "sandbox's)").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)  # the converter's course, from the same configuration
        root = Path(coursedir.root)
        assignment, student, notebook = info["assignment"], info["student"], info["notebook"]
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment)) / (
            f"{notebook}.ipynb")
        store = ResultStore(root, assignment)
        if store.is_current(student, submitted, suite_version(root, assignment)):
            results = store.load(student)
            self.log.info("using the stored result for %s/%s", student, assignment)
        else:
            self.log.info("grading %s/%s with the hidden suite", student, assignment)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"{notebook}.ipynb"
                path.write_bytes(submitted.read_bytes())
                results = grade_notebook(root, assignment, path, self.wall_seconds, secret_seed(root, assignment),
                                         self.memory_gb)
            results.notebook_sha256 = file_sha256(submitted)
            store.save(student, results)
        apply_results(nb, results)
        return nb, resources
