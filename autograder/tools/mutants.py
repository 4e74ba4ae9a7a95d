"""Every function a student writes must be judged: mutants of the reference submission, one per such function.

A *student function* is a function or method whose body holds a solution region (`### BEGIN SOLUTION`) of the
solution notebook. Its mutant is the reference submission with that one function's results perturbed (floats
scaled and shifted, 0/1 tensors with a fifth of their entries flipped, integers off by one), so a hidden check
judges the function exactly when the mutant loses points. A slow test (tests/three_way.py) grades every mutant on
one seed; `python -m autograder.tools.calibrate --power hwN --mutants` reports them over several seeds.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

import nbformat

from autograder.grading.notebook import nbgrader_meta, read_notebook
from autograder.layout import course_root, source_notebook
from autograder.pipeline.examples import SOLUTION_MARKERS, reference_submission
from autograder.tools.power import Suspect

# Appended to the answer cell that defines the function; runs in the submission's process like student code.
PERTURB = '''
def _dgm_perturbed(value):
    import torch
    if isinstance(value, torch.Tensor):
        if value.dtype == torch.bool:
            return ~value
        if not value.is_floating_point():
            return value + 1
        if value.numel() > 1 and bool(((value == 0) | (value == 1)).all()):
            flip = torch.rand(value.shape, device=value.device) < 0.2
            flip.view(-1)[0] = True
            return torch.where(flip, 1 - value, value)
        return value * 1.1 + 0.1
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, list | tuple):
        return type(value)(_dgm_perturbed(v) for v in value)
    if isinstance(value, dict):
        return {k: _dgm_perturbed(v) for k, v in value.items()}
    raise TypeError(f"the mutant cannot perturb a {type(value).__name__}")


def _dgm_mutated(function):
    import functools

    @functools.wraps(function)
    def mutated(*args, **kwargs):
        return _dgm_perturbed(function(*args, **kwargs))
    return mutated
'''


@dataclass(frozen=True)
class StudentFunction:
    cell: str  # grade_id of the answer cell that defines it
    name: str  # "made_masks" or "MADE.sample"


def _holds_solution(node: ast.AST, lines: list[str]) -> bool:
    return any(line.strip() == SOLUTION_MARKERS[0] for line in lines[node.lineno - 1:node.end_lineno])


def student_functions(assignment: str) -> list[StudentFunction]:
    """The functions and methods whose bodies are solution regions, in notebook order."""
    found = []
    for cell in read_notebook(source_notebook(course_root(), assignment)).cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        lines = cell.source.splitlines()
        for node in ast.parse(cell.source).body:
            members = [(f"{node.name}.", n) for n in node.body] if isinstance(node, ast.ClassDef) else [("", node)]
            for prefix, member in members:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and _holds_solution(member, lines):
                    found.append(StudentFunction(meta["grade_id"], prefix + member.name))
    return found


def mutant(notebook: nbformat.NotebookNode, function: StudentFunction) -> nbformat.NotebookNode:
    """A copy of `notebook` whose `function` returns perturbed results (for its callers in the notebook too)."""
    mutated = copy.deepcopy(notebook)
    cell = next(c for c in mutated.cells if nbgrader_meta(c).get("grade_id") == function.cell)
    cell.source += f"\n{PERTURB}\n{function.name} = _dgm_mutated({function.name})\n"
    return mutated


def mutant_suspects(assignment: str) -> dict[str, Suspect]:
    reference = reference_submission(course_root(), assignment)
    return {f"mutant-{f.name}": Suspect(mutant(reference, f), None) for f in student_functions(assignment)}
