"""Homework 1's autograded checks, proven three ways (tests/three_way.py), and the adversarial corpus: hostile code
earns nothing it did not compute, touches no other submission and leaves no process behind."""

import sys
import tempfile
from pathlib import Path

import pytest
from test_sandbox import daemons
from three_way import *  # noqa: F403 - the shared three-way proof
from three_way import failures, lost_tasks

from autograder.hw1 import bugs  # noqa: F401 - the corpus three_way proves
from autograder.hw1.adversarial import ATTACKS, DAEMON_MARKER
from autograder.pipeline.gradebook import gradebook_rows
from autograder.sandbox.isolation import SANDBOX_UID_BASE, living_processes

ASSIGNMENT = "hw1"
INFINITE_LOOP_CHECKS = {"test_receptive_field_counts_past_and_present_inputs"}
PRACTICE_POINTS = {"made": 3.0, "wavenet": 1.5, "pixelcnn": 1.5, "sampling": 1.0, "training": 1.0}
# A CI run's course seed, then two of 3,000 swept, on which one initialisation of the reference's PixelCNN left a
# connection dead for every binary image (the dependency probe now sums over several initialisations).
FALSE_ALARM_SEEDS = [3598773327061626766, 2284, 2994]


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hostile_code_earns_nothing_it_did_not_compute(results, name):
    document, attack = results(f"attack-{name}"), ATTACKS[name]
    if attack.fatal:
        assert attack.fatal in document.fatal and document.earned == 0
        return
    assert document.points == 8, "the points of a task come from the grader, not from the notebook"
    if attack.loses == "all":
        assert document.earned == 0, failures(document)
    else:
        assert lost_tasks(document) == set(attack.loses), failures(document)


def test_hostile_code_touched_nothing_of_anyone_else_and_left_nothing_behind(graded):
    course, report = graded
    assert {path: path.read_bytes() for path in report.submitted_before} == report.submitted_before
    results, rows = report.honest_before
    assert {path: path.read_bytes() for path in results} == results, "an honest student's result changed"
    honest = {row for row in map(str, gradebook_rows(course)) if "attack-" not in row}
    assert honest == {row for row in rows if "attack-" not in row}, "an honest student's gradebook row changed"
    leftovers = living_processes(range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + 2**22))
    assert leftovers == [], "processes of a sandbox user outlived their grading (the fork bomb's children?)"
    assert daemons(DAEMON_MARKER) == [], "the daemon outlived its grading"
    assert set(Path(tempfile.gettempdir()).glob("dgm-grad*")) <= report.temporary_before, "working folders were left"
    planted = [folder for folder in map(Path, sys.path) if (folder / "zz_dgm_forged.pth").exists()]
    assert planted == [], "a .pth file was planted in the grader's interpreter"


def test_the_dependency_probe_sees_a_connection_that_one_initialisation_left_dead():
    """A correct PixelCNN whose first initialisation outputs nothing its inputs change (every ReLU off, as happened
    on 20 of 3,000 seeds) still shows every allowed connection: the probe sums over fresh initialisations."""
    import torch
    import torch.nn.functional as F

    from autograder.grading.runner import answer
    from autograder.layout import course_root, probes_file

    class SeesLeftAndAbove(torch.nn.Module):
        def __init__(self, dead: bool):
            super().__init__()
            self.dead = dead

        def forward(self, x):  # (B, 1, H, W): logit (i, j) = x(i, j - 1) + x(i - 1, j), all zero when dead
            left, above = F.pad(x, (1, 0))[..., :, :-1], F.pad(x, (0, 0, 1, 0))[..., :-1, :]
            return (left + above) * (0.0 if self.dead else 1.0)

    made = []

    def pixelcnn(image_size, channels, layers):
        made.append(SeesLeftAndAbove(dead=not made))
        return made[-1]

    probes = {"__name__": "probes", "answer": answer}
    exec(compile(probes_file(course_root(), "hw1").read_text(), "probes.py", "exec"), probes)
    deps = probes["pixelcnn_dependencies"]({"PixelCNN": pixelcnn}, image_size=4, channels=8, layers=2)["dependencies"]
    assert len(made) > 1
    size = 4
    left = [(i * size + j, i * size + j - 1) for i in range(size) for j in range(1, size)]
    above = [(i * size + j, (i - 1) * size + j) for i in range(1, size) for j in range(size)]
    assert all(deps[a, b] > 0 for a, b in left + above)
