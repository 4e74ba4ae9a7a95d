"""Benchmark: seconds per submission for plain serial `nbgrader autograde`, for `dgm-grade autograde` with 1 and
2 workers, and for the same hidden checks run in-process (`in_process.py`: the notebook and the checks share one
process, as nbgrader's tests share the student's kernel), on K copies of the reference submission of each
assignment, side by side in one run. The last two give the overhead of trusted scoring on the same checks.

    python -m autograder.tools.benchmark hw1 hw2 --copies 4

Each variant starts from an empty course (no stored results, no gradebook) that shares one secret seed and one
reference cache, and starts its own fork servers (grading/fork_server.py), so every variant does the same work as one
run of it: grading K student notebooks. Then the fixed overhead: K copies of the untouched release (every check fails
at once) with a warm fork server, and what starting one costs; where the seconds of one submission go (the timeline
and the probes of grading/timings.py, for the reference submission and the untouched release, and the gradebook
stage); the projected time for a course of --students students and every assignment given, on one machine like
this one and on a dask cluster of N of them; and what each sandbox layer costs to start one process that runs one
trivial cell and answers one call. Not a test: it prints numbers.
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
from autograder.grading import fork_server, grade
from autograder.grading.results import ResultStore
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


def print_breakdown(label: str, course: Path, assignment: str, student: str) -> None:
    """The timeline and the slowest probes of one graded submission (from its stored results)."""
    document = ResultStore(course, assignment).load(student)
    timings = document.timings if document is not None else {}
    print(f"\nwhere the seconds go: {label} ({document.seconds if document else '?'} s in the grading process)")
    for event, seconds in timings.get("timeline", {}).items():
        print(f"  {seconds:7.2f} s  {event}")
    slowest = list(timings.get("probes", {}).items())[:8]
    if slowest:
        print("  time inside probe calls (summed, slowest first): "
              + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in slowest))


def benchmark(repo: Path, base: Path, a: str, k: int) -> dict[str, float]:
    """Per-submission seconds of each variant for assignment `a` (plus "gradebook" and "untouched")."""
    print(f"\n=== {a}: warming up (reference outputs) ...", flush=True)
    warm = fresh_course(repo, base, f"{a}-warm", a, 1, None)
    autograde(warm, a, workers=1, progress=False)
    results = {}
    print(f"grading {k} copies of the reference submission of {a}:")
    course = fresh_course(repo, base, f"{a}-nbgrader", a, k, warm)
    fork_server.POOL.close()  # every variant starts its own fork servers, as one run of it would
    results["nbgrader autograde (serial)"] = timed("nbgrader autograde (serial)", lambda: subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", a], cwd=course, check=True, capture_output=True))
    courses, reports = {}, {}
    for workers in (1, 2):
        courses[workers] = fresh_course(repo, base, f"{a}-cli{workers}", a, k, warm)
        label = f"dgm-grade autograde --workers {workers}"
        fork_server.POOL.close()
        results[label] = timed(label, lambda w=workers: reports.setdefault(
            w, autograde(courses[w], a, workers=w, progress=False)))
    course = fresh_course(repo, base, f"{a}-inprocess", a, k, warm)
    untrusted = "same checks in-process, 1 worker"
    fork_server.POOL.close()
    with mock.patch.object(grade, "EXTRA_PYTEST_ARGS", ("-p", "autograder.tools.in_process")), \
            mock.patch.dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1"):
        results[untrusted] = timed(untrusted, lambda: autograde(course, a, workers=1, progress=False))
    print(f"seconds per submission ({k} submissions):")
    serial = results["nbgrader autograde (serial)"]
    for label, seconds in results.items():
        print(f"  {label:<34} {seconds / k:6.2f} s/submission   speed-up vs serial nbgrader {serial / seconds:4.2f}x")
    overhead = results["dgm-grade autograde --workers 1"] / results[untrusted] - 1
    print(f"overhead of trusted scoring over the same checks in-process: {100 * overhead:+.1f} %")
    fork_server.POOL.close()
    started = time.perf_counter()
    fork_server.ForkServer(dict(os.environ)).close()
    print(f"a fork server starts in {time.perf_counter() - started:.2f} s (once per worker and run; every variant "
          f"above paid it)")
    autograde(fresh_course(repo, base, f"{a}-untouched-warm-up", a, 1, warm, untouched=True), a, workers=1,
              progress=False)  # so that the fork server is warm, as it is for all but a worker's first submission
    untouched = fresh_course(repo, base, f"{a}-untouched", a, k, warm, untouched=True)
    started = time.perf_counter()
    autograde(untouched, a, workers=1, progress=False)
    fixed = (time.perf_counter() - started) / k
    print(f"fixed overhead (the untouched release, 1 worker, warm fork server): {fixed:6.2f} s/submission")
    print_breakdown("the reference submission, 1 worker", courses[1], a, "student000")
    print_breakdown("the untouched release, 1 worker", untouched, a, "student000")
    gradebook = reports[2].seconds["gradebook"] / k
    print(f"  gradebook stage (recording, in the scheduler's process): {gradebook:.2f} s/submission")
    per_submission = {label: seconds / k for label, seconds in results.items()}
    return per_submission | {"gradebook": gradebook, "untouched": fixed}


def print_projection(measured: dict[str, dict[str, float]], students: int) -> None:
    """Grading `students` submissions of every assignment measured: on this machine with 2 workers, and on a dask
    cluster of N such machines (2 workers each). The scheduler's process records every result in the gradebook, one
    at a time while the workers grade, so N machines take max(the 2-worker time / N, the gradebook time); a lower
    bound, since a real cluster also ships notebooks and results over the network."""
    two_workers = sum(m["dgm-grade autograde --workers 2"] for m in measured.values())
    gradebook = sum(m["gradebook"] for m in measured.values())
    serial = sum(m["nbgrader autograde (serial)"] for m in measured.values())
    print(f"\nprojection: {students} students x {', '.join(measured)} (the reference submission's work each)")
    print(f"  serial nbgrader autograde, this machine:   {students * serial / 60:6.1f} min")
    for machines in (1, 4, 10):
        minutes = students * max(two_workers / machines, gradebook) / 60
        print(f"  dgm-grade, {machines:2d} machine(s) like this one:   {minutes:6.1f} min")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignments", nargs="+")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--students", type=int, default=300, help="course size of the projection")
    args = parser.parse_args(argv)
    repo = course_root(Path(__file__).resolve().parent)
    with tempfile.TemporaryDirectory() as tmp:
        measured = {a: benchmark(repo, Path(tmp), a, args.copies) for a in args.assignments}
    print_projection(measured, args.students)
    layer_costs()


if __name__ == "__main__":
    main()
