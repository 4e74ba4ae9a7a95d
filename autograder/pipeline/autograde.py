"""`dgm-grade autograde`: grade every submission of an assignment in parallel and record each in the gradebook.

Workers (threads that each drive a pytest process, or dask workers) only produce result files; this process alone
writes the gradebook, recording each result as it arrives while the workers grade the next ones. Results are kept
per submission and reused while the notebook and the suite are unchanged, so a re-run grades only what is new and a
killed run resumes where it stopped.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from autograder.grading.grade import grade_notebook, suite_version
from autograder.grading.notebook import read_notebook, task_points
from autograder.grading.results import DEFAULT_WALL_SECONDS, ResultStore
from autograder.layout import secret_seed, source_notebook, submitted_root
from autograder.pipeline.gradebook import GradebookWriter, ensure_assignment


@dataclass
class AutogradeReport:
    graded: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    earned: dict[str, float] = field(default_factory=dict)  # practice points of every student with a result
    maximum: float = 0.0  # the assignment's practice points (its check cells' points, as in the gradebook)
    # "grading": wall time of the grading loop; "gradebook": the part of all of it spent recording
    seconds: dict[str, float] = field(default_factory=lambda: {"grading": 0.0, "gradebook": 0.0})


def submissions(root: Path, assignment: str) -> dict[str, Path]:
    """student id -> submitted notebook, from nbgrader's submitted/<student>/<assignment>/<assignment>.ipynb."""
    found = {}
    for folder in sorted(submitted_root(root).glob(f"*/{assignment}")):
        found[folder.parent.name] = folder / f"{assignment}.ipynb"
    return found


def grade_remote(root: str, assignment: str, name: str, content: bytes, wall_seconds: float, seed: int,
                 memory_gb: float | None) -> dict:
    """Grade a notebook given as bytes (for workers that do not share submitted/ with the scheduler)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        return grade_notebook(Path(root), assignment, path, wall_seconds, seed, memory_gb)


def practice_maximum(root: Path, assignment: str) -> float:
    """The assignment's autograded points: the sum of its check cells' points, the maximum nbgrader records."""
    source = read_notebook(source_notebook(root, assignment))
    return sum(task_points(source).values())


def _local_executor(workers: int):
    return ThreadPoolExecutor(max_workers=workers)


def _dask_executor(workers: int, scheduler: str | None):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler).get_executor()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster).get_executor()


def autograde(root: Path, assignment: str, students: Iterable[str] | None = None, workers: int = 2,
              force: bool = False, engine: str = "local", scheduler: str | None = None,
              wall_seconds: float = DEFAULT_WALL_SECONDS, memory_gb: float | None = None,
              progress: bool = True) -> AutogradeReport:
    root = Path(root)
    report = AutogradeReport(maximum=practice_maximum(root, assignment))
    available = submissions(root, assignment)
    chosen = list(available) if students is None else list(students)
    missing = [s for s in chosen if s not in available]
    for student in missing:
        report.problems[student] = f"no submission at submitted/{student}/{assignment}/"
    chosen = [s for s in chosen if s in available]
    store = ResultStore(root, assignment)
    version, seed = suite_version(root, assignment), secret_seed(root, assignment)
    todo = [s for s in chosen if force or not store.is_current(s, available[s], version)]
    report.reused = [s for s in chosen if s not in todo]

    with tempfile.TemporaryDirectory() as scratch:
        ensure_assignment(root, assignment, Path(scratch))
    writer = GradebookWriter(root, assignment)

    def record(student: str) -> None:
        started = time.perf_counter()
        document = store.load(student)
        if document is not None:
            report.earned[student] = document.earned
            if force or student in report.graded or not writer.is_recorded(student):
                problem = writer.record(student)
                if problem:
                    report.problems[student] = problem
            if document.fatal and student not in report.problems:
                report.problems[student] = document.fatal
        report.seconds["gradebook"] += time.perf_counter() - started

    # Each result is recorded as soon as it arrives, in this process, while the workers grade the next ones.
    started = time.perf_counter()
    if todo:
        executor = _dask_executor(workers, scheduler) if engine == "dask" else _local_executor(workers)
        with executor:
            futures = {}
            for student in todo:
                path = available[student]
                if engine == "dask":
                    content = path.read_bytes() if path.exists() else b""
                    futures[executor.submit(grade_remote, str(root), assignment, path.name, content, wall_seconds,
                                            seed, memory_gb)] = student
                else:
                    futures[executor.submit(grade_notebook, root, assignment, path, wall_seconds, seed,
                                            memory_gb)] = student
            bar = tqdm(total=len(futures), desc=f"grading {assignment}", unit="notebook", disable=not progress)
            failure = None  # a gradebook error stops the recording, never the saving of the results still to come
            for future in as_completed(futures):
                student = futures[future]
                store.save(student, future.result())
                report.graded.append(student)
                if failure is None:
                    try:
                        record(student)
                    except Exception as error:  # noqa: BLE001 - raised below, once every result is saved
                        failure = error
                        print(f"recording {student} in the gradebook failed ({type(error).__name__}: {error}); the "
                              f"remaining submissions are graded and saved, then this run stops: run it again to "
                              f"record them", file=sys.stderr, flush=True)
                bar.update()
            bar.close()
        if failure is not None:
            raise failure
    report.seconds["grading"] = time.perf_counter() - started
    for student in tqdm(report.reused, desc="recording in the gradebook", disable=not progress or not report.reused):
        record(student)
    return report

