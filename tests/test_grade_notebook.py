"""grade_notebook decides pytest's options itself: what an instructor's shell sets for their own pytest runs never
changes what is graded (PYTEST_ADDOPTS="-x" once stopped a grading at its first failed check: a partial submission
scored 2.5 of 3 instead of 6.25 of 8)."""

from pathlib import Path

from autograder.grading.grade import grade_notebook
from autograder.layout import release_notebook
from autograder.pipeline.demo import make_course

REPO = Path(__file__).resolve().parents[1]


def test_pytest_options_from_the_environment_change_nothing(tmp_path, monkeypatch):
    course = tmp_path / "course"
    make_course(REPO, course)
    release = release_notebook(REPO, "hw1")  # every check fails at once: a quick grading of every check
    plain = grade_notebook(course, "hw1", release, secret_seed=5)
    monkeypatch.setenv("PYTEST_ADDOPTS", "-x -k made --co")
    monkeypatch.setenv("PYTEST_PLUGINS", "a_plugin_that_does_not_exist")
    meddled = grade_notebook(course, "hw1", release, secret_seed=5)

    def checks(result):
        return sorted(check.check for task in result.tasks.values() for check in task.checks)

    assert meddled.fatal is None and meddled.points == plain.points == 8
    assert checks(meddled) == checks(plain) and len(checks(plain)) >= 15
