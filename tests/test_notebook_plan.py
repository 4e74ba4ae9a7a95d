"""How the grader reads a student's notebook and picks the code to run, whatever the student did to its cells."""

import json

import nbformat
import pytest

from autograder.grading.notebook import SKIP_TAG, SubmissionError, plan, read_notebook, task_cells


def cell(kind, source, grade_id=None, tags=(), **flags):
    c = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if grade_id:
        c.metadata["nbgrader"] = {"grade_id": grade_id, "schema_version": 3, "grade": False, "solution": False,
                                  "locked": False, **flags}
    if tags:
        c.metadata["tags"] = list(tags)
    return c


def source_notebook():
    return nbformat.v4.new_notebook(cells=[
        cell("code", "import math", "setup", locked=True),
        cell("code", "def f(x):\n    return 2 * x", "f_answer", solution=True),
        cell("code", "assert f(1) == 2", "task_f", grade=True, locked=True, points=1),
        cell("code", "train_for_ten_minutes()", tags=(SKIP_TAG,)),
        cell("code", "def g(x):\n    return x + 1", "g_answer", solution=True),
        cell("markdown", "answer", "T1", grade=True, solution=True, points=1),
    ])


def sources(grading_plan):
    return [c.source for c in grading_plan.cells]


def test_the_plan_runs_answers_and_given_code_but_not_checks_or_skipped_cells():
    nb = source_notebook()
    assert sources(plan(nb, nb)) == ["import math", "def f(x):\n    return 2 * x", "def g(x):\n    return x + 1"]
    assert plan(nb, nb).problems == []
    assert set(task_cells(nb)) == {"f"}


def test_a_removed_skip_tag_is_restored_from_the_source_by_grade_id():
    source = source_notebook()
    source.cells[3].metadata["nbgrader"] = {"grade_id": "train", "schema_version": 3}
    student = nbformat.from_dict(json.loads(nbformat.writes(source)))
    student.cells[3].metadata.pop("tags")
    assert "train_for_ten_minutes()" not in sources(plan(student, source))


def test_a_given_cell_tagged_skip_grading_is_neither_run_nor_restored():
    """A given cell that only draws (skip-grading in the source) is not run, kept or deleted alike."""
    source = source_notebook()
    source.cells.insert(1, cell("code", "plot_the_data()", "picture", tags=(SKIP_TAG,), locked=True))
    for student in (source, nbformat.v4.new_notebook(cells=[c for c in source.cells if c.source != "plot_the_data()"])):
        result = plan(student, source)
        assert "plot_the_data()" not in sources(result) and result.problems == []


def test_edited_and_deleted_given_cells_are_restored():
    source, student = source_notebook(), source_notebook()
    student.cells[0].source = "import math\nimport os; os.system('rm -rf /')"
    result = plan(student, source)
    assert result.cells[0].source == "import math"
    assert any("'setup' was edited" in p for p in result.problems)
    del student.cells[0]
    result = plan(student, source)
    assert result.cells[0].source == "import math" and result.cells[0].index == -1
    assert any("'setup' was deleted" in p for p in result.problems)


def test_inserted_duplicated_and_retyped_cells_still_run_and_are_reported():
    source, student = source_notebook(), source_notebook()
    student.cells.insert(2, cell("code", "def helper():\n    return 1"))  # inserted
    student.cells.insert(3, nbformat.from_dict(json.loads(json.dumps(student.cells[1]))))  # duplicated
    student.cells[3].source = "def f(x):\n    return x + x"
    retyped = cell("code", "def g(x):\n    return 1 + x")  # the answer retyped into a fresh cell
    student.cells = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "g_answer"]
    student.cells.append(retyped)
    result = plan(student, source)
    assert "def helper():\n    return 1" in sources(result)
    assert sources(result).index("def f(x):\n    return x + x") > sources(result).index("def f(x):\n    return 2 * x")
    assert "def g(x):\n    return 1 + x" in sources(result)
    assert any("'f_answer' appears 2 times" in p for p in result.problems)
    assert any("'g_answer' is missing" in p for p in result.problems)


def test_a_check_cell_turned_into_answer_code_is_not_run():
    source, student = source_notebook(), source_notebook()
    student.cells[2].source = "f = lambda x: 2 * x"
    assert "f = lambda x: 2 * x" not in sources(plan(student, source))


@pytest.mark.parametrize("content, message", [
    (b'{"cells": [', "not valid JSON"),
    (b'{"cells": "nope", "nbformat": 4}', "not a Jupyter notebook"),
    (b"[1, 2, 3]", "not a Jupyter notebook"),
    (b"\xff\xfe\x00binary", "not a text file"),
    (b'{"cells": [{"cell_type": "code"}], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "well-formed"),
])
def test_unreadable_submissions_get_a_message_a_student_understands(tmp_path, content, message):
    path = tmp_path / "hw.ipynb"
    path.write_bytes(content)
    with pytest.raises(SubmissionError, match=message):
        read_notebook(path)


def test_cells_are_named_by_the_number_the_student_counts_code_cells_only():
    """Markdown cells, check cells and skipped cells: the student counts every code cell and no markdown cell."""
    source, student = source_notebook(), source_notebook()
    student.cells.insert(0, cell("markdown", "# Homework 1"))
    student.cells.insert(1, cell("markdown", "Read me first."))
    student.cells.insert(3, cell("markdown", "## Task f"))
    student.cells.insert(6, cell("code", "1 / 0"))  # after the check cell: the notebook's 7th cell, 4th code cell
    result = plan(student, source)
    where = {c.source: c.where for c in result.cells}
    assert where["1 / 0"] == "code cell 4"
    assert where["import math"] == "code cell 1 ('setup')" and where["def g(x):\n    return x + 1"] == (
        "code cell 6 ('g_answer')")
    del student.cells[2]
    assert plan(student, source).cells[0].where == "the restored given cell 'setup'"
