"""The homework notebooks themselves: the release is exactly what nbgrader generates, the solution runs top to
bottom in time, the check cells' points equal the hidden suites' points, and every visible check explains itself and
runs without the long cells the grader skips."""

import ast
import builtins
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from conftest import SLOW_PROOFS
from nbclient import NotebookClient

from autograder.grading.notebook import SKIP_TAG, task_cells
from autograder.layout import assignments, nbgrader

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


@pytest.mark.parametrize("assignment", [pytest.param(a, marks=pytest.mark.slow) if a in SLOW_PROOFS else a
                                        for a in ASSIGNMENTS])
def test_check_cell_points_are_the_suites_points(request, assignment):
    from autograder.grading.results import ResultStore

    course, _ = request.getfixturevalue(f"{assignment}_course")
    source = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    cell_points = {name: float(c.metadata["nbgrader"]["points"]) for name, c in task_cells(source).items()}
    suite_points = {name: t.points for name, t in ResultStore(course, assignment).load("reference").tasks.items()}
    assert cell_points == suite_points
    theory = sum(c.metadata["nbgrader"]["points"] for c in source.cells
                 if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade"))
    assert theory + sum(cell_points.values()) == 13, "every homework is worth 13 points"


@pytest.mark.slow  # every solution with its training cells: minutes in all, more with each homework
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


def bound_names(source: str) -> set[str]:
    """Names a cell binds: assignments, loop and with targets, functions, classes, imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_visible_assert_says_what_is_wrong(assignment):
    source = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    silent = [f"{name}: {ast.unparse(node)[:60]}" for name, cell in task_cells(source).items()
              for node in ast.walk(ast.parse(cell.source)) if isinstance(node, ast.Assert) and node.msg is None]
    assert silent == [], "asserts without a message for the student"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_visible_checks_use_nothing_from_skip_grading_cells(assignment):
    """A student who did not run the long (skip-grading) cells, and `nbgrader validate`, can still run every check."""
    source = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    code = [c for c in source.cells if c.cell_type == "code"]
    everywhere = set().union(*(bound_names(c.source) for c in code if SKIP_TAG not in c.metadata.get("tags", [])))
    only_skipped = set().union(*(bound_names(c.source) for c in code if SKIP_TAG in c.metadata.get("tags", [])))
    only_skipped -= everywhere | set(dir(builtins))
    needs = {name: sorted({n.id for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.Name)} & only_skipped)
             for name, cell in task_cells(source).items()}
    assert {name: used for name, used in needs.items() if used} == {}
