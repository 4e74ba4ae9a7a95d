"""pytest plugin that grades one notebook with the hidden checks of its assignment.

    pytest autograder/hw1 --notebook submitted/alice/hw1/hw1.ipynb --results alice.json

Without --notebook the solution notebook itself is graded (it must earn full marks). The results file lists every
check with its task, points, points earned and the message for the student; the suite's exit status is pytest's.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder.grading.contract import CheckFailed, Grader, GraderError, ReferenceOutputs
from autograder.grading.notebook import SubmissionError, plan, read_notebook
from autograder.grading.results import (
    DEFAULT_WALL_SECONDS,
    FAILED,
    GRADER_ERROR,
    PASSED,
    CheckResult,
    SubmissionResult,
    wall_message,
    write_json_atomically,
)
from autograder.grading.student_process import StudentProcess
from autograder.grading.timings import Timings
from autograder.layout import course_root, probes_file, reference_cache, secret_seed, source_notebook
from autograder.sandbox.isolation import SECRET_SEED_ENV, Limits


def pytest_addoption(parser):
    group = parser.getgroup("dgm-grade")
    group.addoption("--notebook", help="the notebook to grade (default: the assignment's solution notebook)")
    group.addoption("--results", help="write the per-check results to this JSON file")
    group.addoption("--secret-seed", type=int, help="seed of the hidden inputs (default: the assignment's own)")
    group.addoption("--no-reference-cache", action="store_true", help="recompute reference outputs")
    group.addoption("--wall-seconds", type=float, default=DEFAULT_WALL_SECONDS,
                    help=f"stop grading after this many seconds, scoring nothing (default {DEFAULT_WALL_SECONDS})")
    group.addoption("--exit-at-once", action="store_true",
                    help="end the process as soon as pytest is done, without the interpreter's teardown (about a "
                         "quarter of a second per graded notebook; grade_notebook uses it)")


def pytest_configure(config):
    config.addinivalue_line("markers", "grade(task, points, timeout): a hidden check worth points of a task")
    config._dgm_session = None


def reference_process(root: Path, assignment: str, timings: Timings | None = None) -> StudentProcess:
    """A (not yet started) process running the solution notebook's graded cells: the source of reference outputs."""
    source = read_notebook(source_notebook(root, assignment))
    cells = [c.source for c in plan(source, source).cells]
    return StudentProcess(cells, probes_file(root, assignment), sandboxed=False, label="the reference",
                          timings=timings, role="reference")


class GradingSession:
    """The submission under test, its process, and the reference, shared by every check of one pytest run."""

    def __init__(self, config, assignment: str):
        self.timings = Timings()
        self.timings.mark("grader: Python, pytest and the grader's imports")
        self.root = course_root(Path(config.rootpath))
        self.assignment = assignment
        self.source = source_notebook(self.root, assignment)
        self.notebook = Path(config.getoption("notebook") or self.source)
        seed = config.getoption("secret_seed")
        seed = os.environ.get(SECRET_SEED_ENV) if seed is None else seed
        self.secret_seed = int(seed) if seed is not None else secret_seed(self.root, assignment)
        self.probes = probes_file(self.root, assignment)
        self.fatal: str | None = None
        self.problems: list[str] = []
        self.student: StudentProcess | None = None
        source_nb = read_notebook(self.source)
        try:
            grading_plan = plan(read_notebook(self.notebook), source_nb)
        except SubmissionError as error:
            self.fatal = str(error)
        else:
            self.problems = grading_plan.problems
            self.student = StudentProcess([c.source for c in grading_plan.cells], self.probes, Limits.from_env(),
                                          cell_names=[c.where for c in grading_plan.cells], timings=self.timings)
            self.student_cells = grading_plan.cells
        cache = None if config.getoption("no_reference_cache") else (
            reference_cache(self.root, assignment, self.secret_seed))
        self.reference = ReferenceOutputs(lambda: reference_process(self.root, assignment, self.timings), cache)
        self.records: list[CheckResult] = []
        self.memo: dict = {}  # Grader.once: results several checks of this submission share
        self.started = time.time()
        self.lock, self.done = threading.Lock(), False  # results written (see start_watchdog)
        self.exitstatus = 0  # pytest's, for pytest_unconfigure

    def cell_problems(self) -> list[str]:
        """Errors raised by the student's cells while they ran (from the first start of the process)."""
        if self.student is None or not self.student.cell_reports:
            return []
        problems = []
        for cell, report in zip(self.student_cells, self.student.cell_reports, strict=False):
            if report["error"]:
                problems.append(f"{cell.where} raised {report['error']}")
        return problems

    def close(self):
        if self.student is not None:
            self.student.close()
        self.reference.close()


def pytest_sessionstart(session):
    """When pytest was pointed at one assignment's folder, start the student's process at once: it runs the
    notebook's cells while pytest imports and collects the checks. The reference's process starts only when a check
    asks for an output the cache does not hold (ReferenceOutputs.call): after the first submission of a seed, a
    notebook whose checks need no new reference output (an untouched release, a broken notebook) never pays for
    one."""
    args = [Path(a.split("::")[0]) for a in session.config.args]
    folders = {a if a.is_dir() else a.parent for a in args}
    if len(folders) == 1 and (next(iter(folders)) / "probes.py").exists():
        grading = GradingSession(session.config, next(iter(folders)).resolve().name)
        session.config._dgm_session = grading
        start_watchdog(session.config, grading)
        if grading.student is not None:
            grading.student.launch()


def pytest_collection_finish(session):
    if session.config._dgm_session is not None:
        session.config._dgm_session.timings.mark("grader: checks collected")


def start_watchdog(config, grading: GradingSession) -> None:
    """After --wall-seconds, write a results file that scores nothing, stop both processes and end pytest."""
    seconds = config.getoption("wall_seconds")
    if not seconds or seconds <= 0:
        return

    def expire():
        with grading.lock:  # pytest_sessionfinish may be writing the real results: whichever comes first wins
            if grading.done:
                return
            grading.done = True
            path = config.getoption("results")
            if path:
                write_json_atomically(Path(path), SubmissionResult.failed(grading.assignment, grading.notebook,
                                                                          wall_message(seconds)).to_json())
            for process in (grading.student, grading.reference.process):
                if process is not None:
                    process.abandon()
            os._exit(3)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()


def _session_for(request) -> GradingSession:
    config = request.config
    if config._dgm_session is None:
        config._dgm_session = GradingSession(config, Path(request.node.path).parent.name)
    return config._dgm_session


@pytest.fixture
def grader(request) -> Grader:
    session = _session_for(request)
    mark = request.node.get_closest_marker("grade")
    timeout = mark.kwargs.get("timeout") if mark else None
    session.timings.mark("grader: first check started")
    return Grader(session.student, session.reference, session.secret_seed, request.node.nodeid.split("::")[-1],
                  timeout, fatal=session.fatal, memo=session.memo)


def describe(name: str) -> str:
    return name.removeprefix("test_").replace("_", " ")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    mark = item.get_closest_marker("grade")
    if mark is None or report.when != "call" and not (report.when == "setup" and report.failed):
        return
    session = item.config._dgm_session
    message, status = "", PASSED
    if report.failed:
        error = call.excinfo.value if call.excinfo else None
        if isinstance(error, CheckFailed):
            status, message = FAILED, str(error)
        elif isinstance(error, (GraderError, SubmissionError)):
            status, message = GRADER_ERROR, f"the grader could not run this check ({error}); tell your instructor"
        elif isinstance(error, AssertionError):
            status, message = FAILED, "a hidden check failed"
        else:
            status = GRADER_ERROR
            message = f"the grader hit an internal error ({type(error).__name__}); tell your instructor"
    points = mark.kwargs["points"]
    if session is not None:
        session.records.append(CheckResult(
            check=item.name, description=describe(item.name), task=mark.kwargs["task"], points=points,
            earned=points if status == PASSED else 0.0, status=status, message=message,
            seconds=round(report.duration, 3)))


def pytest_sessionfinish(session, exitstatus):
    grading = session.config._dgm_session
    if grading is None:
        return
    path = session.config.getoption("results")
    with grading.lock:  # the watchdog and this hook: whichever comes first writes the results
        if grading.done:
            return
        grading.done, grading.exitstatus = True, int(exitstatus)
        grading.timings.mark("grader: last check done")
        grading.close()
        grading.timings.mark("grader: processes stopped")
        if path:
            write_json_atomically(Path(path), results_document(grading).to_json())


def pytest_unconfigure(config):
    """With --exit-at-once, after the results and pytest's summary: os._exit with pytest's status. Everything the
    grading started is stopped and its folders removed by then (GradingSession.close)."""
    grading = config._dgm_session
    if grading is not None and grading.done and config.getoption("exit_at_once"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(grading.exitstatus)


def results_document(grading: GradingSession) -> SubmissionResult:
    return SubmissionResult.from_checks(
        grading.assignment, grading.notebook, grading.records, fatal=grading.fatal,
        problems=grading.problems + grading.cell_problems(), seconds=round(time.time() - grading.started, 2),
        sandbox=grading.student.isolation if grading.student is not None else None,
        reference_started=grading.reference.process is not None, timings=grading.timings.to_json())
