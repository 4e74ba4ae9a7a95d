"""Homework 1's autograded checks, proven three ways: the reference earns full marks, the untouched release earns
nothing, and each realistic bug loses points on exactly the tasks it breaks (alternative correct solutions keep
full marks). Also: every odd submission gets a clear message and none stops the run."""

import pytest

from autograder.adversarial import ATTACKS
from autograder.grading import ResultStore
from autograder.hw1 import bugs
from autograder.sandbox import SANDBOX_UID_BASE, living_processes

PRACTICE_POINTS = {"made": 3.0, "wavenet": 1.5, "pixelcnn": 1.5, "sampling": 1.0, "training": 1.0}


@pytest.fixture(scope="module")
def results(hw1_course):
    course, _ = hw1_course
    store = ResultStore(course, "hw1")
    return lambda student: store.load(student)


def lost_tasks(document):
    return {name for name, task in document["tasks"].items() if task["earned"] < task["points"]}


def failures(document):
    checks = [c for t in document["tasks"].values() for c in t["checks"]]
    return {c["check"]: c["message"] for c in checks if c["status"] != "passed"}


def test_reference_earns_every_practice_point(results):
    document = results("reference")
    assert {name: t["points"] for name, t in document["tasks"].items()} == PRACTICE_POINTS
    assert document["earned"] == sum(PRACTICE_POINTS.values()) == 8, failures(document)
    assert document["problems"] == []


def test_the_untouched_release_earns_nothing(results):
    document = results("untouched")
    assert document["earned"] == 0
    assert all(t["earned"] == 0 for t in document["tasks"].values())
    assert all("NotImplementedError" in m or "not defined" in m for m in failures(document).values())


@pytest.mark.parametrize("name", sorted(bugs.BUGS))
def test_each_bug_loses_points_on_exactly_the_tasks_it_breaks(results, name):
    document = results(f"bug-{name}")
    assert lost_tasks(document) == set(bugs.BUGS[name].loses), failures(document)
    assert all(c["status"] != "grader-error" for t in document["tasks"].values() for c in t["checks"])


@pytest.mark.parametrize("name", sorted(bugs.ALTERNATIVES))
def test_alternative_correct_solutions_earn_full_marks(results, name):
    document = results(f"alt-{name}")
    assert document["earned"] == 8, failures(document)


def test_bug_corpus_is_large_and_covers_every_task(results):
    assert len(bugs.BUGS) >= 8
    assert set().union(*(b.loses for b in bugs.BUGS.values())) == set(PRACTICE_POINTS)


def test_corrupt_and_foreign_files_get_a_clear_message(results, hw1_course):
    _, report = hw1_course
    assert "not valid JSON" in results("corrupt-json")["fatal"]
    assert "not a Jupyter notebook" in results("not-a-notebook")["fatal"]
    assert results("corrupt-json")["earned"] == 0 and "not valid JSON" in report.problems["corrupt-json"]


def test_an_infinite_loop_fails_only_its_check(results):
    document = results("infinite-loop")
    assert list(failures(document)) == ["test_receptive_field_counts_past_and_present_inputs"]
    assert failures(document)["test_receptive_field_counts_past_and_present_inputs"].startswith("timed out")


def test_a_failing_import_is_reported_and_the_rest_is_graded(results):
    document = results("raises-at-import")
    assert document["earned"] == 8
    assert any("ModuleNotFoundError" in p for p in document["problems"])


def test_partial_submission_loses_exactly_its_bugs(results):
    expected = set().union(*(bugs.BUGS[name].loses for name in bugs.PARTIAL))
    document = results("partial")
    assert lost_tasks(document) == expected and 0 < document["earned"] < 8


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hostile_code_earns_nothing_it_did_not_compute(results, name):
    document = results(f"attack-{name}")
    assert document["points"] == 8, "the points of a task come from the grader, not from the notebook"
    if ATTACKS[name].loses == "all":
        assert document["earned"] == 0, failures(document)
    else:
        assert lost_tasks(document) == set(ATTACKS[name].loses), failures(document)


def test_hostile_code_touched_no_submission_and_left_no_process(hw1_course):
    course, report = hw1_course
    assert {path: path.read_bytes() for path in report.submitted_before} == report.submitted_before
    leftovers = living_processes(range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + 2**22))
    assert leftovers == [], "processes of a sandbox user outlived their grading (the fork bomb's children?)"
