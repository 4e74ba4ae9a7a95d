"""Example submissions built from the solution notebook, so they never drift from it.

`reference_submission` is what a student who solved everything hands in: the release with the solution code (and
the reference theory answers) in the answer cells. Patches turn it into realistic buggy or alternative correct
submissions: each patch replaces one snippet in one answer cell, found by its grade_id.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.grading.notebook import nbgrader_meta
from autograder.layout import release_notebook, source_notebook

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


@dataclass(frozen=True)
class Patch:
    cell: str  # grade_id of the answer cell
    old: str
    new: str


@dataclass(frozen=True)
class Variant:
    """A modified reference submission and the tasks it should lose points on (empty: full marks)."""

    description: str
    patches: tuple[Patch, ...]
    loses: frozenset[str] = field(default_factory=frozenset)


def strip_solution_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in SOLUTION_MARKERS)


def reference_submission(root: Path, assignment: str) -> nbformat.NotebookNode:
    """The release notebook with every answer cell filled from the solution notebook."""
    release = nbformat.read(release_notebook(root, assignment), as_version=4)
    source = nbformat.read(source_notebook(root, assignment), as_version=4)
    answers = {nbgrader_meta(c)["grade_id"]: c for c in source.cells if nbgrader_meta(c).get("solution")}
    for cell in release.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in answers:
            cell.source = strip_solution_markers(answers[gid].source)
    return release


def apply_patches(notebook: nbformat.NotebookNode, patches) -> nbformat.NotebookNode:
    """A copy of `notebook` with each patch applied exactly once (a patch that does not match is an error)."""
    patched = copy.deepcopy(notebook)
    cells = {nbgrader_meta(c).get("grade_id"): c for c in patched.cells}
    for patch in patches:
        cell = cells[patch.cell]
        if cell.source.count(patch.old) != 1:
            raise ValueError(f"patch for {patch.cell!r} does not match exactly once: {patch.old!r}")
        cell.source = cell.source.replace(patch.old, patch.new)
    return patched


def insert_code_cell(notebook: nbformat.NotebookNode, before_grade_id: str, source: str) -> nbformat.NotebookNode:
    """A copy with a new (student-added) code cell inserted before the cell with `before_grade_id`."""
    patched = copy.deepcopy(notebook)
    index = next(i for i, c in enumerate(patched.cells) if nbgrader_meta(c).get("grade_id") == before_grade_id)
    patched.cells.insert(index, nbformat.v4.new_code_cell(source))
    return patched


def notebook_bytes(notebook: nbformat.NotebookNode) -> bytes:
    return nbformat.writes(notebook).encode()


def demo_submissions(root: Path, assignment: str, variants: dict[str, Variant], partial: tuple[str, ...],
                     loop_patch: Patch) -> dict[str, bytes]:
    """The main job's class: the reference, the untouched release, a partly correct notebook, corrupt JSON, an
    infinite loop and a notebook whose first cell fails to import, keyed by student id."""
    reference = reference_submission(root, assignment)
    release = release_notebook(root, assignment).read_bytes()
    partial_patches = [p for name in partial for p in variants[name].patches]
    first_answer = next(nbgrader_meta(c)["grade_id"] for c in reference.cells if nbgrader_meta(c).get("solution")
                        and c.cell_type == "code")
    text = notebook_bytes(reference)
    return {
        "reference": text,
        "untouched": release,
        "partial": notebook_bytes(apply_patches(reference, partial_patches)),
        "corrupt-json": text[: len(text) // 2],
        "infinite-loop": notebook_bytes(apply_patches(reference, [loop_patch])),
        "raises-at-import": notebook_bytes(insert_code_cell(reference, first_answer,
                                                            "import helpers_from_my_laptop  # not installed here")),
        "not-a-notebook": json.dumps({"cells": "nope", "hello": "world"}).encode(),
    }
