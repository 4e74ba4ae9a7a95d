"""Reading a student's notebook robustly and choosing the code the grader runs.

Students insert, delete, retype, duplicate and move cells (nbgrader#1941, #1083, #1423). The grader therefore never
relies on the notebook's shape: it runs every code cell of the submission except the check cells and the cells
tagged `skip-grading` (long demonstrations and training runs), restores the instructor's given (locked) cells from
the source notebook, and finds each task's answer by the names the checks look up. What it noticed goes to the
student as a list of problems.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


class NotebookNode(dict):
    """A notebook, cell or metadata dict read from JSON, with attribute access like nbformat's NotebookNode.

    (Importing nbformat builds its JSON-schema validators, about 2 s of start-up for every graded notebook.)"""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value


def from_dict(value):
    if isinstance(value, dict):
        return NotebookNode({k: from_dict(v) for k, v in value.items()})
    if isinstance(value, list):
        return [from_dict(v) for v in value]
    return value

SKIP_TAG = "skip-grading"
MAX_NOTEBOOK_BYTES = 50 * 2**20  # a homework notebook with its plots is a few MB
MAX_CELLS = 5000  # a homework has about a hundred
TASK_PREFIX = "task_"  # grade_id of a check cell: task_<task name>
TEXT_STUB = "YOUR ANSWER HERE"  # what a theory answer holds until the student writes one (nbgrader_config.py)


class SubmissionError(Exception):
    """A submission that cannot be graded at all; the message is shown to the student."""


@dataclass
class CodeCell:
    index: int  # position in the student's notebook, every cell counted from 0 (-1: restored from the source)
    source: str
    grade_id: str | None = None
    number: int = 0  # what the student counts: 1-based among the notebook's code cells only (0: restored)

    @property
    def where(self) -> str:
        """The cell as messages to the student name it: `code cell 7`, or the given cell the grader restored."""
        if self.number <= 0:
            return f"the restored given cell '{self.grade_id}'"
        return f"code cell {self.number}" + (f" ('{self.grade_id}')" if self.grade_id else "")


@dataclass
class GradingPlan:
    """The code the grader runs, in order, and what it noticed about the notebook's structure."""

    cells: list[CodeCell] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_notebook(path: str | Path) -> NotebookNode:
    """Read a notebook, raising SubmissionError with a message a student understands when it is not one."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise SubmissionError(f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB; clear the outputs "
                                  f"(Kernel > Restart & Clear Output), save and submit again")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path.name} is not a text file, so not a Jupyter notebook") from None
    except OSError as error:
        raise SubmissionError(f"{path.name} could not be read: {error.strerror}") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise SubmissionError(f"{path.name} is not a Jupyter notebook: its JSON is nested too deeply") from None
    except MemoryError:
        raise SubmissionError(f"{path.name} could not be read: it needs too much memory") from None
    except json.JSONDecodeError as error:
        raise SubmissionError(
            f"{path.name} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); the file was "
            f"damaged, perhaps saved while incomplete or edited in a text editor. Re-download it from Jupyter."
        ) from None
    except ValueError as error:  # valid JSON that Python refuses, e.g. an integer of more than 4,300 digits
        raise SubmissionError(f"{path.name} is not a Jupyter notebook: {error}") from None
    if not (isinstance(data, dict) and isinstance(data.get("cells"), list) and data.get("nbformat") == 4):
        raise SubmissionError(f"{path.name} is valid JSON but not a Jupyter notebook (version 4 with a list of cells)")
    if len(data["cells"]) > MAX_CELLS:
        raise SubmissionError(f"{path.name} has {len(data['cells'])} cells, more than the {MAX_CELLS} a homework can "
                              f"have; submit the notebook you worked in")
    # Checked by hand rather than by nbformat's JSON-schema validation, which costs a second per notebook and
    # rejects notebooks the grader can still read.
    for cell in data["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise SubmissionError(f"{path.name} is not a well-formed Jupyter notebook: a cell has no valid cell_type")
        source = cell.get("source")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            cell["source"] = "".join(source)
        elif not isinstance(source, str):
            raise SubmissionError(f"{path.name} is not a well-formed Jupyter notebook: a cell has no source")
        if not isinstance(cell.get("metadata", {}), dict):
            cell["metadata"] = {}
        cell.setdefault("metadata", {})
    try:
        return from_dict(data)
    except RecursionError:
        raise SubmissionError(f"{path.name} is not a well-formed Jupyter notebook: it is nested too deeply") from None


def nbgrader_meta(cell: NotebookNode) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_check_cell(cell: NotebookNode) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


def is_given_cell(cell: NotebookNode) -> bool:
    """Instructor code students must not change (nbgrader locked, not an answer, not a check)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("locked")) and not meta.get("solution") and not meta.get("grade")


def tags(cell: NotebookNode) -> set[str]:
    value = cell.get("metadata", {}).get("tags", [])
    return set(value) if isinstance(value, list) else set()


def task_cells(source: NotebookNode) -> dict[str, NotebookNode]:
    """Check cells of a source notebook by task name (grade_id task_<name>)."""
    return {
        nbgrader_meta(c)["grade_id"][len(TASK_PREFIX):]: c
        for c in source.cells
        if is_check_cell(c) and str(nbgrader_meta(c).get("grade_id", "")).startswith(TASK_PREFIX)
    }


def task_points(source: NotebookNode) -> dict[str, float]:
    """Each task's points (its check cell's, the maximum nbgrader records), by task name in notebook order."""
    return {name: float(nbgrader_meta(cell).get("points") or 0) for name, cell in task_cells(source).items()}


def plan(student: NotebookNode, source: NotebookNode) -> GradingPlan:
    """The code cells to run for `student`, given the instructor's `source` notebook."""
    by_id = {nbgrader_meta(c).get("grade_id"): (k, c) for k, c in enumerate(source.cells) if nbgrader_meta(c)}
    skip_ids = {gid for gid, (_, c) in by_id.items() if SKIP_TAG in tags(c) or is_check_cell(c)}
    given = {gid: k for gid, (k, c) in by_id.items()
             if is_given_cell(c) and c.cell_type == "code" and gid not in skip_ids}
    result = GradingPlan()
    seen: dict[str, int] = {}
    placed: set[str] = set()

    def restore_given_before(source_index: int) -> None:
        for gid, k in sorted(given.items(), key=lambda item: item[1]):
            if k < source_index and gid not in placed:
                placed.add(gid)
                result.cells.append(CodeCell(-1, by_id[gid][1].source, gid))
                result.problems.append(f"the given cell '{gid}' was deleted; the grader used the original")

    code_cells = 0  # the code cells so far, as the student counts them
    for index, cell in enumerate(student.cells):
        gid = nbgrader_meta(cell).get("grade_id")
        known = gid in by_id
        code_cells += cell.cell_type == "code"
        if known:
            seen[gid] = seen.get(gid, 0) + 1
            restore_given_before(by_id[gid][0])
            if by_id[gid][1].cell_type != cell.cell_type:
                result.problems.append(f"cell '{gid}' was changed from {by_id[gid][1].cell_type} to {cell.cell_type}")
        if cell.cell_type != "code" or is_check_cell(cell) or SKIP_TAG in tags(cell) or gid in skip_ids:
            continue
        if gid in given:
            placed.add(gid)
            if cell.source != by_id[gid][1].source:
                result.problems.append(f"the given cell '{gid}' was edited; the grader used the original")
            result.cells.append(CodeCell(index, by_id[gid][1].source, gid, code_cells))
        else:
            result.cells.append(CodeCell(index, cell.source, gid if known else None, code_cells))
    restore_given_before(len(source.cells) + 1)

    for gid, count in seen.items():
        if count > 1:
            result.problems.append(f"cell '{gid}' appears {count} times; all copies ran in order, so the last wins")
    for gid, (_, cell) in by_id.items():
        if gid not in seen and gid not in given and nbgrader_meta(cell).get("solution"):
            result.problems.append(
                f"the answer cell '{gid}' is missing (deleted, or retyped into a new cell); the grader still looks "
                f"for the functions and classes it should define anywhere in the notebook"
            )
    return result
