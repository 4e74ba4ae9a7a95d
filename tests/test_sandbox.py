"""The sandbox layers, each proven on a process that tries to get past it: hidden files, the network, other
processes, fork bombs. Skipped with a reason where Linux namespaces are unavailable (the grader then says so)."""

import os
import socket
from pathlib import Path

import numpy as np
import pytest

from autograder import student_process
from autograder.adversarial import FORK_BOMB
from autograder.sandbox import SANDBOX_UID_BASE, FileView, Limits, isolation_available, living_processes
from autograder.student_process import StudentProcess

REPO = Path(__file__).resolve().parents[1]
PROBES = "def value(ns, name):\n    return {'y': answer(ns, name)}\n"


def readable(path) -> str:
    return (f"def can_read(path):\n    try:\n        open(path, 'rb').read(1)\n        return 1\n"
            f"    except OSError:\n        return 0\nflag = can_read({str(path)!r})")


@pytest.fixture
def course(tmp_path):
    course = tmp_path / "course"
    (course / ".grading" / "hw1").mkdir(parents=True)
    (course / ".grading" / "hw1" / "secret_seed").write_text("12345")
    (course / "probes.py").write_text(PROBES)
    view = FileView.for_course(course)
    if not isolation_available(view):
        pytest.skip("Linux namespaces are not available here: the sandbox falls back to resource limits only")
    return course


def run(course, cells, name="flag", limits=None):
    with StudentProcess(cells, course / "probes.py", limits or Limits(), view=FileView.for_course(course)) as p:
        return int(p.call("value", kwargs={"name": name})["y"]), p


@pytest.mark.parametrize("what", ["secret seed", "solution notebook", "hidden checks", "git history"])
def test_hidden_files_cannot_be_read(course, what):
    path = {"secret seed": course / ".grading" / "hw1" / "secret_seed",
            "solution notebook": REPO / "solutions" / "hw1" / "hw1.ipynb",
            "hidden checks": REPO / "autograder" / "hw1" / "test_made.py",
            "git history": REPO / ".git" / "HEAD"}[what]
    assert path.exists() and open(path, "rb").read(1)  # the grader itself can read it
    assert run(course, [readable(path)])[0] == 0


def test_what_notebooks_need_stays_available_and_the_grader_is_not_importable(course):
    cells = ["import torch, dgmlib, sklearn.datasets\nsklearn.datasets.load_digits()\n"
             "open('scratch.txt', 'w').write('the working folder is writable')\nok = 1",
             "try:\n    import autograder\n    grader = 1\nexcept ImportError:\n    grader = 0"]
    assert run(course, cells, "ok")[0] == 1
    assert run(course, cells, "grader")[0] == 0


def test_another_grading_s_working_folder_cannot_be_read(course):
    other = StudentProcess(["x = 1"], course / "probes.py", sandboxed=False)
    other.launch()
    try:
        assert run(course, [readable(other.workdir / "job.json")])[0] == 0
    finally:
        other.close()


def test_there_is_no_network(course):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        cell = (f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
                f"    connected = 1\nexcept OSError:\n    connected = 0")
        assert run(course, [cell], "connected")[0] == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="a separate sandbox user needs a grader running as root")
def test_student_runs_as_its_own_user_and_sees_no_other_process(course):
    cell = ("import os\nuid = os.getuid()\n"
            f"grader_visible = int(os.path.exists('/proc/{os.getpid()}/cmdline'))")
    uid, process = run(course, [cell], "uid")
    assert uid >= SANDBOX_UID_BASE and "separate user" in process.isolation
    assert run(course, [cell], "grader_visible")[0] == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="RLIMIT_NPROC binds only the separate sandbox user")
def test_a_fork_bomb_is_capped_and_every_child_is_killed(course):
    limits = Limits(processes=64)
    children, process = run(course, [FORK_BOMB], "children", limits)
    assert 0 < children < 64
    assert living_processes(range(process.uid, process.uid + 1)) == []


def test_without_namespaces_the_grader_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(student_process, "isolation_available", lambda view: False)
    process = StudentProcess(["x = 1"], tmp_path / "probes.py", view=FileView.for_course(tmp_path))
    assert "limits only" in process.isolation
    assert np.isscalar(process.limits.processes)
