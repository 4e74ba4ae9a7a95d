"""How strong a homework's hidden checks are: run them against known-wrong submissions under many secret seeds.

    python -m autograder.tools.calibrate --power hw1 --seeds 20             # the realistic bug corpus (bugs.py)
    python -m autograder.tools.calibrate --power hw1 --seeds 3 --mutants    # every student function, perturbed

A bug is *caught* on a seed when it loses points on every task its corpus entry names; a check whose verdict on a
bug depends on the seed shows up as a bug caught on fewer seeds than it was run on. Each submission runs in its own
(unsandboxed: the corpus is ours) process, once, and the checks are called for each seed in turn, exactly as the
pytest plugin calls them (same `Grader`, same check ids, same seed streams), with the reference's outputs cached
per seed across submissions.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.grading.contract import Grader, ReferenceOutputs
from autograder.grading.notebook import from_dict, plan, read_notebook
from autograder.grading.plugin import reference_process
from autograder.grading.student_process import StudentProcess
from autograder.layout import course_root, probes_file, source_notebook
from autograder.pipeline.examples import Variant, apply_patches, reference_submission


@dataclass(frozen=True)
class HiddenCheck:
    """One `@check` function of autograder/<assignment>/test_*.py, with the id that seeds its stream."""

    task: str
    points: float
    check_id: str
    function: Callable
    timeout: float | None


def hidden_checks(assignment: str, fresh: bool = False) -> list[HiddenCheck]:
    """Every hidden check of an assignment, in module and definition order; with `fresh`, from modules imported
    anew (no state a module kept, such as a cached trained model, survives)."""
    package = importlib.import_module(f"autograder.{assignment}")
    checks = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"autograder.{assignment}.{info.name}")
        module = importlib.reload(module) if fresh else module
        for name, function in vars(module).items():
            mark = next((m for m in getattr(function, "pytestmark", ()) if m.name == "grade"), None)
            if name.startswith("test_") and mark is not None:
                checks.append(HiddenCheck(mark.kwargs["task"], mark.kwargs["points"], name, function,
                                          mark.kwargs.get("timeout")))
    return checks


@dataclass
class Verdicts:
    """What one submission lost on each seed: seed -> {check id: message} of the checks that failed."""

    failed: dict[int, dict[str, str]] = field(default_factory=dict)
    seconds: float = 0.0

    def lost_tasks(self, seed: int, checks: list[HiddenCheck]) -> set[str]:
        return {c.task for c in checks if c.check_id in self.failed[seed]}


def submission_cells(assignment: str, notebook: nbformat.NotebookNode) -> list[str]:
    """The code the grader runs for a submission (its graded cells, given cells restored), as the plugin plans it."""
    root = course_root()
    source = read_notebook(source_notebook(root, assignment))
    return [cell.source for cell in plan(from_dict(nbformat.from_dict(notebook)), source).cells]


def run_checks(assignment: str, notebook: nbformat.NotebookNode, checks: list[HiddenCheck], seeds: Iterable[int],
               reference: ReferenceOutputs, stop_at_first_failure: bool = False) -> Verdicts:
    """Grade `notebook` with `checks` once per seed, in one process that runs its cells once. For each seed the check
    modules are imported anew, as the plugin's one pytest run per submission would. With `stop_at_first_failure` a
    seed's grading ends at its first failed check (enough to know that the submission is judged)."""
    started = time.perf_counter()
    verdicts = Verdicts()
    with StudentProcess(submission_cells(assignment, notebook), probes_file(course_root(), assignment),
                        sandboxed=False, label="the corpus") as student:
        for seed in seeds:
            failed = verdicts.failed.setdefault(seed, {})
            memo: dict = {}
            current = {c.check_id: c for c in hidden_checks(assignment, fresh=True)}
            for hidden in (current[c.check_id] for c in checks):
                if stop_at_first_failure and failed:
                    break
                grader = Grader(student, reference, seed, hidden.check_id, hidden.timeout, memo=memo)
                try:
                    hidden.function(grader)
                except AssertionError as error:  # CheckFailed, or a check's plain assert: failed, as in the plugin
                    failed[hidden.check_id] = str(error)
                except Exception as error:  # noqa: BLE001 - a grader error also scores 0 in the plugin; shown
                    failed[hidden.check_id] = f"grader error: {type(error).__name__}: {error}"
                    print(f"  {hidden.check_id} on seed {seed}: {failed[hidden.check_id]}", flush=True)
    verdicts.seconds = time.perf_counter() - started
    return verdicts


@dataclass(frozen=True)
class Suspect:
    """A known-wrong submission and what it must lose: the tasks named (a corpus bug) or any point (a mutant)."""

    notebook: nbformat.NotebookNode
    loses: frozenset[str] | None  # None: losing any check is enough


def judged_checks(checks: list[HiddenCheck], suspect: Suspect) -> list[HiddenCheck]:
    """The checks that decide whether a suspect is caught; a mutant's first failed check settles it, so the slow
    training checks go last."""
    if suspect.loses is not None:
        return [c for c in checks if c.task in suspect.loses]
    return sorted(checks, key=lambda c: c.timeout is not None)


def caught_on(verdicts: Verdicts, checks: list[HiddenCheck], loses: frozenset[str] | None) -> list[int]:
    """The seeds on which the suspect lost every task in `loses` (any check, for a mutant)."""
    if loses is None:
        return [seed for seed, failed in verdicts.failed.items() if failed]
    return [seed for seed in verdicts.failed if loses <= verdicts.lost_tasks(seed, checks)]


def without_training(checks: list[HiddenCheck]) -> list[HiddenCheck]:
    """The checks without a time limit of their own (`@check(..., timeout=...)`): all but those that train a model
    in the student's process, which take seconds per seed and are calibrated statistic by statistic (`calibrate`)."""
    return [c for c in checks if c.timeout is None]


def power(assignment: str, suspects: dict[str, Suspect], seeds: list[int], cache_dir: Path,
          progress: Callable[[str], None] = lambda line: print(line, flush=True),
          checks: list[HiddenCheck] | None = None) -> dict[str, list[int]]:
    """suspect name -> the seeds it was caught on (by `checks`, default all); one line of `progress` per suspect."""
    checks = hidden_checks(assignment) if checks is None else checks
    reference = ReferenceOutputs(lambda: reference_process(course_root(), assignment), cache_dir)
    caught = {}
    try:
        for name, suspect in suspects.items():
            judged = judged_checks(checks, suspect)
            verdicts = run_checks(assignment, suspect.notebook, judged, seeds, reference,
                                  stop_at_first_failure=suspect.loses is None)
            caught[name] = caught_on(verdicts, judged, suspect.loses)
            missed = sorted(set(seeds) - set(caught[name]))
            if name == REFERENCE or name.startswith(ALTERNATIVE):  # a correct solution: it must lose nothing
                progress(f"{name:48s} lost points on {len(caught[name]):3d} of {len(seeds)} seeds "
                         f"({verdicts.seconds:5.1f} s)" + (f": {caught[name]}" if caught[name] else ""))
            else:
                progress(f"{name:48s} caught on {len(caught[name]):3d} of {len(seeds)} seeds "
                         f"({verdicts.seconds:5.1f} s)" + (f"  missed on seeds {missed}" if missed else ""))
    finally:
        reference.close()
    return caught


def false_alarms(assignment: str, seeds: list[int], cache_dir: Path) -> list[int]:
    """The seeds on which the reference solution or one of the corpus's alternative correct solutions lost points to
    a check other than training (see without_training)."""
    caught = power(assignment, correct_suspects(assignment), seeds, cache_dir,
                   checks=without_training(hidden_checks(assignment)))
    return sorted(set().union(*caught.values()))


def corpus_suspects(assignment: str, variants: dict[str, Variant]) -> dict[str, Suspect]:
    reference = reference_submission(course_root(), assignment)
    return {name: Suspect(apply_patches(reference, v.patches), frozenset(v.loses)) for name, v in variants.items()}


REFERENCE = "reference solution"
ALTERNATIVE = "alternative "  # the prefix of an alternative correct solution's name among the suspects


def reference_suspect(assignment: str) -> Suspect:
    """The reference submission, which must lose nothing: on any seed where it is "caught", a check false-alarms."""
    return Suspect(reference_submission(course_root(), assignment), None)


def correct_suspects(assignment: str) -> dict[str, Suspect]:
    """The reference and the alternative correct solutions of autograder/<assignment>/bugs.py: none may lose a point."""
    reference = reference_submission(course_root(), assignment)
    alternatives = importlib.import_module(f"autograder.{assignment}.bugs").ALTERNATIVES
    return {REFERENCE: reference_suspect(assignment),
            **{f"{ALTERNATIVE}{name}": Suspect(apply_patches(reference, variant.patches), None)
               for name, variant in alternatives.items()}}
