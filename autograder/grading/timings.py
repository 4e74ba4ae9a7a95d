"""Where the seconds of one grading go: a timeline of events and the time spent in each probe, for the benchmark.

    Timings.origin            the wall-clock time grade_notebook launched the grading process (LAUNCHED_ENV)
    timeline  {event: s}      seconds after the origin: the grader's imports, collection, the student's process up,
                              each of its cells done, the notebook ready, the first and last check, the processes
                              stopped, the results read by grade_notebook
    probes    {name: s}       seconds inside each probe call, summed ("student: made_jacobian", "reference: ...")

Never scored. The probe seconds and the grader's events are measured in the grader's process; the events of the
student's process are stamped with the time it says they happened (the grader reads its messages only when a check
calls it), believed only between its launch and the moment the message was read, and at most one per cell.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field

LAUNCHED_ENV = "DGM_GRADE_LAUNCHED_AT"  # time.time() when grade_notebook started the grading process


@dataclass
class Timings:
    origin: float = field(default_factory=lambda: float(os.environ.get(LAUNCHED_ENV) or time.time()))
    timeline: dict[str, float] = field(default_factory=dict)
    probes: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def mark(self, event: str, at: float | None = None) -> None:
        """Record `event` (first occurrence only) at wall-clock time `at` (default now)."""
        self.timeline.setdefault(event, round((time.time() if at is None else at) - self.origin, 3))

    def probe(self, name: str, seconds: float) -> None:
        self.probes[name] = round(self.probes[name] + seconds, 3)

    def to_json(self) -> dict:
        return {"timeline": dict(sorted(self.timeline.items(), key=lambda item: item[1])),
                "probes": dict(sorted(self.probes.items(), key=lambda item: -item[1]))}
