"""The sandbox layers, each proven on a process that tries to get past it, in both modes: as root (a separate user per
submission) and as the grader's own user in a user namespace (what an ordinary user's grader runs; here forced by
giving the sandbox no separate user). Skipped with a reason where bubblewrap cannot start (the grader then says so).
"""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.grading.student_process import ProcessDied, StudentProcess
from autograder.hw1.adversarial import DAEMON, FORGED_FRAME, FORK_BOMB
from autograder.sandbox import isolation as sandbox
from autograder.sandbox.isolation import SANDBOX_UID_BASE, Allowlist, Limits, living_processes

REPO = Path(__file__).resolve().parents[1]
PROBES = ("def value(ns, name):\n    return {'y': answer(ns, name)}\n"
          "def call(ns, name):\n    return answer(ns, name)()\n")


def readable(path) -> str:
    return (f"def can_read(path):\n    try:\n        open(path, 'rb').read(1)\n        return 1\n"
            f"    except OSError:\n        return 0\nflag = can_read({str(path)!r})")


def writable(path) -> str:
    return (f"try:\n    open({str(path)!r}, 'w').write('import os')\n    flag = 1\n"
            f"except OSError:\n    flag = 0")


@pytest.fixture(params=["separate user", "own user"])
def probes(request, tmp_path, monkeypatch):
    if request.param == "separate user" and os.geteuid() != 0:
        pytest.skip("a separate sandbox user needs a grader running as root")
    if request.param == "own user":
        monkeypatch.setattr(sandbox, "sandbox_user", lambda: None)
    path = tmp_path / "probes.py"
    path.write_text(PROBES)
    if not StudentProcess(["x = 1"], path).sandbox.isolated:
        pytest.skip("bubblewrap cannot start here (user namespaces disabled?): the grader falls back to limits only")
    return path


def run(probes, cells, name="flag", limits=None):
    with StudentProcess(cells, probes, limits or Limits()) as p:
        return int(p.call("value", kwargs={"name": name})["y"]), p


@pytest.mark.parametrize("what", ["secret seed", "solution notebook", "hidden checks", "git history", "gradebook"])
def test_the_course_cannot_be_read(probes, tmp_path, what):
    course = tmp_path / "course"
    (course / ".grading" / "hw1").mkdir(parents=True)
    (course / ".grading" / "hw1" / "secret_seed").write_text("12345")
    (course / "gradebook.db").write_text("grades")
    path = {"secret seed": course / ".grading" / "hw1" / "secret_seed", "gradebook": course / "gradebook.db",
            "solution notebook": REPO / "solutions" / "hw1" / "hw1.ipynb",
            "hidden checks": REPO / "autograder" / "hw1" / "test_made.py",
            "git history": REPO / ".git" / "HEAD"}[what]
    if not path.exists():
        pytest.skip(f"{path} is not in this checkout")
    assert open(path, "rb").read(1)  # the grader itself can read it
    assert run(probes, [readable(path)])[0] == 0


def test_nothing_outside_the_allowlist_exists(probes, tmp_path):
    """Another checkout anywhere on the machine (a TA's clone, a backup) is invisible: the whole tree the process
    sees is the allowlist, the ancestors of its folders, and the process's private folders."""
    backup = Path(shutil.copytree(REPO / "solutions", tmp_path / "backup" / "solutions"))
    assert (backup / "hw1" / "hw1.ipynb").exists()
    allowlist = Allowlist.for_interpreter()
    allowed = [*allowlist.read_only, *(path for _, path in allowlist.symlinks), "/proc", "/dev", sandbox.HOME,
               sandbox.JOB, "/tmp", "/var/tmp"]
    cell = ("import os\nallowed = " + repr(allowed) + "\n"
            "def inside(path, folder):\n    return path == folder or path.startswith(folder.rstrip('/') + '/')\n"
            "stray = []\n"
            "for top, folders, files in os.walk('/'):\n"
            "    if any(inside(top, a) for a in allowed):\n        folders[:] = []\n        continue\n"
            "    stray += [os.path.join(top, f) for f in files\n"
            "              if not any(inside(os.path.join(top, f), a) for a in allowed)]\n"
            "    stray += [os.path.join(top, f) for f in folders\n"
            "              if not any(inside(a, os.path.join(top, f)) or inside(os.path.join(top, f), a)"
            " for a in allowed)]\n"
            "found = [p for top, _, files in os.walk('/') for p in files if p == 'hw1.ipynb']\n"
            "flag = len(stray) + len(found)\nimport sys\nprint(stray, found, file=sys.stderr)")
    assert run(probes, [cell])[0] == 0


def test_a_checkout_inside_an_allowed_folder_is_hidden(probes, tmp_path, monkeypatch):
    """A course checked out inside a folder the sandbox must show (here a stand-in for /usr/local/src) is covered,
    while what lies beside it, and a folder inside it that the sandbox needs (dgmlib), stay visible."""
    outer = tmp_path / "shown"
    course, needed = outer / "course", outer / "course" / "dgmlib"
    needed.mkdir(parents=True)
    for path, text in ((outer / "beside.txt", "x"), (course / "hw1.ipynb", "solution"), (needed / "ok.py", "y")):
        path.write_text(text)
    for path in (tmp_path, outer, course, needed):
        path.chmod(0o755)
    base = Allowlist.for_interpreter()
    allowlist = Allowlist((*base.read_only, str(outer), str(needed)), (str(course),), base.symlinks)
    monkeypatch.setattr(Allowlist, "for_interpreter", classmethod(lambda cls: allowlist))
    cell = readable(outer / "beside.txt") + "\nbeside = flag\n" + readable(needed / "ok.py") + "\nneeded = flag\n" + \
        readable(course / "hw1.ipynb")
    assert [run(probes, [cell], name)[0] for name in ("beside", "needed", "flag")] == [1, 1, 0]


def test_what_notebooks_need_stays_available_and_the_grader_is_not_importable(probes):
    cells = ["import torch, dgmlib, sklearn.datasets, matplotlib.pyplot as plt\nsklearn.datasets.load_digits()\n"
             "plt.plot([1, 2]); plt.savefig('plot.png')\n"
             "open('scratch.txt', 'w').write('the working folder is writable')\nok = 1",
             "try:\n    import autograder\n    grader = 1\nexcept ImportError:\n    grader = 0"]
    assert run(probes, cells, "ok")[0] == 1
    assert run(probes, cells, "grader")[0] == 0


@pytest.mark.parametrize("where", ["site-packages", "dgmlib", "base installation", "job"])
def test_the_interpreter_dgmlib_and_the_job_are_read_only(probes, where):
    import dgmlib

    folder = {"site-packages": next(p for p in sys.path if p.endswith("site-packages")),
              "dgmlib": os.path.dirname(dgmlib.__file__), "base installation": sys.base_prefix,
              "job": sandbox.JOB}[where]
    target = Path(folder) / "zz_dgm_planted.pth"
    assert run(probes, [writable(target)])[0] == 0
    assert where == "job" or not target.exists()


def test_private_folders_are_capped_and_gone_with_the_process(probes):
    limits = Limits(home_bytes=8 * 2**20, scratch_bytes=4 * 2**20)
    fill = ("def fill(path):\n    written = 0\n    try:\n        with open(path, 'wb') as f:\n"
            "            for _ in range(64):\n                f.write(bytes(2**20))\n                f.flush()\n"
            "                written += 1\n    except OSError:\n        pass\n    return written\n"
            "flag = max(fill('big'), fill('/tmp/big'), fill('/var/tmp/big'), fill('/dev/shm/big'))")
    assert run(probes, [fill], limits=limits)[0] <= 8
    plant = "\n".join(f"open('{p}/planted', 'w').write('a message')" for p in ("/tmp", "/var/tmp", "/dev/shm"))
    look = "import os\nflag = sum(os.path.exists(f'{p}/planted') for p in ('/tmp', '/var/tmp', '/dev/shm', '/run'))"
    run(probes, [plant + "\nflag = 0"])
    assert run(probes, [look])[0] == 0, "a file survived from one sandbox to the next"


def test_no_host_file_can_be_grown(probes):
    """fallocate(FALLOC_FL_KEEP_SIZE) grows a file past RLIMIT_FSIZE: none of the process's descriptors is a host
    file it could grow that way (what it prints goes to /dev/null)."""
    cell = ("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "flag = sum(libc.fallocate(fd, 1, ctypes.c_long(0), ctypes.c_long(300 * 2**20)) == 0\n"
            "           for fd in map(int, os.listdir('/proc/self/fd')))")
    assert run(probes, [cell])[0] == 0


def test_there_is_no_network(probes):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        cell = (f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
                f"    connected = 1\nexcept OSError:\n    connected = 0")
        assert run(probes, [cell], "connected")[0] == 0


def test_no_other_process_is_visible(probes):
    cell = f"import os\nflag = int(os.path.exists('/proc/{os.getpid()}/cmdline')) + len(os.listdir('/proc')) // 1000"
    assert run(probes, [cell])[0] == 0


def test_as_root_the_student_runs_as_its_own_user(probes):
    if sandbox.sandbox_user() is None:
        pytest.skip("a separate sandbox user needs a grader running as root")
    uid, process = run(probes, ["import os\nuid = os.getuid()"], "uid")
    assert uid == process.uid >= SANDBOX_UID_BASE and "separate user" in process.isolation


def test_a_fork_bomb_is_capped_and_every_child_is_killed(probes):
    process = StudentProcess([FORK_BOMB], probes, Limits(processes=64))
    with process:
        children = int(process.call("value", kwargs={"name": "children"})["y"])
        if process.uid is None and os.geteuid() == 0 and "cgroup v" not in process.isolation:
            pytest.skip("neither RLIMIT_NPROC (which does not bind root) nor a pids cgroup caps this mode")
        assert 0 < children < 64
    if process.uid is not None:
        assert living_processes(range(process.uid, process.uid + 1)) == []


MEMORY_HOGS = """
import os, time
import numpy as np
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        hoard = np.ones(400 * 2**20, np.uint8)  # touched: 400 MB resident in each child
        time.sleep(2)
        os._exit(0)
    children.append(pid)
survivors = sum(os.waitpid(pid, 0)[1] == 0 for pid in children)
"""


def test_memory_is_capped_for_the_whole_submission(probes):
    with StudentProcess([MEMORY_HOGS], probes, Limits(memory_bytes=1024 * 2**20)) as process:
        survivors = int(process.call("value", kwargs={"name": "survivors"})["y"])
        if "cgroup v" not in process.isolation:
            pytest.skip("no writable cgroup here: memory is capped per process only")
    assert survivors <= 2, "1.6 GB in four processes fit under a 1 GB cap"


def daemons(marker: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            pass
    return found


def test_a_daemon_dies_with_its_sandbox(probes):
    marker = f"dgm-daemon-{os.getpid()}"
    with StudentProcess([DAEMON.replace("{marker}", marker)], probes) as process:
        assert int(process.call("value", kwargs={"name": "started"})["y"]) == 1
        assert daemons(marker), "the daemon should be running while the sandbox is"
    assert daemons(marker) == []


def test_outputs_are_bounded_before_they_are_read(probes):
    cells = ["def huge():\n    import numpy as np\n    return {'y': np.zeros(2**25)}", FORGED_FRAME]
    with StudentProcess(cells, probes, Limits(output_bytes=2**20)) as process:
        with pytest.raises(ProcessDied, match="refuses"):
            process.call("call", kwargs={"name": "huge"})
        with pytest.raises(ProcessDied, match="header does not match"):
            process.call("call", kwargs={"name": "forged"})
        assert np.array_equal(process.call("value", kwargs={"name": "ok"})["y"], 1)


def test_without_bubblewrap_the_grader_refuses_root_or_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_binary", lambda: None)
    (tmp_path / "probes.py").write_text(PROBES)
    process = StudentProcess(["x = 1"], tmp_path / "probes.py")
    if os.geteuid() == 0:
        with pytest.raises(sandbox.SandboxUnavailable, match="would run as root"):
            process.call("value", kwargs={"name": "x"})
        monkeypatch.setenv(sandbox.UNSANDBOXED_ENV, "1")
    with process:
        assert int(process.call("value", kwargs={"name": "x"})["y"]) == 1
        assert "limits only" in process.isolation


@pytest.mark.parametrize("garbage", [
    '{"event": "cell", "position": "x"}', '{"event": "ready"}', '{"event": "ready", "cells": "abc"}',
    '{"event": "cell", "position": ' + "9" * 5000 + "}", "not json", '{"event": "result", "id": 0, "ok": true}',
])
def test_garbage_on_the_channel_stops_that_student_only(probes, garbage):
    cell = f"import os, sys\nos.write(int(sys.argv[2]), {garbage!r}.encode() + b'\\n')\nimport time\ntime.sleep(30)"
    with StudentProcess([cell], probes, Limits(startup_seconds=10)) as process:
        with pytest.raises(ProcessDied, match="garbage"):
            process.call("value", kwargs={"name": "x"})


def test_a_daemon_dies_when_the_grader_is_killed(probes, tmp_path):
    """The grader's process killed outright (a crash, the wall limit's SIGKILL): nothing of the sandbox survives."""
    import signal
    import time

    marker = f"dgm-orphan-{os.getpid()}"
    script = tmp_path / "grader.py"
    script.write_text(
        "import sys\nfrom pathlib import Path\nfrom autograder.sandbox import isolation as sandbox\n"
        f"if {sandbox.sandbox_user() is None}:\n    sandbox.sandbox_user = lambda: None\n"
        "from autograder.grading.student_process import StudentProcess\n"
        f"process = StudentProcess([{DAEMON.replace('{marker}', marker)!r}], Path({str(probes)!r}))\n"
        "process.call('value', kwargs={'name': 'started'})\nprint('ready', flush=True)\nimport time\ntime.sleep(60)\n")
    environment = os.environ | {"TMPDIR": str(tmp_path)}  # (a killed grader cannot remove its job folder)
    grader = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, cwd=REPO, env=environment)
    try:
        assert grader.stdout.readline().strip() == b"ready"
        assert daemons(marker)
    finally:
        grader.send_signal(signal.SIGKILL)
        grader.wait()
    deadline = time.monotonic() + 5
    while daemons(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert daemons(marker) == []


def test_groups_left_by_a_killed_grader_are_removed_by_the_next():
    from autograder.sandbox.cgroup import PREFIX, submission_group

    group = submission_group(2**30, 64)
    if group is None:
        pytest.skip("no writable cgroup here")
    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = [folder.parent / f"{PREFIX}{gone.pid}-0" for folder in group.folders]
    for folder in stale:
        folder.mkdir()
    group.kill_and_remove()
    submission_group(2**30, 64).kill_and_remove()
    assert not any(folder.exists() for folder in stale + group.folders)


def test_a_sandbox_the_caller_probed_starts_without_probing_again(monkeypatch):
    """grade_notebook's process probes bwrap once and says so to each grading; a grading told anything else, or using
    another allowlist, probes itself."""
    bwrap = sandbox.bwrap_binary()
    if bwrap is None or not sandbox.probed_environment():
        pytest.skip("bubblewrap cannot start here")

    def probe(*args):
        raise AssertionError("probed again")

    monkeypatch.setattr(sandbox, "isolation_available", probe)
    monkeypatch.setenv(sandbox.PROBED_ENV, sandbox.probe_key(bwrap, sandbox.sandbox_user()))
    assert sandbox.Sandbox(Limits()).isolated
    for wrong in (sandbox.probe_key("/elsewhere/bwrap", sandbox.sandbox_user()), "yes"):
        monkeypatch.setenv(sandbox.PROBED_ENV, wrong)
        with pytest.raises(AssertionError, match="probed again"):
            sandbox.Sandbox(Limits())
    monkeypatch.setenv(sandbox.PROBED_ENV, sandbox.probe_key(bwrap, sandbox.sandbox_user()))
    with pytest.raises(AssertionError, match="probed again"):
        sandbox.Sandbox(Limits(), Allowlist.for_interpreter())
    assert sandbox.PROBED_ENV not in sandbox.student_environment()
