"""Grading pytest processes forked from a warm server instead of started from nothing.

Each grading runs the hidden suite in its own pytest process (grade.py). Started from nothing, that process spends
about a second of CPU before its first check: the interpreter, pytest, NumPy, torch and SciPy's statistics. A fork
server imports those once; every grading is then a fresh `fork()` of it that runs `pytest.main` and exits, so no
state passes from one submission to the next, and the work saved is the imports alone.

Only third-party libraries are imported before the fork: the server runs this file by path, not as part of the
`autograder` package, and each grading imports the grader (plugin, checks, probes) from its course folder, as
`python -m pytest` run there would. A changed suite is therefore always the one that runs. The server imports
nothing that starts a thread of its own (threads do not survive a fork) and runs no tensor code before forking.
`DGM_GRADE_FORK_SERVER=0` turns it off: each grading is then `python -m pytest` started from nothing.

Protocol (one request at a time per server, one server per concurrent caller, reused through `ForkServerPool`):
    request   one JSON line: {"argv": [...], "env": {...}, "cwd": str, "log": str, "timeout": s}; the server was
              started with `env` less the variables of one grading (its folder, seed, start time)
    reply     one JSON line: {"returncode": int | null}, null when the grading ran past `timeout` and was killed
The grading's stdout and stderr go to the file `log`. The server exits when its stdin closes (its caller is gone); a
grading dies with its server (PR_SET_PDEATHSIG), and the student's processes with the grading. A server that cannot
start or dies raises ServerGone, and the caller grades that submission the old way (grade._run_pytest).

Python's multiprocessing.forkserver does not fit: every child re-imports the caller's main script (nbgrader's
command, for TrustedAutograde) and the call must be pickled.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PRELOADED = ("numpy", "torch", "scipy.stats", "pytest")  # third-party only: the grader's own code stays fresh
FORK_SERVER_ENV = "DGM_GRADE_FORK_SERVER"  # "0": no fork server
NOT_IN_THE_KEY = ("PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")  # read by each grading, not the server
SPARE_SECONDS = 30  # the caller waits this much past the server's own timeout before it gives up on the server
START_SECONDS = 120  # for the server's imports
PR_SET_PDEATHSIG = 1


class ServerGone(RuntimeError):
    """The server could not start or died; the grading it was given (if any) died with it."""


def available() -> bool:
    """Linux only: on macOS a forked process may not use what its parent imported (Objective-C, Accelerate)."""
    return sys.platform.startswith("linux") and os.environ.get(FORK_SERVER_ENV, "1") != "0"


# ---------------------------------------------------------------- the server (this file run by path)

def serve() -> None:
    for module in PRELOADED:
        __import__(module)
    _warm_pytest()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.write(json.dumps({"returncode": _run_one(request)}) + "\n")
        sys.stdout.flush()


def _warm_pytest() -> None:
    """Run pytest once on an empty private folder, so that what it builds on first use (its command line's patterns,
    0.12 s) is built before the fork. Nothing but pytest's own modules may load: no settings file or conftest.py
    (`-c /dev/null`, `--noconftest`: otherwise pytest would look for them up to /tmp, where anyone can write), no
    installed plugin and none named by the environment. pytest removes its import hooks when it ends."""
    import pytest

    saved = dict(os.environ)
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
        os.environ.pop(name, None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        with tempfile.TemporaryDirectory() as empty, open(os.devnull, "w") as devnull:
            with contextlib.redirect_stdout(devnull), contextlib.redirect_stderr(devnull):
                pytest.main(["--collect-only", "-q", "-c", os.devnull, "--noconftest", "-p", "no:cacheprovider",
                             "--rootdir", empty, empty])
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _run_one(request: dict) -> int | None:
    server = os.getpid()
    pid = os.fork()
    if pid == 0:
        _child(request, server)  # never returns
    deadline = time.monotonic() + request["timeout"]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.01)


def _child(request: dict, server: int) -> None:
    code = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # gone with the server
        if os.getppid() != server:  # the server died before the line above
            os._exit(1)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.chdir(request["cwd"])
        sys.path.insert(0, os.getcwd())  # as `python -m pytest` run there: the course's own copy of the grader
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # TMPDIR is this grading's own folder
        import pytest

        code = pytest.main(request["argv"])
    except BaseException as error:  # noqa: BLE001 - whatever happens, the child must not return into the server
        print(f"fork server: the grading failed: {error!r}", file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(code))


# ---------------------------------------------------------------- the caller's side

class ForkServer:
    """One server process, started with the caller's environment, serving one grading at a time."""

    def __init__(self, env: dict[str, str]):
        # `-P`: nothing of the caller's folder shadows what the server imports (each grading adds its own).
        # No PR_SET_PDEATHSIG here: it fires when the *thread* that started the server ends (a worker thread); the
        # server ends instead when its stdin closes, which happens when the caller's process is gone.
        bootstrap = f"import runpy; runpy.run_path({__file__!r}, run_name='__main__')"
        try:
            self.process = subprocess.Popen([sys.executable, "-P", "-c", bootstrap], env=env, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, text=True)
        except OSError as error:
            raise ServerGone(f"the grading fork server could not start: {error}") from error
        if self._read_line(START_SECONDS) != "ready":
            self.close()
            raise ServerGone("the grading fork server did not start")

    def run(self, argv: list[str], env: dict[str, str], cwd: Path, log: Path, timeout: float) -> int | None:
        """Run `pytest argv` in a fork; its return code, or None if it ran past `timeout` (then it was killed)."""
        request = {"argv": argv, "env": env, "cwd": str(cwd), "log": str(log), "timeout": timeout}
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except OSError as error:  # it died while idle
            raise ServerGone(f"the grading fork server is gone: {error}") from error
        ready, _, _ = select.select([self.process.stdout], [], [], timeout + SPARE_SECONDS)
        if not ready:  # stuck: stopped with its grading (PR_SET_PDEATHSIG), which ran past its time
            self.close()
            return None
        reply = self.process.stdout.readline()
        if not reply:
            raise ServerGone("the grading fork server died during a grading")
        return json.loads(reply)["returncode"]

    def _read_line(self, timeout: float) -> str | None:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        return line.strip() or None

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()


class ForkServerPool:
    """Idle servers by environment (less what each grading reads for itself, NOT_IN_THE_KEY), so concurrent callers
    never share one and a grading whose environment differs (other thread limits, PYTHONPATH, ...) never runs in a
    server whose imports saw another. At most `max_idle` servers wait (each holds torch in memory, about 0.4 GB);
    the longest idle is stopped first."""

    def __init__(self, max_idle: int = 4):
        self.lock = threading.Lock()
        self.idle: list[tuple[tuple, ForkServer]] = []  # longest idle first
        self.max_idle = max_idle
        atexit.register(self.close)

    def run(self, argv: list[str], env: dict[str, str], grading_env: dict[str, str], cwd: Path, log: Path,
            timeout: float) -> int | None:
        """`pytest argv` in cwd with env | grading_env (this grading's own variables); see ForkServer.run."""
        server_env = {k: v for k, v in env.items() if k not in NOT_IN_THE_KEY}
        key = tuple(sorted(server_env.items()))
        with self.lock:
            matching = [k for k, (idle_key, _) in enumerate(self.idle) if idle_key == key]
            server = self.idle.pop(matching[-1])[1] if matching else None
        if server is None or server.process.poll() is not None:  # a server that died idle is replaced
            server = ForkServer(server_env)
        try:
            returncode = server.run(argv, env | grading_env, cwd, log, timeout)
        except BaseException:
            server.close()
            raise
        if server.process.poll() is None:
            with self.lock:
                self.idle.append((key, server))
                surplus = self.idle[:-self.max_idle]
                del self.idle[:-self.max_idle]
            for _, old in surplus:
                old.close()
        return returncode

    def close(self) -> None:
        with self.lock:
            servers, self.idle = self.idle, []
        for _, server in servers:
            server.close()


POOL = ForkServerPool()

if __name__ == "__main__":
    serve()
