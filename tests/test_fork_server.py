"""The grading pytest processes are forks of a warm server: fresh per grading, killed past their time, replaced
when they die, never shared by gradings whose environment differs (autograder/grading/fork_server.py)."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder.grading import fork_server
from autograder.grading.grade import _run_pytest
from autograder.sandbox.isolation import _stat

pytestmark = pytest.mark.skipif(not fork_server.available(), reason="the fork server runs on Linux only")

SUITE = '''
import json, os, sys, tempfile, time
import numpy


def test_report():
    import helper  # from the folder the grading runs in, as with `python -m pytest` run there

    report = {"pid": os.getpid(), "server": os.getppid(), "torch_preloaded": "torch" in sys.modules,
              "helper": helper.FOLDER, "autograder_preloaded": any(m.startswith("autograder") for m in sys.modules),
              "leftover": getattr(numpy, "_left_by_an_earlier_grading", False), "cwd": os.getcwd(),
              "tmp": tempfile.gettempdir(), "secret": os.environ.get("GRADING_ONLY")}
    numpy._left_by_an_earlier_grading = True
    print(json.dumps(report))
    time.sleep(float(os.environ.get("SLEEP", "0")))
'''


@pytest.fixture
def pool():
    pool = fork_server.ForkServerPool(max_idle=2)
    yield pool
    pool.close()


def grade(pool, tmp_path, name, env=None, timeout=60, **grading_env):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "test_suite.py").write_text(SUITE)
    (folder / "helper.py").write_text(f"FOLDER = {name!r}\n")
    log = folder / "log.txt"
    base = os.environ | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"} | (env or {})
    returncode = pool.run(["-q", "-s", "-p", "no:cacheprovider", "-o", "addopts=", str(folder / "test_suite.py")],
                          base, {"TMPDIR": str(folder), **grading_env}, folder, log, timeout)
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    return returncode, (json.loads(lines[0]) if lines else None)


def test_each_grading_is_a_fresh_fork_of_one_warm_server(pool, tmp_path):
    (code1, first), (code2, second) = grade(pool, tmp_path, "a", GRADING_ONLY="1"), grade(pool, tmp_path, "b")
    assert code1 == code2 == 0
    assert first["server"] == second["server"] != os.getpid() and first["pid"] != second["pid"]
    assert first["torch_preloaded"] and not second["leftover"]  # warm, and nothing of the first grading is left
    assert second["cwd"] == str(tmp_path / "b") and second["tmp"] == str(tmp_path / "b")
    assert first["secret"] == "1" and second["secret"] is None  # one grading's variables stay its own
    assert (first["helper"], second["helper"]) == ("a", "b")  # each imports from its own folder, nothing stale
    assert not first["autograder_preloaded"]  # the grader's own code is imported fresh by each grading


def test_what_pytest_finds_in_tmp_never_loads_into_the_server(pool, tmp_path, monkeypatch):
    """The warm-up runs pytest in a folder under TMPDIR; settings and a conftest.py planted above it (anyone may write
    /tmp) must not run in the server, nor plugins named by the environment."""
    planted = tmp_path / "shared-tmp"
    planted.mkdir()
    (planted / "pytest.ini").write_text("[pytest]\n")
    (planted / "conftest.py").write_text("import numpy\nnumpy._planted = True\n")
    env = {"TMPDIR": str(planted), "PYTEST_PLUGINS": "planted_plugin", "PYTHONPATH": str(planted)}
    (planted / "planted_plugin.py").write_text("import numpy\nnumpy._planted = True\n")
    code, report = grade(pool, tmp_path, "victim", env=env)
    assert code == 0 and not report["leftover"]
    check = tmp_path / "check"
    check.mkdir()
    (check / "test_check.py").write_text("import numpy\ndef test_clean():\n    assert not hasattr(numpy, '_planted')\n")
    returncode = pool.run(["-q", "-p", "no:cacheprovider", "-c", os.devnull, str(check)],
                          os.environ | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"} | env | {"PYTEST_PLUGINS": ""},
                          {}, check, check / "log.txt", 60)
    assert returncode == 0, (check / "log.txt").read_text()


def test_a_grading_past_its_time_is_killed_and_the_server_goes_on(pool, tmp_path):
    started = time.monotonic()
    returncode, _ = grade(pool, tmp_path, "slow", timeout=2, SLEEP="60")
    assert returncode is None and time.monotonic() - started < 20
    returncode, report = grade(pool, tmp_path, "next")
    assert returncode == 0 and report is not None


def test_a_server_that_died_is_replaced(pool, tmp_path):
    _, first = grade(pool, tmp_path, "a")
    os.kill(first["server"], 9)
    time.sleep(0.5)
    returncode, second = grade(pool, tmp_path, "b")
    assert returncode == 0 and second["server"] != first["server"]


def test_a_grading_dies_with_its_server_and_is_graded_again_without_one(pool, tmp_path, monkeypatch):
    (_, first) = grade(pool, tmp_path, "warm")
    server = first["server"]
    threading.Timer(3, os.kill, (server, 9)).start()
    with pytest.raises(fork_server.ServerGone):
        grade(pool, tmp_path, "doomed", SLEEP="60")
    doomed = json.loads((tmp_path / "doomed" / "log.txt").read_text().splitlines()[0])
    assert gone(doomed["pid"]), "the grading outlived its server"
    monkeypatch.setattr(fork_server, "POOL", pool)
    monkeypatch.setattr(pool, "run", lambda *args: (_ for _ in ()).throw(fork_server.ServerGone("gone")))
    folder = tmp_path / "fallback"
    folder.mkdir()
    (folder / "test_ok.py").write_text("def test_ok():\n    pass\n")
    log = folder / "log.txt"
    assert _run_pytest(["-q", "-p", "no:cacheprovider", str(folder)], dict(os.environ), {}, folder, log, 60) == 0
    assert "1 passed" in log.read_text()


def gone(pid: int, seconds: float = 10) -> bool:
    """The process has ended (a zombie no one reaped counts as ended)."""
    for _ in range(int(seconds * 10)):
        state = _stat(pid)
        if state is None or state[0] in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


def test_a_different_environment_gets_its_own_server_and_few_wait(pool, tmp_path):
    servers = [grade(pool, tmp_path, f"g{k}", env={"OMP_NUM_THREADS": str(k)})[1]["server"] for k in range(1, 4)]
    assert len(set(servers)) == 3
    assert len(pool.idle) == 2  # the longest idle was stopped
    assert grade(pool, tmp_path, "again", env={"OMP_NUM_THREADS": "3"})[1]["server"] == servers[2]


def test_the_server_ends_with_its_caller(tmp_path):
    """A caller that dies leaves no server behind (its stdin closes)."""
    script = tmp_path / "caller.py"
    script.write_text("import os\nfrom autograder.grading.fork_server import ForkServer\n"
                      "print(ForkServer(dict(os.environ)).process.pid, flush=True)\nos._exit(0)\n")
    caller = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[1])
    assert gone(int(caller.stdout.split()[0])), "the server outlived its caller"
