"""The results of grading one submission: the one type every stage reads and writes, and its store.

    SubmissionResult                 one notebook of one student     .grading/<hwN>/results/<student>.json
      tasks: {name: TaskResult}      one check cell (task_<name>)    points, earned
        checks: [CheckResult]        one hidden check                status, message shown to the student

Built by the pytest plugin in the grading process (`SubmissionResult.from_checks`), or as a submission that could
not be graded at all (`SubmissionResult.failed`); stamped with the notebook's hash and the suite version by
grade.grade_notebook; stored by `ResultStore`; read by the gradebook stage, nbgrader's preprocessor, feedback and
the reports. The JSON file is the dataclasses' fields (`to_json` / `from_json`), written atomically by
`write_json_atomically`.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.layout import results_dir

PASSED, FAILED, GRADER_ERROR = "passed", "failed", "grader-error"  # CheckResult.status
DEFAULT_WALL_SECONDS = 600  # a whole grading of one notebook, all checks together


def wall_message(seconds: float) -> str:
    return f"grading took longer than {seconds:.0f} s and was stopped; no task could be scored"


@dataclass
class CheckResult:
    check: str  # the test function's name (it seeds the check's secret stream)
    description: str  # the name in words, shown to the student
    task: str
    points: float
    earned: float
    status: str  # PASSED, FAILED or GRADER_ERROR
    message: str  # written by the check's author; never a hidden input or a reference value
    seconds: float

    @property
    def passed(self) -> bool:
        return self.status == PASSED


@dataclass
class TaskResult:
    points: float = 0.0
    earned: float = 0.0
    checks: list[CheckResult] = field(default_factory=list)


@dataclass
class SubmissionResult:
    assignment: str
    notebook: str
    fatal: str | None = None  # why nothing could be graded (every task then scores 0)
    problems: list[str] = field(default_factory=list)  # what the grader noticed: failing cells, missing cells
    tasks: dict[str, TaskResult] = field(default_factory=dict)  # in the order the checks ran
    earned: float = 0.0
    points: float = 0.0
    seconds: float = 0.0
    sandbox: str | None = None  # the isolation the student's process had
    notebook_sha256: str | None = None
    suite_version: str | None = None
    grader_log: str | None = None  # the end of the grader's output when it failed before scoring
    reference_started: bool = False  # whether some reference output was missing from the cache (a process ran)
    timings: dict = field(default_factory=dict)  # timings.Timings.to_json(): where the seconds went (benchmark)

    @classmethod
    def from_checks(cls, assignment: str, notebook: Path | str, checks: list[CheckResult], **fields
                    ) -> SubmissionResult:
        tasks: dict[str, TaskResult] = {}
        for record in checks:
            task = tasks.setdefault(record.task, TaskResult())
            task.points += record.points
            task.earned += record.earned
            task.checks.append(record)
        return cls(assignment, str(notebook), tasks=tasks, earned=sum(t.earned for t in tasks.values()),
                   points=sum(t.points for t in tasks.values()), **fields)

    @classmethod
    def failed(cls, assignment: str, notebook: Path | str, message: str) -> SubmissionResult:
        """A notebook that could not be graded at all: every task is missing (0 points)."""
        return cls(assignment, str(notebook), fatal=message)

    def lost_tasks(self) -> set[str]:
        return {name for name, task in self.tasks.items() if task.earned < task.points}

    def failures(self) -> dict[str, str]:
        """check -> message of every check that did not pass."""
        return {c.check: c.message for t in self.tasks.values() for c in t.checks if not c.passed}

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SubmissionResult:
        tasks = {name: TaskResult(task["points"], task["earned"], [CheckResult(**c) for c in task["checks"]])
                 for name, task in data.get("tasks", {}).items()}
        return cls(**{**data, "tasks": tasks})


def write_json_atomically(path: Path, data) -> None:
    """A reader sees the old file or the new one, never half of one (also across threads of one process)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def read_result(path: Path) -> SubmissionResult | None:
    try:
        return SubmissionResult.from_json(json.loads(Path(path).read_text()))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class ResultStore:
    """One JSON file per submission under .grading/<assignment>/results/: written atomically, by one writer at a
    time per student."""

    def __init__(self, root: Path, assignment: str):
        self.root, self.assignment = Path(root), assignment
        self.folder = results_dir(self.root, assignment)
        self.folder.mkdir(exist_ok=True)

    def path(self, student: str) -> Path:
        return self.folder / f"{student}.json"

    def load(self, student: str) -> SubmissionResult | None:
        return read_result(self.path(student))

    def save(self, student: str, result: SubmissionResult) -> None:
        write_json_atomically(self.path(student), result.to_json())

    def is_current(self, student: str, notebook: Path, version: str) -> bool:
        """True when a stored result graded exactly this notebook with exactly this suite."""
        result = self.load(student)
        return (result is not None and result.suite_version == version
                and result.notebook_sha256 == (file_sha256(notebook) if notebook.exists() else None))
