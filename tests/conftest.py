import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist"


@pytest.fixture
def shared_mnist() -> Path:
    """The real MNIST test set, present for developers and CI only."""
    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"the real MNIST test set is not at {SHARED_MNIST} (it exists only on developers' machines and CI)")
    return SHARED_MNIST


def ta_clone(tmp_path_factory) -> Path:
    """A readable folder outside the course, the repository, the home and the temporary folder (a TA's clone next to
    the repository), removed when the tests end; the temporary folder where that one is not writable."""
    folder = REPO.parent / f".dgm-ta-clone-{os.getpid()}"
    try:
        folder.mkdir()
    except OSError:
        return tmp_path_factory.mktemp("ta-clone")
    atexit.register(shutil.rmtree, folder, True)
    return folder


# Homeworks whose three-way proof (tests/test_hwN_grading.py and what needs its graded class) runs in the slow suite:
# each grades some forty to eighty submissions with training checks (homework 4: about 4 minutes on 2 cores, homework
# 5: about 12 with its power seeds and mutants), which the default run (under 20 minutes) cannot take for every
# homework: with homeworks 2-3 in it and homework 5 added, a fresh clone's default run took over 22 minutes
SLOW_PROOFS = frozenset({"hw2", "hw3", "hw4", "hw5"})  # homework 1 (its attacks too) runs by default


def graded_course(tmp_path_factory, assignment: str, hostile: bool = False):
    """A fresh course graded once: the demo's class of odd submissions, every bug of the assignment's bug corpus and
    every alternative correct solution, collected and autograded with two workers. With `hostile`, the adversarial
    corpus is collected too but graded after everyone else, with a readable copy of the solutions elsewhere on the
    machine (a TA's clone); report.honest_before then holds the honest students' results and gradebook rows as they
    were before any attack ran. Returns (course, report); report.submitted_before holds the submissions as
    collected, report.temporary_before the grader's temporary folders that existed before grading."""
    import importlib

    from autograder.hw1.adversarial import ATTACKS, hostile_notebook
    from autograder.layout import nbgrader
    from autograder.pipeline.autograde import autograde
    from autograder.pipeline.collect import collect
    from autograder.pipeline.demo import make_course
    from autograder.pipeline.examples import apply_patches, demo_submissions, notebook_bytes, reference_submission
    from autograder.pipeline.gradebook import gradebook_rows

    bugs = importlib.import_module(f"autograder.{assignment}.bugs")
    course = tmp_path_factory.mktemp(assignment) / "course"
    make_course(REPO, course)
    nbgrader(course, "generate_assignment", assignment, "--force")
    inbox = course.parent / "inbox"
    inbox.mkdir()
    reference = reference_submission(course, assignment)
    class_ = demo_submissions(course, assignment, bugs.BUGS, bugs.PARTIAL, bugs.INFINITE_LOOP)
    for kind, variants in (("bug", bugs.BUGS), ("alt", bugs.ALTERNATIVES)):
        for name, variant in variants.items():
            class_[f"{kind}-{name}"] = notebook_bytes(apply_patches(reference, variant.patches))
    honest = list(class_)
    if hostile:
        clone = ta_clone(tmp_path_factory) / "solutions" / assignment
        shutil.copytree(REPO / "solutions" / assignment, clone)
        release = json.loads((course / "homeworks" / assignment / f"{assignment}.ipynb").read_text())
        for name, attack in ATTACKS.items():
            base = release if attack.base == "release" else json.loads(notebook_bytes(reference))
            class_[f"attack-{name}"] = hostile_notebook(attack, base, course, REPO)
    for student, content in class_.items():
        (inbox / f"{student}.ipynb").write_bytes(content)
    collect(course, assignment, inbox)
    submitted = {path: path.read_bytes() for path in (course / "submitted").rglob("*.ipynb")}
    temporary = set(Path(tempfile.gettempdir()).glob("dgm-grad*"))
    report = autograde(course, assignment, students=honest, workers=2, progress=False)
    if hostile:
        results = course / ".grading" / assignment / "results"
        report.honest_before = ({path: path.read_bytes() for path in results.glob("*.json")},
                                sorted(map(str, gradebook_rows(course))))
        attacks = autograde(course, assignment, students=[s for s in class_ if s not in honest], workers=2,
                            progress=False)
        report.graded += attacks.graded
        report.problems |= attacks.problems
    report.submitted_before, report.temporary_before = submitted, temporary
    return course, report


@pytest.fixture(scope="session")
def hw1_course(tmp_path_factory):
    """Homework 1's class, with the adversarial corpus (its attacks aim at homework 1's functions)."""
    return graded_course(tmp_path_factory, "hw1", hostile=True)


@pytest.fixture(scope="session")
def hw2_course(tmp_path_factory):
    return graded_course(tmp_path_factory, "hw2")


@pytest.fixture(scope="session")
def hw3_course(tmp_path_factory):
    return graded_course(tmp_path_factory, "hw3")


@pytest.fixture(scope="session")
def hw4_course(tmp_path_factory):
    return graded_course(tmp_path_factory, "hw4")


@pytest.fixture(scope="session")
def hw5_course(tmp_path_factory):
    return graded_course(tmp_path_factory, "hw5")
