"""The process that runs a notebook's code: results come back as plain arrays; misbehaviour fails alone."""

import time

import numpy as np
import pytest

from autograder.grading.student_process import ProcessDied, StudentError, StudentProcess
from autograder.sandbox.isolation import Limits

PROBES = '''
import numpy as np
def call(ns, name, **arrays):
    return {"y": answer(ns, name)(**arrays)}
def value(ns, name):
    return {"y": answer(ns, name)}
def raw(ns, name):
    return answer(ns, name)()
'''

CELLS = [
    "import numpy as np",
    "def square(x):\n    return x ** 2",
    "1 / 0",  # a failing cell does not stop the ones after it
    "def spin():\n    while True:\n        pass",
    "def leave():\n    import os\n    os._exit(3)",
    "def bomb():\n    return bytearray(10 * 2**30)",
    "def flood():\n    import sys\n    for _ in range(10**6):\n        sys.stdout.write('x' * 10000)\n    return 1",
    "def objects():\n    return {'y': np.array([object()])}",
    "def catches():\n    try:\n        while True:\n            pass\n    except Exception:\n        return 0",
    "defined_late = 7",
]


@pytest.fixture
def process(tmp_path):
    probes = tmp_path / "probes.py"
    probes.write_text(PROBES)
    limits = Limits(check_seconds=2, memory_bytes=3 * 2**30, file_bytes=2**20)
    with StudentProcess(CELLS, probes, limits) as p:
        yield p


def test_results_come_back_as_arrays_and_cell_errors_are_reported(process):
    assert np.array_equal(process.call("call", {"x": np.arange(4)}, {"name": "square"})["y"], [0, 1, 4, 9])
    errors = [r["error"] for r in process.cell_reports]
    assert errors[2].startswith("ZeroDivisionError") and errors.count(None) == len(CELLS) - 1
    assert process.call("value", kwargs={"name": "defined_late"})["y"] == 7


def test_a_missing_name_is_explained(process):
    with pytest.raises(StudentError, match="cube is not defined"):
        process.call("value", kwargs={"name": "cube"})


@pytest.mark.parametrize("name, message", [
    ("spin", "timed out"), ("catches", "timed out"), ("leave", "exit code 3"), ("bomb", "MemoryError"),
])
def test_hangs_exits_and_memory_bombs_fail_alone_and_grading_goes_on(process, name, message):
    started = time.monotonic()
    with pytest.raises(StudentError, match=message):
        process.call("raw", kwargs={"name": name})
    assert time.monotonic() - started < 15
    assert np.array_equal(process.call("call", {"x": np.arange(3)}, {"name": "square"})["y"], [0, 1, 4])


def test_output_floods_go_nowhere(process):
    """What the student's process prints is thrown away (the runner reports errors over the channel): no file on the
    host's disk can grow, past RLIMIT_FSIZE or otherwise."""
    try:
        process.call("call", kwargs={"name": "flood"})
    except StudentError as error:
        assert "timed out" in str(error)
    assert not (process.job / "output.log").exists()
    assert process.call("value", kwargs={"name": "defined_late"})["y"] == 7, "the same process carries on"


def test_nothing_that_needs_pickle_crosses_back(process):
    with pytest.raises(StudentError, match="not a number"):
        process.call("raw", kwargs={"name": "objects"})


def test_a_process_that_keeps_dying_stops_being_restarted(tmp_path):
    probes = tmp_path / "probes.py"
    probes.write_text(PROBES)
    with StudentProcess(["import os\nos._exit(1)"], probes, Limits(startup_seconds=10)) as p:
        for _ in range(3):
            with pytest.raises(ProcessDied, match="ended"):
                p.call("value", kwargs={"name": "x"})
        with pytest.raises(ProcessDied, match="too many times"):
            p.call("value", kwargs={"name": "x"})


def test_a_cell_that_ends_the_process_is_named_as_the_student_counts_it(tmp_path):
    """Markdown cells before it and a check cell (not run) do not shift the number the message gives."""
    import nbformat

    from autograder.grading.notebook import plan

    check = nbformat.v4.new_code_cell("assert x == 1")
    check.metadata["nbgrader"] = {"grade_id": "task_x", "grade": True, "solution": False, "locked": True, "points": 1}
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Homework"), nbformat.v4.new_code_cell("x = 1"), check,
        nbformat.v4.new_markdown_cell("## Next"), nbformat.v4.new_code_cell("import os\nos._exit(1)")])
    cells = plan(notebook, notebook).cells
    probes = tmp_path / "probes.py"
    probes.write_text(PROBES)
    with StudentProcess([c.source for c in cells], probes, Limits(startup_seconds=10),
                        cell_names=[c.where for c in cells]) as p:
        with pytest.raises(ProcessDied, match=r"\(in code cell 3\)$"):  # 5th cell, 2nd of those run
            p.call("value", kwargs={"name": "x"})


def test_timings_follow_the_process_and_a_claimed_time_outside_its_life_is_not_believed(tmp_path):
    """Where the seconds go (grading/timings.py): launch, interpreter, each cell, ready, the time inside each probe,
    when the process said each happened (the grader reads its messages later); a claimed time outside the process's
    life is replaced by the moment it was read, and a flood of made-up cell events adds nothing."""
    from autograder.grading.timings import Timings

    probes = tmp_path / "probes.py"
    probes.write_text(PROBES)

    def send(positions_and_times: str) -> str:
        return ("import json, os, sys\nfor position, at in " + positions_and_times + ":\n"
                "    os.write(int(sys.argv[2]), json.dumps({'event': 'cell', 'position': position, 'at': at}).encode()"
                " + b'\\n')")

    cells = ["import time\ntime.sleep(0.3)", send("[(2, 1e12)]"), send("[(3, 1.0)]"),
             send("[(p, time.time()) for p in [*range(-200, 0), *range(10**6, 10**6 + 200)]]"), "x = 1"]
    timings = Timings(origin=time.time())
    with StudentProcess(cells, probes, timings=timings) as p:
        p.launch()
        time.sleep(3)  # every message waits in the pipe (64 KiB: the flood above fits) until the call reads it
        assert p.call("value", kwargs={"name": "x"})["y"] == 1
    timeline = timings.to_json()["timeline"]
    names = ["launched", "interpreter up (sandbox, Python, IPython)", *(f"code cell {k} of those run done"
                                                                       for k in range(1, 6)), "ready (every cell run)"]
    assert set(timeline) == {f"student: {name}" for name in names}, timeline
    up, first_cell = timeline["student: interpreter up (sandbox, Python, IPython)"], timeline[
        "student: code cell 1 of those run done"]
    assert 0.25 <= first_cell - up < 2 and timeline["student: ready (every cell run)"] < 2.9, timeline
    lies = [timeline["student: code cell 2 of those run done"], timeline["student: code cell 3 of those run done"]]
    assert all(2.9 < seconds < 60 for seconds in lies), "a time before the launch or far in the future was believed"
    assert set(timings.to_json()["probes"]) == {"student: value"}
