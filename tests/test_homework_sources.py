"""The homework notebooks themselves: the release is exactly what nbgrader generates, the solution runs top to
bottom in time, and the check cells' points equal the hidden suites' points."""

import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.course import assignments, nbgrader
from autograder.notebook import SKIP_TAG, task_cells

REPO = Path(__file__).resolve().parents[1]

ASSIGNMENTS = assignments(REPO)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_committed_release_is_what_nbgrader_generates_today(tmp_path, assignment):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    (tmp_path / "solutions").symlink_to(REPO / "solutions", target_is_directory=True)
    result = nbgrader(tmp_path, "generate_assignment", assignment, "--force", check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    generated = (tmp_path / "homeworks" / assignment / f"{assignment}.ipynb").read_bytes()
    committed = (REPO / "homeworks" / assignment / f"{assignment}.ipynb").read_bytes()
    assert generated == committed, f"homeworks/{assignment} is stale: run `dgm-grade release {assignment}`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_release_hides_solutions_and_hidden_tests(assignment):
    text = (REPO / "homeworks" / assignment / f"{assignment}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "Rubric"):
        assert marker not in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebooks_are_committed_without_outputs(assignment):
    source = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in source.cells if c.cell_type == "code")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_check_cell_points_are_the_suites_points(request, assignment):
    from autograder.grading import ResultStore

    course, _ = request.getfixturevalue(f"{assignment}_course")
    source = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    cell_points = {name: float(c.metadata["nbgrader"]["points"]) for name, c in task_cells(source).items()}
    suite_points = {name: t["points"] for name, t in ResultStore(course, assignment).load("reference")["tasks"].items()}
    assert cell_points == suite_points
    theory = sum(c.metadata["nbgrader"]["points"] for c in source.cells
                 if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade"))
    assert theory + sum(cell_points.values()) == 13, "every homework is worth 13 points"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solution_runs_top_to_bottom_within_ten_minutes(tmp_path, assignment):
    source = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    assert any(SKIP_TAG in c.metadata.get("tags", []) for c in source.cells), "long cells are tagged skip-grading"
    started = time.monotonic()
    NotebookClient(source, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                   ).execute()
    assert time.monotonic() - started < 600
    errors = [o for c in source.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    printed = "".join(o.get("text", "") for c in source.cells if c.cell_type == "code" for o in c.outputs)
    assert printed.count("visible checks passed") == len(task_cells(source))
