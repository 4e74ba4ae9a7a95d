"""Benchmark: seconds per submission for plain serial `nbgrader autograde`, for `dgm-grade autograde` with 1 and
2 workers, and for the same hidden checks run in-process (`in_process.py`: the notebook and the checks share one
process, as nbgrader's tests share the student's kernel), on K copies of the reference submission of an assignment,
side by side in one run. The last two give the overhead of trusted scoring on the same checks.

    python -m autograder.tools.benchmark hw1 --copies 6

Each variant starts from an empty course (no stored results, no gradebook) that shares one secret seed and one
reference cache, so every variant does the same work: grading K student notebooks. Then the fixed overhead: K copies
of the untouched release (every check fails at once), and what each sandbox layer costs to start one process that
runs one trivial cell and answers one call. Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import autograder.sandbox.isolation as sandbox
from autograder.grading.student_process import StudentProcess
from autograder.layout import course_root, grading_dir, nbgrader, release_notebook
from autograder.pipeline.autograde import autograde
from autograder.pipeline.collect import collect
from autograder.pipeline.demo import make_course
from autograder.pipeline.examples import notebook_bytes, reference_submission


def fresh_course(repo: Path, base: Path, name: str, assignment: str, copies: int, warm: Path | None,
                 untouched: bool = False) -> Path:
    course = base / name / "course"
    make_course(repo, course)
    nbgrader(course, "generate_assignment", assignment, "--force")
    inbox = course.parent / "inbox"
    inbox.mkdir()
    release = release_notebook(course, assignment)
    content = release.read_bytes() if untouched else notebook_bytes(reference_submission(course, assignment))
    for k in range(copies):
        (inbox / f"student{k:03d}.ipynb").write_bytes(content)
    collect(course, assignment, inbox)
    if warm is not None:  # the same secret seed and reference outputs as the warm-up course
        shutil.copytree(grading_dir(warm, assignment), grading_dir(course, assignment),
                        ignore=shutil.ignore_patterns("results", "recorded"), dirs_exist_ok=True)
    return course


def timed(label: str, function) -> float:
    started = time.perf_counter()
    function()
    seconds = time.perf_counter() - started
    print(f"  {label:<32} {seconds:8.1f} s", flush=True)
    return seconds


def layer_costs(runs: int = 5) -> None:
    """Median seconds to start a process behind each set of layers, run `x = 1`, answer one call and stop."""
    variants = {
        "no sandbox (the reference's process)": (False, {}),
        "resource limits only": (True, {"bwrap_binary": lambda: None, "submission_group": lambda *a: None}),
        "+ bubblewrap (allowlist, namespaces)": (True, {"submission_group": lambda *a: None}),
        "+ cgroup caps (all layers)": (True, {}),
    }
    print(f"\nwhat each layer costs (median of {runs}: start, one cell, one call, stop):")
    with tempfile.TemporaryDirectory() as tmp:
        probes = Path(tmp) / "probes.py"
        probes.write_text("def value(ns, name):\n    return {'y': answer(ns, name)}\n")
        for label, (sandboxed, patches) in variants.items():
            seconds = []
            with mock.patch.multiple(sandbox, sandbox_user=sandbox.sandbox_user, **patches), \
                    mock.patch.dict(os.environ, {sandbox.UNSANDBOXED_ENV: "1"}):
                for _ in range(runs):
                    started = time.perf_counter()
                    with StudentProcess(["x = 1"], probes, sandboxed=sandboxed) as process:
                        process.call("value", kwargs={"name": "x"})
                        layers = process.isolation
                    seconds.append(time.perf_counter() - started)
            print(f"  {label:<38} {statistics.median(seconds):6.3f} s   ({layers})", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment")
    parser.add_argument("--copies", type=int, default=6)
    args = parser.parse_args(argv)
    repo, a, k = course_root(Path(__file__).resolve().parent), args.assignment, args.copies
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        print(f"warming up (reference outputs for {a}) ...", flush=True)
        warm = fresh_course(repo, base, "warm", a, 1, None)
        autograde(warm, a, workers=1, progress=False)
        results = {}
        print(f"grading {k} copies of the reference submission of {a}:")
        course = fresh_course(repo, base, "nbgrader", a, k, warm)
        results["nbgrader autograde (serial)"] = timed("nbgrader autograde (serial)", lambda: subprocess.run(
            [sys.executable, "-m", "nbgrader", "autograde", a], cwd=course, check=True, capture_output=True))
        for workers in (1, 2):
            course = fresh_course(repo, base, f"cli{workers}", a, k, warm)
            label = f"dgm-grade autograde --workers {workers}"
            results[label] = timed(label, lambda c=course, w=workers: autograde(c, a, workers=w, progress=False))
        course = fresh_course(repo, base, "inprocess", a, k, warm)
        untrusted = "same checks in-process, 1 worker"
        with mock.patch.dict(os.environ, PYTEST_ADDOPTS="-p autograder.tools.in_process", OMP_NUM_THREADS="1",
                             MKL_NUM_THREADS="1"):
            results[untrusted] = timed(untrusted, lambda: autograde(course, a, workers=1, progress=False))
        print(f"\nseconds per submission ({k} submissions):")
        serial = results["nbgrader autograde (serial)"]
        for label, seconds in results.items():
            speedup = serial / seconds
            print(f"  {label:<34} {seconds / k:6.2f} s/submission   speed-up vs serial nbgrader {speedup:4.2f}x")
        overhead = results["dgm-grade autograde --workers 1"] / results[untrusted] - 1
        print(f"overhead of trusted scoring over the same checks in-process: {100 * overhead:+.1f} %")
        course = fresh_course(repo, base, "untouched", a, k, warm, untouched=True)
        started = time.perf_counter()
        autograde(course, a, workers=1, progress=False)
        print(f"fixed overhead (the untouched release, 1 worker): {(time.perf_counter() - started) / k:6.2f} "
              f"s/submission")
    layer_costs()


if __name__ == "__main__":
    main()
