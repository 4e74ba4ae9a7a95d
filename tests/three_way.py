"""The three-way proof every homework's checks must pass, shared by tests/test_hwN_grading.py.

A test module does `from three_way import *` and defines `ASSIGNMENT` (its class is the session fixture
`<ASSIGNMENT>_course` of conftest.py), `bugs` (its autograder/hwN/bugs.py), `PRACTICE_POINTS` (task -> points) and
`INFINITE_LOOP_CHECKS` (the checks that call the function bugs.INFINITE_LOOP makes loop forever) and
`FALSE_ALARM_SEEDS` (secret seeds on which a check once failed the reference: they stay fixed). Then: the
reference earns full marks, the untouched release earns nothing, each realistic bug loses points on exactly the tasks
it breaks, alternative correct solutions keep full marks, and every odd submission gets a clear message without
stopping the run.
"""

import pytest

from autograder.grading.results import GRADER_ERROR, ResultStore
from autograder.tools.mutants import mutant_suspects, student_functions
from autograder.tools.power import REFERENCE, corpus_suspects, false_alarms, power, reference_suspect

# Secret seeds of the power tests, besides the course's own (the three-way proof above): each bug must be caught on
# each. `python -m autograder.tools.calibrate --power hwN --seeds 20` reports more (the README gives the numbers).
POWER_SEEDS = [101, 202]

__all__ = [
    "pytest_generate_tests", "graded", "results", "lost_tasks", "failures", "test_reference_earns_every_practice_point",
    "test_the_untouched_release_earns_nothing", "test_each_bug_loses_points_on_exactly_the_tasks_it_breaks",
    "test_alternative_correct_solutions_earn_full_marks", "test_bug_corpus_is_large_and_covers_every_task",
    "test_corrupt_and_foreign_files_get_a_clear_message", "test_a_failing_import_is_reported_and_the_rest_is_graded",
    "test_partial_submission_loses_exactly_its_bugs", "test_an_infinite_loop_fails_only_its_checks",
    "test_every_bug_is_caught_on_other_secret_seeds", "test_every_student_function_is_judged_by_a_hidden_check",
    "test_the_reference_loses_nothing_on_seeds_that_once_raised_a_false_alarm",
]


def pytest_generate_tests(metafunc):
    corpus = metafunc.module.bugs
    if "bug" in metafunc.fixturenames:
        metafunc.parametrize("bug", sorted(corpus.BUGS))
    if "alternative" in metafunc.fixturenames:
        metafunc.parametrize("alternative", sorted(corpus.ALTERNATIVES))


@pytest.fixture(scope="module")
def graded(request):
    """(course, autograde report) of the module's assignment."""
    return request.getfixturevalue(f"{request.module.ASSIGNMENT}_course")


@pytest.fixture(scope="module")
def results(graded, request):
    """student id -> the stored results document."""
    course, _ = graded
    store = ResultStore(course, request.module.ASSIGNMENT)
    return lambda student: store.load(student)


def lost_tasks(document):
    return document.lost_tasks()


def failures(document):
    return document.failures()


def test_reference_earns_every_practice_point(results, request):
    points = request.module.PRACTICE_POINTS
    document = results("reference")
    assert {name: t.points for name, t in document.tasks.items()} == points
    assert document.earned == sum(points.values()) == 8, failures(document)
    assert document.problems == []


def test_the_untouched_release_earns_nothing(results):
    document = results("untouched")
    assert document.earned == 0
    assert all(t.earned == 0 for t in document.tasks.values())
    assert all("NotImplementedError" in m or "not defined" in m for m in failures(document).values())


def test_each_bug_loses_points_on_exactly_the_tasks_it_breaks(results, request, bug):
    document = results(f"bug-{bug}")
    assert lost_tasks(document) == set(request.module.bugs.BUGS[bug].loses), failures(document)
    assert all(c.status != GRADER_ERROR for t in document.tasks.values() for c in t.checks)


def test_alternative_correct_solutions_earn_full_marks(results, alternative):
    document = results(f"alt-{alternative}")
    assert document.earned == 8, failures(document)


def test_bug_corpus_is_large_and_covers_every_task(request):
    corpus = request.module.bugs.BUGS
    assert len(corpus) >= 8
    assert set().union(*(b.loses for b in corpus.values())) == set(request.module.PRACTICE_POINTS)


def test_corrupt_and_foreign_files_get_a_clear_message(results, graded):
    _, report = graded
    assert "not valid JSON" in results("corrupt-json").fatal
    assert "not a Jupyter notebook" in results("not-a-notebook").fatal
    assert results("corrupt-json").earned == 0 and "not valid JSON" in report.problems["corrupt-json"]


def test_a_failing_import_is_reported_and_the_rest_is_graded(results):
    document = results("raises-at-import")
    assert document.earned == 8
    assert any("ModuleNotFoundError" in p for p in document.problems)


def test_partial_submission_loses_exactly_its_bugs(results, request):
    corpus = request.module.bugs
    expected = set().union(*(corpus.BUGS[name].loses for name in corpus.PARTIAL))
    document = results("partial")
    assert lost_tasks(document) == expected and 0 < document.earned < 8


def test_an_infinite_loop_fails_only_its_checks(results, request):
    document = results("infinite-loop")
    assert set(failures(document)) == request.module.INFINITE_LOOP_CHECKS
    assert all(message.startswith("timed out") for message in failures(document).values())


@pytest.mark.slow
def test_every_bug_is_caught_on_other_secret_seeds(request, tmp_path):
    """A check's power must not depend on the secret seed: each bug loses its tasks on every seed tried."""
    module = request.module
    suspects = {REFERENCE: reference_suspect(module.ASSIGNMENT), **corpus_suspects(module.ASSIGNMENT, module.bugs.BUGS)}
    caught = power(module.ASSIGNMENT, suspects, POWER_SEEDS, tmp_path)
    assert caught.pop(REFERENCE) == [], "the reference solution lost points on these seeds"
    missed = {name: sorted(set(POWER_SEEDS) - set(seeds)) for name, seeds in caught.items() if seeds != POWER_SEEDS}
    assert missed == {}, f"bugs missed on these secret seeds: {missed}"


@pytest.mark.slow
def test_every_student_function_is_judged_by_a_hidden_check(request, tmp_path):
    """Every function or method whose body is a solution region loses points when its results are perturbed."""
    assignment = request.module.ASSIGNMENT
    functions = student_functions(assignment)
    assert len(functions) >= 8, "the solution notebook's functions were not found"
    caught = power(assignment, mutant_suspects(assignment), POWER_SEEDS[:1], tmp_path)
    unjudged = sorted(name.removeprefix("mutant-") for name, seeds in caught.items() if not seeds)
    assert unjudged == [], f"no hidden check judges these student functions: {unjudged}"


def test_the_reference_loses_nothing_on_seeds_that_once_raised_a_false_alarm(request, tmp_path):
    """Seeds found by `calibrate --false-alarms` (or by a failed run) on which a check failed a correct solution."""
    assignment, seeds = request.module.ASSIGNMENT, request.module.FALSE_ALARM_SEEDS
    if not seeds:
        pytest.skip(f"no false alarm was ever found for {assignment}")
    assert false_alarms(assignment, seeds, tmp_path) == [], "a correct solution lost points on these seeds"
