"""Calibrate a training check: run it with the reference solution as the student over many secret seeds.

    python -m autograder.calibrate hw1 test_training made_held_out_nll --seeds 20

prints the statistic for each seed and a summary; thresholds and margins go into autograder/hwN/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import time

import numpy as np

from .contract import Grader, ReferenceOutputs
from .course import course_root, source_notebook
from .notebook import plan, read_notebook
from .plugin import probes_path, reference_process
from .student_process import StudentProcess


def calibrate(assignment: str, module: str, statistic: str, check_id: str, seeds: range, notebook=None) -> list:
    root = course_root()
    function = getattr(importlib.import_module(f"autograder.{assignment}.{module}"), statistic)
    student_cells = None
    if notebook is not None:
        student_cells = [c.source for c in plan(read_notebook(notebook), read_notebook(
            source_notebook(root, assignment))).cells]
    values = []
    with reference_process(root, assignment) as reference:
        student = reference if student_cells is None else StudentProcess(
            student_cells, probes_path(root, assignment), sandboxed=False)
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment")
    parser.add_argument("module", help="test module inside autograder/<assignment>/")
    parser.add_argument("statistic", help="function(grader) -> float in that module")
    parser.add_argument("--check", required=True, help="the name of the check that uses it (seeds its stream)")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--notebook", help="calibrate another notebook as the student (e.g. a buggy one)")
    args = parser.parse_args(argv)
    calibrate(args.assignment, args.module, args.statistic, args.check,
              range(args.first_seed, args.first_seed + args.seeds), args.notebook)


if __name__ == "__main__":
    main()
