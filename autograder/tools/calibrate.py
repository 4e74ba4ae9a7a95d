"""Calibrate a training check, or measure the power of a homework's checks, over many secret seeds.

    python -m autograder.tools.calibrate hw1 test_training made_held_out_nll --check <check id> --seeds 20
    python -m autograder.tools.calibrate --power hw1 --seeds 20 [--mutants]
    python -m autograder.tools.calibrate --false-alarms hw1 --seeds 1000

The first prints the statistic for each seed (the reference solution as the student) and a summary; thresholds and
margins go into autograder/hwN/README.md. The second grades every bug of autograder/hwN/bugs.py (with --mutants:
every student function perturbed, autograder/tools/mutants.py) on each seed and prints on how many seeds it lost its
points (autograder/tools/power.py), and the reference solution too, which must lose nothing on any seed; it exits 1
when a bug was missed on more than one seed in 20 or the reference lost points. The third grades the reference
and the alternative correct solutions of bugs.py on many seeds, with every check but the training checks (calibrated
by the first): a check that fails a correct solution on one seed in a few hundred shows up here, and exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder.grading.contract import Grader, ReferenceOutputs
from autograder.grading.notebook import read_notebook
from autograder.grading.plugin import reference_process
from autograder.grading.student_process import StudentProcess
from autograder.layout import course_root, probes_file
from autograder.tools.power import REFERENCE, corpus_suspects, false_alarms, power, reference_suspect, submission_cells


def calibrate(assignment: str, module: str, statistic: str, check_id: str, seeds: range, notebook=None) -> list:
    root = course_root()
    function = getattr(importlib.import_module(f"autograder.{assignment}.{module}"), statistic)
    student_cells = None if notebook is None else submission_cells(assignment, read_notebook(notebook))
    values = []
    with reference_process(root, assignment) as reference:
        student = reference if student_cells is None else StudentProcess(
            student_cells, probes_file(root, assignment), sandboxed=False)
        outputs = ReferenceOutputs(lambda: reference, cache_dir=None)
        for seed in seeds:
            started = time.perf_counter()
            value = function(Grader(student, outputs, seed, check_id, timeout=300))
            values.append(value)
            print(f"seed {seed:3d}: {value:.4f}  ({time.perf_counter() - started:.1f} s)", flush=True)
        if student is not reference:
            student.close()
    v = np.array(values)
    print(f"n={len(v)} mean={v.mean():.4f} std={v.std(ddof=1):.4f} min={v.min():.4f} max={v.max():.4f}")
    return values


POWER_BAR = 19 / 20  # statistical checks may miss a bug on one seed in 20, no more


def report_false_alarms(assignment: str, seeds: range) -> bool:
    """Print the seeds on which a correct solution (the reference or an alternative) lost points to a check other
    than training; True when there are none."""
    with tempfile.TemporaryDirectory(prefix="dgm-power-") as cache:
        return not false_alarms(assignment, list(seeds), Path(cache))


def report_power(assignment: str, seeds: range, mutants: bool) -> bool:
    """Print the power of the checks against the corpus (or the mutants), and whether the reference solution itself
    lost points on any seed (a false alarm); True when every suspect meets POWER_BAR and the reference never lost."""
    if mutants:
        from autograder.tools.mutants import mutant_suspects
        suspects = mutant_suspects(assignment)
    else:
        suspects = corpus_suspects(assignment, importlib.import_module(f"autograder.{assignment}.bugs").BUGS)
    suspects = {REFERENCE: reference_suspect(assignment), **suspects}
    with tempfile.TemporaryDirectory(prefix="dgm-power-") as cache:
        caught = power(assignment, suspects, list(seeds), Path(cache))
    false_alarms = caught.pop(REFERENCE)
    weak = sorted(name for name, on in caught.items() if len(on) < POWER_BAR * len(seeds))
    print(f"{len(caught) - len(weak)} of {len(caught)} caught on at least {POWER_BAR:.0%} of {len(seeds)} seeds"
          + (f"; below: {', '.join(weak)}" if weak else "")
          + f"; the reference lost points on {len(false_alarms)} of {len(seeds)} seeds"
          + (f" ({false_alarms})" if false_alarms else ""))
    return not weak and not false_alarms


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment")
    parser.add_argument("module", nargs="?", help="test module inside autograder/<assignment>/")
    parser.add_argument("statistic", nargs="?", help="function(grader) -> float in that module")
    parser.add_argument("--check", help="the name of the check that uses the statistic (seeds its stream)")
    parser.add_argument("--power", action="store_true", help="grade the bug corpus on every seed")
    parser.add_argument("--mutants", action="store_true", help="with --power: the mutants instead of the corpus")
    parser.add_argument("--false-alarms", action="store_true",
                        help="grade the reference and the alternatives, without the training checks, on every seed")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--notebook", help="calibrate another notebook as the student (e.g. a buggy one)")
    args = parser.parse_args(argv)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    if args.false_alarms:
        sys.exit(0 if report_false_alarms(args.assignment, seeds) else 1)
    if args.power:
        sys.exit(0 if report_power(args.assignment, seeds, args.mutants) else 1)
    if not (args.module and args.statistic and args.check):
        parser.error("calibrating a statistic needs MODULE, STATISTIC and --check (or use --power)")
    calibrate(args.assignment, args.module, args.statistic, args.check, seeds, args.notebook)


if __name__ == "__main__":
    main()
